// The "Transition Summary": one line per resource whose state changes (Start,
// Stop, Move, Restart, Recover) or whose change is blocked, and one per node
// fencing — in crm_simulate's layout.

import type { ActionSet } from "./actions.js";
import type { SchedResource, WorkingSet } from "./working-set.js";

export interface SummaryItem {
  kind: "Start" | "Stop" | "Move" | "Restart" | "Recover" | "Reload" | "Fence";
  rsc?: string;
  /** "node", or "from -> to" */
  details: string;
  reason?: string;
  blocked?: boolean;
  fenceAction?: string;
}

function primitivesInOrder(ws: WorkingSet): SchedResource[] {
  const out: SchedResource[] = [];
  const walk = (r: SchedResource) => {
    if (r.kind === "primitive") out.push(r);
    else for (const c of r.children) walk(c);
  };
  for (const r of ws.resources) walk(r);
  return out;
}

export function summarize(ws: WorkingSet, set: ActionSet): SummaryItem[] {
  const items: SummaryItem[] = [];
  for (const f of set.fencing)
    if (f.required && f.runnable)
      items.push({
        kind: "Fence",
        details: f.node ?? "",
        reason: f.reason,
        fenceAction: ws.options.stonithAction,
      });
  for (const r of primitivesInOrder(ws)) {
    const acts = set.byRsc.get(r);
    if (!acts) continue;
    if (!r.managed || r.blocked || [...r.history.values()].some((h) => h.blocked)) continue;
    const start = acts.start;
    const next = r.assigned;
    const current = r.runningOn;
    // A failure on a node being fenced is moot: the resource simply moves.
    const failed = current.some((n) => r.history.get(n)?.failed && !ws.nodeByName.get(n)?.unclean);
    const stopsReq = [...acts.stops.values()].filter((s) => s.node && s.required);
    if (current.length === 0) {
      if (next && start.required) {
        if (start.runnable)
          items.push({
            kind: "Start",
            rsc: r.id,
            details: next,
            reason: start.reason?.startsWith("required") ? undefined : undefined,
          });
        else if (!start.inhibited)
          items.push({ kind: "Start", rsc: r.id, details: next, reason: start.reason, blocked: true });
      }
      continue;
    }
    const live = current.filter((n) => !ws.nodeByName.get(n)?.unclean);
    if (live.length > 1) {
      // Active on several nodes: stop everywhere, start (at most) once.
      if (next && start.runnable) {
        if (live.includes(next))
          items.push({ kind: failed ? "Recover" : "Restart", rsc: r.id, details: next });
        else items.push({ kind: failed ? "Recover" : "Move", rsc: r.id, details: `${live[0]} -> ${next}` });
      } else {
        for (const s of stopsReq)
          items.push({
            kind: "Stop",
            rsc: r.id,
            details: s.node!,
            reason: s.reason ?? "node availability",
            blocked: !s.runnable,
          });
      }
      continue;
    }
    const cur = live[0] ?? current[0];
    const stop = acts.stops.get(cur);
    if (!stop) continue;
    if (!next || !start.runnable) {
      if (stop.required) {
        const reason =
          next && !start.runnable
            ? stop.reason?.startsWith("required") && start.reason !== "no quorum"
              ? stop.reason
              : (start.reason ?? stop.reason)
            : (stop.reason ?? "node availability");
        items.push({ kind: "Stop", rsc: r.id, details: cur, reason, blocked: !stop.runnable });
      } else if (!stop.runnable && next === null && r.managed) {
        items.push({
          kind: "Stop",
          rsc: r.id,
          details: cur,
          reason: stop.reason ?? "node availability",
          blocked: true,
        });
      }
      continue;
    }
    if (next === cur) {
      if (acts.reload?.required && !(start.required && stop.required)) {
        items.push({ kind: "Reload", rsc: r.id, details: cur });
        continue;
      }
      if (start.required && stop.required) {
        const reason = failed ? undefined : start.reason;
        items.push({ kind: failed ? "Recover" : "Restart", rsc: r.id, details: cur, reason });
      }
      continue;
    }
    items.push({
      kind: failed ? "Recover" : "Move",
      rsc: r.id,
      details: `${cur} -> ${next}`,
      blocked: !stop.runnable,
    });
  }
  return items;
}

/** Formats the summary lines with crm_simulate's column widths. */
export function formatSummary(items: SummaryItem[]): string[] {
  let rscWidth = 5;
  let detailWidth = 5;
  for (const i of items) {
    if (i.kind === "Fence") continue;
    if ((i.rsc?.length ?? 0) > rscWidth) rscWidth = (i.rsc?.length ?? 0) + 2;
    if (i.details.length > detailWidth) detailWidth = i.details.length;
  }
  return items.map((i) => {
    if (i.kind === "Fence")
      return `  * Fence (${i.fenceAction ?? "reboot"}) ${i.details} '${i.reason ?? "node is unclean"}'`;
    let line = `  * ${i.kind.padEnd(10)} ${(i.rsc ?? "").padEnd(rscWidth)}   ( ${i.details.padStart(detailWidth)} )`;
    if (i.reason) line += `  due to ${i.reason}`;
    if (i.blocked) line += " (blocked)";
    return line;
  });
}
