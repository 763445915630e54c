// Allocation scores in crm_simulate -s form ("pcmk__primitive_assign: RSC
// allocation score on NODE: N"), derived from the traced score tables.

import { formatScore, INFINITY } from "../core/score.js";
import type { NodeScore, SchedResource, WorkingSet } from "./working-set.js";

function scoreIn(t: Map<string, NodeScore> | undefined, node: string, ws: WorkingSet): number {
  const e = t?.get(node);
  if (e) return e.score;
  return ws.options.symmetricCluster ? 0 : -INFINITY;
}

export function scoreLines(ws: WorkingSet): string[] {
  const out: string[] = [];
  const nodes = [...ws.nodes].map((n) => n.uname).sort();
  const prim = (r: SchedResource, table: Map<string, NodeScore> | undefined, only?: string | null) => {
    for (const n of nodes) {
      let s = scoreIn(table, n, ws);
      if (only !== undefined && n !== only) s = -INFINITY;
      out.push(`pcmk__primitive_assign: ${r.id} allocation score on ${n}: ${formatScore(s)}`);
    }
  };
  const group = (g: SchedResource, fn: string) => {
    for (const n of nodes)
      out.push(`${fn}: ${g.id} allocation score on ${n}: ${formatScore(scoreIn(g.allocation, n, ws))}`);
    g.children.forEach((c, i) => {
      prim(c, i === 0 ? g.allocation : c.scores, i === 0 ? undefined : g.assigned);
    });
  };
  for (const r of ws.resources) {
    if (r.kind === "primitive") prim(r, r.allocation ?? r.scores);
    else if (r.kind === "group") group(r, "pcmk__group_assign");
    else {
      for (const n of nodes)
        out.push(
          `pcmk__clone_assign: ${r.id} allocation score on ${n}: ${formatScore(scoreIn(r.allocation, n, ws))}`,
        );
      for (const i of r.children) {
        if (i.kind === "group") group(i, "pcmk__group_assign");
        else prim(i, i.allocation ?? i.scores);
      }
    }
  }
  return out;
}
