// The engine through the simulator: cmap output against real corosync-cmapctl output,
// process groups with multi-megabyte messages, votequorum options, failure detection time.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { SimCluster } from "../sim/cluster.js";
import { Prng } from "../sim/prng.js";
import { cmapEntries, formatCmapEntry } from "./cmap.js";
import type { Effect, NodeId, QuorumConfig } from "./types.js";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const reference = resolve(repoRoot, "../shared/reference/pacemaker-2.1.5");

function cluster(n: number, quorum: Partial<QuorumConfig> = {}, nodes?: SimCluster["opts"]["nodes"]) {
  const c = new SimCluster(
    n,
    new Prng(7),
    { delay: 0.5, jitter: 0.2, loss: 0, duplicate: 0 },
    {
      quorum,
      nodes,
      clusterName: "cluster_web",
    },
  );
  for (let i = 1; i <= n; i++) c.start(i);
  return c;
}

function settle(c: SimCluster, ms = 3000): void {
  c.runUntil(c.now + ms);
}

function members(c: SimCluster, id: NodeId): NodeId[] {
  return c.node(id).engine?.configuration?.members ?? [];
}

test("cmap runtime.members keys match corosync-cmapctl of a 2-node cluster", () => {
  const nodes = [
    { nodeId: 1, name: "node1", addrs: ["198.18.0.11"], votes: 1 },
    { nodeId: 2, name: "node2", addrs: ["198.18.0.12"], votes: 1 },
  ];
  const c = cluster(2, { two_node: true }, nodes);
  settle(c);
  const lines = (id: NodeId) =>
    cmapEntries(c.node(id).engine as never)
      .filter((e) => e.key.includes("members"))
      .map(formatCmapEntry)
      .join("\n");
  const want = readFileSync(resolve(reference, "corosync-cmapctl_|_grep_members.txt"), "utf8").trimEnd();
  assert.equal(lines(1), want);
  c.crash(1);
  settle(c);
  const after = readFileSync(
    resolve(reference, "corosync-cmapctl_|_grep_members.after-node1-stopped.txt"),
    "utf8",
  ).trimEnd();
  assert.equal(lines(2), after);
  const all = cmapEntries(c.node(2).engine as never).map(formatCmapEntry);
  assert.ok(all.includes("totem.cluster_name (str) = cluster_web"));
  assert.ok(all.includes("runtime.config.totem.max_messages (u32) = 17"));
});

test("process groups: a 3 MB message is fragmented, reassembled and delivered in order to all", () => {
  const c = cluster(3);
  const delivered = new Map<NodeId, string[]>();
  const changes: string[] = [];
  c.observers.push((node, _inc, e: Effect) => {
    if (e.type === "cpg_deliver") {
      const list = delivered.get(node) ?? [];
      list.push(`${e.sender.nodeId}:${e.data.length}:${e.data[e.data.length - 1]}`);
      delivered.set(node, list);
    }
    if (e.type === "cpg_config_change" && node === 1)
      changes.push(
        `${e.group} members ${e.members.map((m) => m.nodeId)} joined ${e.joined.map((m) => m.nodeId)} left ${e.left.map((m) => m.nodeId)} failed ${e.failed.map((m) => m.nodeId)}`,
      );
  });
  settle(c);
  for (let i = 1; i <= 3; i++) c.input(i, { type: "cpg_join", group: "cib", pid: 100 + i });
  settle(c, 500);
  const big = Buffer.alloc(3 * 1024 * 1024, 7);
  big[big.length - 1] = 42;
  c.input(2, { type: "cpg_send", group: "cib", pid: 102, data: big });
  c.input(3, { type: "cpg_send", group: "cib", pid: 103, data: Buffer.from([9]) });
  settle(c, 20_000);
  // The small message may be ordered before the big one completes; the order is the same everywhere.
  assert.deepEqual([...(delivered.get(1) ?? [])].sort(), [`2:${big.length}:42`, "3:1:9"]);
  for (let i = 2; i <= 3; i++) assert.deepEqual(delivered.get(i), delivered.get(1), `node ${i}`);
  c.input(3, { type: "cpg_leave", group: "cib", pid: 103 });
  settle(c, 500);
  c.crash(2);
  settle(c);
  assert.deepEqual(changes.slice(-2), [
    "cib members 1,2 joined  left 3 failed ",
    "cib members 1 joined  left  failed 2",
  ]);
});

test("votequorum: majority, wait_for_all, auto_tie_breaker, last_man_standing", () => {
  // Plain majority: 3 nodes, two crash -> the last one is not quorate.
  let c = cluster(3);
  settle(c);
  assert.equal(c.node(1).engine?.quorumState.quorate, true);
  c.crash(2);
  settle(c);
  assert.equal(c.node(1).engine?.quorumState.quorate, true);
  c.crash(3);
  settle(c);
  assert.equal(c.node(1).engine?.quorumState.quorate, false);

  // wait_for_all: two of three up are not enough until all three were seen once.
  c = new SimCluster(
    3,
    new Prng(3),
    { delay: 0.5, jitter: 0, loss: 0, duplicate: 0 },
    { quorum: { wait_for_all: true } },
  );
  c.start(1);
  c.start(2);
  settle(c);
  assert.equal(c.node(1).engine?.quorumState.quorate, false);
  c.start(3);
  settle(c);
  assert.equal(c.node(1).engine?.quorumState.quorate, true);
  c.crash(3);
  settle(c);
  assert.equal(c.node(1).engine?.quorumState.quorate, true);

  // auto_tie_breaker: a 2|2 split is won by the half with the lowest node id.
  c = cluster(4, { auto_tie_breaker: true });
  settle(c);
  c.partition([
    [1, 2],
    [3, 4],
  ]);
  settle(c);
  assert.deepEqual(members(c, 1), [1, 2]);
  assert.equal(c.node(1).engine?.quorumState.quorate, true);
  assert.equal(c.node(3).engine?.quorumState.quorate, false);

  // last_man_standing: after the window, expected votes follow the shrinking cluster.
  c = cluster(4, { last_man_standing: true, last_man_standing_window: 1000 });
  settle(c);
  c.crash(4);
  settle(c);
  assert.equal(c.node(1).engine?.quorumState.expectedVotes, 3);
  c.crash(3);
  settle(c);
  assert.equal(c.node(1).engine?.quorumState.quorate, true);
  assert.equal(c.node(1).engine?.quorumState.expectedVotes, 2);
  // Without it, 2 of 4 is not quorate.
  c = cluster(4);
  settle(c);
  c.crash(4);
  c.crash(3);
  settle(c);
  assert.equal(c.node(1).engine?.quorumState.quorate, false);
});

/** Virtual ms from a crash until every survivor installed a configuration without it. */
function detectionTime(n: number): number {
  const c = cluster(n);
  settle(c, 5000);
  assert.equal(members(c, 1).length, n, "ring formed");
  const crashAt = c.now + 123;
  c.runUntil(crashAt);
  c.crash(n);
  let done = -1;
  c.runUntil(crashAt + 10_000, () => {
    if (done < 0 && [...c.nodes.values()].every((x) => !x.engine || !members(c, x.id).includes(n)))
      done = c.now;
  });
  return done - crashAt;
}

test("a crashed member is out of the configuration in < 1 s at 2-8 nodes, < 2 s at 32", () => {
  for (const n of [2, 3, 8]) {
    const t = detectionTime(n);
    assert.ok(t > 0 && t < 1000, `${n} nodes: ${t} ms`);
  }
  const t32 = detectionTime(32);
  assert.ok(t32 > 0 && t32 < 2000, `32 nodes: ${t32} ms`);
});
