// tandemd's V8 flags: which are applied, and that V8 honours them when they are set at run time
// (not on the command line) — checked in fresh node processes, as bin/tandemd sets them.

import assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { ErrorCodes, TandemError } from "../core/errors.js";
import { cibRequest } from "./protocol.js";
import { tandemdBin } from "./testutil.js";
import { DEFAULT_TANDEMD_V8_FLAGS, tandemdV8Flags } from "./v8-flags.js";

test("tandemdV8Flags: defaults, TANDEMD_V8_FLAGS replaces them, bad words refused", () => {
  assert.deepEqual(tandemdV8Flags({}), [...DEFAULT_TANDEMD_V8_FLAGS]);
  assert.ok(DEFAULT_TANDEMD_V8_FLAGS.includes("--no-opt"));
  assert.ok(DEFAULT_TANDEMD_V8_FLAGS.includes("--semi-space-growth-factor=1"));
  assert.deepEqual(tandemdV8Flags({ TANDEMD_V8_FLAGS: "" }), []);
  assert.deepEqual(tandemdV8Flags({ TANDEMD_V8_FLAGS: "  --opt   --max-lazy " }), ["--opt", "--max-lazy"]);
  assert.deepEqual(tandemdV8Flags({ TANDEMD_V8_FLAGS: "--semi-space-growth-factor=1" }), [
    "--semi-space-growth-factor=1",
  ]);
  for (const bad of ["no-opt", "--opt x", "-x", "--=1"]) {
    assert.throws(
      () => tandemdV8Flags({ TANDEMD_V8_FLAGS: bad }),
      (e: unknown) => e instanceof TandemError && e.code === ErrorCodes.USAGE && e.exitCode === 2,
      bad,
    );
  }
});

/** Runs `body` in a fresh node process after applyTandemdV8Flags(env); returns its stdout. */
function inFreshNode(env: Record<string, string>, body: string): string {
  const mod = new URL("./v8-flags.js", import.meta.url).href;
  const script = `import { applyTandemdV8Flags } from ${JSON.stringify(mod)};
import * as v8 from "node:v8";
applyTandemdV8Flags(${JSON.stringify(env)});
${body}`;
  return execFileSync(process.execPath, ["--input-type=module", "-e", script], {
    encoding: "utf8",
    env: { ...process.env, NODE_OPTIONS: "" },
  }).trim();
}

// Keeps 50,000 objects alive while allocating 2 million: survivors make V8 grow the young
// generation (to 32 MiB with Node's defaults); prints the largest new space seen, in MiB.
const YOUNG = `let keep = new Array(50000), max = 0;
for (let i = 0; i < 2000000; i++) {
  keep[i % keep.length] = { i, s: "x" + i };
  if (i % 10000 === 0)
    max = Math.max(max, v8.getHeapSpaceStatistics().find((s) => s.space_name === "new_space").space_size);
}
console.log(max / 1048576);`;

test("the young generation does not grow with tandemd's flags (it does with Node's defaults)", () => {
  const withFlags = Number(inFreshNode({}, YOUNG));
  const without = Number(inFreshNode({ TANDEMD_V8_FLAGS: "" }, YOUNG));
  assert.ok(withFlags <= 2, `new space reached ${withFlags} MiB with tandemd's flags`);
  assert.ok(without > 2, `new space stayed at ${without} MiB with Node's defaults (V8 changed?)`);
});

// A hot function; prints whether TurboFan optimized it (GetOptimizationStatus bit 6) within 2 million calls.
const HOT = `v8.setFlagsFromString("--allow-natives-syntax");
const status = new Function("f", "return %GetOptimizationStatus(f)");
function hot(a) { let s = 0; for (let i = 0; i < a.length; i++) s += a[i] * 2; return s; }
const arr = Array.from({ length: 100 }, (_, i) => i);
let turbofanned = false;
for (let n = 0; n < 2000000 && !turbofanned; n++) {
  hot(arr);
  if (n % 1000 === 0) turbofanned = (status(hot) & 64) !== 0;
}
console.log(turbofanned);`;

test("no TurboFan with tandemd's flags (a hot function is optimized with Node's defaults)", () => {
  assert.equal(inFreshNode({}, HOT), "false");
  assert.equal(inFreshNode({ TANDEMD_V8_FLAGS: "" }, HOT), "true");
});

test("bin/tandemd applies the flags before the daemon starts; a bad TANDEMD_V8_FLAGS is one error line", async () => {
  const root = mkdtempSync(join(tmpdir(), "tandemd-v8flags-"));
  try {
    mkdirSync(join(root, "etc/tandem"), { recursive: true });
    const addr = `127.64.${process.pid % 250}.1`;
    writeFileSync(
      join(root, "etc/tandem/corosync.conf"),
      `totem {\n  version: 2\n  cluster_name: v8f\n  transport: knet\n}\nnodelist {\n  node {\n    ring0_addr: ${addr}\n    name: n1\n    nodeid: 1\n  }\n}\n`,
    );
    writeFileSync(join(root, "etc/tandem/authkey"), randomBytes(256), { mode: 0o400 });
    const env: NodeJS.ProcessEnv = { ...process.env, TANDEM_ROOT: root, NODE_OPTIONS: "" };
    delete env.TANDEMD_V8_FLAGS;

    const bad = spawnSync(process.execPath, [tandemdBin()], {
      env: { ...env, TANDEMD_V8_FLAGS: "--no-opt nope" },
      encoding: "utf8",
    });
    assert.equal(bad.status, 2);
    assert.equal(
      bad.stderr,
      "tandemd: TANDEMD_V8_FLAGS: 'nope' is not a V8 flag (--name or --name=value, separated by spaces)\n",
    );

    const p = spawn(process.execPath, [tandemdBin()], { env, stdio: "ignore" });
    try {
      const sock = join(root, "run/tandem/tandemd.sock");
      const end = Date.now() + 20_000;
      let ready = false;
      while (!ready && Date.now() < end) {
        ready = await cibRequest(sock, "status", {}, { timeoutMs: 1000 })
          .then((st) => st.cibPhase === "ready")
          .catch(() => false);
        if (!ready) await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(ready, "tandemd did not come up");
      const logText = readFileSync(join(root, "var/log/tandem/tandemd.log"), "utf8");
      assert.match(logText, /V8 flags: --no-opt --semi-space-growth-factor=1\n/);
    } finally {
      p.kill("SIGKILL");
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
