// `tandem sim` in-process: summary line, replay lines, exit status, bad options.
import assert from "node:assert/strict";
import { test } from "node:test";
import { simCommand } from "../cli/sim.js";
import { captureIO } from "../cli/io.js";
import { TandemError } from "../core/errors.js";

test("tandem sim --seeds prints the summary alone on its last line", async () => {
  const cap = captureIO();
  const rc = await simCommand(["--seeds", "5", "--start", "10", "--nodes", "3"], cap.io);
  assert.equal(rc, 0);
  assert.equal(cap.stdout.trimEnd().split("\n").at(-1), "5 passed, 0 failed");
});

test("tandem sim --seed S --trace prints the event trace", async () => {
  const cap = captureIO();
  const rc = await simCommand(["--seed", "3", "--trace", "--faults", "crash"], cap.io);
  assert.equal(rc, 0);
  assert.match(cap.stdout, /n1 start incarnation 1/);
  assert.match(cap.stdout, /regular config ring/);
  assert.match(cap.stdout, /\n1 passed, 0 failed\n$/);
});

test("tandem sim rejects bad options with one clear error", async () => {
  for (const argv of [["--faults", "meteor"], ["--seeds", "x"], ["--nodes", "1"], ["--trace"], ["--bogus"]]) {
    await assert.rejects(simCommand(argv, captureIO().io), (e: unknown) => e instanceof TandemError);
  }
});
