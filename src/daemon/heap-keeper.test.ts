// The heap keeper: a major GC once the old generation has grown by the slack, none before.

import assert from "node:assert/strict";
import { test } from "node:test";
import { getHeapSpaceStatistics } from "node:v8";
import { startHeapKeeper } from "./heap-keeper.js";

const oldSpace = () => getHeapSpaceStatistics().find((s) => s.space_name === "old_space")!;
const oldUsed = () => oldSpace().space_used_size;

/**
 * Leaves promoted garbage in the old generation, synchronously (no timer of the keeper runs
 * meanwhile): objects kept across many scavenges, then dropped. Returns the old generation's size.
 */
function promotedGarbage(): number {
  let keep: { i: number; s: string }[] | null = [];
  for (let i = 0; i < 300_000; i++) keep.push({ i, s: `x${i}` });
  let sink = 0;
  for (let j = 0; j < 40; j++) sink += Array.from({ length: 50_000 }, (_, k) => ({ k })).length;
  const size = oldUsed();
  keep = null;
  assert.ok(sink > 0 && keep === null);
  return size;
}

async function until(what: string, cond: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(cond(), what);
}

test("heap keeper: collects once the old generation grew by the slack, and it shrinks", async () => {
  const keeper = startHeapKeeper({ intervalMs: 10, slackBytes: 1024 * 1024 });
  try {
    const before = oldUsed();
    const peak = promotedGarbage();
    assert.ok(peak > before + 2 * 1024 * 1024, `old generation grew only ${(peak - before) / 1048576} MiB`);
    await until("a collection", () => keeper.collections >= 1);
    assert.ok(oldUsed() < peak - 1024 * 1024, "the garbage is still there");
  } finally {
    keeper.stop();
  }
});

test("heap keeper: no collection while the old generation stays within the slack", async () => {
  const keeper = startHeapKeeper({ intervalMs: 10, slackBytes: 512 * 1024 * 1024 });
  try {
    promotedGarbage();
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(keeper.collections, 0);
  } finally {
    keeper.stop();
  }
});

test("heap keeper: pages left sparse by the garbage are compacted and given back", async () => {
  let keep: { i: number; s: string }[] | null = [];
  let sparse: { i: number; s: string }[] = [];
  const keeper = startHeapKeeper({ intervalMs: 10, slackBytes: 2 * 1024 * 1024 });
  try {
    // Synchronously: 400,000 objects promoted, then 9 in 10 dropped — every page stays in use.
    for (let i = 0; i < 400_000; i++) keep.push({ i, s: `x${i}` });
    let sink = 0;
    for (let j = 0; j < 40; j++) sink += Array.from({ length: 50_000 }, (_, k) => ({ k })).length;
    sparse = keep.filter((_, i) => i % 10 === 0);
    keep = null;
    const committed = oldSpace().physical_space_size;
    assert.ok(sink > 0 && keep === null);
    await until("a collection", () => keeper.collections >= 1);
    const after = oldSpace();
    assert.ok(
      after.physical_space_size < committed - 8 * 1024 * 1024,
      `old space still ${after.physical_space_size / 1048576} MiB committed (was ${committed / 1048576})`,
    );
    assert.equal(sparse.length, 40_000);
  } finally {
    keeper.stop();
  }
});
