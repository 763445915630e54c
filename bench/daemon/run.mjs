#!/usr/bin/env node
// Daemon benchmark with real tandemd processes (started as `node bin/tandemd`, as pcsd and the
// lab do) on loopback addresses of their own, default timeouts:
//  (a) resident memory of every node of an idle 3-node cluster running 2 resources
//      (ocf:tandem:Dummy, 10 s monitor): after --settle seconds, --samples samples one second
//      apart of VmRSS (and PSS, anonymous / file-backed RSS) per node; min / median / max per
//      node, with its role (DC, runs the resources, neither), and the CPU time each used meanwhile;
//  (b) failover time: kill -9 of the node running both resources -> both started elsewhere
//      (the new node's Dummy state files exist), repeated --runs times.
// Targets (issue 4): under 60 MiB per node (real Pacemaker+Corosync: about 197 MiB) and
// under 1.5 s from crash to resources started (real stack: about 7 s).
//
// Usage: node bench/daemon/run.mjs [--runs N] [--settle S] [--samples N] [--json FILE]
//          [--v8-flags "FLAGS"] [--node-options OPTS]
// --v8-flags sets TANDEMD_V8_FLAGS (replaces tandemd's own V8 flags, "" = none: Node's
// defaults); --node-options sets NODE_OPTIONS for the daemons.

import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
if (!existsSync(join(repoRoot, "dist/daemon/main.js"))) {
  console.error("bench/daemon: build first (npm run build)");
  process.exit(1);
}
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const num = (name, dflt, min) => {
  const v = Number(opt(name, String(dflt)));
  if (!Number.isInteger(v) || v < min) {
    console.error(`bench/daemon: ${name} must be an integer >= ${min}`);
    process.exit(2);
  }
  return v;
};
const runs = num("--runs", 5, 1);
const settleS = num("--settle", 5, 0);
const samples = num("--samples", 5, 1);
const jsonFile = opt("--json", undefined);
const v8Flags = opt("--v8-flags", undefined);
const nodeOptions = opt("--node-options", undefined);
const REAL_STACK_MIB = 197;

// A private copy of the code: a rebuild during the run must not change it under the daemons.
const snap = mkdtempSync(join(tmpdir(), "tandem-bench-daemon-"));
for (const d of ["dist", "bin", "agents", "package.json"])
  cpSync(join(repoRoot, d), join(snap, d), { recursive: true });
const { cibRequest } = await import(join(snap, "dist/daemon/protocol.js"));

const procs = [];
const cleanup = () => {
  for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
  rmSync(snap, { recursive: true, force: true });
};
process.on("exit", cleanup);
process.on("SIGINT", () => process.exit(130));

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function waitFor(what, fn, ms = 30_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v) return v;
    } catch {}
    await sleep(10);
  }
  throw new Error(`timed out waiting for ${what}`);
}

// Addresses of this run only (127.88.X.1-3): another bench or test running meanwhile keeps its own.
const net = `127.88.${process.pid % 250}`;
const NODES = [1, 2, 3].map((id) => ({ id, name: `b${id}`, addr: `${net}.${id}` }));
const alive = (n) => n.p.exitCode === null && n.p.signalCode === null;

async function cluster() {
  const key = randomBytes(256);
  const conf = `totem {\n  version: 2\n  cluster_name: bench\n  transport: knet\n}\nnodelist {\n${NODES.map((n) => `  node {\n    ring0_addr: ${n.addr}\n    name: ${n.name}\n    nodeid: ${n.id}\n  }\n`).join("")}}\nquorum {\n  provider: corosync_votequorum\n}\n`;
  const env = { ...process.env };
  if (v8Flags !== undefined) env.TANDEMD_V8_FLAGS = v8Flags;
  if (nodeOptions !== undefined) env.NODE_OPTIONS = nodeOptions;
  const nodes = NODES.map((n) => {
    const root = mkdtempSync(join(snap, `${n.name}-`));
    mkdirSync(join(root, "etc/tandem"), { recursive: true });
    writeFileSync(join(root, "etc/tandem/corosync.conf"), conf);
    writeFileSync(join(root, "etc/tandem/authkey"), key, { mode: 0o400 });
    const p = spawn(process.execPath, [join(snap, "bin/tandemd")], {
      env: { ...env, TANDEM_ROOT: root, TANDEM_NODE_NAME: n.name },
      stdio: "ignore",
    });
    procs.push(p);
    return {
      ...n,
      root,
      p,
      sock: join(root, "run/tandem/tandemd.sock"),
      rsctmp: join(root, "run/tandem/rsctmp"),
    };
  });
  await waitFor("3 members", async () => {
    const st = await cibRequest(nodes[0].sock, "status", {}, { timeoutMs: 1000 });
    return st.nodes.filter((x) => x.member).length === 3 && st.cibPhase === "ready";
  });
  const apply = (op) =>
    cibRequest(nodes[0].sock, "cib.apply", { op, client: "bench" }, { timeoutMs: 10_000 });
  await apply({
    op: "modify",
    section: "crm_config",
    allowCreate: true,
    xml: '<cluster_property_set id="cib-bootstrap-options"><nvpair id="cib-bootstrap-options-stonith-enabled" name="stonith-enabled" value="false"/></cluster_property_set>',
  });
  const dummy = (id) =>
    `<primitive id="${id}" class="ocf" provider="tandem" type="Dummy"><operations><op id="${id}-mon" name="monitor" interval="10s"/></operations></primitive>`;
  await apply({
    op: "create",
    section: "resources",
    xml: `<group id="g">${dummy("r1")}${dummy("r2")}</group>`,
  });
  const where = (rsc) => nodes.filter((n) => alive(n) && existsSync(join(n.rsctmp, `Dummy-${rsc}.state`)));
  await waitFor("both resources running", () => where("r1").length === 1 && where("r2").length === 1);
  return { nodes, where };
}

/** VmRSS, RssAnon, RssFile (MiB) from /proc/PID/status, PSS from smaps_rollup when the kernel has it. */
function memory(pid) {
  const st = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, "m").exec(st)?.[1] ?? Number.NaN);
  let pss = Number.NaN;
  try {
    pss = Number(/^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"))?.[1]);
  } catch {}
  const mib = (x) => Number((x / 1024).toFixed(1));
  return { rss: mib(kb("VmRSS")), anon: mib(kb("RssAnon")), file: mib(kb("RssFile")), pss: mib(pss) };
}

/** CPU time (user + system, ms) the process has used so far. */
function cpuMs(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK;
}
const CLK_TCK = 100;

const sorted = (xs) => [...xs].sort((a, b) => a - b);
const median = (xs) => sorted(xs)[Math.floor(xs.length / 2)];
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(" ");

const loadStart = load();
const results = { memory: [], failoverMs: [], failoverCpuMs: [], victimWasDc: [] };
for (let run = 0; run < runs; run++) {
  const { nodes, where } = await cluster();
  if (run === 0) {
    const st = await cibRequest(nodes[0].sock, "status", {}, { timeoutMs: 5000 });
    await sleep(settleS * 1000); // idle
    const per = nodes.map(() => []);
    const c0 = nodes.map((n) => cpuMs(n.p.pid));
    const t0 = performance.now();
    for (let s = 0; s < samples; s++) {
      if (s > 0) await sleep(1000);
      for (const [i, n] of nodes.entries()) per[i].push(memory(n.p.pid));
    }
    await sleep(Math.max(0, 2000 - (performance.now() - t0)));
    const secs = (performance.now() - t0) / 1000;
    const idleCpu = nodes.map((n, i) => Math.round((cpuMs(n.p.pid) - c0[i]) / secs));
    const active = where("r1")[0];
    results.memory = nodes.map((n, i) => {
      const rss = per[i].map((m) => m.rss);
      const role = [n.id === st.dcId ? "DC" : "", n === active ? "resources" : ""].filter(Boolean).join("+");
      return {
        node: n.name,
        role: role || "idle",
        rssMiB: { min: sorted(rss)[0], median: median(rss), max: sorted(rss).at(-1) },
        pssMiB: median(per[i].map((m) => m.pss)),
        anonMiB: median(per[i].map((m) => m.anon)),
        fileMiB: median(per[i].map((m) => m.file)),
        idleCpuMsPerS: idleCpu[i],
      };
    });
  }
  // (A false membership change on a loaded machine may have moved them meanwhile: wait again.)
  await waitFor("both resources running", () => where("r1").length === 1 && where("r2").length === 1);
  const victim = where("r1")[0];
  const dc = (await cibRequest(nodes[0].sock, "status", {}, { timeoutMs: 5000 })).dcId;
  results.victimWasDc.push(victim.id === dc);
  const survivors = nodes.filter((n) => n !== victim);
  const cpu0 = survivors.map((n) => cpuMs(n.p.pid));
  const t0 = performance.now();
  victim.p.kill("SIGKILL");
  await waitFor("failover", () => {
    const a = where("r1").filter((n) => n !== victim);
    const b = where("r2").filter((n) => n !== victim);
    return a.length === 1 && b.length === 1;
  });
  results.failoverMs.push(Math.round(performance.now() - t0));
  results.failoverCpuMs.push(survivors.reduce((sum, n, i) => sum + cpuMs(n.p.pid) - cpu0[i], 0));
  for (const n of nodes) if (alive(n)) n.p.kill("SIGKILL");
  await sleep(300);
}
const loadEnd = load();

const flagsNote =
  (v8Flags !== undefined ? ` TANDEMD_V8_FLAGS="${v8Flags}"` : " (tandemd's default V8 flags)") +
  (nodeOptions !== undefined ? ` NODE_OPTIONS="${nodeOptions}"` : "");
console.log(`load average ${loadStart} at the start, ${loadEnd} at the end;${flagsNote}`);
console.log(
  `tandemd resident memory, idle 3-node cluster with 2 resources (target < 60 MiB; real Pacemaker+Corosync about ${REAL_STACK_MIB} MiB), ${samples} samples after ${settleS} s:`,
);
for (const m of results.memory)
  console.log(
    `  ${m.node} ${m.role.padEnd(12)} RSS min ${m.rssMiB.min} / median ${m.rssMiB.median} / max ${m.rssMiB.max} MiB   (PSS ${m.pssMiB}, anonymous ${m.anonMiB}, file-backed ${m.fileMiB}); CPU ${m.idleCpuMsPerS} ms/s`,
  );
const allMax = Math.max(...results.memory.map((m) => m.rssMiB.max));
console.log(
  `  largest node: ${allMax} MiB = ${(REAL_STACK_MIB / allMax).toFixed(1)}x less than the real stack; ${allMax < 60 ? "under" : "OVER"} the 60 MiB target`,
);
console.log(
  `kill -9 of the active node -> 2 resources started elsewhere: ${results.failoverMs.join(", ")} ms, median ${median(results.failoverMs)} ms (target < 1500; real stack about 7000); the killed node was the DC in ${results.victimWasDc.filter(Boolean).length} of ${runs}`,
);
console.log(
  `  CPU time the two survivors used from the kill to both started: ${results.failoverCpuMs.join(", ")} ms, median ${median(results.failoverCpuMs)} ms`,
);
if (jsonFile)
  writeFileSync(
    jsonFile,
    `${JSON.stringify({ when: new Date().toISOString(), loadStart, loadEnd, v8Flags: v8Flags ?? null, nodeOptions: nodeOptions ?? null, ...results }, null, 2)}\n`,
  );
process.exit(0);
