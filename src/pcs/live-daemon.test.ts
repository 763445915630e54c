// pcs against a real one-node tandemd process (membership on loopback, replicated CIB
// on disk, controller, scheduler, executor running ocf:tandem:Dummy): configuration
// through the live CIB, status as the cluster sees it, restart/cleanup waiting for the
// cluster, standby moving the resource off the node.

import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { pcs, repoRoot, tempDir, words } from "./test-support.js";
import { waitFor } from "../core/wait.js";
import { killAndWait, testNodes, writeTestCluster } from "../daemon/testutil.js";

function makeRoot(t: TestContext, addr: string): string {
  const root = tempDir(t);
  mkdirSync(join(root, "etc/tandem"), { recursive: true });
  writeFileSync(
    join(root, "etc/tandem/corosync.conf"),
    `totem {\n  version: 2\n  cluster_name: pcslive\n  transport: knet\n  token: 300\n}\nnodelist {\n  node {\n    ring0_addr: ${addr}\n    name: n1\n    nodeid: 1\n  }\n}\nquorum {\n  provider: corosync_votequorum\n}\n`,
  );
  writeFileSync(join(root, "etc/tandem/authkey"), randomBytes(256), { mode: 0o400 });
  return root;
}

test("pcs drives a real one-node tandemd", { timeout: 90_000 }, async (t) => {
  // An address of its own (other suites run daemons on 127.0.0.x at the same time).
  const root = makeRoot(
    t,
    `127.77.${1 + Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`,
  );
  let stderr = "";
  const daemon: ChildProcess = spawn(process.execPath, [join(repoRoot, "bin/tandemd")], {
    env: { ...process.env, TANDEM_ROOT: root },
    stdio: ["ignore", "ignore", "pipe"],
  });
  daemon.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  t.after(() => {
    if (daemon.exitCode === null) daemon.kill("SIGKILL");
  });
  const env = { TANDEM_ROOT: root, TANDEM_PCS_WAIT_MS: "20000" };
  const run = (cmd: string) => pcs(words(cmd), { cwd: root, env });
  const ok = async (cmd: string) => {
    const r = await run(cmd);
    assert.equal(r.code, 0, `${cmd}: ${r.all}`);
    return r;
  };
  const state = join(root, "run/tandem/rsctmp/Dummy-d1.state");
  try {
    await waitFor("the daemon's CIB", async () => (await run("property config")).code === 0);
    await ok("property set stonith-enabled=false");
    assert.match((await ok("property")).stdout, / stonith-enabled: false\n/);
    await ok("resource create d1 ocf:tandem:Dummy op monitor interval=1s");
    await waitFor("d1 started", () => existsSync(state));
    await waitFor("pcs status shows d1 started", async () => {
      const s = await run("status");
      return s.code === 0 && /\n {2}\* d1\t\(ocf:tandem:Dummy\):\t Started n1\n/.test(s.stdout)
        ? s
        : undefined;
    });
    const status = (await ok("status")).stdout;
    assert.match(status, /^Cluster name: pcslive\nStatus of pacemakerd: 'Pacemaker is running'/);
    // As with real pcs (through cibadmin), changes are recorded with the user and client.
    assert.match(status, /\n {2}\* Last change: {2}.* by \S+ via cibadmin on n1\n/);
    assert.match(status, /\n {2}\* Current DC: n1 \(version [^)]*\) - partition with quorum\n/);
    assert.match(status, /\nNode List:\n {2}\* Online: \[ n1 \]\n/);
    assert.equal((await ok("resource")).stdout, "  * d1\t(ocf:tandem:Dummy):\t Started n1\n");
    // The configuration went to disk through the daemon.
    assert.match(
      readFileSync(join(root, "var/lib/tandem/cib/cib.xml"), "utf8"),
      /<primitive id="d1" class="ocf" type="Dummy" provider="tandem">/,
    );

    // restart: pcs waits until the cluster has stopped it, then starts it again
    const restart = await ok("resource restart d1");
    assert.equal(restart.stdout, "d1 successfully restarted\n");
    await waitFor("d1 running after restart", () => existsSync(state));

    // the service dies; the cluster counts the failure; cleanup brings it back
    rmSync(state);
    await waitFor("a fail count", async () => {
      const f = await run("resource failcount show d1");
      return /Failcounts for resource 'd1'/.test(f.stdout) ? f : undefined;
    });
    // bad cleanup requests: one error line, exit 1, nothing forgotten
    const cibBefore = (await ok("cluster cib --config")).stdout;
    for (const [cmd, msg] of [
      ["resource cleanup nosuch", "Error: Resource 'nosuch' not found\n"],
      ["resource cleanup d1 node=n9", "Error: Node 'n9' not found\n"],
      ["resource cleanup d1 interval=10s", "Error: interval can only be given together with operation\n"],
      [
        "resource cleanup d1 operation=monitor interval=soon",
        "Error: 'soon' is not a valid interval value\n",
      ],
    ]) {
      const r = await run(cmd);
      assert.deepEqual([r.code, r.all], [1, msg], cmd);
    }
    const refresh = await run("resource refresh d1 operation=monitor");
    assert.equal(refresh.code, 1);
    assert.match(refresh.stderr, /^\nUsage: pcs resource refresh\.\.\.\n {4}refresh /);
    assert.equal((await ok("cluster cib --config")).stdout, cibBefore);
    // cleanup of an operation that did not fail: the failure stays
    assert.equal((await ok("resource cleanup d1 operation=start")).stdout, "Cleaned up d1 on n1\n");
    assert.match((await ok("resource failcount show d1")).stdout, /Failcounts for resource 'd1'/);
    assert.match(
      (await ok("resource cleanup d1 operation=monitor interval=1s")).stdout,
      /^Cleaned up d1 on n1\nWaiting for 1 reply from the controller\n/,
    );
    await waitFor("d1 running after cleanup", () => existsSync(state));

    // standby: the only node can no longer run it
    await ok("node standby");
    await waitFor("d1 stopped on standby", () => !existsSync(state));
    await waitFor("pcs status shows the node in standby", async () => {
      const s = (await ok("status")).stdout;
      return (
        /\n {2}\* Node n1: standby\n/.test(s) && /\n {2}\* d1\t\(ocf:tandem:Dummy\):\t Stopped\n/.test(s)
      );
    });
    await ok("node unstandby n1");
    await waitFor("d1 back after unstandby", () => existsSync(state));

    // errors leave the live CIB alone
    const before = (await ok("cluster cib --config")).stdout;
    const bad = await run("resource create d1 ocf:tandem:Dummy");
    assert.equal(bad.all, "Error: 'd1' already exists\n");
    assert.equal((await ok("cluster cib --config")).stdout, before);

    // delete on a running cluster: pcs stops the resource first and waits
    await waitFor("the cluster to see d1 started", async () =>
      /Started n1/.test((await ok("resource")).stdout),
    );
    assert.equal(
      (await ok("resource delete d1")).stderr,
      "Attempting to stop: d1... Stopped\nDeleting Resource - d1\n",
    );
    assert.ok(!existsSync(state), "d1 was stopped before it was deleted");
    assert.doesNotMatch((await ok("cluster cib --config")).stdout, /id="d1"/);
  } catch (e) {
    const log = join(root, "var/log/tandem/tandemd.log");
    const tail = existsSync(log) ? readFileSync(log, "utf8").split("\n").slice(-30).join("\n") : "(no log)";
    throw new Error(`${(e as Error).message}\n--- tandemd.log ---\n${tail}\n--- stderr ---\n${stderr}`);
  } finally {
    const exited = new Promise<void>((r) => {
      if (daemon.exitCode !== null) r();
      else daemon.once("exit", () => r());
    });
    daemon.kill("SIGTERM");
    await exited;
  }
});

test("pcs resource move on a real two-node tandemd cluster: moves, then removes its constraint", {
  timeout: 90_000,
}, async (t) => {
  const nodes = testNodes(2, 78);
  const roots = writeTestCluster(nodes, { clusterName: "pcsduo", token: 300 }, () => tempDir(t));
  const daemons = roots.map((root, i) =>
    spawn(process.execPath, [join(repoRoot, "bin/tandemd")], {
      env: { ...process.env, TANDEM_ROOT: root, TANDEM_NODE_NAME: nodes[i].name },
      stdio: ["ignore", "ignore", "ignore"],
    }),
  );
  t.after(async () => {
    await killAndWait(daemons);
  });
  const env = { TANDEM_ROOT: roots[0], TANDEM_PCS_WAIT_MS: "30000" };
  const run = (cmd: string) => pcs(words(cmd), { cwd: roots[0], env });
  const ok = async (cmd: string) => {
    const r = await run(cmd);
    assert.equal(r.code, 0, `${cmd}: ${r.all}`);
    return r;
  };
  const runningOn = (i: number) => existsSync(join(roots[i], "run/tandem/rsctmp/Dummy-d1.state"));
  await waitFor("both nodes online", async () => {
    const s = await run("status nodes");
    return s.code === 0 && / Online: n1 n2\n/.test(s.stdout);
  });
  await ok("property set stonith-enabled=false");
  await ok("resource defaults update resource-stickiness=100");
  await ok("resource create d1 ocf:tandem:Dummy op monitor interval=1s");
  const first = await waitFor("d1 running somewhere", () =>
    runningOn(0) ? 0 : runningOn(1) ? 1 : undefined,
  );
  const other = nodes[1 - first].name;
  const move = await ok(`resource move d1 ${other}`);
  assert.equal(
    move.stderr,
    "Location constraint to move resource 'd1' has been created\n" +
      "Waiting for the cluster to apply configuration changes...\n" +
      "Location constraint created to move resource 'd1' has been removed\n" +
      "Waiting for the cluster to apply configuration changes...\n" +
      `resource 'd1' is running on node '${other}'\n`,
  );
  assert.ok(runningOn(1 - first), "d1 runs on the other node");
  assert.ok(!runningOn(first), "d1 left its first node");
  assert.equal(
    (await ok("constraint")).stdout,
    "Location Constraints:\nOrdering Constraints:\nColocation Constraints:\nTicket Constraints:\n",
  );
});
