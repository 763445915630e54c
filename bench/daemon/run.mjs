#!/usr/bin/env node
// Daemon benchmark with real tandemd processes on loopback (127.0.0.8x), default timeouts:
//  (a) resident memory (VmRSS, MiB) of each node of an idle 3-node cluster running 2 resources
//      (ocf:tandem:Dummy with a 10 s monitor);
//  (b) failover time: kill -9 of the node running both resources -> both started elsewhere
//      (the new node's Dummy state files exist), repeated --runs times.
// Targets (issue 4): under 60 MiB per node (real Pacemaker+Corosync: about 197 MiB) and
// under 1.5 s from crash to resources started (real stack: about 7 s).
//
// Usage: node bench/daemon/run.mjs [--runs N] [--json FILE] [--node-options OPTS]

import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
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
const runs = Number(opt("--runs", "5"));
const jsonFile = opt("--json", undefined);
// --node-options "--max-semi-space-size=1" runs tandemd as packaging/systemd/tandem.service does.
const nodeOptions = opt("--node-options", undefined);

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

const NODES = [1, 2, 3].map((id) => ({ id, name: `b${id}`, addr: `127.0.0.8${id}` }));

async function cluster() {
  const key = randomBytes(256);
  const conf = `totem {\n  version: 2\n  cluster_name: bench\n  transport: knet\n}\nnodelist {\n${NODES.map((n) => `  node {\n    ring0_addr: ${n.addr}\n    name: ${n.name}\n    nodeid: ${n.id}\n  }\n`).join("")}}\nquorum {\n  provider: corosync_votequorum\n}\n`;
  const nodes = NODES.map((n) => {
    const root = mkdtempSync(join(snap, `${n.name}-`));
    mkdirSync(join(root, "etc/tandem"), { recursive: true });
    writeFileSync(join(root, "etc/tandem/corosync.conf"), conf);
    writeFileSync(join(root, "etc/tandem/authkey"), key, { mode: 0o400 });
    const p = spawn(process.execPath, [join(snap, "bin/tandemd")], {
      env: {
        ...process.env,
        TANDEM_ROOT: root,
        TANDEM_NODE_NAME: n.name,
        ...(nodeOptions !== undefined ? { NODE_OPTIONS: nodeOptions } : {}),
      },
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
  const where = (rsc) =>
    nodes.filter(
      (n) =>
        n.p.exitCode === null && n.p.signalCode === null && existsSync(join(n.rsctmp, `Dummy-${rsc}.state`)),
    );
  await waitFor("both resources running", () => where("r1").length === 1 && where("r2").length === 1);
  return { nodes, where };
}

function rssMiB(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

/** Proportional set size (shared pages divided among their users), when the kernel has smaps_rollup. */
function pssMiB(pid) {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"));
    return m ? Number(m[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

const results = { rssMiB: [], pssMiB: [], failoverMs: [] };
for (let run = 0; run < runs; run++) {
  const { nodes, where } = await cluster();
  if (run === 0) {
    await sleep(3000); // idle
    for (const n of nodes) {
      results.rssMiB.push(Number(rssMiB(n.p.pid).toFixed(1)));
      results.pssMiB.push(Number(pssMiB(n.p.pid).toFixed(1)));
    }
  }
  const victim = where("r1")[0];
  const t0 = performance.now();
  victim.p.kill("SIGKILL");
  await waitFor("failover", () => {
    const a = where("r1").filter((n) => n !== victim);
    const b = where("r2").filter((n) => n !== victim);
    return a.length === 1 && b.length === 1;
  });
  results.failoverMs.push(Math.round(performance.now() - t0));
  for (const n of nodes) if (n.p.exitCode === null && n.p.signalCode === null) n.p.kill("SIGKILL");
  await sleep(300);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
if (nodeOptions !== undefined) console.log(`NODE_OPTIONS=${nodeOptions}`);
console.log(
  `tandemd resident memory, idle 3-node cluster with 2 resources: ${results.rssMiB.join(", ")} MiB per node (target < 60; real Pacemaker+Corosync about 197)`,
);
console.log(`  proportional (PSS): ${results.pssMiB.join(", ")} MiB per node`);
console.log(
  `kill -9 of the active node -> 2 resources started elsewhere: ${results.failoverMs.join(", ")} ms, median ${median(results.failoverMs)} ms (target < 1500; real stack about 7000)`,
);
if (jsonFile)
  writeFileSync(
    jsonFile,
    `${JSON.stringify({ when: new Date().toISOString(), nodeOptions: nodeOptions ?? null, ...results }, null, 2)}\n`,
  );
process.exit(0);
