#!/usr/bin/env node
// bench/failover: client-visible failover gaps of the tutorial's cluster, side by side:
// tandem's lab in loopback and netns mode, the real Debian Pacemaker/Corosync stack and
// keepalived (../shared/anchors scripts, run as root in their own namespaces), graceful
// stop and crash, N runs each, medians and ratios; and `tandem lab up` -> serving time
// for 2 and 32 nodes.
//
// node bench/failover/run.mjs [--runs N] [--only a,b,...] [--out FILE]
//   parts: loopback, netns, netns-web (tandem's web server as apache), pacemaker, keepalived, up
// node bench/failover/run.mjs --only up --up-nodes 2,16,32   (lab up -> serving, per step)
// tandem runs from a private snapshot of what package.json ships (bin/ dist/ agents/ ...), so other builds in the work
// tree do not disturb it. The anchors' poller is curl every 50 ms (0.5 s timeout),
// tandem's a GET every 20 ms (0.25 s timeout); the gap is defined the same way (end of
// the last good answer from the old node -> end of the first from the new one).

import { spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  chmodSync,
} from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { gunzipSync } from "node:zlib";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const anchors = resolve(repoRoot, "../shared/anchors");
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const RUNS = Number(opt("--runs", "5"));
const ONLY = new Set(opt("--only", "loopback,netns,netns-web,pacemaker,keepalived,up").split(","));
const UP_NODES = opt("--up-nodes", "2,32").split(",").map(Number);
const OUT = opt("--out", join(repoRoot, "bench/results", `failover-${Date.now()}.json`));
const isRoot = process.getuid?.() === 0;

// ---- a private copy of tandem ----
const snap = mkdtempSync(join(tmpdir(), "tandem-bench-failover-"));
chmodSync(snap, 0o755);
// Everything the package ships (pcsd's web assets live under src/), and package.json.
const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8"));
for (const d of [...(pkg.files ?? ["bin", "dist", "agents"]), "package.json"])
  if (existsSync(join(repoRoot, d))) cpSync(join(repoRoot, d), join(snap, d), { recursive: true });
symlinkSync(join(repoRoot, "node_modules"), join(snap, "node_modules"));
process.on("exit", () => rmSync(snap, { recursive: true, force: true }));
const tandemBin = join(snap, "bin/tandem");

const log = (t) => process.stderr.write(`[${new Date().toISOString().slice(11, 23)}] ${t}\n`);
const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return null;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function tandem(argv, timeoutMs = 600_000) {
  const r = spawnSync(process.execPath, [tandemBin, ...argv], {
    encoding: "utf8",
    timeout: timeoutMs,
    maxBuffer: 64 << 20,
  });
  return { code: r.status ?? 1, out: r.stdout ?? "", err: r.stderr ?? "" };
}

const results = {
  date: new Date().toISOString(),
  runs: RUNS,
  loadavg_start: loadavg(),
  tandem: {},
  pacemaker: null,
  keepalived: null,
  up: {},
};

/** Per position, the median ms between one action's end and the next one's start within the gap. */
function hopMedians(runs) {
  const cols = [];
  for (const x of runs) {
    if (!x || x.gap_start_s === undefined || x.gap_start_s === null) continue;
    const acts = (x.actions ?? [])
      .filter((a) => a.end_s >= x.gap_start_s)
      .sort((a, b) => a.start_s - b.start_s);
    for (let i = 1; i < acts.length; i++)
      (cols[i - 1] ??= []).push((acts[i].start_s - acts[i - 1].end_s) * 1000);
  }
  return cols.map((c) => Math.round(median(c)));
}

function tandemLab(mode, extra = []) {
  const dir = join(snap, `lab-${mode}${extra.length ? "-web" : ""}`);
  const up = tandem(["lab", "up", "--mode", mode, ...extra, "--dir", dir]);
  if (up.code !== 0) {
    log(`tandem ${mode}: lab up failed:\n${up.out}\n${up.err}`);
    tandem(["lab", "down", "--dir", dir]);
    return { error: "lab up failed" };
  }
  const out = {};
  for (const [name, fault] of [
    ["graceful", "stop"],
    ["crash", "kill"],
  ]) {
    log(`tandem ${mode}: ${RUNS} x ${fault}`);
    const r = tandem(["lab", "failover", "--dir", dir, "--fault", fault, "--runs", String(RUNS), "--json"]);
    let j;
    try {
      j = JSON.parse(r.out);
    } catch {
      log(`tandem ${mode} ${fault}: no JSON (exit ${r.code}): ${r.err.slice(-500)}`);
      out[name] = { error: `exit ${r.code}` };
      continue;
    }
    const gaps = j.runs.map((x) => x.gap_s).filter((x) => x !== null);
    const fb = j.runs.map((x) => x.failback?.gap_s).filter((x) => x !== null && x !== undefined);
    const num = (xs) => xs.filter((x) => x !== null && x !== undefined);
    out[name] = {
      gaps,
      median: median(gaps),
      failback_gaps: fb,
      failback_median: median(fb),
      // The gap split: resource agents running vs no agent running (the cluster's part).
      agents_s: num(j.runs.map((x) => x.agents_s)),
      idle_s: num(j.runs.map((x) => x.idle_s)),
      idle_median: median(num(j.runs.map((x) => x.idle_s))),
      failback_idle_median: median(num(j.runs.map((x) => x.failback?.idle_s))),
      // The cluster's hops between consecutive actions inside the gap (ms, median per position:
      // stop->stop, stop->start, start->start), graceful and failback.
      hops_median: hopMedians(j.runs.map((x) => x)),
      failback_hops_median: hopMedians(j.runs.map((x) => x.failback)),
      // Per run, the gap step by step (src/lab/breakdown.ts gapSteps), and the apache stops.
      steps: j.runs.map((x) => x.steps ?? null),
      failback_steps: j.runs.map((x) => x.failback?.steps ?? null),
      web_stop_ms: j.runs.flatMap((x) =>
        [...(x.actions ?? []), ...(x.failback?.actions ?? [])]
          .filter((a) => a.rsc === "webserver" && a.op === "stop")
          .map((a) => Math.round((a.end_s - a.start_s) * 1000)),
      ),
      loadavg: loadavg(),
      double_answers: j.runs.reduce((a, x) => a + x.double_answers + (x.failback?.double_answers ?? 0), 0),
      errors: j.runs.map((x) => x.error).filter(Boolean),
    };
    log(
      `tandem ${mode} ${name}: gaps ${gaps.map((g) => g.toFixed(3)).join(" ")} median ${out[name].median?.toFixed(3)} (no agent running: median ${out[name].idle_median?.toFixed(3)}; hops ${out[name].hops_median.join("/")} ms); failback ${fb.map((g) => g.toFixed(3)).join(" ")} median ${out[name].failback_median?.toFixed(3)} (no agent running: median ${out[name].failback_idle_median?.toFixed(3)}; hops ${out[name].failback_hops_median.join("/")} ms); load ${loadavg()[0].toFixed(1)}`,
    );
  }
  tandem(["lab", "down", "--dir", dir]);
  return out;
}

function sh(cwd, script, argv, env) {
  const r = spawnSync("bash", [join(cwd, script), ...argv], {
    cwd,
    env: { ...process.env, ...env },
    encoding: "utf8",
    timeout: 1_800_000,
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0) log(`${script} exited ${r.status}: ${(r.stderr ?? "").slice(-800)}`);
  return r.status === 0;
}

function readTsv(file) {
  const rows = readFileSync(file, "utf8")
    .trim()
    .split("\n")
    .slice(1)
    .map((l) => l.split("\t"));
  const by = (scenario, metric) =>
    rows.filter((r) => r[0] === scenario && r[2] === metric).map((r) => Number(r[3]));
  const out = {};
  for (const s of ["graceful", "crash"]) {
    const gaps = by(s, "gap_s");
    const fb = by(s, "failback_gap_s");
    out[s] = {
      gaps,
      median: median(gaps),
      failback_gaps: fb,
      failback_median: median(fb),
      double_answers: by(s, "polls_after_switch_not_to").reduce((a, b) => a + b, 0),
    };
  }
  return out;
}

// The real stack's resource actions from its execd logs ("webserver stop (call 15, PID 936)
// exited with status 0 (execution time 2.131s)": end = the line's time, start = end - the
// execution time), both nodes merged; every stop of webserver followed by the three actions that
// move the service (stop virtual_ip, start virtual_ip, start webserver) is one failover: its
// steps are each action's run time and the ms between one action's end and the next one's start
// (Pacemaker's own part: result in the CIB, the DC's next action sent), as tandem's `steps`.
function pcmkSequences(logDir) {
  const acts = [];
  const year = new Date().getUTCFullYear();
  for (const node of ["node1", "node2"]) {
    const file = join(logDir, `${node}.pacemaker.log.gz`);
    if (!existsSync(file)) continue;
    const text = gunzipSync(readFileSync(file)).toString("utf8");
    const re =
      /^(\w{3} +\d+ \d\d:\d\d:\d\d\.\d+) \S+ pacemaker-execd.*\(log_finished\).*?: (webserver|virtual_ip) (start|stop) \(call \d+, PID \d+\) exited with status (\d+) \(execution time ([\d.]+)(ms|s)\)/gm;
    for (const m of text.matchAll(re)) {
      const t1 = Date.parse(
        `${m[1].replace(/ +/, " ")} ${year} UTC`.replace(
          /^(\w{3}) (\d+) ([\d:.]+) (\d+) UTC$/,
          "$1 $2 $4 $3 UTC",
        ),
      );
      const exec = Number(m[5]) * (m[6] === "s" ? 1000 : 1);
      acts.push({ node, rsc: m[2], op: m[3], rc: Number(m[4]), t0: t1 - exec, t1 });
    }
  }
  acts.sort((a, b) => a.t0 - b.t0);
  const want = [
    ["virtual_ip", "stop"],
    ["virtual_ip", "start"],
    ["webserver", "start"],
  ];
  const out = [];
  for (const [i, a] of acts.entries()) {
    if (a.rsc !== "webserver" || a.op !== "stop") continue;
    const seq = [a];
    for (const b of acts.slice(i + 1)) {
      const [rsc, op] = want[seq.length - 1];
      const prev = seq[seq.length - 1];
      if (b.t0 - prev.t1 > 5_000) break;
      // The stops on the old node, the starts on another one.
      const where = op === "stop" ? b.node === a.node : b.node !== a.node;
      if (b.rsc === rsc && b.op === op && where && b.t0 >= prev.t1 - 1) seq.push(b);
      if (seq.length === 4) break;
    }
    if (seq.length < 4) continue;
    const parts = [];
    for (const [k, x] of seq.entries()) {
      if (k > 0) parts.push(`+${Math.round(x.t0 - seq[k - 1].t1)}`);
      parts.push(`${x.op} ${x.rsc}@${x.node} ${Math.round(x.t1 - x.t0)}`);
    }
    out.push({
      from: a.node,
      web_stop_ms: Math.round(a.t1 - a.t0),
      agents_ms: Math.round(seq.reduce((s, x) => s + x.t1 - x.t0, 0)),
      hops_ms: Math.round(seq.slice(1).reduce((s, x, k) => s + x.t0 - seq[k].t1, 0)),
      steps: parts.join(" "),
    });
  }
  return out;
}

function anchor(name) {
  const dir = join(anchors, name === "pacemaker" ? "real-pacemaker" : "keepalived");
  const work = mkdtempSync(join(tmpdir(), `bench-${name}-`));
  const env = {
    REF_DIR: join(work, "ref"),
    RESULTS: join(work, "results"),
    HA_STATE: join(work, "state"),
    KA_STATE: join(work, "state"),
  };
  mkdirSync(env.REF_DIR, { recursive: true });
  try {
    log(`${name}: setup`);
    if (!sh(dir, "setup.sh", [], env)) return { error: "setup failed" };
    if (name === "pacemaker") {
      log(`${name}: configure (the tutorial's pcs commands)`);
      if (!sh(dir, "configure.sh", [], env)) return { error: "configure failed" };
    }
    log(`${name}: measure graceful ${RUNS} crash ${RUNS}`);
    sh(dir, "measure.sh", ["graceful", String(RUNS), "crash", String(RUNS)], env);
    const tsv = join(env.RESULTS, "results.tsv");
    if (!existsSync(tsv)) return { error: "no results" };
    const r = readTsv(tsv);
    if (name === "pacemaker") {
      r.sequences = pcmkSequences(join(env.RESULTS, "logs"));
      for (const q of r.sequences) log(`pacemaker steps (ms): ${q.steps}`);
    }
    log(`${name}: graceful median ${r.graceful.median} crash median ${r.crash.median}`);
    return r;
  } finally {
    sh(dir, "teardown.sh", [], env);
    rmSync(work, { recursive: true, force: true });
  }
}

function upTime(n) {
  const dir = join(snap, `lab-up-${n}`);
  const t0 = Date.now();
  const r = tandem(["lab", "up", "--nodes", String(n), "--dir", dir]);
  const wall = (Date.now() - t0) / 1000;
  const m = /served by (node\d+) \((\d+\.\d) s after/.exec(r.out);
  // The progress lines "[ 5/12   7.1s] $ pcs cluster start --all": when each step began.
  const steps = [
    ...r.out.matchAll(/^\[\s*\d+\/\d+\s+([\d.]+)s\] \$ (.*?)\s*(\(on .*|\(started on .*)?$/gm),
  ].map((x) => ({
    at_s: Number(x[1]),
    step: x[2].slice(0, 60),
  }));
  const formed = /cluster formed \(([\d.]+) s\)/.exec(r.out);
  tandem(["lab", "down", "--dir", dir]);
  if (r.code !== 0) {
    log(`lab up --nodes ${n} failed: ${r.err.slice(-400)}`);
    return { error: r.err.trim().split("\n").pop(), wall_s: wall, steps, loadavg: loadavg() };
  }
  return {
    serving_s: m ? Number(m[2]) : null,
    served_by: m?.[1] ?? null,
    formed_s: formed ? Number(formed[1]) : null,
    wall_s: wall,
    steps,
    loadavg: loadavg(),
  };
}

if (ONLY.has("up"))
  for (const n of UP_NODES) {
    log(`lab up --nodes ${n}`);
    results.up[n] = upTime(n);
    log(
      `lab up --nodes ${n}: serving after ${results.up[n].serving_s} s (cluster formed ${results.up[n].formed_s ?? "-"} s; command ${results.up[n].wall_s.toFixed(1)} s; steps ${results.up[n].steps.map((x) => x.at_s).join(" ")}; load ${loadavg()[0].toFixed(1)})`,
    );
  }
if (ONLY.has("loopback")) results.tandem.loopback = tandemLab("loopback");
if (ONLY.has("netns") && isRoot) results.tandem.netns = tandemLab("netns");
// netns with tandem's web server playing ocf:heartbeat:apache (the real IPaddr2 still).
if (ONLY.has("netns-web") && isRoot) results.tandem.netns_web = tandemLab("netns", ["--web", "tandem"]);
const haveReal = isRoot && existsSync("/usr/sbin/pacemakerd") && existsSync("/usr/sbin/pcs");
if (ONLY.has("pacemaker"))
  results.pacemaker = haveReal
    ? anchor("pacemaker")
    : {
        error: "needs root + pacemaker, pcs (apt-get install pacemaker pcs corosync resource-agents apache2)",
      };
if (ONLY.has("keepalived"))
  results.keepalived =
    isRoot && existsSync("/usr/sbin/keepalived")
      ? anchor("keepalived")
      : { error: "needs root + keepalived" };
results.loadavg_end = loadavg();

// ---- the table ----
const f = (x) => (x === null || x === undefined ? "   -  " : x.toFixed(3));
const col = (o, s, k = "median") => (o && !o.error ? o[s]?.[k] : null);
const lines = [];
lines.push(
  `Failover gaps, medians of ${RUNS} runs (s)   load average ${results.loadavg_start.map((x) => x.toFixed(1)).join(" ")}`,
);
lines.push("scenario             tandem-lo  tandem-ns  ns-tandemweb  pacemaker  keepalived  ns/pcmk  ns/ka");
for (const s of ["graceful", "crash"])
  for (const k of ["median", "failback_median"]) {
    const lo = col(results.tandem.loopback, s, k);
    const ns = col(results.tandem.netns, s, k);
    const nw = col(results.tandem.netns_web, s, k);
    const pm = col(results.pacemaker, s, k);
    const ka = col(results.keepalived, s, k);
    const ratio = (a, b) => (a && b ? (a / b).toFixed(2).padStart(7) : "     - ");
    lines.push(
      `${`${s}${k === "median" ? "" : " failback"}`.padEnd(20)} ${f(lo).padStart(9)}  ${f(ns).padStart(9)}  ${f(nw).padStart(12)}  ${f(pm).padStart(9)}  ${f(ka).padStart(10)}  ${ratio(ns, pm)}  ${ratio(ns, ka)}`,
    );
  }
for (const [n, u] of Object.entries(results.up))
  lines.push(
    `lab up --nodes ${n}: serving after ${u.serving_s ?? "-"} s${u.error ? ` (${u.error})` : ""}, cluster formed ${u.formed_s ?? "-"} s`,
  );
for (const [mode, m] of Object.entries(results.tandem))
  for (const [s, x] of Object.entries(m ?? {}))
    if (x?.idle_median !== undefined)
      lines.push(
        `tandem ${mode} ${s}: no agent running during the gap: median ${f(x.idle_median)} s (failback ${f(x.failback_idle_median)} s); hops between actions ${x.hops_median?.join("/") ?? "-"} ms (failback ${x.failback_hops_median?.join("/") ?? "-"} ms)`,
      );
if (results.pacemaker?.sequences?.length) {
  const seqs = results.pacemaker.sequences;
  lines.push(
    `pacemaker: apache stop ${seqs.map((q) => q.web_stop_ms).join(" ")} ms; hops between actions (sum) median ${median(seqs.map((q) => q.hops_ms))} ms`,
  );
}
const dbl = [results.tandem.loopback, results.tandem.netns, results.tandem.netns_web]
  .flatMap((m) => (m ? Object.values(m) : []))
  .reduce((a, x) => a + (x?.double_answers ?? 0), 0);
lines.push(`tandem double answers: ${dbl}`);
process.stdout.write(`${lines.join("\n")}\n`);
mkdirSync(dirname(OUT), { recursive: true });
writeFileSync(OUT, `${JSON.stringify(results, null, 2)}\n`);
log(`results: ${OUT}`);
