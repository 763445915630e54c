// The cluster-wide fencing history, kept in the replicated CIB: each target's
// <node_state> carries a `tandem-fence-history` attribute with its last
// HISTORY_MAX fencing operations as JSON (pending, then success or failed).
// Pure: reads a CIB, builds the status change that records an entry, and words
// entries as Pacemaker 2.1's stonith_admin --history does.

import { child, elements, type XmlElement } from "../core/xml.js";
import type { StatusChange } from "../cib/store.js";

export const HISTORY_ATTR = "tandem-fence-history";
/** Entries kept per target (older ones are dropped). */
export const HISTORY_MAX = 10;

export interface FenceHistoryEntry {
  /** Unique per operation: origin node + start time + a counter. */
  id: string;
  target: string;
  action: string;
  state: "success" | "failed" | "pending";
  /** The stonith device used (the last one tried when all failed). */
  device?: string;
  /** The node that ran the fence agent. */
  delegate?: string;
  /** The node that asked for it. */
  origin: string;
  /** Who asked: "stonith_admin.PID", "pacemaker-controld.PID"... */
  client: string;
  /** Wall-clock ms when it started / completed. */
  started: number;
  completed?: number;
  /** Why it failed. */
  reason?: string;
}

/** Every recorded entry (all targets, or one), newest first. */
export function readHistory(cib: XmlElement, target?: string): FenceHistoryEntry[] {
  const status = child(cib, "status");
  const out: FenceHistoryEntry[] = [];
  for (const ns of status ? elements(status, "node_state") : []) {
    if (target !== undefined && ns.attrs.uname !== target) continue;
    const raw = ns.attrs[HISTORY_ATTR];
    if (!raw) continue;
    try {
      const list = JSON.parse(raw) as FenceHistoryEntry[];
      if (Array.isArray(list)) out.push(...list.filter((e) => e && typeof e.target === "string"));
    } catch {
      // an unreadable record is skipped, never fatal
    }
  }
  return out.sort((a, b) => (b.completed ?? b.started) - (a.completed ?? a.started));
}

/** The status change that records `entry` (replacing an entry with the same id). */
export function recordChange(nodeId: string, entry: FenceHistoryEntry): StatusChange {
  // Merged into the list when applied (not the whole list from this node's copy): a fence by the
  // DC and one by stonith_admin recorded at the same time must not undo each other.
  return {
    kind: "node-state-list",
    nodeId,
    uname: entry.target,
    attr: HISTORY_ATTR,
    item: { ...entry },
    max: HISTORY_MAX,
  };
}

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** ctime(3)-style local time, as Pacemaker prints completion times: "Sat Nov 28 07:07:41 2026". */
export function ctimeString(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, " ")} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())} ${d.getFullYear()}`;
}

/** One history line in stonith_admin --history's wording. */
export function historyLine(e: FenceHistoryEntry): string {
  const when = ctimeString(e.completed ?? e.started);
  if (e.state === "pending")
    return `${e.action} of ${e.target} pending: client=${e.client}, origin=${e.origin}`;
  const verb = e.state === "success" ? "successful" : "failed";
  const key = e.state === "success" ? "completed" : "last-failed";
  return `${e.action} of ${e.target} ${verb}: delegate=${e.delegate ?? e.origin}, client=${e.client}, origin=${e.origin}, ${key}='${when}'`;
}
