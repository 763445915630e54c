// A real one-node tandemd process (membership runtime on loopback, CIB on disk,
// controller, executor with ocf:tandem:Dummy) driven by the real CLIs in-process.

import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { randomBytes } from "node:crypto";
import { cibadminCommand } from "../cli/cibadmin.js";
import { crmAttributeCommand } from "../cli/crm_attribute.js";
import { crmFailcountCommand } from "../cli/crm_failcount.js";
import { captureIO } from "../cli/io.js";
import { parseXml, serializeXml } from "../core/xml.js";
import { applyCibDiff, type CibDiff } from "../cib/diff.js";
import { IpcClient } from "../transport/ipc.js";
import { cibRequest } from "./protocol.js";
import { tandemdBin } from "./testutil.js";
import { waitFor } from "../core/wait.js";

const procs: ChildProcess[] = [];
const dirs: string[] = [];
after(() => {
  for (const p of procs) if (p.exitCode === null) p.kill("SIGKILL");
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function makeRoot(addr: string): string {
  const root = mkdtempSync(join(tmpdir(), "tandemd-solo-"));
  dirs.push(root);
  mkdirSync(join(root, "etc/tandem"), { recursive: true });
  writeFileSync(
    join(root, "etc/tandem/corosync.conf"),
    `totem {\n  version: 2\n  cluster_name: solo\n  transport: knet\n  token: 300\n}\nnodelist {\n  node {\n    ring0_addr: ${addr}\n    name: n1\n    nodeid: 1\n  }\n}\nquorum {\n  provider: corosync_votequorum\n}\n`,
  );
  writeFileSync(join(root, "etc/tandem/authkey"), randomBytes(256), { mode: 0o400 });
  return root;
}

function startDaemon(root: string): ChildProcess {
  const p = spawn(process.execPath, [tandemdBin()], {
    env: { ...process.env, TANDEM_ROOT: root },
    stdio: ["ignore", "ignore", "pipe"],
  });
  procs.push(p);
  p.stderr?.on("data", (d: Buffer) => {
    stderrText += d.toString();
  });
  return p;
}
let stderrText = "";

async function run(cmd: typeof cibadminCommand, root: string, argv: string[]) {
  const c = captureIO({ env: { TANDEM_ROOT: root } });
  const code = await cmd(argv, c.io);
  return { code, out: c.stdout, err: c.stderr };
}

test("one-node tandemd: cibadmin changes, Dummy started, failures counted, graceful stop, restart from disk", async () => {
  const root = makeRoot("127.0.0.61");
  try {
    await soloScenario(root);
  } catch (e) {
    const logFile = join(root, "var/log/tandem/tandemd.log");
    if (process.env.TANDEM_TEST_LOG && existsSync(logFile))
      writeFileSync(process.env.TANDEM_TEST_LOG, readFileSync(logFile));
    const tail = existsSync(logFile)
      ? readFileSync(logFile, "utf8").split("\n").slice(-40).join("\n")
      : "(no log)";
    throw new Error(
      `${(e as Error).message}\n--- tandemd.log (tail) ---\n${tail}\n--- stderr ---\n${stderrText}`,
    );
  }
});

async function soloScenario(root: string): Promise<void> {
  const state = join(root, "run/tandem/rsctmp/Dummy-d1.state");
  let p = startDaemon(root);
  await waitFor("the IPC socket", async () => (await run(cibadminCommand, root, ["-Q"])).code === 0);
  // no fence device in this test: as with Pacemaker, nothing starts until stonith is disabled
  assert.equal((await run(crmAttributeCommand, root, ["-n", "stonith-enabled", "-v", "false"])).code, 0);
  const create = await run(cibadminCommand, root, [
    "-C",
    "-o",
    "resources",
    "-X",
    '<primitive id="d1" class="ocf" provider="tandem" type="Dummy"><operations><op id="d1-mon" name="monitor" interval="1s"/></operations></primitive>',
  ]);
  assert.equal(create.code, 0, create.err);
  await waitFor("d1 started", () => existsSync(state));
  const dup = await run(cibadminCommand, root, [
    "-C",
    "-o",
    "resources",
    "-X",
    '<primitive id="d1" class="ocf" provider="tandem" type="Dummy"/>',
  ]);
  assert.equal(dup.code, 108);
  assert.match(dup.err, /^Call cib_create failed \(-76\): Name not unique on network/);
  const q = await run(cibadminCommand, root, ["-Q", "-o", "resources"]);
  assert.match(q.out, /^<resources>\n {2}<primitive id="d1"/);
  // the configuration is on disk with its digest
  assert.match(readFileSync(join(root, "var/lib/tandem/cib/cib.xml"), "utf8"), /id="d1"/);

  // a subscriber gets each change as a diff that turns its copy into the new CIB
  const sub = await IpcClient.connect(join(root, "run/tandem/tandemd.sock"));
  try {
    const events: { diff?: CibDiff; configChanged: boolean }[] = [];
    sub.onEvent((e) => {
      if (e.event === "cib.changed") events.push(e.data as { diff?: CibDiff; configChanged: boolean });
    });
    const subscribed = (await sub.request("cib.subscribe", {})) as { xml: string };
    let copy = parseXml(subscribed.xml);
    assert.equal((await run(crmAttributeCommand, root, ["-n", "batch-limit", "-v", "7"])).code, 0);
    await waitFor("a config change event", () => events.some((e) => e.configChanged));
    await new Promise((r) => setTimeout(r, 300));
    for (const e of events) copy = applyCibDiff(copy, e.diff!);
    const now = parseXml((await cibRequest(join(root, "run/tandem/tandemd.sock"), "cib.query", {})).xml);
    assert.equal(serializeXml(copy), serializeXml(now));
  } finally {
    sub.close();
  }

  // a property through crm_attribute
  assert.equal(
    (await run(crmAttributeCommand, root, ["-n", "cluster-recheck-interval", "-v", "5min"])).code,
    0,
  );
  assert.equal(
    (await run(crmAttributeCommand, root, ["-n", "cluster-recheck-interval", "-q"])).out,
    "5min\n",
  );

  // the service dies: the monitor sees it, the fail count goes up, the resource is stopped
  // (the only node now has a failure for it); cleanup brings it back
  rmSync(state);
  await waitFor(
    "fail count 1",
    async () => (await run(crmFailcountCommand, root, ["-r", "d1", "-q"])).out === "1\n",
  );
  assert.equal((await run(crmFailcountCommand, root, ["-r", "d1", "-D"])).code, 0);
  await waitFor("d1 started again after cleanup", () => existsSync(state));
  assert.equal((await run(crmFailcountCommand, root, ["-r", "d1", "-q"])).out, "0\n");

  // graceful stop: the resource is stopped first, then the daemon exits 0
  const exited = new Promise<number | null>((r) => p.once("exit", (c) => r(c)));
  p.kill("SIGTERM");
  assert.equal(await exited, 0);
  assert.equal(existsSync(state), false, "stopped before leaving");
  assert.match(readFileSync(join(root, "var/log/tandem/tandemd.log"), "utf8"), /graceful shutdown/);

  // restart: the configuration comes back from disk and d1 runs again
  p = startDaemon(root);
  await waitFor("d1 started after restart", () => existsSync(state));
  const logFile = join(root, "var/log/tandem/tandemd.log");
  const startsSoFar = () =>
    (readFileSync(logFile, "utf8").match(/Result of start operation for d1/g) ?? []).length;
  await waitFor("d1 monitored", () =>
    /Result of monitor \(1000ms\) operation for d1 on n1: ok/.test(readFileSync(logFile, "utf8")),
  );

  // kill -9 of the daemon: d1's service stays up; the restarted daemon probes, finds it, does not start it again
  const killed = new Promise<unknown>((r) => p.once("exit", r));
  p.kill("SIGKILL");
  await killed;
  assert.ok(existsSync(state), "the service outlives the daemon");
  const before = startsSoFar();
  const mark = readFileSync(logFile, "utf8").length;
  p = startDaemon(root);
  await waitFor("the probe of the restarted daemon", () =>
    /Result of monitor operation for d1 on n1: ok/.test(readFileSync(logFile, "utf8").slice(mark)),
  );
  await waitFor("d1 monitored again", () =>
    /Result of monitor \(1000ms\) operation for d1 on n1: ok/.test(readFileSync(logFile, "utf8").slice(mark)),
  );
  assert.equal(startsSoFar(), before, "no second start");
  const exited2 = new Promise<number | null>((r) => p.once("exit", (c) => r(c)));
  p.kill("SIGTERM");
  assert.equal(await exited2, 0);
}

test("cibadmin: usage errors and an absent daemon give one clear line", async () => {
  const root = mkdtempSync(join(tmpdir(), "tandemd-none-"));
  dirs.push(root);
  const none = await run(cibadminCommand, root, ["-Q"]);
  assert.equal(none.code, 102);
  assert.match(none.err, /^Could not connect to the CIB/);
  await assert.rejects(run(cibadminCommand, root, ["-Q", "-o", "bogus"]), /unknown scope 'bogus'/);
  await assert.rejects(run(cibadminCommand, root, []), /no command given/);
  await assert.rejects(run(cibadminCommand, root, ["-C", "-X", "<primitive"]), /Couldn't parse input/);
});
