// Replays ../shared/reference/pacemaker-2.1.5/pcs-errors-and-edge-cases.txt — real pcs
// 0.11.5's answers to bad input, run in order with `pcs -f` on a copy of the reference
// cib.xml — and requires the same text, the same exit status, and (for every failing
// command) a CIB file left byte for byte as it was.

import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { pcs, reference, tempDir, words } from "./test-support.js";

interface Case {
  command: string;
  output: string;
  exit: number;
}

function parseCases(text: string): Case[] {
  const cases: Case[] = [];
  const blocks = text.split(/^\$ /m).slice(1);
  for (const b of blocks) {
    const nl = b.indexOf("\n");
    const command = b.slice(0, nl);
    const rest = b.slice(nl + 1);
    const m = /\[exit (\d+)\]\n*$/.exec(rest);
    assert.ok(m, `no exit status after '${command}'`);
    cases.push({ command, output: rest.slice(0, m.index), exit: Number(m[1]) });
  }
  return cases;
}

/** Cases where tandem deliberately differs: it accepts the tutorial's pcs 0.9 syntax. */
const ACCEPTS_09_SYNTAX = [
  "pcs cluster auth node1 node2",
  "pcs cluster setup --name cluster_web node1 node2",
];

test("real pcs 0.11.5's error and edge cases give the same text, status, and an untouched CIB", async (t) => {
  const dir = tempDir(t);
  const cibPath = join(dir, "cib.xml");
  writeFileSync(cibPath, reference("cib.xml"));
  const cases = parseCases(reference("pcs-errors-and-edge-cases.txt"));
  assert.ok(cases.length >= 18, `parsed ${cases.length} cases`);
  let replayed = 0;
  for (const c of cases) {
    if (ACCEPTS_09_SYNTAX.includes(c.command)) continue;
    const argv = words(c.command);
    assert.equal(argv.shift(), "pcs");
    const before = readFileSync(cibPath);
    const r = await pcs(argv, { cwd: dir });
    assert.equal(r.all, c.output, `output of '${c.command}'`);
    assert.equal(r.code, c.exit, `exit status of '${c.command}'`);
    if (c.exit !== 0) assert.ok(readFileSync(cibPath).equals(before), `'${c.command}' changed the CIB`);
    replayed++;
  }
  assert.equal(replayed, cases.length - ACCEPTS_09_SYNTAX.length);
});
