// Resource operations on a real two-node tandemd cluster (body in ops-live-run.ts), run
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
  pathToFileURL(join(build.dir, "dist/status/ops-live-run.js")).href
)) as typeof import("./ops-live-run.js");

test("relocate, move/ban with a lifetime, --why on a real two-node tandemd", { timeout: 180_000 }, (t) =>
  run.opsLive(t),
);
