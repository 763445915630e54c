// The dashboard's live feed without a cluster: a scripted snapshot reader shows that
// subscribers get the latest state at once and then only changes, that a poke (an action, a
// CIB event) reads again, and that the feed stops reading when nobody watches.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SnapshotFeed } from "./feed.js";
import type { ClusterSnapshot } from "./snapshot.js";

function snap(dc: string, updated: number): ClusterSnapshot {
  return {
    node: "node1",
    running: true,
    message: null,
    clusterName: "c",
    dc,
    quorate: true,
    updated,
    nodes: [],
    resources: [],
    constraints: [],
    properties: [],
  };
}

/** A reader whose answers the test hands out one by one. */
function scripted() {
  const waiting: ((s: ClusterSnapshot) => void)[] = [];
  let reads = 0;
  const arrived: (() => void)[] = [];
  return {
    read: () =>
      new Promise<ClusterSnapshot>((resolve) => {
        reads++;
        waiting.push(resolve);
        for (const a of arrived.splice(0)) a();
      }),
    get reads() {
      return reads;
    },
    /** Waits for the next read and answers it. */
    async answer(s: ClusterSnapshot) {
      while (waiting.length === 0) await new Promise<void>((r) => arrived.push(r));
      waiting.shift()!(s);
      await new Promise((r) => setImmediate(r));
    },
  };
}

describe("dashboard live feed", () => {
  it("delivers the first state, then changes only; pokes read again; idle stops reading", async () => {
    const r = scripted();
    const watch = {
      started: 0,
      stopped: 0,
      start() {
        this.started++;
      },
      stop() {
        this.stopped++;
      },
    };
    const feed = new SnapshotFeed(r.read, 3_600_000, watch);
    const got: string[] = [];
    const off = feed.subscribe((s) => got.push(s.dc ?? ""));
    assert.equal(watch.started, 1);
    await r.answer(snap("node1", 1));
    assert.deepEqual(got, ["node1"]);
    // A late subscriber gets the current state at once, without a read.
    const late: string[] = [];
    const offLate = feed.subscribe((s) => late.push(s.dc ?? ""));
    assert.deepEqual(late, ["node1"]);
    feed.poke();
    await r.answer(snap("node1", 2)); // only the time changed: no news
    assert.deepEqual(got, ["node1"]);
    feed.poke();
    await r.answer(snap("node2", 3));
    assert.deepEqual(got, ["node1", "node2"]);
    assert.deepEqual(late, ["node1", "node2"]);
    // A poke during a read makes one more read right after it.
    feed.poke();
    feed.poke();
    const before = r.reads;
    await r.answer(snap("node2", 4));
    await r.answer(snap("node1", 5));
    assert.equal(r.reads, before + 1);
    assert.deepEqual(got, ["node1", "node2", "node1"]);
    off();
    offLate();
    feed.poke();
    await r.answer(snap("node1", 6));
    assert.equal(feed.subscribers, 0);
    assert.equal(watch.stopped, 1);
    const reads = r.reads;
    feed.poke();
    await new Promise((res) => setImmediate(res));
    assert.equal(r.reads, reads, "no reads without subscribers");
    feed.close();
  });
});
