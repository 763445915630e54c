// The issue-5 transcript test (body in transcript-run.ts), run from a private copy of
// the build so that a recompilation of dist/ during the run cannot break the processes
// it starts: the tutorial with pcs 0.9 syntax, with 0.11 syntax (and a crash of node1),
// and with 3 nodes.

import { join, resolve } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { privateBuild } from "./build-copy.js";

const repoRoot = resolve(fileURLToPath(new URL(".", import.meta.url)), "../..");
const refDir = resolve(repoRoot, "../shared/reference/pacemaker-2.1.5");
const build = await privateBuild(repoRoot);
after(build.remove);
const run = (await import(
  pathToFileURL(join(build.dir, "dist/status/transcript-run.js")).href
)) as typeof import("./transcript-run.js");

test("transcript: the tutorial with pcs 0.9 syntax, 2 nodes", { timeout: 240_000 }, () =>
  run.transcript(refDir, 2, "0.9", 241),
);
test(
  "transcript: the tutorial with pcs 0.11 syntax, 2 nodes, then a crash of node1",
  { timeout: 240_000 },
  () => run.transcript(refDir, 2, "0.11", 242, true),
);
test("transcript: the tutorial with 3 nodes", { timeout: 240_000 }, () =>
  run.transcript(refDir, 3, "0.9", 243),
);
