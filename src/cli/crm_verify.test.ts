import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { serveIpc } from "../transport/ipc.js";
import { crmVerifyCommand, startTagLines } from "./crm_verify.js";
import { captureIO } from "./io.js";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const refDir = resolve(repoRoot, "../shared/reference/pacemaker-2.1.5");
const baseCib = readFileSync(join(refDir, "cib.xml"), "utf8");

/** Exit status the real tool gave for a reference capture (INDEX.tsv). */
function referenceExit(file: string): number {
  for (const line of readFileSync(join(refDir, "INDEX.tsv"), "utf8").split("\n")) {
    const cols = line.split("\t");
    if (cols[0] === file) return Number(cols[2]);
  }
  throw new Error(`no ${file} in INDEX.tsv`);
}

function edit(from: string, to: string, text = baseCib): string {
  assert.ok(text.includes(from), `test setup: '${from}' not in the reference cib.xml`);
  return text.replace(from, to);
}
const STONITH_OFF = 'name="stonith-enabled" value="false"';
const stonithOn = () => edit(STONITH_OFF, 'name="stonith-enabled" value="true"');

async function run(args: string[], stdin?: string, env: Record<string, string> = {}) {
  const cap = captureIO({ stdin, cwd: tmp, env: { TANDEM_SOCKET: join(tmp, "no-daemon.sock"), ...env } });
  const code = await crmVerifyCommand(args, cap.io);
  return { code, out: cap.stdout, err: cap.stderr };
}

const tmp = mkdtempSync(join(tmpdir(), "crm_verify-test-"));
test.after(() => rmSync(tmp, { recursive: true, force: true }));
function file(name: string, text: string): string {
  writeFileSync(join(tmp, name), text);
  return name;
}

test("reference: stonith enabled without stonith resources, -V (Pacemaker's exact text and status)", async () => {
  const name = "crm_verify_-L_-V.before-stonith-disabled.txt";
  const r = await run(["-x", file("stonith.xml", stonithOn()), "-V"]);
  assert.equal(r.out, "");
  assert.equal(r.err, readFileSync(join(refDir, name), "utf8"));
  assert.equal(r.code, referenceExit(name));
  assert.equal(r.code, 78);
});

test("reference: a valid configuration prints nothing and exits 0", async () => {
  for (const name of ["crm_verify_-L_-V.after-stonith-disabled.txt", "crm_verify_-L_-V.with-resources.txt"]) {
    const r = await run(["-x", file("ok.xml", baseCib), "-V"]);
    assert.equal(r.out + r.err, readFileSync(join(refDir, name), "utf8"));
    assert.equal(r.code, referenceExit(name));
  }
});

test("without -V only the summary and the hint; -VVV adds notices", async () => {
  const f = file("stonith2.xml", stonithOn());
  const quiet = await run(["--xml-file", f]);
  assert.equal(
    quiet.err,
    "crm_verify: Errors found during check: config not valid\n-V may provide more details\n",
  );
  assert.equal(quiet.code, 78);
  const loud = await run(["-x", f, "-VVV"]);
  assert.match(
    loud.err,
    /^\(unpack_config\) \tnotice: On loss of quorum: Ignore\n\(unpack_resources\) \terror: /,
  );
});

test("-p reads stdin; schema errors carry line numbers and are shown without -V", async () => {
  const dup = edit('<primitive id="webserver" class', '<primitive id="virtual_ip" class');
  const r = await run(["-p"], dup);
  const lines = r.err.trimEnd().split("\n");
  assert.equal(
    lines[0],
    "Entity: line 29: element primitive: Relax-NG validity error : ID virtual_ip redefined",
  );
  assert.ok(
    lines.includes(
      'Entity: line 43: element rsc_colocation: validity error : IDREF attribute rsc references an unknown ID "webserver"',
    ),
  );
  assert.deepEqual(lines.slice(-2), [
    "crm_verify: Errors found during check: config not valid",
    "-V may provide more details",
  ]);
  assert.equal(r.code, 78);
  const v = await run(["-x", file("dup.xml", dup), "-V"]);
  assert.match(v.err, /^dup\.xml:29: element primitive: /);
  assert.match(
    v.err,
    /\(main\) \terror: CIB did not pass schema validation\ncrm_verify: Errors found during check: config not valid\n$/,
  );
});

test("findings Pacemaker words its own way", async () => {
  const cases: [string, string, RegExp][] = [
    [
      'rsc="webserver" with-rsc="virtual_ip"',
      'rsc="webserver" with-rsc="nosuch"',
      /element rsc_colocation: validity error : IDREF attribute with-rsc references an unknown ID "nosuch"/,
    ],
    [
      'node="node1" score="50"',
      'node="node1" score="abc"',
      /Relax-NG validity error : Type integer doesn't allow value 'abc'/,
    ],
    ['rsc="webserver" node="node1"', 'rsc="webserver" node="node9"', /^$/], // unknown node names are allowed
    [
      'value="ignore"',
      'value="whatever"',
      /\(cluster_option_value\) \terror: Using default value for cluster option 'no-quorum-policy' because 'whatever' is invalid/,
    ],
    [
      'id="webserver" class="ocf" type="apache" provider="heartbeat"',
      'id="webserver" class="lsb" type="apache" provider="heartbeat"',
      /element primitive: Relax-NG validity error : Invalid attribute provider for element primitive/,
    ],
    [
      'interval="0s" timeout="40s" id="webserver-start-interval-0s"',
      'interval="10s" timeout="40s" id="webserver-start-interval-0s"',
      /\(is_recurring_history\) \terror: Ignoring webserver-start-interval-0s because start action cannot be recurring/,
    ],
  ];
  for (const [from, to, want] of cases) {
    const r = await run(["-x", file("case.xml", edit(from, to)), "-V"]);
    if (want.source === "^$") {
      assert.equal(r.err, "");
      assert.equal(r.code, 0);
    } else {
      assert.match(r.err, want, `after replacing ${from} by ${to}`);
      assert.equal(r.code, 78);
    }
  }
});

test("warnings need -VV to be seen but still make the exit status 78", async () => {
  const f = file("dupname.xml", edit('<node id="2" uname="node2"/>', '<node id="2" uname="node1"/>'));
  const v = await run(["-x", f, "-V"]);
  assert.equal(v.err, "crm_verify: Warnings found during check: config may not be valid\n");
  assert.equal(v.code, 78);
  const vv = await run(["-x", f, "-VV"]);
  assert.match(vv.err, /\(pe_create_node\) \twarning: More than one node entry has name 'node1'\n/);
  assert.match(vv.err, /\(unpack_config\) \twarning: Blind faith: not fencing unseen nodes\n/);
});

test("bad input: one line, non-zero, no stack trace", async () => {
  const notXml = await run(["-x", file("bad.xml", "not xml at all")]);
  assert.equal(notXml.code, 1);
  assert.equal(notXml.err.split("\n").length, 2);
  assert.match(
    notXml.err,
    /^crm_verify: Couldn't parse input file: bad\.xml \(XML syntax error in bad\.xml at line 1, column 1/,
  );
  const missing = await run(["-x", "does-not-exist.xml"]);
  assert.equal(missing.err, "crm_verify: Couldn't parse input file: does-not-exist.xml: no such file\n");
  assert.equal(missing.code, 1);
  const notCib = await run(["-x", file("notcib.xml", "<configuration/>")]);
  assert.equal(
    notCib.err,
    "crm_verify: This tool can only check complete configurations (i.e. those starting with <cib>).\n",
  );
  assert.equal(notCib.code, 76);
  const none = await run([]);
  assert.equal(
    none.err,
    "crm_verify: No configuration source specified.  Use --help for usage information.\n",
  );
  assert.equal(none.code, 1);
  const unknown = await run(["--bogus"]);
  assert.equal(unknown.err, "crm_verify: Unknown option --bogus\n");
  assert.equal(unknown.code, 64);
  const noArg = await run(["-x"]);
  assert.equal(noArg.err, "crm_verify: Missing argument for -x\n");
  assert.equal(noArg.code, 64);
  const live = await run(["-L"]);
  assert.match(live.err, /^crm_verify: CIB query failed: cannot connect to the cluster/);
  assert.equal(live.code, 66);
  const empty = await run(["-p"], "");
  assert.match(empty.err, /^crm_verify: Couldn't parse input from STDIN\. \(XML syntax error.*empty\)\n$/);
});

test("-X and -S: check a string and save what was verified", async () => {
  const r = await run(["-X", baseCib, "-S", "saved.xml"]);
  assert.equal(r.code, 0);
  assert.equal(readFileSync(join(tmp, "saved.xml"), "utf8"), baseCib);
  const help = await run(["--help"]);
  assert.match(help.out, /--xml-file=FILE/);
});

test("start tag lines skip comments, CDATA and processing instructions", () => {
  const text = '<?xml version="1.0"?>\n<a>\n<!-- <x> -->\n  <b attr=">"/>\n<![CDATA[<y>]]><c>\n</c></a>';
  assert.deepEqual(startTagLines(text), [2, 4, 5]);
});

test("with a status section the CIB is scheduled: active orphans and fencing are warnings", async () => {
  // webserver still runs on node1 (status) but is no longer configured
  const orphan = baseCib
    .replace(/<primitive id="webserver"[\s\S]*?<\/primitive>/, "")
    .replace(/<rsc_colocation [^>]*\/>/, "")
    .replace(/<rsc_order [^>]*\/>/, "")
    .replace(/<rsc_location [^>]*\/>/, "");
  const f = file("orphan.xml", orphan);
  const quiet = await run(["-x", f]);
  assert.equal(
    quiet.err,
    "crm_verify: Warnings found during check: config may not be valid\n-V may provide more details\n",
  );
  assert.equal(quiet.code, 78);
  const vv = await run(["-x", f, "-VV"]);
  assert.match(
    vv.err,
    /\(process_rsc_state\) \twarning: Detected active orphan webserver running on node1\n/,
  );
  // node1 left the membership uncleanly; fencing is on and possible
  const lost = stonithOn()
    .replace("<resources>", '<resources><primitive id="fence" class="stonith" type="fence_xvm"/>')
    .replace(
      '<node_state id="1" uname="node1" in_ccm="true" crmd="online"',
      '<node_state id="1" uname="node1" in_ccm="false" crmd="offline"',
    );
  const fenced = await run(["-x", file("lost.xml", lost), "-VV"]);
  assert.match(fenced.err, /\(schedule_fencing\) \twarning: Scheduling node node1 for fencing\n/);
  assert.equal(fenced.code, 78);
  // an empty status section: no node has been seen, so every node is to be fenced;
  // no status section at all: only the configuration is checked
  const withDevice = stonithOn().replace(
    "<resources>",
    '<resources><primitive id="fence" class="stonith" type="fence_xvm"/>',
  );
  const empty = withDevice.replace(/<status>[\s\S]*<\/status>/, "<status/>");
  const unseen = await run(["-x", file("unseen.xml", empty), "-VV"]);
  assert.match(unseen.err, /Scheduling node node1 for fencing\n[\s\S]*Scheduling node node2 for fencing\n/);
  assert.equal(unseen.code, 78);
  const none = await run(["-x", file("nostatus.xml", empty.replace("<status/>", "")), "-VV"]);
  assert.equal(none.err, "");
  assert.equal(none.code, 0);
});

test("-L checks the live CIB from the local daemon (the reference commands were crm_verify -L -V)", async () => {
  let served = stonithOn();
  const socket = join(tmp, "tandemd.sock");
  const server = await serveIpc(socket, {
    "cib.query": () => ({ xml: served, version: { admin_epoch: 0, epoch: 13, num_updates: 4 } }),
  });
  try {
    for (const [name, text] of [
      ["crm_verify_-L_-V.before-stonith-disabled.txt", stonithOn()],
      ["crm_verify_-L_-V.after-stonith-disabled.txt", baseCib],
    ]) {
      served = text;
      const r = await run(["-L", "-V"], undefined, { TANDEM_SOCKET: socket });
      assert.equal(r.out + r.err, readFileSync(join(refDir, name), "utf8"), name);
      assert.equal(r.code, referenceExit(name), name);
    }
  } finally {
    await server.close();
  }
});

test("--output-as=xml prints Pacemaker's result element; unknown formats are refused", async () => {
  const f = file("xml-out.xml", stonithOn());
  const r = await run(["--output-as=xml", "-x", f]);
  assert.equal(
    r.out,
    `<pacemaker-result api-version="2.25" request="crm_verify --output-as=xml -x ${f}">\n  <status code="78" message="Invalid configuration"/>\n</pacemaker-result>\n`,
  );
  assert.equal(r.code, 78);
  const ok = await run(["--output-as", "xml", "-x", file("xml-ok.xml", baseCib)]);
  assert.match(ok.out, /<status code="0" message="OK"\/>/);
  const bad = await run(["--output-as=json", "-x", f]);
  assert.equal(bad.err, "crm_verify: Error creating output format json: Unknown output format\n");
  assert.equal(bad.code, 1);
});
