// Token hold on an idle ring (corosync's seqno_unchanged_const / hold): an idle ring's
// representative holds the token for `hold` ms at every visit, so the ring costs one
// rotation per `hold` instead of spinning; a member with something to send gets the token
// released at once (token_hold_cancel); a crash is still noticed within the token timeout.
// All times are the simulator's virtual time.
import assert from "node:assert/strict";
import { test } from "node:test";
import { SimCluster } from "../sim/cluster.js";
import { Prng } from "../sim/prng.js";
import type { NodeId } from "./types.js";

function idleRing(n: number, seed = 7): SimCluster {
  const c = new SimCluster(n, new Prng(seed), { delay: 0.5, jitter: 0.2, loss: 0, duplicate: 0 });
  for (let i = 1; i <= n; i++) c.start(i);
  c.runUntil(c.now + 5000);
  for (let i = 1; i <= n; i++)
    assert.equal(c.node(i).engine?.configuration?.members.length, n, "ring formed");
  return c;
}

function countTokens(c: SimCluster, ms: number): { sent: number; perNode: Map<NodeId, number> } {
  const perNode = new Map<NodeId, number>();
  let sent = 0;
  const o = (id: NodeId, _inc: number, e: { type: string; message?: { type: string } }) => {
    if (e.type === "send" && e.message?.type === "token") {
      sent++;
      perNode.set(id, (perNode.get(id) ?? 0) + 1);
    }
  };
  c.observers.push(o);
  c.runUntil(c.now + ms);
  c.observers.splice(c.observers.indexOf(o), 1);
  return { sent, perNode };
}

test("an idle ring makes one rotation per hold period, and every member still sees the token", () => {
  for (const n of [2, 3, 8]) {
    const c = idleRing(n);
    const hold = c.node(1).engine?.config.timeouts.hold as number;
    const { sent, perNode } = countTokens(c, 10_000);
    const rotations = sent / n;
    assert.ok(
      rotations <= (10_000 / hold) * 1.1 + 2,
      `${n} nodes: ${rotations} rotations in 10 s (hold ${hold} ms)`,
    );
    // Every member passes the token on at least once per hold period (far below `token`).
    for (let i = 1; i <= n; i++) assert.ok((perNode.get(i) ?? 0) >= (10_000 / hold) * 0.9, `node ${i}`);
    for (let i = 1; i <= n; i++)
      assert.equal(c.node(i).engine?.configuration?.members.length, n, "no change");
  }
});

test("a message sent on an idle ring by any member is delivered in about one rotation, not after the hold", () => {
  const c = idleRing(3);
  const hold = c.node(1).engine?.config.timeouts.hold as number;
  for (const id of [1, 2, 3]) c.input(id, { type: "cpg_join", group: "g", pid: 100 + id });
  c.runUntil(c.now + 3000); // idle again
  for (const from of [3, 2, 1]) {
    // at several phases of the hold
    for (const offset of [0, 11, 23, 37, 49]) {
      c.runUntil(c.now + 1000 + offset);
      const got = new Set<NodeId>();
      let last = -1;
      const o = (id: NodeId, _inc: number, e: { type: string }, now: number) => {
        if (e.type === "cpg_deliver") {
          got.add(id);
          last = now;
        }
      };
      c.observers.push(o);
      const t0 = c.now;
      c.input(from, { type: "cpg_send", group: "g", pid: 100 + from, data: Buffer.from("x") });
      c.runUntil(t0 + 200);
      c.observers.splice(c.observers.indexOf(o), 1);
      assert.equal(got.size, 3, `from ${from}: delivered everywhere`);
      assert.ok(last - t0 < hold / 2, `from node ${from} at +${offset}: ${last - t0} ms (hold ${hold} ms)`);
    }
  }
  // corosync's cmap counters: members asked, the representative (node 1) was asked.
  const key = (id: NodeId, k: string) =>
    Number(
      c
        .node(id)
        .engine?.cmap()
        .find((e) => e.key === `runtime.totem.pg.mrp.srp.${k}`)?.value,
    );
  assert.ok(key(3, "token_hold_cancel_tx") >= 1 && key(2, "token_hold_cancel_tx") >= 1);
  assert.equal(key(1, "token_hold_cancel_tx"), 0, "the representative releases its own hold");
  assert.equal(
    key(1, "token_hold_cancel_rx"),
    key(2, "token_hold_cancel_tx") + key(3, "token_hold_cancel_tx"),
  );
  assert.ok(key(2, "orf_token_tx") > 0);
});

test("a crash on an idle ring is noticed within the token timeout, at any phase of the hold", () => {
  for (const victim of [1, 2, 3]) {
    for (const offset of [0, 9, 19, 29, 39, 49, 59, 69]) {
      const c = idleRing(3, 11 + offset);
      const t = c.node(1).engine?.config.timeouts;
      assert.ok(t);
      c.runUntil(c.now + 1000 + offset);
      const crashAt = c.now;
      c.crash(victim);
      const survivors = [1, 2, 3].filter((x) => x !== victim);
      let firstLoss = -1;
      let done = -1;
      c.observers.push((_id, _inc, e, now) => {
        if (firstLoss < 0 && e.type === "log" && e.text.startsWith("token lost")) firstLoss = now;
      });
      c.runUntil(crashAt + 5000, () => {
        if (done < 0 && survivors.every((s) => !c.node(s).engine?.configuration?.members.includes(victim)))
          done = c.now;
      });
      assert.ok(
        firstLoss > 0 && firstLoss - crashAt <= t.token + 2,
        `victim ${victim} +${offset}: lost after ${firstLoss - crashAt}`,
      );
      assert.ok(
        done > 0 && done - crashAt <= t.token + t.consensus + 50,
        `victim ${victim} +${offset}: ${done - crashAt} ms`,
      );
    }
  }
});
