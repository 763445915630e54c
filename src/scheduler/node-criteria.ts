// Stage 2: node criteria. Decides, per node, whether resources may be placed
// there (online, clean, not standby, not in maintenance, not shutting down),
// and what quorum allows for the whole partition.

import type { WorkingSet } from "./working-set.js";

export function applyNodeCriteria(ws: WorkingSet): void {
  for (const n of ws.nodes) {
    n.canRun = false;
    if (n.unclean) n.unavailableReason = "node is unclean";
    else if (!n.online) n.unavailableReason = n.pending ? "node is pending" : "node is offline";
    else if (n.shutdown) n.unavailableReason = "node is shutting down";
    else if (n.standby) n.unavailableReason = "node is in standby";
    else if (n.maintenance) n.unavailableReason = "node is in maintenance";
    else {
      n.canRun = true;
      n.unavailableReason = undefined;
    }
  }
}

/** Quorum decides whether new resources may start at all ("stop" / "freeze" / "ignore" / "suicide"). */
export function quorumBlocksStarts(ws: WorkingSet): "stop" | "freeze" | null {
  if (ws.options.haveQuorum) return null;
  const p = ws.options.noQuorumPolicy;
  if (p === "ignore") return null;
  if (p === "freeze") return "freeze";
  return "stop";
}
