// The real corosync 3 (Debian package) side by side with tandem for bench/membership (a):
// N corosync processes, each in its own network namespace (libqb IPC sockets are per netns)
// and mount namespace (private /run and /var/lib/corosync), on a bridge with addresses in
// 198.19.77.0/24 (inside 198.18.0.0/15). Same timeouts as tandem's defaults unless told:
// token 300 ms, token_coefficient 10 (consensus = 1.2 x token, corosync's own rule), knet,
// aes256/sha256. Failure detection is read from corosync's own log (timestamp: hires):
// the first "[QUORUM] Members[k]:" line after the kill -9 that no longer lists the victim.
// Needs root. Everything is removed at the end (and at exit on failure).

import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const STATE = "/tmp/tandem-bench-corosync";
const BR = "tcs-br0";
const NET = "198.19.77";

function sh(cmd, { check = true } = {}) {
  const r = spawnSync("sh", ["-c", cmd], { encoding: "utf8" });
  if (check && r.status !== 0) throw new Error(`'${cmd}' failed: ${r.stderr}`);
  return r.stdout;
}

function teardown(n) {
  for (let i = 1; i <= n; i++) {
    sh(`ip netns pids tcs-n${i} 2>/dev/null | xargs -r kill -9`, { check: false });
    sh(`ip netns del tcs-n${i} 2>/dev/null`, { check: false });
    sh(`ip link del tcs-v${i}h 2>/dev/null`, { check: false });
  }
  sh(`ip link del ${BR} 2>/dev/null`, { check: false });
}

function setupNet(n) {
  teardown(64);
  sh(`ip link add ${BR} type bridge && ip link set ${BR} up`);
  for (let i = 1; i <= n; i++) {
    sh(
      `ip netns add tcs-n${i} && ip link add tcs-v${i}h type veth peer name tcs-v${i}n && ` +
        `ip link set tcs-v${i}h master ${BR} up && ip link set tcs-v${i}n netns tcs-n${i} && ` +
        `ip -n tcs-n${i} addr add ${NET}.${i}/24 dev tcs-v${i}n && ip -n tcs-n${i} link set tcs-v${i}n up && ` +
        `ip -n tcs-n${i} link set lo up`,
    );
  }
}

function conf(n, token, dir) {
  const nodes = Array.from(
    { length: n },
    (_, k) =>
      `    node {\n        ring0_addr: ${NET}.${k + 1}\n        name: node${k + 1}\n        nodeid: ${k + 1}\n    }\n`,
  ).join("\n");
  return `totem {
    version: 2
    cluster_name: bench
    transport: knet
    crypto_cipher: aes256
    crypto_hash: sha256
    keyfile: ${STATE}/authkey
    token: ${token}
    token_coefficient: 10
}

nodelist {
${nodes}}

quorum {
    provider: corosync_votequorum
${n === 2 ? "    two_node: 1\n" : ""}}

logging {
    to_logfile: yes
    logfile: ${dir}/corosync.log
    to_syslog: no
    to_stderr: no
    timestamp: hires
}
`;
}

const MONTHS = {
  Jan: 0,
  Feb: 1,
  Mar: 2,
  Apr: 3,
  May: 4,
  Jun: 5,
  Jul: 6,
  Aug: 7,
  Sep: 8,
  Oct: 9,
  Nov: 10,
  Dec: 11,
};

/**
 * [{t, members}] from "[QUORUM] Members[k]: a b c" lines (hires timestamps, local time).
 * Long lists are split over several lines, each but the last ending in a backslash.
 */
function memberLines(file) {
  if (!existsSync(file)) return [];
  const out = [];
  const year = new Date().getFullYear();
  let pending = null;
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const m =
      /^(\w{3}) +(\d+) (\d\d):(\d\d):(\d\d)\.(\d{3}) .*\[QUORUM\] (?:\S+ +)?Members\[(\d+)\]: ([\d ]+?)(\\?)$/.exec(
        line,
      );
    if (!m) continue;
    const t = new Date(year, MONTHS[m[1]], +m[2], +m[3], +m[4], +m[5], +m[6]).getTime();
    const ids = m[8].trim().split(/\s+/).map(Number);
    if (pending && pending.count === +m[7]) pending.members.push(...ids);
    else pending = { t, count: +m[7], members: ids };
    if (m[9] !== "\\") {
      out.push({ t: pending.t, members: pending.members });
      pending = null;
    }
  }
  return out;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(cond, ms, what) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`real corosync: timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Starts an n-node real corosync cluster (fresh state, network); resolves once all see n members. */
async function startCluster(n, token) {
  rmSync(STATE, { recursive: true, force: true });
  mkdirSync(STATE, { recursive: true });
  writeFileSync(`${STATE}/authkey`, randomBytes(256), { mode: 0o400 });
  setupNet(n);
  const procs = [];
  for (let i = 1; i <= n; i++) {
    const dir = join(STATE, `node${i}`);
    mkdirSync(join(dir, "lib"), { recursive: true });
    writeFileSync(join(dir, "corosync.conf"), conf(n, token, dir));
    const script =
      `mount -t tmpfs tmpfs /run && mount --bind ${dir}/lib /var/lib/corosync && ` +
      `exec corosync -f -c ${dir}/corosync.conf`;
    procs.push(
      spawn("ip", ["netns", "exec", `tcs-n${i}`, "unshare", "-m", "sh", "-c", script], {
        stdio: "ignore",
      }),
    );
  }
  const logs = Array.from({ length: n }, (_, i) => join(STATE, `node${i + 1}`, "corosync.log"));
  try {
    await waitFor(
      () => logs.every((f) => memberLines(f).at(-1)?.members.length === n),
      30_000 + n * 2000,
      `${n} members`,
    );
  } catch (e) {
    const sizes = logs.map((f) => memberLines(f).at(-1)?.members.length ?? 0);
    throw new Error(`${e.message} (last membership size per node: ${sizes.join(" ")})`);
  }
  return { procs, logs };
}

/** CPU time (user + system, ms) a process has used so far. */
function cpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(f[11]) + Number(f[12])) * 1000) / CLOCK_TICKS;
}
const CLOCK_TICKS = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;

/** CPU per corosync process of an idle n-node cluster over `seconds` (after 2 s of settling). */
export async function realIdleCpu(n, seconds, token = 300) {
  process.on("exit", () => teardown(n));
  try {
    const { procs } = await startCluster(n, token);
    await sleep(2000);
    const c0 = procs.map((p) => cpuMs(p.pid));
    const t0 = performance.now();
    await sleep(seconds * 1000);
    const secs = (performance.now() - t0) / 1000;
    const perNode = procs.map((p, i) => +((cpuMs(p.pid) - c0[i]) / secs).toFixed(1));
    for (const p of procs) p.kill("SIGKILL");
    return { nodes: n, token, seconds, cpuMsPerSecPerNode: perNode };
  } finally {
    teardown(n);
    if (!process.env.KEEP_STATE) rmSync(STATE, { recursive: true, force: true });
  }
}

/** Kill -9 the highest node id of an n-node real corosync cluster, `runs` times. */
export async function realDetection(n, runs, token = 300) {
  const times = [];
  let rssMiB = [];
  process.on("exit", () => teardown(n));
  try {
    for (let r = 0; r < runs; r++) {
      const { procs, logs } = await startCluster(n, token);
      await sleep(500);
      rssMiB = procs.map((p) => {
        const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p.pid}/status`, "utf8"));
        return m ? +(Number(m[1]) / 1024).toFixed(1) : Number.NaN;
      });
      const victim = n;
      const t0 = Date.now();
      const child = procs[victim - 1];
      const gone = new Promise((res) => child.once("exit", res));
      // the spawned pid became corosync through exec; kill it and anything left in its netns
      sh(`ip netns pids tcs-n${victim} | xargs -r kill -9`, { check: false });
      await gone;
      const survivors = logs.filter((_, i) => i + 1 !== victim);
      const after = () =>
        survivors.map((f) => memberLines(f).find((x) => x.t >= t0 - 1 && !x.members.includes(victim)));
      await waitFor(() => after().every(Boolean), 60_000, "survivors to drop the victim");
      times.push(Math.max(...after().map((x) => x.t - t0)));
      for (const p of procs) p.kill("SIGKILL");
      teardown(n);
    }
  } finally {
    teardown(n);
    if (!process.env.KEEP_STATE) rmSync(STATE, { recursive: true, force: true });
  }
  const sorted = [...times].sort((a, b) => a - b);
  return { nodes: n, token, runsMs: times, medianMs: sorted[Math.floor((sorted.length - 1) / 2)], rssMiB };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const n = Number(process.argv[2] ?? 3);
  const token = Number(process.argv[3] ?? 300);
  console.log(JSON.stringify(await realDetection(n, 1, token)));
}
