// Scheduling priority of the membership process, as corosync sets its own (corosync.conf(5),
// section `system`): with `sched_rr: yes` (the default) round-robin real-time scheduling at
// the highest priority, falling back to the highest nice priority when that is refused; with
// `sched_rr: no`, the nice value given by `priority` (max = -20, min = 19, or -20..19).
// A busy machine then cannot starve the token: with normal priority a node waiting for the CPU
// longer than the token timeout is taken for dead (the busy-CPU soak of bench/membership).
//
// Node.js has no sched_setscheduler(), so real-time scheduling is set with util-linux's
// `chrt` on every thread of the process, with SCHED_RESET_ON_FORK so that children (resource
// agents, fence agents) start with normal scheduling and nice 0 again. Without the privilege
// (not root, no CAP_SYS_NICE, a container that refuses it) the process keeps running at normal
// priority and says so once in the log. TANDEM_SCHEDULING=normal in the environment leaves
// the priority alone whatever corosync.conf says (corosync's `-p`): for many nodes on one
// small test machine, where real-time daemons would starve everything else.

import { spawnSync } from "node:child_process";
import { setPriority } from "node:os";
import { ErrorCodes, TandemError } from "../core/errors.js";
import type { Logger } from "../core/log.js";
import type { ConfSection } from "./corosync-conf.js";

export interface SchedulingConfig {
  /** corosync's system.sched_rr (default yes). */
  schedRr: boolean;
  /** corosync's system.priority: nice value -20..19, used when sched_rr is no (default max = -20). */
  nice: number;
}

export const DEFAULT_SCHEDULING: SchedulingConfig = { schedRr: true, nice: -20 };

/** Highest SCHED_RR priority on Linux (sched_get_priority_max(SCHED_RR)). */
const RR_MAX = 99;

/** Reads `system { sched_rr: yes|no  priority: max|min|N }` from the sections corosync.conf keeps. */
export function schedulingFromSections(sections: ConfSection[]): SchedulingConfig {
  const out = { ...DEFAULT_SCHEDULING };
  for (const s of sections) {
    if (s.name !== "system") continue;
    for (const o of s.options) {
      const v = o.value.trim().toLowerCase();
      if (o.key === "sched_rr") {
        if (v === "yes" || v === "on" || v === "1") out.schedRr = true;
        else if (v === "no" || v === "off" || v === "0") out.schedRr = false;
        else throw invalid(`system.sched_rr must be yes or no: got '${o.value}'`);
      } else if (o.key === "priority") {
        if (v === "max") out.nice = -20;
        else if (v === "min") out.nice = 19;
        else if (/^-?[0-9]+$/.test(v) && Number(v) >= -20 && Number(v) <= 19) out.nice = Number(v);
        else throw invalid(`system.priority must be max, min or -20..19: got '${o.value}'`);
      }
    }
  }
  return out;
}

function invalid(msg: string): TandemError {
  return new TandemError(ErrorCodes.COROSYNC_CONF_INVALID, `corosync.conf: ${msg}`);
}

export interface SchedulingResult {
  policy: "SCHED_RR" | "nice" | "unchanged";
  /** The nice value set (policy "nice"). */
  nice?: number;
  /** Why the wanted priority could not be had (policy "unchanged", or the RR fallback). */
  refused?: string;
}

/** What applyScheduling needs from the system (replaced in unit tests). */
export interface SchedulingSystem {
  pid: number;
  env: Record<string, string | undefined>;
  /** Runs chrt with these arguments; returns its exit status and stderr. */
  chrt(args: string[]): { status: number | null; stderr: string; error?: string };
  setPriority(pid: number, nice: number): void;
}

export const realSystem: SchedulingSystem = {
  pid: process.pid,
  env: process.env,
  chrt(args) {
    const r = spawnSync("chrt", args, { encoding: "utf8", timeout: 5000 });
    return { status: r.status, stderr: (r.stderr ?? "").trim(), error: r.error?.message };
  },
  setPriority(pid, nice) {
    setPriority(pid, nice);
  },
};

/**
 * Raises this process's scheduling priority as `cfg` says; never throws. With sched_rr the
 * result is SCHED_RR (priority 99), else the fallback nice -20; without sched_rr the given
 * nice value. Logs one line saying what was set or why it could not be.
 */
export function applyScheduling(
  cfg: SchedulingConfig,
  log: Logger,
  sys: SchedulingSystem = realSystem,
): SchedulingResult {
  if (sys.env.TANDEM_SCHEDULING === "normal") {
    log.log("info", "scheduling: normal priority (TANDEM_SCHEDULING=normal)");
    return { policy: "unchanged" };
  }
  const pid = String(sys.pid);
  let rrRefused: string | undefined;
  if (cfg.schedRr) {
    const r = sys.chrt(["--reset-on-fork", "--rr", "--all-tasks", "--pid", String(RR_MAX), pid]);
    if (r.status === 0) {
      log.log("info", `scheduling: SCHED_RR priority ${RR_MAX} (reset on fork)`);
      return { policy: "SCHED_RR" };
    }
    rrRefused = r.error ?? (r.stderr || `chrt exited with ${r.status}`);
  }
  const nice = cfg.schedRr ? -20 : cfg.nice;
  // Best effort: children must not inherit a raised nice priority (SCHED_RESET_ON_FORK).
  if (nice < 0) sys.chrt(["--reset-on-fork", "--other", "--all-tasks", "--pid", "0", pid]);
  try {
    sys.setPriority(sys.pid, nice);
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    const refused = rrRefused ? `SCHED_RR: ${rrRefused}; nice ${nice}: ${why}` : `nice ${nice}: ${why}`;
    log.log("warning", `scheduling: running at normal priority (not permitted: ${refused})`);
    return { policy: "unchanged", refused };
  }
  if (rrRefused) log.log("warning", `scheduling: SCHED_RR refused (${rrRefused}); nice ${nice} instead`);
  else log.log("info", `scheduling: nice ${nice}`);
  return rrRefused ? { policy: "nice", nice, refused: rrRefused } : { policy: "nice", nice };
}
