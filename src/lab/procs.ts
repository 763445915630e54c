// Processes of a lab: starting them detached (they outlive the `tandem lab` command
// that started them, output to the node's var/log/tandem), finding them again, and
// signalling them. A process belongs to a lab node when its environment says
// TANDEM_ROOT=<node root> (everything the lab starts for a node carries it, and the
// agents and the services they daemonize inherit it) — the same rule fence_tandem's
// env method uses, so nothing of a node is missed even when pid files are gone.

import { spawn } from "node:child_process";
import { mkdirSync, openSync, readdirSync, readFileSync, closeSync } from "node:fs";
import { dirname } from "node:path";

/** Starts `argv` detached in its own session, stdout+stderr appended to `logFile`. */
export function spawnDetached(
  argv: string[],
  env: Record<string, string>,
  logFile: string,
  cwd = "/",
): number {
  mkdirSync(dirname(logFile), { recursive: true });
  const fd = openSync(logFile, "a", 0o640);
  try {
    const child = spawn(argv[0], argv.slice(1), {
      env,
      cwd,
      detached: true,
      stdio: ["ignore", fd, fd],
    });
    child.unref();
    if (child.pid === undefined) throw new Error(`could not start ${argv[0]}`);
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

function environOf(pid: number): Map<string, string> | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/environ`, "utf8");
    const m = new Map<string, string>();
    for (const kv of raw.split("\0")) {
      const i = kv.indexOf("=");
      if (i > 0) m.set(kv.slice(0, i), kv.slice(i + 1));
    }
    return m;
  } catch {
    return undefined;
  }
}

/** State letter from /proc/PID/stat (R, S, T, Z...), undefined if gone. */
export function procState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  } catch {
    return undefined;
  }
}

export function alive(pid: number): boolean {
  const s = procState(pid);
  return s !== undefined && s !== "Z" && s !== "X";
}

export interface LabProcess {
  pid: number;
  root?: string;
  cmdline: string;
  state: string;
}

/** Every live process whose environment matches: TANDEM_LAB_DIR=dir and/or TANDEM_ROOT=root. */
export function findProcesses(match: { labDir?: string; root?: string }): LabProcess[] {
  const out: LabProcess[] = [];
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    const pid = Number(e);
    if (pid === process.pid) continue;
    const env = environOf(pid);
    if (!env) continue;
    const root = env.get("TANDEM_ROOT");
    const okLab = match.labDir === undefined || env.get("TANDEM_LAB_DIR") === match.labDir;
    const okRoot = match.root === undefined || root === match.root;
    if (!okLab || !okRoot) continue;
    const state = procState(pid);
    if (state === undefined || state === "Z") continue;
    let cmdline = "";
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim();
    } catch {}
    out.push({ pid, root, cmdline, state });
  }
  return out;
}

export function signalAll(pids: number[], sig: NodeJS.Signals): void {
  for (const p of pids) {
    try {
      process.kill(p, sig);
    } catch {}
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return undefined;
  }
}

/**
 * SIGKILLs every matching process, as a power cut: those found at the start, and any
 * child they spawn while dying; not processes started afresh meanwhile (a fence that
 * "powers the node back on" while this runs must not be killed too).
 */
export async function killAll(
  match: { labDir?: string; root?: string },
  timeoutMs = 5000,
): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  const killed = new Set<number>();
  let first = true;
  for (;;) {
    const ps = findProcesses(match).filter((p) => {
      if (first || killed.has(p.pid)) return true;
      const pp = parentOf(p.pid);
      return pp !== undefined && killed.has(pp);
    });
    first = false;
    if (ps.length === 0) return [...killed];
    for (const p of ps) killed.add(p.pid);
    signalAll(
      ps.map((p) => p.pid),
      "SIGKILL",
    );
    if (Date.now() > deadline) return [...killed];
    await sleep(20);
  }
}
