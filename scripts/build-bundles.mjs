#!/usr/bin/env node
// Second step of `npm run build` (after tsc): single-file builds of the commands
// whose start-up time matters (crm_simulate: bench/scheduler times whole runs).
// For each: bundles dist/cli/NAME-bundle.js with esbuild into dist/bundle/NAME.cjs,
// runs it in-process on a generated CIB so that V8 compiles what a real run
// needs, saves V8's code cache beside it, and writes a manifest with the size and
// mtime and content hash of every input (bin/launch.js uses the bundle only while
// they match).
// Without esbuild (e.g. a production install) it skips: the launchers then run
// the ES modules in dist/ as before.

import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import launcher from "../bin/launch.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { bundlePaths, loadBundle, stamp } = launcher;

let esbuild;
try {
  esbuild = await import("esbuild");
} catch {
  console.error("build-bundles: esbuild is not installed; skipping the single-file builds");
  process.exit(0);
}

/** Warm-up inputs: generated CIBs in both layouts the runs see (compact and indented). */
async function warmInputs() {
  const { placementCib } = await import(join(root, "dist", "scheduler", "placement-cib.js"));
  const small = placementCib(3, 6, 60);
  const pretty = placementCib(5, 8, 120).replace(/></g, ">\n  <");
  // ... plus what the generator does not make: orders (plain, to and from a group), a clone.
  const extras = placementCib(7, 4, 30)
    .replace(
      "</resources>",
      '<clone id="warm-clone"><primitive id="warm-c" class="ocf" provider="pacemaker" type="Dummy"/></clone></resources>',
    )
    .replace(
      "</constraints>",
      '<rsc_order id="warm-o1" first="rsc1" then="rsc2"/><rsc_order id="warm-o2" first="warm-clone" then="rsc3" kind="Optional"/>' +
        '<rsc_order id="warm-o3" first="rsc4" then="rsc5" symmetrical="false"/></constraints>',
    );
  return [small, pretty, extras];
}

async function buildCrmSimulate() {
  const name = "crm_simulate";
  const p = bundlePaths(name);
  rmSync(p.manifest, { force: true });
  mkdirSync(p.dir, { recursive: true });
  const res = await esbuild.build({
    entryPoints: [join(root, "dist", "cli", "crm_simulate-bundle.js")],
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    outfile: p.script,
    metafile: true,
    logLevel: "warning",
    absWorkingDir: root,
  });
  const inputs = {};
  for (const rel of Object.keys(res.metafile.inputs)) inputs[rel] = stamp(join(root, rel));
  // Load without a cache, warm up, then save the code of everything compiled so far.
  writeFileSync(p.manifest, JSON.stringify({ script: stamp(p.script), inputs }));
  const b = loadBundle(name, { useCache: false });
  if (!b) throw new Error("the fresh bundle does not load");
  for (const cib of await warmInputs()) await b.warm(cib, [["-R"], ["-S"], ["-s", "-S"]]);
  writeFileSync(p.cache, b.script.createCachedData());
  writeFileSync(p.manifest, JSON.stringify({ script: stamp(p.script), cache: stamp(p.cache), inputs }, null, 1));
  console.log(`build-bundles: ${relative(root, p.script)} (${Object.keys(inputs).length} modules) + code cache`);
}

await buildCrmSimulate();
