// Runs our crm_simulate -S in-process over the scheduler corpus (real
// Pacemaker 2.1.5 outputs in ../shared/scheduler-corpus) and compares the
// Transition Summary and the Revised Cluster Status placement. The tracked
// baseline (corpus-baseline.json) holds the minimum pass count per tier and
// every failing case with its reason; a case that starts passing must be
// removed from the list, so the list stays true.
// UPDATE_CORPUS_BASELINE=1 rewrites the baseline from the current results
// (keeping reasons already written by hand).

import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { parseSimulateArgs, runSimulate } from "../cli/crm_simulate.js";
import { compareOutputs } from "./corpus-compare.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, "../..");
const corpus = path.resolve(repoRoot, "../shared/scheduler-corpus");
const baselineFile = path.join(repoRoot, "src/scheduler/corpus-baseline.json");

interface TierBaseline {
  minPass: number;
  total: number;
  failing: Record<string, string>;
}
type Baseline = Record<string, TierBaseline>;

function firstDifference(c: ReturnType<typeof compareOutputs>): string {
  const s = [
    ...c.summaryMissing.map((l) => `missing summary '${l}'`),
    ...c.summaryExtra.map((l) => `extra summary '${l}'`),
    ...c.placementMissing.map((l) => `expected placement '${l}'`),
    ...c.placementExtra.map((l) => `unexpected placement '${l}'`),
  ];
  return s[0] ?? "differs";
}

function runTier(tier: string): { pass: string[]; fail: Map<string, string> } {
  const dir = path.join(corpus, tier);
  const pass: string[] = [];
  const fail = new Map<string, string>();
  const opts = parseSimulateArgs(["-S"]);
  if (opts === "help") throw new Error("unreachable");
  const now = Math.floor(Date.now() / 1000);
  for (const f of readdirSync(dir)
    .filter((x) => x.endsWith(".xml"))
    .sort()) {
    const name = f.slice(0, -4);
    const expected = readFileSync(path.join(dir, `${name}.expected`), "utf8");
    try {
      const out = runSimulate(readFileSync(path.join(dir, f), "utf8"), opts, now, f).text;
      const c = compareOutputs(expected, out);
      if (c.ok) pass.push(name);
      else fail.set(name, firstDifference(c));
    } catch (e) {
      fail.set(name, `error: ${(e as Error).message}`);
    }
  }
  return { pass, fail };
}

const available = existsSync(corpus);

test("scheduler corpus: core and tier2 against Pacemaker 2.1.5", {
  skip: !available && "../shared/scheduler-corpus not present",
}, () => {
  const baseline: Baseline = existsSync(baselineFile) ? JSON.parse(readFileSync(baselineFile, "utf8")) : {};
  const update = process.env.UPDATE_CORPUS_BASELINE === "1";
  const problems: string[] = [];
  const next: Baseline = {};
  for (const tier of ["core", "tier2"]) {
    const { pass, fail } = runTier(tier);
    const total = pass.length + fail.size;
    const b = baseline[tier] ?? { minPass: 0, total, failing: {} };
    console.log(
      `corpus ${tier}: ${pass.length}/${total} pass (${((100 * pass.length) / total).toFixed(1)}%), baseline minimum ${b.minPass}`,
    );
    for (const [name, why] of fail) console.log(`  FAIL ${tier}/${name}: ${why}`);
    if (pass.length < b.minPass)
      problems.push(`${tier}: ${pass.length} pass, fewer than the recorded ${b.minPass}`);
    for (const name of pass)
      if (name in b.failing) problems.push(`${tier}/${name} now passes: remove it from corpus-baseline.json`);
    for (const name of fail.keys())
      if (!(name in b.failing))
        problems.push(`${tier}/${name} fails but is not listed in corpus-baseline.json`);
    const failing: Record<string, string> = {};
    for (const [name, why] of [...fail].sort()) {
      const old = b.failing[name];
      failing[name] =
        old &&
        !old.startsWith("missing ") &&
        !old.startsWith("extra ") &&
        !old.startsWith("expected ") &&
        !old.startsWith("unexpected ")
          ? old
          : why;
    }
    next[tier] = { minPass: pass.length, total, failing };
  }
  if (update) {
    writeFileSync(baselineFile, `${JSON.stringify(next, null, 2)}\n`);
    return;
  }
  assert.deepEqual(problems, []);
});
