// The whole cluster in the simulator over many seeds (swarm: each seed picks nodes, network,
// agents and fault mix). CLUSTER_SIM_SEEDS changes the count (split across this file's
// two halves so the test runner can run them on both cores: see swarm2.test.ts);
// CLUSTER_SIM_SEED=N replays one. Replay a failure with `tandem cluster-sim --seed N --trace`.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { runClusterSeed, runRange } from "./swarm.js";

/** Seeds that fail because of known bugs in other layers (run as todo tests in regressions.test.ts). */
const KNOWN = new Set(
  (
    JSON.parse(
      readFileSync(new URL("../../../src/sim/cluster/known-failures.json", import.meta.url), "utf8"),
    ) as { seed: number; options?: object }[]
  )
    .filter((k) => k.options === undefined)
    .map((k) => k.seed),
);

const TOTAL = Number(process.env.CLUSTER_SIM_SEEDS ?? 1000);
const HALF = Math.ceil(TOTAL / 2);

test(`cluster-sim: seeds 1-${HALF} (crashes, restarts, pauses, partitions, loss, service deaths, failing starts and fences)`, () => {
  if (process.env.CLUSTER_SIM_SEED) {
    const r = runClusterSeed(Number(process.env.CLUSTER_SIM_SEED));
    assert.equal(r.violation, "");
    return;
  }
  assert.deepEqual(runRange(1, HALF, KNOWN), []);
});
