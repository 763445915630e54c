// The daemon-facing runtime API with the real engine over real UDP on loopback, in one
// process: process-group join, totally ordered delivery of concurrent senders, quorum,
// configuration callbacks, cmap / quorum / cfg answers.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { MembershipEngine } from "../membership/engine.js";
import { loadClusterConfig } from "./cluster-config.js";
import { type CpgDeliverEvent, MembershipRuntime } from "./runtime.js";

function conf(n: number): string {
  const a = 2 + Math.floor(Math.random() * 250);
  const b = Math.floor(Math.random() * 250);
  const port = 20000 + Math.floor(Math.random() * 40000);
  const nodes = Array.from(
    { length: n },
    (_, i) =>
      `  node {\n    ring0_addr: 127.${a}.${b}.${i + 1}\n    name: n${i + 1}\n    nodeid: ${i + 1}\n  }`,
  ).join("\n");
  return `totem {\n  cluster_name: rt\n  interface {\n    linknumber: 0\n    mcastport: ${port}\n  }\n}\nnodelist {\n${nodes}\n}\nquorum {\n  provider: corosync_votequorum\n}\n`;
}

async function until(cond: () => boolean, ms: number, what: string) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test("3 runtimes: one ring, CPG messages of concurrent senders delivered in one order everywhere", async () => {
  const cluster = loadClusterConfig(conf(3));
  const key = randomBytes(256);
  const rts = cluster.nodes.map(
    (n) =>
      new MembershipRuntime({
        cluster,
        nodeid: n.nodeid,
        authkey: key,
        engine: (cfg) => new MembershipEngine(cfg),
      }),
  );
  const got: CpgDeliverEvent[][] = rts.map(() => []);
  rts.forEach((rt, i) => {
    rt.onCpgDeliver((e) => {
      got[i].push(e);
    });
  });
  try {
    await Promise.all(rts.map((rt) => rt.start()));
    await until(() => rts.every((rt) => rt.configuration()?.members.length === 3), 15_000, "one ring of 3");
    assert.ok(rts.every((rt) => rt.quorum()?.quorate));
    for (const rt of rts) rt.cpgJoin("g");
    await until(() => rts.every((rt) => rt.groupMembersOf("g").length === 3), 15_000, "group of 3");
    const per = 40;
    rts.forEach((rt, i) => {
      for (let k = 0; k < per; k++) rt.cpgSend("g", Buffer.from(`${i + 1}:${k}`), k % 2 ? "safe" : "agreed");
    });
    await until(() => got.every((g) => g.length === 3 * per), 15_000, "all deliveries");
    const orders = got.map((g) => g.map((e) => e.data.toString()).join(","));
    assert.equal(orders[1], orders[0]);
    assert.equal(orders[2], orders[0]);
    // each sender's own messages in the order it sent them
    for (let s = 1; s <= 3; s++) {
      const mine = got[0].filter((e) => e.sender.nodeId === s).map((e) => e.data.toString());
      assert.deepEqual(
        mine,
        Array.from({ length: per }, (_, k) => `${s}:${k}`),
      );
    }
    const q = rts[0].quorumStatus();
    assert.equal(q.members.length, 3);
    assert.equal(q.quorate, true);
    assert.ok(rts[0].cmap().some((e) => e.key === "runtime.members.3.status" && e.value === "joined"));
    await until(
      () => rts[0].cfgStatus().links[0].peers.every((p) => p.status !== "disconnected"),
      15_000,
      "links reported connected",
    );
  } finally {
    for (const rt of rts) rt.stop();
  }
});
