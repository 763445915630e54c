// Placement against the real Pacemaker 2.1.5 crm_simulate, when it is
// installed (Debian package pacemaker-cli-utils): generated CIBs big enough
// for ties to matter (6 nodes, 60 resources, groups, chains of colocations with
// mixed scores, priorities, stickiness, some resources already running, a
// standby node) go through both tools with -R, and every resource must end up
// on the same node (or stopped in both). This is what decides tie-breaking:
// the order resources are placed in, the order colocations are applied and
// merged, how scaled scores round, and which node wins among equal scores.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { parseSimulateArgs, runSimulate } from "../cli/crm_simulate.js";
import { placementFromOutput } from "./corpus-compare.js";
import { placementCib } from "./placement-cib.js";

const REAL = "/usr/sbin/crm_simulate";
const SEEDS = 12;

test("placement: every resource lands where the real crm_simulate puts it (6 nodes x 60 resources)", {
  skip: !existsSync(REAL) && "crm_simulate not installed",
}, () => {
  const dir = mkdtempSync(path.join(tmpdir(), "tandem-placement-"));
  const opts = parseSimulateArgs(["-R"]);
  if (opts === "help") throw new Error("unreachable");
  const differ: string[] = [];
  let same = 0;
  let total = 0;
  try {
    for (let s = 1; s <= SEEDS; s++) {
      const xml = placementCib(s);
      const file = path.join(dir, `p${s}.xml`);
      writeFileSync(file, xml);
      const real = placementFromOutput(
        execFileSync(REAL, ["-x", file, "-R"], {
          env: { ...process.env, LC_ALL: "C" },
          stdio: ["ignore", "pipe", "ignore"],
        }).toString(),
      );
      const ours = placementFromOutput(runSimulate(xml, opts, 1700000000).text);
      for (const [rsc, node] of real) {
        total++;
        if (ours.get(rsc) === node) same++;
        else differ.push(`seed ${s}: ${rsc} real ${node}, ours ${ours.get(rsc) ?? "stopped"}`);
      }
      for (const [rsc, node] of ours)
        if (!real.has(rsc)) {
          total++;
          differ.push(`seed ${s}: ${rsc} real stopped, ours ${node}`);
        }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`placement: ${same}/${total} resources placed as the real crm_simulate places them`);
  for (const d of differ.slice(0, 20)) console.log(`  ${d}`);
  assert.equal(differ.length, 0, `${differ.length} resources placed differently`);
});
