// The second half of the seeds of swarm.test.ts (a separate file runs on the other core).

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { runRange } from "./swarm.js";

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

test(`cluster-sim: seeds ${HALF + 1}-${TOTAL}`, () => {
  if (process.env.CLUSTER_SIM_SEED) return;
  assert.deepEqual(runRange(HALF + 1, TOTAL - HALF, KNOWN), []);
});
