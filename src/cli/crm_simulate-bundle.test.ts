// The single-file build of crm_simulate (scripts/build-bundles.mjs + bin/launch.js):
// built in a scratch copy of bin/ and dist/, it is used when up to date, gives
// the same output and errors as the ES modules, and is left alone (falling back
// to dist/) when an input changed, the cache is missing or the bundle is gone.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { placementCib } from "../scheduler/placement-cib.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

function scratchCopy(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "tandem-bundle-"));
  cpSync(path.join(repoRoot, "bin"), path.join(dir, "bin"), { recursive: true });
  cpSync(path.join(repoRoot, "dist"), path.join(dir, "dist"), {
    recursive: true,
    filter: (src) => !src.includes(`${path.sep}bundle`) && !src.endsWith(".map"),
  });
  mkdirSync(path.join(dir, "scripts"));
  cpSync(path.join(repoRoot, "scripts", "build-bundles.mjs"), path.join(dir, "scripts", "build-bundles.mjs"));
  symlinkSync(path.join(repoRoot, "node_modules"), path.join(dir, "node_modules"));
  writeFileSync(path.join(dir, "package.json"), '{"type":"module"}');
  return dir;
}

function run(root: string, args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [path.join(root, "bin", "crm_simulate"), ...args], {
    encoding: "utf8",
    env: { ...process.env, TANDEM_NO_BUNDLE: "", TANDEM_DEBUG: "1", ...env },
  });
  return { out: r.stdout, err: r.stderr, status: r.status };
}

test("crm_simulate bundle: same results as dist/, used only while up to date", () => {
  const root = scratchCopy();
  try {
    const build = spawnSync(process.execPath, [path.join(root, "scripts", "build-bundles.mjs")], {
      encoding: "utf8",
    });
    assert.equal(build.status, 0, build.stderr);
    for (const f of ["crm_simulate.cjs", "crm_simulate.cache", "crm_simulate.json"])
      assert.ok(existsSync(path.join(root, "dist", "bundle", f)), f);
    const cib = path.join(root, "cib.xml");
    writeFileSync(cib, placementCib(11, 5, 40));

    for (const args of [["-x", cib, "-R"], ["-x", cib, "-S"], ["-x", cib, "-s", "-S"], ["--help"]]) {
      const viaBundle = run(root, args);
      const viaDist = run(root, args, { TANDEM_NO_BUNDLE: "1" });
      assert.equal(viaBundle.err, "", `bundle used for ${args.join(" ")}`);
      assert.equal(viaBundle.status, 0);
      assert.equal(viaBundle.out, viaDist.out, args.join(" "));
    }
    // Errors: the same one line and status.
    for (const args of [["-x", path.join(root, "missing.xml"), "-R"], ["--bogus"]]) {
      const a = run(root, args);
      const b = run(root, args, { TANDEM_NO_BUNDLE: "1" });
      assert.equal(a.status, b.status);
      assert.equal(a.err, b.err);
      assert.match(a.err, /^crm_simulate: /);
    }
    const expected = run(root, ["-x", cib, "-S"]).out;

    // A reader that goes away early (`| head`): the run ends quietly with status 0.
    const big = path.join(root, "big.xml");
    writeFileSync(big, placementCib(12, 16, 1000));
    const early = spawnSync(
      "bash",
      [
        "-c",
        `"${process.execPath}" "${path.join(root, "bin", "crm_simulate")}" -x "${big}" -S | head -c 100 >/dev/null; echo "\${PIPESTATUS[0]}"`,
      ],
      { encoding: "utf8", env: { ...process.env, TANDEM_NO_BUNDLE: "", TANDEM_DEBUG: "1" } },
    );
    assert.equal(early.stdout.trim(), "0");
    assert.equal(early.stderr, "");

    // Without its cache, the bundle still runs (compiling as usual).
    rmSync(path.join(root, "dist", "bundle", "crm_simulate.cache"));
    const noCache = run(root, ["-x", cib, "-S"]);
    assert.equal(noCache.err, "");
    assert.equal(noCache.out, expected);

    // A copy that did not keep mtimes (same content): still used.
    const later = new Date(Date.now() + 5000);
    for (const f of readdirSync(path.join(root, "dist"), { recursive: true }))
      utimesSync(path.join(root, "dist", String(f)), later, later);
    const copied = run(root, ["-x", cib, "-S"]);
    assert.equal(copied.err, "");
    assert.equal(copied.out, expected);

    // Same size, other content: not used.
    const orderings = path.join(root, "dist", "scheduler", "orderings.js");
    const text = readFileSync(orderings, "utf8");
    const at = text.indexOf("// ") + 3;
    writeFileSync(orderings, text.slice(0, at) + (text[at] === "X" ? "Y" : "X") + text.slice(at + 1));
    const edited = run(root, ["-x", cib, "-S"]);
    assert.match(edited.err, /bundle not used: dist\/scheduler\/orderings\.js changed since the build/);
    assert.equal(edited.out, expected);
    writeFileSync(orderings, text);

    // A dist/ file rebuilt after the bundle (tsc alone): the launcher uses dist/.
    appendFileSync(path.join(root, "dist", "scheduler", "summary.js"), "\n// changed\n");
    const stale = run(root, ["-x", cib, "-S"]);
    assert.match(stale.err, /bundle not used: dist\/scheduler\/summary\.js changed since the build/);
    assert.equal(stale.out, expected);

    // No bundle at all: dist/ as for every other program.
    rmSync(path.join(root, "dist", "bundle"), { recursive: true });
    const none = run(root, ["-x", cib, "-S"]);
    assert.equal(none.err, "");
    assert.equal(none.out, expected);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
