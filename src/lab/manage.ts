// `tandem lab down` and `tandem lab status`: tearing a lab down (every process, every
// namespace, the directory — also after a lab whose processes died or whose lab.json is
// gone) and reporting what runs where.

import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { ErrorCodes, TandemError } from "../core/errors.js";
import { cibRequest } from "../daemon/protocol.js";
import { type LabConfig, labFile, loadLab, tandemdSocket, vipUrl } from "./config.js";
import { probeVip } from "./client.js";
import { netnsTeardown } from "./netns.js";
import { alive, findProcesses, killAll } from "./procs.js";

export interface DownResult {
  killed: number;
  removed: boolean;
  namespaces: string[];
}

export async function labDown(dir: string): Promise<DownResult> {
  const hasLab = existsSync(labFile(dir));
  const hasNodes = existsSync(join(dir, "nodes"));
  const procs = findProcesses({ labDir: dir });
  if (!hasLab && !hasNodes && procs.length === 0)
    throw new TandemError(ErrorCodes.LAB, `no lab in ${dir} (nothing to take down)`);
  let lab: LabConfig | undefined;
  try {
    lab = hasLab ? loadLab(dir) : undefined;
  } catch {}
  // Processes first (they hold sockets and files in DIR), by environment so a lab whose
  // pid files are gone is cleaned up too; frozen ones die on SIGKILL as well.
  const killed = await killAll({ labDir: dir }, 10_000);
  // Processes of a node started with the node's root but not the lab dir (should not
  // happen; cheap to check).
  if (hasNodes)
    for (const n of readdirSync(join(dir, "nodes")))
      killed.push(...(await killAll({ root: join(dir, "nodes", n) }, 5000)));
  const namespaces = lab ? await netnsTeardown(lab) : [];
  const left = findProcesses({ labDir: dir });
  if (left.length > 0)
    throw new TandemError(
      ErrorCodes.LAB,
      `could not stop ${left.length} process(es) of the lab: ${left.map((p) => p.pid).join(" ")}`,
    );
  rmSync(dir, { recursive: true, force: true });
  return { killed: killed.length, removed: true, namespaces };
}

export interface NodeStatus {
  name: string;
  address: string;
  /** online (member of the cluster), standby..., stopped (pcsd up, cluster daemon down), down, frozen */
  state: string;
  pcsd_pid?: number;
  tandemd_pid?: number;
  processes: number;
}

export interface LabStatus {
  dir: string;
  mode: string;
  nodes: NodeStatus[];
  vip: string;
  vip_url: string;
  served_by: string | null;
  dc: string | null;
}

function readPid(file: string): number | undefined {
  try {
    const n = Number(readFileSync(file, "utf8").trim().split(/\s/)[0]);
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

export async function labStatus(lab: LabConfig): Promise<LabStatus> {
  const nodes: NodeStatus[] = [];
  let dc: string | null = null;
  for (const n of lab.nodes) {
    const procs = findProcesses({ root: n.root });
    // Host pids from the process list (netns: the pid files hold the node's own pids).
    const byCmd = (re: RegExp) => procs.find((p) => re.test(p.cmdline))?.pid;
    let pcsd: number | undefined;
    let tandemd: number | undefined;
    if (lab.mode === "netns") {
      pcsd = byCmd(/^\S*node\S* \S*\/bin\/pcsd\b/);
      tandemd = byCmd(/^\S*node\S* (\S+ )*\S*\/bin\/tandemd\b/);
    } else {
      pcsd = readPid(join(n.root, "run/tandem/lab-pcsd.pid"));
      if (pcsd !== undefined && !alive(pcsd)) pcsd = undefined;
      tandemd = readPid(join(n.root, "run/tandem/tandemd.pid"));
      if (tandemd !== undefined && !alive(tandemd)) tandemd = undefined;
    }
    let state = "down";
    if (procs.length > 0 && procs.every((p) => p.state === "T" || p.state === "t")) state = "frozen";
    else if (tandemd !== undefined) {
      try {
        const st = await cibRequest(tandemdSocket(n), "status", {}, { timeoutMs: 1500 });
        const me = st.nodes.find((x) => x.name === n.name);
        state = me?.member ? "online" : "offline";
        if (st.dcName && !dc) dc = st.dcName;
      } catch {
        state = "unresponsive";
      }
    } else if (pcsd !== undefined) state = "stopped";
    nodes.push({
      name: n.name,
      address: n.address,
      state,
      pcsd_pid: pcsd,
      tandemd_pid: tandemd,
      processes: procs.length,
    });
  }
  const a = await probeVip(lab, 500);
  return {
    dir: lab.dir,
    mode: lab.mode,
    nodes,
    vip: lab.vip,
    vip_url: vipUrl(lab),
    served_by: a.ok ? (a.node ?? null) : null,
    dc,
  };
}

export function formatStatus(s: LabStatus): string {
  const lines = [`Lab ${s.dir} (${s.mode})`, ""];
  lines.push(
    `  ${"NODE".padEnd(8)} ${"ADDRESS".padEnd(16)} ${"STATE".padEnd(13)} ${"PCSD".padEnd(8)} ${"TANDEMD".padEnd(8)} PROCS`,
  );
  for (const n of s.nodes)
    lines.push(
      `  ${n.name.padEnd(8)} ${n.address.padEnd(16)} ${n.state.padEnd(13)} ${String(n.pcsd_pid ?? "-").padEnd(8)} ${String(n.tandemd_pid ?? "-").padEnd(8)} ${n.processes}`,
    );
  lines.push(
    "",
    `  DC: ${s.dc ?? "none"}`,
    `  virtual IP: ${s.vip_url}  served by: ${s.served_by ?? "nobody"}`,
    "",
  );
  return lines.join("\n");
}
