import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { parseCib } from "../cib/unpack.js";
import { TandemError } from "../core/errors.js";
import { compareOutputs } from "../scheduler/corpus-compare.js";
import { schedule } from "../scheduler/index.js";
import { crmSimulateCommand } from "./crm_simulate.js";
import { captureIO } from "./io.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const ref = path.resolve(repoRoot, "../shared/reference/pacemaker-2.1.5");
const corpus = path.resolve(repoRoot, "../shared/scheduler-corpus/core");

const CIB = `<cib admin_epoch="0" epoch="3" num_updates="1" have-quorum="1">
 <configuration>
  <crm_config><cluster_property_set id="o"><nvpair id="o1" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>
  <nodes><node id="1" uname="n1"/><node id="2" uname="n2"/></nodes>
  <resources>
   <group id="web"><primitive id="ip" class="ocf" provider="heartbeat" type="IPaddr2"><operations><op id="ip-mon" name="monitor" interval="30s"/></operations></primitive>
   <primitive id="httpd" class="ocf" provider="heartbeat" type="apache"/></group>
  </resources>
  <constraints><rsc_location id="web-on-n1" rsc="web" node="n1" score="100"/></constraints>
 </configuration>
 <status>
  <node_state id="1" uname="n1" in_ccm="true" crmd="online" join="member" expected="member"/>
  <node_state id="2" uname="n2" in_ccm="true" crmd="online" join="member" expected="member"/>
 </status>
</cib>`;

function tmp(): string {
  return mkdtempSync(path.join(tmpdir(), "tandem-crm-simulate-"));
}

test("crm_simulate -S: the four sections in Pacemaker's layout", async () => {
  const dir = tmp();
  writeFileSync(path.join(dir, "cib.xml"), CIB);
  const cap = captureIO({ cwd: dir });
  assert.equal(await crmSimulateCommand(["-x", "cib.xml", "-S"], cap.io), 0);
  const out = cap.stdout;
  assert.match(
    out,
    /^Current cluster status:\n {2}\* Node List:\n {4}\* Online: \[ n1 n2 \]\n\n {2}\* Full List of Resources:\n {4}\* Resource Group: web:\n {6}\* ip\t\(ocf:heartbeat:IPaddr2\):\t Stopped\n/,
  );
  assert.match(
    out,
    /\nTransition Summary:\n {2}\* Start {6}ip {6}\( {4}n1 \)\n {2}\* Start {6}httpd {3}\( {4}n1 \)\n\nExecuting Cluster Transition:\n/,
  );
  assert.match(out, / {2}\* Pseudo action: {3}web_start_0\n/);
  assert.match(out, / {2}\* Resource action: ip {14}monitor=30000 on n1\n/);
  assert.match(
    out,
    /\nRevised Cluster Status:\n[\s\S]* {6}\* ip\t\(ocf:heartbeat:IPaddr2\):\t Started n1\n {6}\* httpd\t\(ocf:heartbeat:apache\):\t Started n1\n$/,
  );
});

test("crm_simulate -R -s -Q: scores and summary only; -G/-D/-O write files; the saved CIB is settled", async () => {
  const dir = tmp();
  writeFileSync(path.join(dir, "cib.xml"), CIB);
  const cap = captureIO({ cwd: dir });
  await crmSimulateCommand(["-x", "cib.xml", "-R", "-s", "-Q"], cap.io);
  assert.doesNotMatch(cap.stdout, /Current cluster status/);
  assert.match(cap.stdout, /pcmk__group_assign: web allocation score on n1: 100\n/);
  assert.match(cap.stdout, /pcmk__primitive_assign: ip allocation score on n2: 0\n/);
  const cap2 = captureIO({ cwd: dir });
  await crmSimulateCommand(
    ["-x", "cib.xml", "-S", "-G", "g.xml", "-D", "g.dot", "--save-output=out.xml"],
    cap2.io,
  );
  assert.match(
    readFileSync(path.join(dir, "g.xml"), "utf8"),
    /<transition_graph[\s\S]*operation_key="ip_start_0"/,
  );
  assert.match(readFileSync(path.join(dir, "g.dot"), "utf8"), /"ip_start_0 n1" -> "httpd_start_0 n1"/);
  const after = parseCib(readFileSync(path.join(dir, "out.xml"), "utf8"));
  const t = schedule(after, { now: 0 });
  assert.deepEqual(t.summary, []);
  assert.equal(t.ws.byId.get("httpd")?.runningOn[0], "n1");
});

test("crm_simulate what-if: --node-down moves everything (injection lines printed)", async () => {
  const dir = tmp();
  const started = CIB.replace(
    '<node_state id="1" uname="n1" in_ccm="true" crmd="online" join="member" expected="member"/>',
    `<node_state id="1" uname="n1" in_ccm="true" crmd="online" join="member" expected="member"><lrm id="1"><lrm_resources>
     <lrm_resource id="ip" class="ocf" provider="heartbeat" type="IPaddr2"><lrm_rsc_op id="ip_last_0" operation="start" interval="0" call-id="2" rc-code="0" op-status="0" transition-key="1:1:0:x"/></lrm_resource>
     <lrm_resource id="httpd" class="ocf" provider="heartbeat" type="apache"><lrm_rsc_op id="httpd_last_0" operation="start" interval="0" call-id="3" rc-code="0" op-status="0" transition-key="1:1:0:x"/></lrm_resource>
    </lrm_resources></lrm></node_state>`,
  );
  writeFileSync(path.join(dir, "cib.xml"), started);
  const cap = captureIO({ cwd: dir });
  await crmSimulateCommand(["-x", "cib.xml", "-S", "-d", "n1"], cap.io);
  assert.match(cap.stdout, /Performing Requested Modifications:\n {2}\* Taking node n1 offline\n/);
  assert.match(cap.stdout, /Start {6}ip\s+\(\s+n2 \)/);
  assert.match(
    cap.stdout,
    /Revised Cluster Status:\n {2}\* Node List:\n {4}\* Online: \[ n2 \]\n {4}\* OFFLINE: \[ n1 \]/,
  );
});

test("crm_simulate what-if examples of the real tool (reference outputs)", {
  skip: !existsSync(ref) && "reference not present",
}, async () => {
  const text = readFileSync(path.join(ref, "crm_simulate-what-if.txt"), "utf8");
  const section = (cmd: string) => {
    const start = text.indexOf(`$ ${cmd}\n`);
    const end = text.indexOf("[exit", start);
    return text.slice(start + cmd.length + 3, end);
  };
  for (const args of [
    ["-S", "--node-fail", "node1"],
    ["-S", "--op-inject", "webserver_monitor_60000@node1=7"],
  ]) {
    const cap = captureIO({ cwd: ref });
    await crmSimulateCommand(["-x", "cib.xml", ...args], cap.io);
    const c = compareOutputs(section(`crm_simulate -x cib.xml ${args.join(" ")}`), cap.stdout);
    assert.ok(c.ok, `${args.join(" ")}: ${JSON.stringify(c)}`);
  }
});

test("crm_simulate -s: allocation scores equal the real tool's on the reference cluster", {
  skip: !existsSync(ref) && "reference not present",
}, async () => {
  const real = readFileSync(path.join(ref, "crm_simulate_-sL.txt"), "utf8")
    .split("\n")
    .filter((l) => l.startsWith("pcmk__"));
  const cap = captureIO({ cwd: ref });
  await crmSimulateCommand(["-x", "cib.xml", "-s", "-R", "-Q"], cap.io);
  const ours = cap.stdout.split("\n").filter((l) => l.startsWith("pcmk__"));
  assert.ok(real.length > 0);
  assert.deepEqual(ours, real);
});

test("crm_simulate -s prints Pacemaker 2.1.5's plain layout, byte for byte (reference captures)", {
  skip: !existsSync(ref) && "reference not present",
}, async () => {
  const whatIf = readFileSync(path.join(ref, "crm_simulate-what-if.txt"), "utf8");
  const cmd = "$ crm_simulate -x cib.xml -s -S --node-down node1\n";
  const start = whatIf.indexOf(cmd);
  assert.ok(start >= 0, "the reference has the -s -S --node-down case");
  const expected = whatIf.slice(start + cmd.length, whatIf.indexOf("[exit ", start));
  const cases: [string[], string][] = [
    [["-x", "cib.xml", "-s", "-S", "--node-down", "node1"], expected],
    [["-x", "cib.xml", "-s"], readFileSync(path.join(ref, "crm_simulate_-sL.txt"), "utf8")],
  ];
  for (const [argv, want] of cases) {
    const cap = captureIO({ cwd: ref });
    assert.equal(await crmSimulateCommand(argv, cap.io), 0);
    assert.equal(cap.stdout, want, argv.join(" "));
  }
  // without -s the headed layout stays
  const cap = captureIO({ cwd: ref });
  await crmSimulateCommand(["-x", "cib.xml", "-S", "--node-down", "node1"], cap.io);
  assert.match(cap.stdout, /^Current cluster status:\n {2}\* Node List:\n/);
});

test("crm_simulate output is byte-identical to Pacemaker on simple corpus cases", {
  skip: !existsSync(corpus) && "corpus not present",
}, async () => {
  for (const name of ["simple1", "994", "rec-rsc-1", "group1"]) {
    const cap = captureIO({ cwd: corpus });
    await crmSimulateCommand(["-x", `${name}.xml`, "-S"], cap.io);
    const expected = readFileSync(path.join(corpus, `${name}.expected`), "utf8");
    if (name === "group1") assert.ok(compareOutputs(expected, cap.stdout).ok);
    else assert.equal(cap.stdout, expected, name);
  }
});

test("crm_simulate bad input: one clear error each", async () => {
  const dir = tmp();
  writeFileSync(path.join(dir, "bad.xml"), "<cib><configuration>");
  writeFileSync(path.join(dir, "score.xml"), CIB.replace('score="100"', 'score="lots"'));
  const io = captureIO({ cwd: dir }).io;
  const fails = async (argv: string[], re: RegExp) =>
    assert.rejects(
      crmSimulateCommand(argv, io),
      (e: unknown) => e instanceof TandemError && re.test(e.message),
    );
  await fails(["-x", "missing.xml", "-S"], /cannot read 'missing.xml': ENOENT/);
  await fails(["-x", "bad.xml", "-S"], /XML syntax error in bad.xml/);
  await fails(["-x", "score.xml", "-S"], /rsc_location id="web-on-n1".*'lots'/);
  await fails(["-S"], /no input/);
  await fails(["-x", "bad.xml", "--bogus"], /unknown option '--bogus'/);
  await fails(["-x"], /needs a value/);
});
