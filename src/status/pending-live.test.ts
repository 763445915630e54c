// On a real two-node tandemd cluster (loopback 127.246.x.1/2): long actions are shown while
// they run, as Pacemaker 2.1 (record-pending) shows them: crm_mon says "Starting" during a
// slow start and "Stopping" during a slow stop, and the CIB holds the pending stop
// (op-status -1). And a `pcs resource move --lifetime` ends on time with the default
// cluster-recheck-interval (15 min): the DC rechecks when the rule changes.

import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { cibadminCommand } from "../cli/cibadmin.js";
import { crmMonCommand } from "../cli/crm_mon.js";
import { type Command, captureIO } from "../cli/io.js";
import { pcsCommand } from "../cli/pcs.js";
import { waitFor } from "../core/wait.js";
import { nodePaths } from "../daemon/paths.js";
import { tandemdBin, testNodes, writeTestCluster } from "../daemon/testutil.js";

test("pending start/stop shown as Starting/Stopping; move lifetime=PT5S ends without cluster-recheck-interval", {
  timeout: 180_000,
}, async (t) => {
  const nodes = testNodes(2, 246);
  const roots = writeTestCluster(nodes, { clusterName: "pendlive", token: 300 }, () =>
    mkdtempSync(join(tmpdir(), "tandem-pending-live-")),
  );
  const daemons: ChildProcess[] = roots.map((root, i) =>
    spawn(process.execPath, [tandemdBin()], {
      env: { ...process.env, TANDEM_ROOT: root, TANDEM_NODE_NAME: nodes[i].name },
      stdio: ["ignore", "ignore", "ignore"],
    }),
  );
  t.after(async () => {
    for (const d of daemons) if (d.exitCode === null && d.signalCode === null) d.kill("SIGKILL");
    await new Promise((r) => setTimeout(r, 200));
    for (const r of roots) rmSync(r, { recursive: true, force: true });
  });
  const env = { TANDEM_ROOT: roots[0], TANDEM_PCS_WAIT_MS: "30000" };
  const run = async (cmd: Command, args: string) => {
    const c = captureIO({ env, cwd: roots[0] });
    const code = await cmd(
      args.split(/\s+/).filter((w) => w !== ""),
      c.io,
    );
    return { code, out: c.stdout, err: c.stderr };
  };
  const pcs = async (args: string) => {
    const r = await run(pcsCommand, args);
    assert.equal(r.code, 0, `pcs ${args}: ${r.err}`);
    return r.out;
  };
  const mon = async () => (await run(crmMonCommand, "-1")).out;
  const line = async (rsc: string) => (await mon()).split("\n").find((l) => l.includes(`* ${rsc}\t`)) ?? "";
  const runsOn = (rsc: string, i: number) =>
    existsSync(join(roots[i], `run/tandem/rsctmp/Dummy-${rsc}.state`));
  const [N1, N2] = [nodes[0].name, nodes[1].name];
  try {
    await waitFor(
      "both nodes online",
      async () => {
        const s = await run(pcsCommand, "status nodes");
        return s.code === 0 && / Online: n1 n2\n/.test(s.out);
      },
      30_000,
    );
    await pcs("property set stonith-enabled=false");
    // A slow Dummy: 3 s to start, 8 s to stop.
    await pcs(
      `resource create slow ocf:tandem:Dummy fake_start_delay=3 fake_stop_delay=8 op monitor interval=10s --disabled`,
    );
    await pcs(`constraint location slow prefers ${N1}=50`);
    await pcs("resource enable slow");
    await waitFor("crm_mon: slow Starting", async () => / Starting n1$/.test(await line("slow")), 20_000);
    await waitFor("crm_mon: slow Started", async () => / Started n1$/.test(await line("slow")), 20_000);
    assert.ok(runsOn("slow", 0));

    await pcs("resource disable slow");
    let seen = "";
    await waitFor(
      "crm_mon: slow Stopping",
      async () => {
        seen = `${await line("slow")}\n${(await run(cibadminCommand, "-Q -o status")).out}`;
        return /\t Stopping n1 \(disabled\)$/m.test(seen);
      },
      20_000,
    ).catch((e) => {
      throw new Error(`${(e as Error).message}; last seen: ${seen}`);
    });
    // The pending stop in the CIB, as Pacemaker records it (call-id -1, op-status -1).
    assert.match(
      seen,
      /<lrm_rsc_op id="slow_last_0" operation_key="slow_stop_0" operation="stop"[^>]*call-id="-1" rc-code="193" op-status="-1"/,
    );
    const pcsStatus = await pcs("status");
    assert.match(pcsStatus, /\* slow\t\(ocf:tandem:Dummy\):\t Stopping n1 \(disabled\)\n/);
    await waitFor(
      "slow stopped",
      async () => /\t Stopped \(disabled\)$/m.test((await run(crmMonCommand, "-1 -r")).out),
      20_000,
    );
    assert.ok(!runsOn("slow", 0));

    // A lifetime on a move, cluster-recheck-interval left at its default (15 min).
    assert.doesNotMatch(await pcs("property config --all"), /cluster-recheck-interval: (?!15min)/);
    await pcs("resource create quick ocf:tandem:Dummy op monitor interval=10s");
    await pcs(`constraint location quick prefers ${N1}=50`);
    await waitFor("quick on n1", async () => runsOn("quick", 0) && !runsOn("quick", 1), 20_000);
    await pcs(`resource move quick ${N2} lifetime=PT5S`);
    await waitFor("quick moved to n2", async () => runsOn("quick", 1) && !runsOn("quick", 0), 20_000);
    const moved = Date.now();
    // Generous bound: far below the 15 min a recheck would otherwise take.
    await waitFor(
      "quick back on n1 once the lifetime ended",
      async () => runsOn("quick", 0) && !runsOn("quick", 1),
      90_000,
    );
    t.diagnostic(`back on n1 ${Date.now() - moved} ms after the move completed (lifetime 5 s)`);
    assert.match(await line("quick"), / Started n1$/);
  } catch (e) {
    for (const [i, r] of roots.entries()) {
      const f = nodePaths(r).logFile;
      if (existsSync(f))
        t.diagnostic(
          `--- ${nodes[i].name} ---\n${readFileSync(f, "utf8")
            .split("\n")
            .filter((l) => !l.includes("/membership"))
            .slice(-30)
            .join("\n")}`,
        );
    }
    throw e;
  }
});
