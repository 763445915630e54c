#!/usr/bin/env node
// Membership benchmark with real node processes on loopback (dist/transport/node-main.js):
//  (a) ring formation (all nodes started at once) and failure detection: kill -9 one node,
//      time until every survivor installed a new configuration without it, at 2, 3, 8, 16
//      and 32 nodes;
//  (b) ordered-message (CPG, agreed) throughput and latency at 2, 3 and 8 nodes;
//  (c) resident memory per node (at every size of (a), and after (b));
//  (d) soak (only with --soak or --only d): both cores kept busy (stress-ng if installed, else
//      busy-loop processes) while a 3-node cluster idles; counts membership changes (each one
//      is false: nothing failed) and samples the load average;
//  (e) idle CPU: an idle ring of each size (--idle-sizes, default 2,3,8,16), user + system CPU
//      time per node process from /proc/PID/stat over --idle-seconds (default 10) after 2 s of
//      settling, as ms of CPU per second and the share of one core all nodes use together.
// The node processes raise their own priority as tandemd does (corosync.conf `system`:
// SCHED_RR when permitted, else nice -20; see src/transport/priority.ts); `--sched normal`
// runs them at normal priority instead, for comparison.
// When the real corosync is installed and we are root, (a) also runs real corosync 3 with the
// same token/consensus in network namespaces (bench/membership/real-corosync.mjs) and the
// ratio is printed.
//
// Usage: node bench/membership/run.mjs [--sizes 2,3,8,16,32] [--runs N] [--soak]
//          [--soak-seconds S] [--msgs N] [--no-real] [--only a,b,c,d,e] [--sched normal]
//          [--idle-sizes 2,3,8,16] [--idle-seconds S] [--json FILE]

import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
if (!existsSync(join(repoRoot, "dist/transport/harness.js"))) {
  console.error("bench/membership: build first (npm run build)");
  process.exit(1);
}
// Run from a private copy of dist/: a rebuild during a long run must not change the code
// under the node processes (or break them half-way through writing a file).
const snapshot = mkdtempSync(join(tmpdir(), "tandem-bench-dist-"));
cpSync(join(repoRoot, "dist"), snapshot, { recursive: true });
process.on("exit", () => rmSync(snapshot, { recursive: true, force: true }));
const { LoopbackCluster } = await import(join(snapshot, "transport/harness.js"));

function parseArgs(argv) {
  const o = {
    sizes: [2, 3, 8, 16, 32],
    runs: 3,
    soakSeconds: 600,
    msgs: 20000,
    real: true,
    only: "abce",
    idleSizes: [2, 3, 8, 16],
    idleSeconds: 10,
    sched: "default",
    json: undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--sizes") o.sizes = argv[++i].split(",").map(Number);
    else if (a === "--runs") o.runs = Number(argv[++i]);
    else if (a === "--soak-seconds") {
      o.soakSeconds = Number(argv[++i]);
      if (!o.only.includes("d")) o.only += "d";
    } else if (a === "--soak") {
      if (!o.only.includes("d")) o.only += "d";
    } else if (a === "--sched") o.sched = argv[++i];
    else if (a === "--idle-sizes") o.idleSizes = argv[++i].split(",").map(Number);
    else if (a === "--idle-seconds") o.idleSeconds = Number(argv[++i]);
    else if (a === "--msgs") o.msgs = Number(argv[++i]);
    else if (a === "--no-real") o.real = false;
    else if (a === "--only") o.only = argv[++i].replaceAll(",", "");
    else if (a === "--json") o.json = argv[++i];
    else {
      console.error(`unknown option ${a}`);
      process.exit(2);
    }
  }
  if (o.sched !== "default" && o.sched !== "normal") {
    console.error(`--sched must be default or normal: got '${o.sched}'`);
    process.exit(2);
  }
  return o;
}
const opts = parseArgs(process.argv.slice(2));
const wallNow = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : s[Math.floor((s.length - 1) / 2)];
};
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const results = {
  date: new Date().toISOString(),
  detection: [],
  throughput: [],
  memory: [],
  soak: null,
  idleCpu: [],
  real: null,
};

const system = opts.sched === "normal" ? { sched_rr: "no", priority: "0" } : undefined;

/** Starts n nodes at once (tandem's default timeouts); resolves once all are in one ring. */
async function formed(n) {
  const c = new LoopbackCluster({ nodes: n, logLevel: "notice", system });
  try {
    await c.startAll();
    const t0 = wallNow();
    await c.waitForMembers(c.ids, c.ids, 30_000 + n * 1000);
    c.formMs = wallNow() - t0;
  } catch (e) {
    await c.destroy();
    throw e;
  }
  return c;
}

/** (a) kill -9 the highest node id; time until every survivor installed a ring without it. */
async function detection(n, runs) {
  const times = [];
  const firsts = [];
  const forms = [];
  let rss = [];
  let scheduling = "";
  for (let r = 0; r < runs; r++) {
    const c = await formed(n);
    forms.push(c.formMs);
    try {
      await sleep(1000);
      const before = await Promise.all(c.ids.map((id) => c.status(id)));
      rss = before.map((s) => +(s.rssBytes / 1048576).toFixed(1));
      scheduling = before[0].scheduling?.policy ?? "?";
      const victim = n;
      const survivors = c.ids.filter((id) => id !== victim);
      const t0 = wallNow();
      await c.signal(victim, "SIGKILL");
      const st = await c.waitForMembers(survivors, survivors, 20_000);
      const installs = st.map((s) => s.history.find((h) => h.t > t0 && !h.members.includes(victim))?.t - t0);
      times.push(Math.max(...installs));
      firsts.push(Math.min(...installs));
    } finally {
      await c.destroy();
    }
  }
  results.memory.push({ nodes: n, phase: "idle ring", rssMiB: rss });
  return {
    nodes: n,
    runs,
    scheduling,
    formMs: forms.map((x) => Math.round(x)),
    allSurvivorsMs: times,
    medianMs: median(times),
    firstSurvivorMedianMs: median(firsts),
    rssMedianMiB: median(rss),
  };
}

/** (b) every node sends msgs/n messages of 100 bytes at once (burst), then a light-load latency run. */
async function throughput(n, msgs) {
  const c = await formed(n);
  try {
    await Promise.all(c.ids.map((id) => c.request(id, "cpg.join", { group: "bench" })));
    await sleep(300);
    const until = async (want) => {
      const end = Date.now() + 120_000;
      for (;;) {
        const reps = await Promise.all(c.ids.map((id) => c.request(id, "bench.report")));
        if (reps.every((r) => r.count >= want)) return reps;
        if (Date.now() > end)
          throw new Error(`only ${reps.map((r) => r.count).join(",")} of ${want} delivered`);
        await sleep(50);
      }
    };
    // light load: one message every 10 ms from node 1
    const light = 200;
    for (let i = 0; i < light; i++) {
      await c.request(1, "bench.send", { count: 1, size: 100 });
      await sleep(10);
    }
    const lightReps = await until(light);
    const lightLat = lightReps.flatMap((r) => r.latencies);
    await Promise.all(c.ids.map((id) => c.request(id, "bench.reset")));
    // idle ring: one message every 150 ms (the token is held between them), from the
    // representative (node 1) and from the last node (it must get the held token released).
    const idleLatency = {};
    for (const from of [1, n]) {
      const k = 20;
      for (let i = 0; i < k; i++) {
        await c.request(from, "bench.send", { count: 1, size: 100 });
        await sleep(150);
      }
      const reps = await until(k);
      const l = reps.flatMap((r) => r.latencies);
      idleLatency[`from${from}`] = { p50: +pct(l, 50).toFixed(2), p99: +pct(l, 99).toFixed(2) };
      await Promise.all(c.ids.map((id) => c.request(id, "bench.reset")));
    }
    const per = Math.floor(msgs / n);
    const total = per * n;
    const t0 = wallNow();
    await Promise.all(c.ids.map((id) => c.request(id, "bench.send", { count: per, size: 100 })));
    const reps = await until(total);
    const end = Math.max(...reps.map((r) => r.lastT));
    const lat = reps.flatMap((r) => r.latencies);
    const st = await Promise.all(c.ids.map((id) => c.status(id)));
    results.memory.push({
      nodes: n,
      phase: "after throughput",
      rssMiB: st.map((s) => +(s.rssBytes / 1048576).toFixed(1)),
    });
    return {
      nodes: n,
      messages: total,
      bytes: 100,
      msgsPerSec: Math.round(total / ((end - t0) / 1000)),
      burstLatencyMs: { p50: +pct(lat, 50).toFixed(2), p99: +pct(lat, 99).toFixed(2) },
      lightLatencyMs: { p50: +pct(lightLat, 50).toFixed(2), p99: +pct(lightLat, 99).toFixed(2) },
      idleLatencyMs: idleLatency,
    };
  } finally {
    await c.destroy();
  }
}

/** (c) idle RSS per node after the ring formed. */
async function memory(n) {
  const c = await formed(n);
  try {
    await sleep(2000);
    const st = await Promise.all(c.ids.map((id) => c.status(id)));
    return { nodes: n, phase: "idle", rssMiB: st.map((s) => +(s.rssBytes / 1048576).toFixed(1)) };
  } finally {
    await c.destroy();
  }
}

/** CPU time (user + system, ms) a process has used so far, from /proc/PID/stat. */
function cpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(f[11]) + Number(f[12])) * 1000) / CLOCK_TICKS;
}
const CLOCK_TICKS = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;

/** (e) idle CPU per node process of an idle ring. */
async function idleCpu(n, seconds) {
  const c = await formed(n);
  try {
    await sleep(2000);
    const pids = c.ids.map((id) => c.pid(id));
    const loadBefore = loadavg().map((x) => +x.toFixed(2));
    const st0 = await Promise.all(c.ids.map((id) => c.status(id)));
    const c0 = pids.map(cpuMs);
    const t0 = performance.now();
    await sleep(seconds * 1000);
    const secs = (performance.now() - t0) / 1000;
    const perNode = pids.map((p, i) => +((cpuMs(p) - c0[i]) / secs).toFixed(1));
    const st = await Promise.all(c.ids.map((id) => c.status(id)));
    // (older node processes do not report packet counts)
    const rate = (k) =>
      st[0].packets ? median(st.map((s, i) => Math.round((s.packets[k] - st0[i].packets[k]) / secs))) : "?";
    const changes = st.map((s) => s.history.length).reduce((a, b) => a + b, 0);
    return {
      nodes: n,
      seconds,
      cpuMsPerSecPerNode: perNode,
      medianMsPerSec: median(perNode),
      coreShareAllNodes: +(perNode.reduce((a, b) => a + b, 0) / 10).toFixed(1),
      packetsPerSecPerNode: { sent: rate("sent"), received: rate("received") },
      configurations: changes,
      loadBefore,
      loadAfter: loadavg().map((x) => +x.toFixed(2)),
    };
  } finally {
    await c.destroy();
  }
}

/** (d) soak with busy CPUs: count configuration changes after the initial ring. */
async function soak(seconds) {
  const c = await formed(3);
  const hogs = [];
  try {
    const stress = spawnSync("sh", ["-c", "command -v stress-ng"]).status === 0;
    if (stress)
      hogs.push(
        spawn("stress-ng", ["--cpu", "2", "--timeout", `${seconds + 5}s`, "--quiet"], { stdio: "ignore" }),
      );
    else
      for (let i = 0; i < 2; i++)
        hogs.push(spawn(process.execPath, ["-e", "for(;;){}"], { stdio: "ignore" }));
    const t0 = wallNow();
    const loads = [];
    const end = Date.now() + seconds * 1000;
    while (Date.now() < end) {
      await sleep(Math.min(10_000, end - Date.now()));
      loads.push(loadavg()[0]);
    }
    const after = await Promise.all(c.ids.map((id) => c.status(id)));
    const changes = after.map((s) => s.history.filter((h) => h.t > t0).length);
    return {
      nodes: 3,
      seconds,
      load: stress ? "stress-ng --cpu 2" : "2 busy-loop processes",
      scheduling: after[0].scheduling?.policy ?? "?",
      falseChanges: changes.reduce((a, b) => a + b, 0),
      perNode: changes,
      loadavg1: {
        min: +Math.min(...loads).toFixed(1),
        mean: +(loads.reduce((a, b) => a + b, 0) / loads.length).toFixed(1),
        max: +Math.max(...loads).toFixed(1),
      },
    };
  } finally {
    for (const h of hogs) h.kill("SIGKILL");
    await c.destroy();
  }
}

const only = (k) => opts.only.includes(k);
const realScript = join(dirname(fileURLToPath(import.meta.url)), "real-corosync.mjs");
const realAvailable =
  opts.real && process.getuid?.() === 0 && existsSync("/usr/sbin/corosync") && existsSync(realScript);
const load1 = () => loadavg()[0].toFixed(1);
if (only("a")) {
  const realDetection = realAvailable ? (await import(realScript)).realDetection : null;
  if (opts.real && !realAvailable)
    console.log(
      "real corosync: not run (needs root, /usr/sbin/corosync and bench/membership/real-corosync.mjs)",
    );
  if (realDetection) results.real = [];
  // Per size: tandem, then the real corosync with the same timeouts (similar machine load).
  for (const n of opts.sizes) {
    let r;
    try {
      r = await detection(n, opts.runs);
      results.detection.push(r);
      console.log(
        `(a) ${String(n).padStart(2)} nodes: formed ${median(r.formMs)} ms after start (runs ${r.formMs.join(", ")}); ` +
          `new configuration on all survivors after kill -9: median ${r.medianMs.toFixed(0)} ms ` +
          `(runs ${r.allSurvivorsMs.map((x) => x.toFixed(0)).join(", ")}), first survivor ${r.firstSurvivorMedianMs.toFixed(0)} ms; ` +
          `RSS/node ${r.rssMedianMiB} MiB; ${r.scheduling}; load ${load1()}`,
      );
    } catch (e) {
      results.detection.push({ nodes: n, error: e.message.slice(0, 300) });
      console.log(`(a) ${String(n).padStart(2)} nodes: FAILED: ${e.message.slice(0, 300)}`);
    }
    if (!realDetection) continue;
    let c;
    try {
      c = await realDetection(n, opts.runs);
    } catch (e) {
      results.real.push({ nodes: n, error: e.message.slice(0, 300) });
      console.log(`(a) real corosync ${n} nodes: FAILED: ${e.message.slice(0, 300)}`);
      continue;
    }
    results.real.push(c);
    c.rssMiB = [median(c.rssMiB)];
    const ours = results.detection.find((d) => d.nodes === n && d.medianMs !== undefined);
    c.ratio = ours ? +(c.medianMs / ours.medianMs).toFixed(2) : null;
    console.log(
      `(a) real corosync ${String(n).padStart(2)} nodes, same timeouts (token ${c.token} ms, token_coefficient 10): median ${c.medianMs.toFixed(0)} ms (runs ${c.runsMs
        .map((x) => x.toFixed(0))
        .join(", ")}); corosync/tandem = ${c.ratio ?? "n/a"}; RSS/node ${c.rssMiB[0]} MiB; load ${load1()}`,
    );
  }
  console.log("(a) summary: nodes | tandem median ms | corosync median ms | corosync/tandem");
  for (const n of opts.sizes) {
    const t = results.detection.find((d) => d.nodes === n);
    const c = results.real?.find((d) => d.nodes === n);
    const fmt = (x) => (x?.medianMs !== undefined ? x.medianMs.toFixed(0) : x ? "failed" : "-");
    console.log(`    ${String(n).padStart(2)} | ${fmt(t)} | ${fmt(c)} | ${c?.ratio ?? "-"}`);
  }
}
if (only("b")) {
  for (const n of opts.sizes.filter((x) => x <= 8)) {
    const r = await throughput(n, opts.msgs);
    results.throughput.push(r);
    console.log(
      `(b) ${n} nodes: ${r.msgsPerSec} msgs/s (${r.messages} x ${r.bytes} B, agreed order); latency light load p50 ${r.lightLatencyMs.p50} ms p99 ${r.lightLatencyMs.p99} ms; burst p50 ${r.burstLatencyMs.p50} ms p99 ${r.burstLatencyMs.p99} ms; idle ring p50/p99 from node 1 ${r.idleLatencyMs.from1.p50}/${r.idleLatencyMs.from1.p99} ms, from node ${n} ${r.idleLatencyMs[`from${n}`].p50}/${r.idleLatencyMs[`from${n}`].p99} ms; load ${load1()}`,
    );
  }
}
if (only("c")) {
  for (const n of [3]) {
    const r = await memory(n);
    results.memory.push(r);
  }
  for (const m of results.memory)
    console.log(`(c) ${m.nodes} nodes, ${m.phase}: RSS per node ${m.rssMiB.join(", ")} MiB`);
}
if (only("d")) {
  const r = await soak(opts.soakSeconds);
  results.soak = r;
  console.log(
    `(d) soak ${r.seconds} s, ${r.load}, ${r.nodes} nodes (${r.scheduling}): ${r.falseChanges} false membership changes ` +
      `(${r.perNode.join(", ")}); load average (1 min) min ${r.loadavg1.min} mean ${r.loadavg1.mean} max ${r.loadavg1.max}`,
  );
}
if (only("e")) {
  for (const n of opts.idleSizes) {
    const r = await idleCpu(n, opts.idleSeconds);
    results.idleCpu.push(r);
    console.log(
      `(e) ${String(n).padStart(2)} nodes idle ${r.seconds} s: CPU per node median ${r.medianMsPerSec} ms/s ` +
        `(${r.cpuMsPerSecPerNode.join(", ")}); all nodes ${r.coreShareAllNodes} % of a core; ` +
        `UDP packets/s per node (median) sent ${r.packetsPerSecPerNode.sent} received ${r.packetsPerSecPerNode.received}; ` +
        `load ${r.loadBefore.join(" ")} -> ${r.loadAfter.join(" ")}`,
    );
    if (!realAvailable) continue;
    try {
      const { realIdleCpu } = await import(realScript);
      const c = await realIdleCpu(n, opts.idleSeconds);
      r.realCorosync = c;
      const sum = c.cpuMsPerSecPerNode.reduce((a, b) => a + b, 0);
      console.log(
        `(e) real corosync ${String(n).padStart(2)} nodes idle ${c.seconds} s (token ${c.token} ms): CPU per node median ` +
          `${median(c.cpuMsPerSecPerNode)} ms/s (${c.cpuMsPerSecPerNode.join(", ")}); all nodes ${(sum / 10).toFixed(1)} % of a core; load ${load1()}`,
      );
    } catch (e) {
      console.log(`(e) real corosync ${n} nodes: FAILED: ${e.message.slice(0, 300)}`);
    }
  }
}
results.loadavg = loadavg().map((x) => +x.toFixed(1));
console.log(
  `load average at the end (1/5/15 min): ${results.loadavg.join(" ")} (2 cores, shared with other work)`,
);
const out = opts.json ?? join(repoRoot, "bench/results", `membership-${Date.now()}.json`);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify(results, null, 2));
console.log(`results: ${out}`);
