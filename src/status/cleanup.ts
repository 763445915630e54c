// crm_resource --cleanup / --refresh (and pcs resource cleanup / refresh) as Pacemaker
// 2.1 does them, on top of tandemd's `resource.cleanup` call:
//   cleanup: only resources with a recorded failure (the "Failed Resource Actions",
//            optionally of one operation + interval) lose their history and those
//            fail counts, on the nodes where they failed; the rest is left alone;
//   refresh: the whole history and every fail count of the matching resources go,
//            so the cluster probes them again.
// `-r RSC` and `-N NODE` narrow both. Pure planning (`planCleanup`) + one IPC call per
// resource and node (`runCleanup`).

import { ErrorCodes, TandemError } from "../core/errors.js";
import { parseDurationMs } from "../core/duration.js";
import { cibRequest } from "../daemon/protocol.js";
import type { LiveStatus } from "./live.js";
import { operationHistory } from "./text.js";

export interface CleanupRequest {
  refresh: boolean;
  rsc?: string;
  node?: string;
  operation?: string;
  /** Interval in ms (only with operation; Pacemaker's default is 0). */
  intervalMs?: number;
}

export interface CleanupPlan {
  /** One daemon call per entry. */
  calls: { rsc: string; node: string }[];
  /** The lines crm_resource prints. */
  lines: string[];
}

/** The history ids of a resource: itself and its clone instances ("rsc:0"). */
function matches(historyId: string, rsc: string | undefined, members: Set<string> | undefined): boolean {
  if (rsc === undefined) return true;
  const base = historyId.replace(/:\d+$/, "");
  return historyId === rsc || base === rsc || (members?.has(base) ?? false);
}

/** Primitive ids under a group/clone id (the history is kept per primitive). */
function membersOf(s: LiveStatus, id: string): Set<string> {
  const out = new Set<string>();
  for (const p of s.ws.primitives)
    for (let x: (typeof p)["parent"] | typeof p = p; x; x = x.parent)
      if (x.id === id || (x.kind === "primitive" && x.configId === id)) out.add(p.configId ?? p.id);
  return out;
}

/** Refuses a malformed request (before anything is asked of the cluster). */
export function checkCleanupRequest(req: CleanupRequest): void {
  if (req.intervalMs !== undefined && req.operation === undefined)
    throw new TandemError(ErrorCodes.USAGE, "An interval can only be given together with an operation");
  if (req.refresh && req.operation !== undefined)
    throw new TandemError(ErrorCodes.USAGE, "An operation can only be given with --cleanup, not --refresh");
}

/** What a cleanup/refresh would do on this status. Throws for a malformed request. */
export function planCleanup(s: LiveStatus, req: CleanupRequest): CleanupPlan {
  checkCleanupRequest(req);
  const members = req.rsc === undefined ? undefined : membersOf(s, req.rsc);
  const nodes = s.ws.nodes.map((n) => n.uname).filter((n) => req.node === undefined || n === req.node);
  const calls: { rsc: string; node: string }[] = [];
  const add = (rsc: string, node: string) => {
    if (!calls.some((c) => c.rsc === rsc && c.node === node)) calls.push({ rsc, node });
  };
  const ops = operationHistory(s.cib);
  if (req.refresh) {
    for (const o of ops) if (nodes.includes(o.node) && matches(o.rsc, req.rsc, members)) add(o.rsc, o.node);
  } else {
    const interval = req.intervalMs ?? 0;
    for (const o of ops)
      if (
        o.id.endsWith("_last_failure_0") &&
        nodes.includes(o.node) &&
        matches(o.rsc, req.rsc, members) &&
        (req.operation === undefined || (o.operation === req.operation && o.interval === interval))
      )
        add(o.rsc, o.node);
    // A fail count without a recorded failed operation (e.g. set by crm_failcount) counts too.
    if (req.operation === undefined)
      for (const p of s.ws.primitives)
        for (const [node, h] of p.history)
          if (h.failCount > 0 && nodes.includes(node) && matches(p.id, req.rsc, members)) add(p.id, node);
  }
  const lines: string[] = [];
  const where = req.node ?? "all nodes";
  if (req.rsc === undefined) {
    const what = req.operation
      ? `${req.operation}${req.intervalMs ? ` (${req.intervalMs}ms)` : ""} failures of all resources`
      : "all resources";
    lines.push(`Cleaned up ${what} on ${where}`);
  } else {
    // crm_resource names every node it asked about the resource.
    for (const n of nodes) lines.push(`Cleaned up ${req.rsc} on ${n}`);
  }
  if (calls.length > 0)
    lines.push(
      `Waiting for ${calls.length} ${calls.length === 1 ? "reply" : "replies"} from the controller`,
      "... got reply (done)",
    );
  return { calls, lines };
}

/** Carries out a plan through the local tandemd. */
export async function runCleanup(socket: string, plan: CleanupPlan, req: CleanupRequest): Promise<void> {
  for (const c of plan.calls)
    await cibRequest(
      socket,
      "resource.cleanup",
      {
        rsc: c.rsc,
        node: c.node,
        ...(req.operation !== undefined ? { operation: req.operation, interval: req.intervalMs ?? 0 } : {}),
      },
      { timeoutMs: 60_000 },
    );
}

/** Interval as crm_resource -I / pcs interval= take it: "30s", "1min", a bare number is seconds. */
export function parseIntervalMs(v: string): number | undefined {
  return parseDurationMs(v);
}
