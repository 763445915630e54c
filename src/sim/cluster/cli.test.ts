// `tandem cluster-sim` in-process: summary line, failing seeds with replay commands and a
// non-zero status, traces, bad options.
import assert from "node:assert/strict";
import { test } from "node:test";
import { captureIO } from "../../cli/io.js";
import { TandemError } from "../../core/errors.js";
import { clusterSimCommand, clusterSimCommandWith } from "./cli.js";
import { runClusterSeed } from "./swarm.js";

test("tandem cluster-sim --seeds prints the summary alone on its last line", async () => {
  const cap = captureIO();
  const rc = await clusterSimCommand(["--seeds", "2", "--start", "5"], cap.io);
  assert.equal(rc, 0);
  assert.equal(cap.stdout.trimEnd().split("\n").at(-1), "2 passed, 0 failed");
});

test("a failing seed is printed with its replay command and the exit status is 1", async () => {
  // a runner that fails seed 6 on purpose (the seeds known to fail get fixed)
  const cmd = clusterSimCommandWith((s, o) => {
    const r = runClusterSeed(s, o);
    return s === 6 ? { ...r, ok: false, violation: "injected failure" } : r;
  });
  const cap = captureIO();
  const rc = await cmd(["--seeds", "2", "--start", "5", "--steps", "1"], cap.io);
  assert.equal(rc, 1);
  assert.match(cap.stdout, /^seed 6 FAILED \(\d nodes, faults [^)]*\): injected failure$/m);
  assert.match(cap.stdout, /replay: tandem cluster-sim --seed 6 --steps 1 --trace/);
  assert.doesNotMatch(cap.stdout, /seed 5 FAILED/);
  assert.equal(cap.stdout.trimEnd().split("\n").at(-1), "1 passed, 1 failed");
});

test("tandem cluster-sim --seed S --trace prints the run's events", async () => {
  const cap = captureIO();
  const rc = await clusterSimCommand(["--seed", "3", "--trace", "--steps", "1"], cap.io);
  assert.equal(rc, 0);
  assert.match(cap.stdout, /n1 tandemd start \(gen 1\)/);
  assert.match(cap.stdout, /client ack stonith/);
  assert.match(cap.stdout, /agent start /);
  assert.match(cap.stdout, /\n1 passed, 0 failed\n$/);
});

test("tandem cluster-sim rejects bad options with one clear error", async () => {
  for (const argv of [["--faults", "meteor"], ["--seeds", "x"], ["--nodes", "2"], ["--trace"], ["--bogus"]])
    await assert.rejects(clusterSimCommand(argv, captureIO().io), (e: unknown) => e instanceof TandemError);
});
