// The status tools against a real one-node tandemd (body in tools-live-run.ts), run
// from a private copy of the build so that a recompilation of dist/ during the run
// cannot break the processes it starts.

import { join, resolve } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { privateBuild } from "./build-copy.js";

const repoRoot = resolve(fileURLToPath(new URL(".", import.meta.url)), "../..");
const build = await privateBuild(repoRoot);
after(build.remove);
const run = (await import(
  pathToFileURL(join(build.dir, "dist/status/tools-live-run.js")).href
)) as typeof import("./tools-live-run.js");

test("status tools on a real one-node tandemd", { timeout: 120_000 }, (t) => run.statusToolsLive(t));
