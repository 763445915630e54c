// Shared by every launcher in bin/: runs the built command named after the program.
// A program with a single-file build (dist/bundle/PROGRAM.cjs, made by
// scripts/build-bundles.mjs during `npm run build`) starts from that bundle and
// its V8 code cache when both are up to date; otherwise, or when
// TANDEM_NO_BUNDLE is set, from the ES modules in dist/ as every other program.
// bin/ is CommonJS (bin/package.json): a CommonJS entry starts without Node's ES
// module loader, which a bundled run never needs (a few ms of every start).
const { existsSync, readFileSync, statSync } = require("node:fs");
const { createRequire } = require("node:module");
const { join } = require("node:path");
const { pathToFileURL } = require("node:url");
const vm = require("node:vm");

const root = join(__dirname, "..");

async function launch(program) {
  const bundle = process.env.TANDEM_NO_BUNDLE ? undefined : loadBundle(program);
  if (bundle) {
    await bundle.run(process.argv.slice(2));
    return;
  }
  const dist = join(root, "dist", "cli", "main.js");
  if (!existsSync(dist)) {
    process.stderr.write(`${program}: tandem is not built yet: run 'npm run build' in ${root}\n`);
    process.exit(1);
  }
  const { main } = await import(pathToFileURL(dist).href);
  await main(program);
}

/** Where the single-file build of a program lives. */
function bundlePaths(program) {
  const dir = join(root, "dist", "bundle");
  return {
    dir,
    script: join(dir, `${program}.cjs`),
    cache: join(dir, `${program}.cache`),
    manifest: join(dir, `${program}.json`),
  };
}

/** What the manifest records of a file: size, mtime and content hash (undefined when missing). */
function stamp(file) {
  try {
    const s = statSync(file);
    return { size: s.size, mtimeMs: s.mtimeMs, sha1: sha1(readFileSync(file)) };
  } catch {
    return undefined;
  }
}

function sha1(bytes) {
  // (loaded only when needed: most launches never hash anything)
  const { createHash } = require("node:crypto");
  return createHash("sha1").update(bytes).digest("hex");
}

/** The file is as recorded: same size and mtime, or (a copy) same size and content. */
function unchanged(file, rec) {
  if (!rec) return false;
  let s;
  try {
    s = statSync(file);
  } catch {
    return false;
  }
  if (s.size !== rec.size) return false;
  return s.mtimeMs === rec.mtimeMs || sha1(readFileSync(file)) === rec.sha1;
}

/**
 * The bundle's exports, or undefined when there is none or it is stale: the
 * manifest records the bundle, its cache and every dist/ file it was built
 * from, so a later `tsc` alone (or a missing file) makes the launcher fall
 * back to dist/ instead of running old code.
 */
function loadBundle(program, { useCache = true } = {}) {
  const p = bundlePaths(program);
  const skip = (why) => {
    if (process.env.TANDEM_DEBUG) process.stderr.write(`${program}: bundle not used: ${why}\n`);
    return undefined;
  };
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(p.manifest, "utf8"));
  } catch {
    return undefined; // (no single-file build of this program)
  }
  if (!unchanged(p.script, manifest.script)) return skip(`${p.script} changed since the build`);
  for (const [file, rec] of Object.entries(manifest.inputs ?? {}))
    if (!unchanged(join(root, file), rec)) return skip(`${file} changed since the build`);
  try {
    const cachedData = useCache && unchanged(p.cache, manifest.cache) ? readFileSync(p.cache) : undefined;
    const source = readFileSync(p.script, "utf8");
    // The CommonJS wrapper, compiled with vm.Script so that V8 can use the code cache.
    const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
      filename: p.script,
      cachedData,
    });
    if (cachedData && script.cachedDataRejected) skip("code cache rejected (running without it)");
    const module = { exports: {} };
    script.runInThisContext()(module.exports, createRequire(p.script), module, p.script, p.dir);
    return { ...module.exports, script };
  } catch (e) {
    return skip(String(e));
  }
}

module.exports = { launch, bundlePaths, stamp, loadBundle };
