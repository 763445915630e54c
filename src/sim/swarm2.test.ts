// Second half of the 2,000-seed swarm (see swarm.test.ts), so the two halves run in parallel.
import assert from "node:assert/strict";
import { test } from "node:test";
import { runSeed } from "./swarm.js";

const SEEDS = Number(process.env.TANDEM_SIM_SEEDS ?? 2000);
const first = Math.ceil(SEEDS / 2) + 1;

test(`swarm: seeds ${first}..${SEEDS} of mixed faults all pass`, () => {
  const failures: string[] = [];
  for (let s = first; s <= SEEDS; s++) {
    const r = runSeed(s);
    if (!r.ok) failures.push(`seed ${s}: ${r.violation} (replay: tandem sim --seed ${s} --trace)`);
  }
  assert.deepEqual(failures, []);
});
