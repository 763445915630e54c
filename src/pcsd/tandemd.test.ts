// pcsd supervising the real cluster daemon: two pcsd (each its own TANDEM_ROOT and
// loopback address) run bin/tandemd as their child; the cluster set up and started with
// pcs forms a two-node membership that `pcs status` shows, and `pcs cluster stop --all`
// stops both daemons.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { captureIO } from "../cli/io.js";
import { pcsCommand } from "../cli/pcs.js";
import { defaultDaemonCommand } from "./supervisor.js";
import { TEST_PASSWORD, type TestNode, startTestNode, stopTestNodes } from "./testkit.js";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

async function pcs(root: string, args: string) {
  const cap = captureIO({ env: { TANDEM_ROOT: root }, cwd: root });
  const code = await pcsCommand(args.split(" "), cap.io);
  return { code, out: cap.stdout, err: cap.stderr };
}

/** `pcs status` as a separate process (it talks to tandemd's IPC socket). */
function pcsStatus(root: string): string {
  const r = spawnSync(process.execPath, [join(repoRoot, "bin/pcs"), "status"], {
    env: { ...process.env, TANDEM_ROOT: root },
    encoding: "utf8",
    timeout: 20_000,
  });
  return `${r.stdout}${r.stderr}`;
}

describe("pcsd with the real tandemd", () => {
  let n1: TestNode;
  let n2: TestNode;
  before(async () => {
    n1 = await startTestNode("node1", "127.0.83.1", { daemon: defaultDaemonCommand() });
    n2 = await startTestNode("node2", "127.0.83.2", { daemon: defaultDaemonCommand() });
  });
  after(() => stopTestNodes(n1, n2));

  it("setup, start --all: both nodes online in pcs status; stop --all stops both daemons", async () => {
    const hosts = `node1 addr=127.0.83.1:${n1.server.port} node2 addr=127.0.83.2:${n2.server.port}`;
    assert.equal((await pcs(n1.root, `host auth ${hosts} -u hacluster -p ${TEST_PASSWORD}`)).code, 0);
    const setup = await pcs(n1.root, "cluster setup --name cluster_web node1 node2");
    assert.equal(setup.code, 0, setup.err);
    const start = await pcs(n1.root, "cluster start --all --wait=30");
    assert.equal(start.code, 0, start.err);
    assert.match(
      start.out,
      /^node1: Starting Cluster\.\.\.\nnode2: Starting Cluster\.\.\.\nWaiting for node\(s\) to start\.\.\.\n(node[12]: Started\n){2}$/,
    );
    for (const n of [n1, n2]) assert.equal((await pcs(n.root, "pcsd status")).code, 0);
    const t0 = Date.now();
    let status = "";
    while (Date.now() - t0 < 30_000) {
      status = pcsStatus(n2.root);
      if (status.includes("Online: [ node1 node2 ]")) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.match(status, /Cluster name: cluster_web\n/);
    assert.match(status, /\* Online: \[ node1 node2 \]\n/, status);
    assert.match(status, /corosync: active\/disabled\n/);
    const pids = [(await n1.server.supervisor.status()).pid, (await n2.server.supervisor.status()).pid];
    const stop = await pcs(n1.root, "cluster stop --all");
    assert.equal(stop.code, 0, stop.err);
    for (const n of [n1, n2]) assert.equal((await n.server.supervisor.status()).running, false);
    for (const pid of pids) assert.throws(() => process.kill(pid as number, 0), "daemon process gone");
  });
});
