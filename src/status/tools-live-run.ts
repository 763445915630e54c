// The status and low-level tools against a real one-node tandemd (membership on
// loopback, replicated CIB, controller, executor running ocf:tandem:Dummy): crm_node,
// crmadmin, crm_resource (locate/list/ban/move/clear/cleanup/why), stonith_admin,
// crm_mon one-shot (-A, -f, xml) and live (redrawn on a CIB change, SIGTERM ends it),
// and pcs status agreeing with crm_mon. tools-live.test.ts runs it from a private copy
// of the build (build-copy.ts).

import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { TestContext } from "node:test";
import { fileURLToPath } from "node:url";
import { crmAttributeCommand } from "../cli/crm_attribute.js";
import { crmMonCommand } from "../cli/crm_mon.js";
import { crmNodeCommand } from "../cli/crm_node.js";
import { crmResourceCommand } from "../cli/crm_resource.js";
import { crmSimulateLiveCommand } from "./crm-simulate-live.js";
import { crmadminCommand } from "../cli/crmadmin.js";
import { type Command, captureIO } from "../cli/io.js";
import { pcsCommand } from "../cli/pcs.js";
import { stonithAdminCommand } from "../cli/stonith_admin.js";
import { TandemError } from "../core/errors.js";
import { cibRequest } from "../daemon/protocol.js";
import { waitFor } from "../core/wait.js";
import { testNodes, writeTestCluster } from "../daemon/testutil.js";

const repoRoot = resolve(fileURLToPath(new URL(".", import.meta.url)), "../..");

const maskTimes = (t: string) =>
  t.replace(/\(last updated [^)]*\)/g, "(last updated T)").replace(/Last updated: .*/g, "Last updated: T");

export async function statusToolsLive(t: TestContext): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), "tandem-status-live-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  writeTestCluster(testNodes(1, 244), { clusterName: "statuslive", token: 300 }, () => root);
  const env = { TANDEM_ROOT: root, TANDEM_PCS_WAIT_MS: "20000" };
  const daemon: ChildProcess = spawn(process.execPath, [join(repoRoot, "bin/tandemd")], {
    env: { ...process.env, TANDEM_ROOT: root },
    stdio: ["ignore", "ignore", "ignore"],
  });
  let live: ChildProcess | undefined;
  const run = async (cmd: Command, args: string) => {
    const c = captureIO({ env, cwd: root });
    const code = await cmd(
      args.split(/\s+/).filter((w) => w !== ""),
      c.io,
    );
    return { code, out: c.stdout, err: c.stderr };
  };
  const ok = async (cmd: Command, args: string) => {
    const r = await run(cmd, args);
    assert.equal(r.code, 0, `${args}: ${r.err}`);
    return r.out;
  };
  const socket = join(root, "run/tandem/tandemd.sock");
  const state = join(root, "run/tandem/rsctmp/Dummy-d1.state");
  try {
    await waitFor("the daemon to be ready", async () => {
      const s = await cibRequest(socket, "status", {}, { timeoutMs: 2000 });
      return s.cibPhase === "ready" && s.dcName === "n1";
    });
    // crm_node / crmadmin
    assert.equal(await ok(crmNodeCommand, "-n"), "n1\n");
    assert.equal(await ok(crmNodeCommand, "-i"), "1\n");
    assert.equal(await ok(crmNodeCommand, "-q"), "1\n");
    assert.equal(await ok(crmNodeCommand, "-p"), "n1\n");
    assert.equal(await ok(crmNodeCommand, "-l"), "1 n1 member\n");
    assert.equal(await ok(crmNodeCommand, "--name-for-id=1"), "n1\n");
    assert.deepEqual(await run(crmNodeCommand, "-N 9"), {
      code: 105,
      out: "",
      err: "crm_node: Could not find node with ID 9\n",
    });
    assert.equal(await ok(crmadminCommand, "-D"), "Designated Controller is: n1\n");
    assert.equal(await ok(crmadminCommand, "-N"), "member node: n1 (1)\n");

    // a resource and a (disabled) fence device
    await ok(pcsCommand, "property set stonith-enabled=false");
    await ok(pcsCommand, "resource create d1 ocf:tandem:Dummy op monitor interval=1s");
    await cibRequest(socket, "cib.apply", {
      op: {
        op: "create",
        section: "resources",
        xml: '<primitive id="f1" class="stonith" type="fence_tandem"><instance_attributes id="f1-ia"><nvpair id="f1-hl" name="pcmk_host_list" value="n1"/></instance_attributes><meta_attributes id="f1-ma"><nvpair id="f1-tr" name="target-role" value="Stopped"/></meta_attributes></primitive>',
      },
    });
    await waitFor("d1 started", async () => existsSync(state));
    // Started (not Starting: the start's result recorded).
    await waitFor("crm_resource to see d1 started", async () =>
      /\t Started n1\n/.test((await run(crmResourceCommand, "-L")).out),
    );
    assert.equal(await ok(crmResourceCommand, "--locate --resource=d1"), "resource d1 is running on: n1\n");
    assert.equal(
      await ok(crmResourceCommand, "-L"),
      "Full List of Resources:\n  * d1\t(ocf:tandem:Dummy):\t Started n1\n  * f1\t(stonith:fence_tandem):\t Stopped (disabled)\n",
    );
    assert.deepEqual(await run(crmResourceCommand, "-W -r nope"), {
      code: 105,
      out: "",
      err: "crm_resource: Resource 'nope' not found\nError performing operation: No such object\n",
    });
    assert.equal((await run(crmResourceCommand, "-M -r d1 -N n9")).code, 105);
    assert.equal((await run(crmResourceCommand, "-M -r d1 -N n1")).code, 79);

    // stonith_admin
    assert.equal(await ok(stonithAdminCommand, "-L"), " f1\n1 fence device found\n");
    // f1 is disabled: not registered with the fencer, so it can fence nobody.
    assert.equal(await ok(stonithAdminCommand, "--list n1"), "0 fence devices found\n");
    assert.equal(await ok(stonithAdminCommand, "-l n5"), "0 fence devices found\n");
    const fence = await run(stonithAdminCommand, "-B n1");
    assert.equal(fence.code, 105);
    assert.equal(fence.err, "Command failed: No such device\n");

    // crm_mon: only the active resources; -r adds the stopped fence device
    const mon = await ok(crmMonCommand, "-1");
    assert.match(mon, /\nActive Resources:\n {2}\* d1\t\(ocf:tandem:Dummy\):\t Started n1\n$/);
    assert.match(
      await ok(crmMonCommand, "-1 -r"),
      /\n {2}\* f1\t\(stonith:fence_tandem\):\t Stopped \(disabled\)\n/,
    );
    // pcs status and crm_mon -r agree line for line on the common part.
    const pcsStatus = (await ok(pcsCommand, "status")).split("\n");
    const monR = (await ok(crmMonCommand, "-1 -r")).split("\n");
    const common = pcsStatus.slice(1, pcsStatus.indexOf("Daemon Status:") - 1);
    assert.equal(maskTimes(common.join("\n")), maskTimes(monR.slice(0, common.length).join("\n")));

    // crm_simulate -sL reads the live CIB (through the registry's wrapper)
    const sim = await ok(crmSimulateLiveCommand, "-sL");
    // (with -s, Pacemaker 2.1.5 prints the plain layout: no headings, bare node lists)
    assert.match(sim, /(^|\n)\[ n1 \]\n\nd1\t/);
    assert.match(sim, /\npcmk__primitive_assign: d1 allocation score on n1: 0\n/);
    assert.match(await ok(crmSimulateLiveCommand, "-S --live-check"), /\nTransition Summary:\n/);

    // ban (no node: the node it runs on), it stops; why; clear brings it back
    const ban = await ok(crmResourceCommand, "-B -r d1");
    assert.equal(
      ban,
      "WARNING: Creating rsc_location constraint 'cli-ban-d1-on-n1' with a score of -INFINITY for resource d1 on n1.\n\tThis will prevent d1 from running on n1 until the constraint is removed using the clear option or by editing the CIB with an appropriate tool\n\tThis will be the case even if n1 is the last node in the cluster\n",
    );
    assert.match(
      (await cibRequest(socket, "cib.query", { section: "constraints" })).xml,
      /<rsc_location id="cli-ban-d1-on-n1" rsc="d1" role="Started" node="n1" score="-INFINITY"\/>/,
    );
    await waitFor("d1 stopped by the ban", async () => !existsSync(state));
    await waitFor("crm_resource to see it stopped", async () => {
      const r = await run(crmResourceCommand, "-W -r d1");
      return r.err === "resource d1 is NOT running\n" && r.out === "";
    });
    assert.match(await ok(crmResourceCommand, "-Y -r d1"), /^Resource d1 is not running\n/);
    assert.equal(await ok(crmResourceCommand, "-U -r d1"), "Removing constraint: cli-ban-d1-on-n1\n");
    assert.equal(await ok(crmResourceCommand, "-U -r d1"), "");
    await waitFor("d1 back after clear", async () => existsSync(state));
    await waitFor("why says running", async () =>
      /^Resource d1 is running\n/.test((await run(crmResourceCommand, "-Y -r d1")).out),
    );

    // a failure: fail count and failed action in crm_mon; cleanup forgets it
    await waitFor("the monitor recorded", async () =>
      /\(\d+\) monitor: interval="1000ms"/.test(await ok(crmMonCommand, "-1 -o")),
    );
    rmSync(state);
    const failed = await waitFor("a fail count in crm_mon -f", async () => {
      const t2 = await ok(crmMonCommand, "-1 -f");
      return (
        /\nMigration Summary:\n {2}\* Node: n1:\n {4}\* d1: migration-threshold=1000000 fail-count=1 last-failure='[^']+'\n/.test(
          t2,
        ) && t2
      );
    });
    assert.match(
      failed,
      /\nFailed Resource Actions:\n {2}\* d1_monitor_1000 on n1 'not running' \(7\): call=\d+, status='complete', (exitreason='[^']*', )?last-rc-change='[^']+', queued=\d+ms, exec=\d+ms\n$/,
    );
    assert.match(await ok(crmMonCommand, "--output-as=xml"), /<failure op_key="d1_monitor_1000" node="n1"/);
    // A cleanup of another operation or of a resource that did not fail keeps the failure.
    // (First the recovery of d1 is over: its pending and result records change the version.)
    let last = "";
    const before = await waitFor("the recovery of d1 over (the CIB version still for 0.5 s)", async () => {
      const v = (await cibRequest(socket, "cib.query", {})).version;
      const seen = JSON.stringify(v);
      if (seen !== last) {
        last = seen;
        await new Promise((r) => setTimeout(r, 500));
        return undefined;
      }
      return v;
    });
    assert.equal(
      await ok(crmResourceCommand, "--cleanup -r d1 -n start"),
      "Cleaned up d1 on n1\n", // nothing asked of the controller: no "Waiting for" lines
    );
    await assert.rejects(run(crmResourceCommand, "--cleanup -r d1 -I 10s"), (e: unknown) => {
      assert.ok(e instanceof TandemError && e.exitCode === 64);
      assert.equal(
        e.message,
        "An interval can only be given together with an operation (see crm_resource --help)",
      );
      return true;
    });
    assert.deepEqual((await cibRequest(socket, "cib.query", {})).version, before);
    assert.match(await ok(crmMonCommand, "-1"), /Failed Resource Actions/);
    const cleaned = await ok(crmResourceCommand, "--cleanup -r d1 -n monitor -I 1s");
    assert.match(cleaned, /^Cleaned up d1 on n1\n/);
    await waitFor("the failure forgotten", async () => {
      const t3 = await ok(crmMonCommand, "-1 -f");
      return !/Failed Resource Actions|fail-count/.test(t3) && /Started n1/.test(t3);
    });

    // node attributes
    await ok(crmAttributeCommand, "-N n1 -l reboot -n pingd -v 1000");
    await waitFor("-A shows the attribute", async () =>
      /\nNode Attributes:\n {2}\* Node: n1:\n {4}\* pingd {27}\t: 1000 {6}\n/.test(
        await ok(crmMonCommand, "-1 -A"),
      ),
    );

    // live mode: one screen, then a redraw caused by the CIB change (the interval is long)
    live = spawn(process.execPath, [join(repoRoot, "bin/crm_mon"), "-r", "-i", "60"], {
      env: { ...process.env, ...env, TANDEM_CRM_MON_LIVE: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let screen = "";
    live.stdout?.on("data", (d: Buffer) => {
      screen += d.toString();
    });
    await waitFor("the first screen", async () => screen.includes("\x1b[2J") && /Started n1/.test(screen));
    await ok(pcsCommand, "resource create d2 ocf:tandem:Dummy --disabled");
    await waitFor("a redraw showing d2", async () =>
      /\x1b\[2J[^\x1b]*\* d2\t\(ocf:tandem:Dummy\):\t Stopped \(disabled\)/.test(screen),
    );
    assert.equal(
      await ok(crmMonCommand, "-s"),
      "CLUSTER OK: 1 node online, 3 resource instances configured\n",
    );
    // The daemon goes away: live mode says so and keeps trying; SIGTERM ends it with 0.
    const gone = new Promise<void>((r) =>
      daemon.exitCode !== null || daemon.signalCode !== null ? r() : daemon.once("exit", () => r()),
    );
    daemon.kill("SIGKILL");
    await gone;
    await waitFor("the lost-connection screen", async () =>
      screen.includes("Connection to the cluster-daemons terminated\nReconnecting...\n"),
    );
    const exited = new Promise<number | null>((r) => live?.once("exit", (c) => r(c)));
    live.kill("SIGTERM");
    assert.equal(await exited, 0);
    const simple = await run(crmMonCommand, "-s");
    assert.deepEqual(simple, {
      code: 2,
      out: "CLUSTER CRIT: Connection to cluster failed: Connection refused\n",
      err: "",
    });
  } catch (e) {
    const log = join(root, "var/log/tandem/tandemd.log");
    const tail = existsSync(log) ? readFileSync(log, "utf8").split("\n").slice(-30).join("\n") : "(no log)";
    throw new Error(`${(e as Error).message}\n--- tandemd.log ---\n${tail}`);
  } finally {
    if (live && live.exitCode === null && live.signalCode === null) live.kill("SIGKILL");
    const gone = new Promise<void>((r) =>
      daemon.exitCode !== null || daemon.signalCode !== null ? r() : daemon.once("exit", () => r()),
    );
    daemon.kill("SIGTERM");
    await gone;
  }
}
