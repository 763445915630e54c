// crm_resource --why [-r RSC] [-N NODE]: Pacemaker 2.1.5's lines ("Resource X is running
// on host N", "Configuration specifies 'X' should remain stopped", the unmanaged and
// unpromotable checks), and after them, for one resource, tandem's own explanation
// (src/scheduler/explain.ts: every score contribution per node, the winner, what the
// transition does) computed by the scheduler from the live CIB.

import { unpackCib } from "../cib/unpack.js";
import { explainResource } from "../scheduler/explain.js";
import { schedule, type Transition } from "../scheduler/index.js";
import type { SchedResource } from "../scheduler/working-set.js";
import type { LiveStatus } from "./live.js";

/** Nodes a resource (or any member of a group/clone) is active on. */
export function activeNodes(r: SchedResource): string[] {
  if (r.kind === "primitive") return [...r.runningOn];
  const out: string[] = [];
  for (const c of r.children) for (const n of activeNodes(c)) if (!out.includes(n)) out.push(n);
  return out;
}

/** crm_resource's checks of a resource and its parents (cli_resource_check's wording). */
export function resourceChecks(r: SchedResource): string[] {
  const out: string[] = [];
  for (let x: SchedResource | undefined = r; x; x = x.parent) {
    if (!x.def && x !== r) continue; // clone instances share their parent's definition
    if (x.targetRole === "stopped") out.push(`Configuration specifies '${x.id}' should remain stopped`);
    if (x.targetRole === "unpromoted" || x.targetRole === "slave")
      out.push(`Configuration specifies '${x.id}' should not be promoted`);
  }
  if (!r.managed)
    out.push(`Configuration prevents cluster from stopping or starting unmanaged '${r.parent?.id ?? r.id}'`);
  return out;
}

/** The cluster's plan for the current state (scores and assignment), for the explanations. */
export function transitionOf(s: LiveStatus): Transition {
  return schedule(unpackCib(s.cib), { now: Math.floor(s.now / 1000) });
}

/** All of crm_resource --why's output for these arguments (resource/node already checked). */
export function whyLines(
  s: LiveStatus,
  r: SchedResource | undefined,
  node: string | undefined,
  o: { explain: boolean },
): string[] {
  const out: string[] = [];
  const top = s.ws.resources.filter((x) => !x.parent);
  if (r && node !== undefined) {
    const on = activeNodes(r).includes(node);
    out.push(`Resource ${r.id} is ${on ? "" : "not "}running on host ${node}`, ...resourceChecks(r));
  } else if (r) {
    out.push(`Resource ${r.id} is ${activeNodes(r).length > 0 ? "" : "not "}running`, ...resourceChecks(r));
  } else if (node !== undefined) {
    const tr = transitionOf(s);
    for (const p of s.ws.primitives.filter((x) => x.runningOn.includes(node)))
      out.push(`Resource ${p.id} is running on host ${node}`, ...resourceChecks(p));
    for (const p of tr.ws.primitives)
      if (p.assigned === node && !p.runningOn.includes(node))
        out.push(`Resource ${p.id} is assigned to host ${node} but not running`, ...resourceChecks(p));
  } else {
    for (const x of top)
      out.push(`Resource ${x.id} is ${activeNodes(x).length > 0 ? "" : "not "}running`, ...resourceChecks(x));
  }
  if (r && o.explain) {
    const text = explainResource(transitionOf(s), r.id).replace(/\n$/, "");
    out.push("", ...text.split("\n"));
  }
  return out;
}
