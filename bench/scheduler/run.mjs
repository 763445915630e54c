#!/usr/bin/env node
// Scheduler benchmark: times our `bin/crm_simulate -x FILE -R` (scheduler only)
// on the scheduler-perf anchor CIBs (../shared/anchors/scheduler-perf/cibs) and,
// side by side in the same run, the real Pacemaker `crm_simulate -x FILE -R`
// when it is installed (Debian package pacemaker-cli-utils; installed here with
// apt when running as root). Prints per input: median wall time of each and
// the ratio, median CPU time (user+sys) of each and its ratio (steadier on a
// loaded machine), peak RSS of each, and how many resources we place where
// the real crm_simulate of the same run places them (status + Transition
// Summary of both outputs; when the real one did not run or finish, against
// the anchor's *-placement.txt for scratch inputs, marked "(anchor)").
//
// Usage: node bench/scheduler/run.mjs [--runs N] [--real-timeout SECONDS]
//          [--no-real] [--only SUBSTRING] [--json] [--commit REF] [--without-extra-ca]
// --commit REF measures that commit (exported and built in a temporary folder)
// instead of the work tree's current build.
// When NODE_EXTRA_CA_CERTS is set (some sandboxes point it at the whole system
// CA bundle), every Node process parses that file before running any code; the
// bench says how much that adds to each start, and --without-extra-ca runs ours
// without it (the real crm_simulate is C and never reads it).

import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const cibDir = resolve(repoRoot, "../shared/anchors/scheduler-perf/cibs");
const REAL = "/usr/sbin/crm_simulate";
const TIME = "/usr/bin/time";

function parseArgs(argv) {
  const o = {
    runs: 3,
    realTimeout: 60,
    real: true,
    only: undefined,
    json: false,
    commit: undefined,
    withoutExtraCa: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--runs") o.runs = Number(argv[++i]);
    else if (a === "--real-timeout") o.realTimeout = Number(argv[++i]);
    else if (a === "--no-real") o.real = false;
    else if (a === "--only") o.only = argv[++i];
    else if (a === "--json") o.json = true;
    else if (a === "--commit") o.commit = argv[++i];
    else if (a === "--without-extra-ca") o.withoutExtraCa = true;
    else {
      console.error(`bench:scheduler: unknown option '${a}'`);
      process.exit(2);
    }
  }
  if (!Number.isInteger(o.runs) || o.runs < 1) fail(`--runs must be a positive integer: got '${o.runs}'`);
  if (!(o.realTimeout > 0))
    fail(`--real-timeout must be a positive number of seconds: got '${o.realTimeout}'`);
  return o;
}

function fail(msg) {
  console.error(`bench:scheduler: ${msg}`);
  process.exit(2);
}

/** Runs a command under /usr/bin/time -v in its own process group; kills the group on timeout. */
function measure(cmd, args, timeoutS, env = process.env) {
  return new Promise((done) => {
    const useTime = existsSync(TIME);
    const argv = useTime ? ["-v", cmd, ...args] : args;
    const start = process.hrtime.bigint();
    const child = spawn(useTime ? TIME : cmd, argv, {
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env,
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.stderr.on("data", (d) => {
      err += d;
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {}
    }, timeoutS * 1000);
    child.on("close", (code) => {
      clearTimeout(timer);
      const wall = Number(process.hrtime.bigint() - start) / 1e9;
      const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(err);
      const user = /User time \(seconds\): ([\d.]+)/.exec(err);
      const sys = /System time \(seconds\): ([\d.]+)/.exec(err);
      const innerStatus = /Exit status: (\d+)/.exec(err);
      done({
        wall,
        rssMiB: rss ? Number(rss[1]) / 1024 : undefined,
        // CPU seconds (user + system): steadier than wall time on a loaded machine
        cpu: user && sys ? Number(user[1]) + Number(sys[1]) : undefined,
        code: innerStatus ? Number(innerStatus[1]) : code,
        timedOut,
        out,
        err: useTime ? err.replace(/\tCommand being timed:[\s\S]*$/, "") : err,
      });
    });
  });
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Resource -> node after the transition (current status + Transition Summary), as the tests read it. */
let placementFromOutput;
async function loadPlacementReader() {
  const mod = await import(join(repoRoot, "dist", "scheduler", "corpus-compare.js"));
  placementFromOutput = mod.placementFromOutput;
}

/** How many resources two placements put on the same node (resources placed by either). */
function agreement(a, b) {
  const keys = new Set([...a.keys(), ...b.keys()]);
  let same = 0;
  for (const k of keys) if (a.get(k) === b.get(k)) same++;
  return { same, total: keys.size };
}

function readPlacement(file) {
  const m = new Map();
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const [rsc, node] = line.trim().split(/\s+/);
    if (rsc && node) m.set(rsc, node);
  }
  return m;
}

function ensureReal(o) {
  if (!o.real) return "skipped (--no-real)";
  if (existsSync(REAL)) return undefined;
  if (process.getuid?.() !== 0) return `not installed (${REAL}); run as root to install pacemaker-cli-utils`;
  console.error("bench:scheduler: installing pacemaker-cli-utils with apt-get (real crm_simulate) ...");
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  let r = spawnSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", "pacemaker-cli-utils"], {
    env,
    stdio: "inherit",
  });
  if (r.status !== 0) {
    spawnSync("apt-get", ["update", "-qq"], { env, stdio: "inherit" });
    r = spawnSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", "pacemaker-cli-utils"], {
      env,
      stdio: "inherit",
    });
  }
  return existsSync(REAL) ? undefined : "could not be installed";
}

/**
 * A private copy of bin/ and dist/ to run from, so that a rebuild in the work
 * tree during the run (other work going on) cannot break or slow a measurement.
 */
function snapshot() {
  const dir = mkdtempSync(join(tmpdir(), "bench-scheduler-"));
  // (timestamps kept: bin/launch.js then sees at a glance that the crm_simulate bundle is current)
  cpSync(join(repoRoot, "bin"), join(dir, "bin"), { recursive: true, preserveTimestamps: true });
  cpSync(join(repoRoot, "dist"), join(dir, "dist"), { recursive: true, preserveTimestamps: true });
  cpSync(join(repoRoot, "package.json"), join(dir, "package.json"));
  if (existsSync(join(repoRoot, "node_modules")))
    symlinkSync(join(repoRoot, "node_modules"), join(dir, "node_modules"));
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  return join(dir, "bin", "crm_simulate");
}

/** Exports a commit to a temporary folder and builds it there. */
function buildCommit(ref) {
  const dir = mkdtempSync(join(tmpdir(), "bench-scheduler-commit-"));
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  const archive = spawnSync("git", ["-C", repoRoot, "archive", "--format=tar", ref], { maxBuffer: 1 << 30 });
  if (archive.status !== 0) fail(`cannot export commit '${ref}': ${String(archive.stderr).trim()}`);
  const untar = spawnSync("tar", ["-x", "-C", dir], { input: archive.stdout });
  if (untar.status !== 0) fail(`cannot unpack commit '${ref}'`);
  symlinkSync(join(repoRoot, "node_modules"), join(dir, "node_modules"));
  console.error(`bench:scheduler: building ${ref} in ${dir} ...`);
  spawnSync(process.execPath, [join(repoRoot, "node_modules", "typescript", "bin", "tsc"), "-p", dir], {
    stdio: "ignore",
  });
  // Commits with a single-file build of crm_simulate build it too (as their `npm run build` does).
  if (existsSync(join(dir, "scripts", "build-bundles.mjs")))
    spawnSync(process.execPath, [join(dir, "scripts", "build-bundles.mjs")], { stdio: "ignore" });
  const bin = join(dir, "bin", "crm_simulate");
  if (!existsSync(bin) || !existsSync(join(dir, "dist", "cli", "crm_simulate.js")))
    fail(`commit '${ref}' has no crm_simulate to measure`);
  return bin;
}

function ensureOurs(o) {
  if (o.commit !== undefined) return buildCommit(o.commit);
  const bin = join(repoRoot, "bin", "crm_simulate");
  if (!existsSync(bin))
    fail(
      "bin/crm_simulate does not exist yet (the scheduler's crm_simulate has not landed): nothing to measure, no figures reported",
    );
  if (!existsSync(join(repoRoot, "dist", "cli", "main.js")))
    fail("tandem is not built: run 'npm run build' first");
  const probe = spawnSync(process.execPath, [bin, "--help"], { encoding: "utf8" });
  if (/not a tandem command/.test(probe.stderr ?? ""))
    fail(
      "crm_simulate is not registered in src/cli/commands.ts yet: nothing to measure, no figures reported",
    );
  return snapshot();
}

/** Median start-up time of `node -e 0` with and without NODE_EXTRA_CA_CERTS (alternating). */
async function extraCaCost(withoutEnv) {
  const withCa = [];
  const without = [];
  for (let i = 0; i < 7; i++) {
    withCa.push((await measure(process.execPath, ["-e", "0"], 60)).wall);
    without.push((await measure(process.execPath, ["-e", "0"], 60, withoutEnv)).wall);
  }
  return { with: median(withCa), without: median(without) };
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const extraCa = process.env.NODE_EXTRA_CA_CERTS;
  const withoutEnv = { ...process.env };
  delete withoutEnv.NODE_EXTRA_CA_CERTS;
  const oursEnv = o.withoutExtraCa ? withoutEnv : process.env;
  let extraCaStart;
  if (extraCa) {
    extraCaStart = await extraCaCost(withoutEnv);
    console.error(
      `bench:scheduler: NODE_EXTRA_CA_CERTS is set (${extraCa}): every Node start loads it, ` +
        `node -e 0 takes ${extraCaStart.with.toFixed(3)} s with it, ${extraCaStart.without.toFixed(3)} s without; ` +
        (o.withoutExtraCa
          ? "ours runs without it (--without-extra-ca)"
          : "ours runs with it (--without-extra-ca: without)"),
    );
  }
  if (!existsSync(cibDir)) fail(`anchor CIBs not found at ${cibDir}`);
  const ours = ensureOurs(o);
  await loadPlacementReader();
  const realSkipped = ensureReal(o);
  const inputs = readdirSync(cibDir)
    .filter((f) => f.endsWith(".xml") && (o.only === undefined || f.includes(o.only)))
    .sort((a, b) => {
      const size = (f) => Number(/-r(\d+)-/.exec(f)?.[1] ?? 0);
      return size(a) - size(b) || a.localeCompare(b);
    });
  if (inputs.length === 0) fail("no input matches");
  console.error(
    `bench:scheduler: ${o.runs} run(s) each, median wall time; real crm_simulate ${realSkipped ?? `capped at ${o.realTimeout} s`}`,
  );
  // Other work on the machine inflates wall times: say how busy it was.
  const load = () => loadavg()[0].toFixed(1);
  const loadStart = load();

  const rows = [];
  for (const f of inputs) {
    const file = join(cibDir, f);
    const name = f.replace(/\.xml$/, "");
    const row = { input: name, ours: undefined, real: undefined, placement: undefined };
    const runs = [];
    for (let i = 0; i < o.runs; i++) {
      const r = await measure(process.execPath, [ours, "-x", file, "-R"], 600, oursEnv);
      if (r.code !== 0 || r.timedOut) {
        row.oursError = r.timedOut
          ? "timed out after 600 s"
          : `exit ${r.code}: ${r.err.trim().split("\n")[0]}`;
        break;
      }
      runs.push(r);
    }
    if (runs.length > 0) {
      row.ours = {
        wall: median(runs.map((r) => r.wall)),
        cpu: median(runs.map((r) => r.cpu ?? Number.NaN)),
        rssMiB: Math.max(...runs.map((r) => r.rssMiB ?? 0)),
      };
    }
    let realOut;
    if (!realSkipped) {
      const realRuns = [];
      for (let i = 0; i < o.runs; i++) {
        const r = await measure(REAL, ["-x", file, "-R"], o.realTimeout);
        if (r.timedOut) {
          row.realTimedOut = o.realTimeout;
          break;
        }
        if (r.code !== 0) {
          row.realError = `exit ${r.code}`;
          break;
        }
        realRuns.push(r);
      }
      if (realRuns.length > 0) realOut = realRuns[0].out;
      if (realRuns.length > 0 && !row.realTimedOut)
        row.real = {
          wall: median(realRuns.map((r) => r.wall)),
          cpu: median(realRuns.map((r) => r.cpu ?? Number.NaN)),
          rssMiB: Math.max(...realRuns.map((r) => r.rssMiB ?? 0)),
        };
    }
    // Placement agreement: against the real tool's output of the same run; when
    // it did not run, against the anchor's recorded placement (scratch inputs).
    if (runs.length > 0) {
      const ours = placementFromOutput(runs[0].out);
      const placementFile = join(cibDir, `${name.replace(/-(scratch|steady)$/, "")}-placement.txt`);
      if (realOut !== undefined)
        row.placement = { ...agreement(ours, placementFromOutput(realOut)), against: "real" };
      else if (name.endsWith("-scratch") && existsSync(placementFile))
        row.placement = { ...agreement(ours, readPlacement(placementFile)), against: "anchor" };
    }
    rows.push(row);
    printRow(row, rows.length === 1);
  }
  const loadEnd = load();
  console.log(`load average (1 min) at start ${loadStart}, at end ${loadEnd}, on ${cpus().length} CPUs`);
  if (o.json)
    console.log(
      JSON.stringify(
        {
          runs: o.runs,
          realTimeout: o.realTimeout,
          loadStart,
          loadEnd,
          nodeExtraCaCerts: extraCa
            ? { file: extraCa, startup: extraCaStart, usedByOurs: !o.withoutExtraCa }
            : null,
          rows,
        },
        null,
        2,
      ),
    );
}

const COLS = [
  ["input", 18],
  ["ours s", 8],
  ["real s", 10],
  ["real/ours", 10],
  ["ours cpu", 9],
  ["real cpu", 9],
  ["cpu ratio", 10],
  ["ours MiB", 9],
  ["real MiB", 9],
  ["placed as real", 18],
];

function printRow(row, header) {
  const pad = (s, w) => String(s).padEnd(w);
  if (header) {
    console.log(COLS.map(([h, w]) => pad(h, w)).join(" "));
    console.log(COLS.map(([, w]) => "-".repeat(w)).join(" "));
  }
  const f2 = (x) => (x === undefined ? "-" : x < 10 ? x.toFixed(3) : x.toFixed(1));
  const realS = row.real
    ? f2(row.real.wall)
    : row.realTimedOut
      ? `> ${row.realTimedOut}`
      : (row.realError ?? "-");
  let ratio = "-";
  if (row.ours && row.real) ratio = `${(row.real.wall / row.ours.wall).toFixed(1)}x`;
  else if (row.ours && row.realTimedOut) ratio = `> ${(row.realTimedOut / row.ours.wall).toFixed(0)}x`;
  const cpuOk = (x) => x !== undefined && Number.isFinite(x.cpu);
  const cpuRatio =
    cpuOk(row.ours) && cpuOk(row.real) && row.ours.cpu > 0
      ? `${(row.real.cpu / row.ours.cpu).toFixed(1)}x`
      : "-";
  const cells = [
    row.input,
    row.ours ? f2(row.ours.wall) : "error",
    realS,
    ratio,
    cpuOk(row.ours) ? f2(row.ours.cpu) : "-",
    cpuOk(row.real) ? f2(row.real.cpu) : "-",
    cpuRatio,
    row.ours?.rssMiB ? row.ours.rssMiB.toFixed(0) : "-",
    row.real?.rssMiB ? row.real.rssMiB.toFixed(0) : "-",
    row.placement
      ? `${row.placement.same}/${row.placement.total}${row.placement.against === "anchor" ? " (anchor)" : ""}`
      : "-",
  ];
  console.log(cells.map((c, i) => pad(c, COLS[i][1])).join(" "));
  if (row.oursError) console.log(`  ours failed: ${row.oursError}`);
}

main().catch((e) => fail(e instanceof Error ? e.message : String(e)));
