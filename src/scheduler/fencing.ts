// Stage 6: fencing and shutdown. Unclean nodes are fenced when fencing is
// possible (stonith-enabled, a fencing device configured, quorum or
// no-quorum-policy=ignore); the stops of resources that were running there
// then happen implicitly (pseudo actions after the fencing). Nodes shutting
// down get a do_shutdown after all their stops.

import { type ActionSet, IMPLIES_THEN, newAction, order, RUNNABLE_LEFT } from "./actions.js";
import type { WorkingSet } from "./working-set.js";

/** Node-level consequences of failures that must be known before assignment. */
export function markFailureFencing(ws: WorkingSet): void {
  for (const r of ws.primitives)
    for (const h of r.history.values()) {
      if (h.standbyNode && h.failed) {
        const sn = ws.nodeByName.get(h.node);
        if (sn) sn.standby = true;
      }
      if (!h.fence) continue;
      const n = ws.nodeByName.get(h.node);
      if (n && !n.unclean) {
        n.unclean = true;
        n.fenceReason = `${r.id} failed there`;
      }
    }
}

export function canFence(ws: WorkingSet): boolean {
  const o = ws.options;
  return o.stonithEnabled && ws.haveStonith && (o.haveQuorum || o.noQuorumPolicy === "ignore");
}

export function scheduleFencing(ws: WorkingSet, set: ActionSet): void {
  const fence = canFence(ws);
  for (const n of ws.nodes) {
    if (!n.unclean) continue;
    if (!fence) {
      // Cannot fence: what ran there stays "possibly running"; nothing may be recovered.
      for (const [r, acts] of set.byRsc) {
        if (r.kind !== "primitive") continue;
        const stop = acts.stops.get(n.uname);
        if (stop) {
          stop.runnable = false;
          stop.reason = "node is unclean and cannot be fenced";
        }
      }
      continue;
    }
    const a = newAction(set, {
      task: "stonith",
      node: n.uname,
      interval: 0,
      pseudo: false,
      required: true,
      runnable: true,
      reason: n.fenceReason ?? "node is unclean",
    });
    set.fencing.push(a);
    for (const [r, acts] of set.byRsc) {
      if (r.kind !== "primitive") continue;
      const stop = acts.stops.get(n.uname);
      if (!stop) continue;
      stop.pseudo = true;
      stop.implied = true;
      stop.runnable = true;
      order(set, a, stop, IMPLIES_THEN | RUNNABLE_LEFT, "fencing implies stop");
    }
  }
  // Recovering resources elsewhere waits for the fencing.
  if (set.fencing.length > 0)
    for (const [r, acts] of set.byRsc) {
      if (r.kind !== "primitive") continue;
      const wasOnFenced = r.runningOn.some((n) => ws.nodeByName.get(n)?.unclean);
      if (!wasOnFenced) continue;
      for (const f of set.fencing) order(set, f, acts.start, 0, "fencing before recovery");
    }
  for (const n of ws.nodes) {
    if (!n.shutdown || !n.online) continue;
    const a = newAction(set, {
      task: "do_shutdown",
      node: n.uname,
      interval: 0,
      pseudo: false,
      required: true,
      runnable: true,
    });
    set.shutdowns.push(a);
    for (const [r, acts] of set.byRsc) {
      if (r.kind !== "primitive") continue;
      const stop = acts.stops.get(n.uname);
      if (stop) order(set, stop, a, 0, "stop before shutdown");
    }
  }
}
