// Score tables of the assignment stage: node -> score with its contributions.
// Entries are never changed in place (a change replaces the entry), so
// tables share the entries they have in common. Also the arithmetic
// Pacemaker applies when scores travel along colocations.

import { addScores, INFINITY } from "../core/score.js";
import { ZERO_SCORE } from "./scores.js";
import type { NodeScore, SchedResource, WorkingSet } from "./working-set.js";

export type Table = Map<string, NodeScore>;

// Table entries are never changed in place: a change replaces the entry, so
// tables share the entries they have in common (and the resources' scores).
export const ZERO: NodeScore = ZERO_SCORE;

export function put(t: Table, node: string, source: string, value: number): void {
  const e = t.get(node);
  const part = { source, value };
  t.set(
    node,
    e ? { score: addScores(e.score, value), parts: [...e.parts, part] } : { score: value, parts: [part] },
  );
}

export function copyInto(t: Table, from: Table, prefix = ""): void {
  // (forEach and index loops: no iterator objects, this runs for every table)
  from.forEach((e, node) => {
    const d = t.get(node);
    if (e.parts.length === 0) {
      if (!d) t.set(node, ZERO);
      return;
    }
    if ((!d || d.parts.length === 0) && prefix === "") {
      t.set(node, e);
      return;
    }
    let score = d?.score ?? 0;
    const parts = d ? d.parts.slice() : [];
    for (let i = 0; i < e.parts.length; i++) {
      const p = e.parts[i];
      parts.push(prefix === "" ? p : { source: prefix + p.source, value: p.value });
      score = addScores(score, p.value);
    }
    t.set(node, { score, parts });
  });
}

export function isDisabled(r: SchedResource): boolean {
  return r.targetRole === "stopped";
}

/** Base preferences of a unit, before colocation: own scores (+ members' for groups). */
export function baseTable(u: SchedResource, ws: WorkingSet, upTo?: number): Table {
  const t: Table = new Map();
  if (ws.options.symmetricCluster) for (let i = 0; i < ws.nodes.length; i++) t.set(ws.nodes[i].uname, ZERO);
  copyInto(t, u.scores);
  if (u.kind === "group") {
    const kids = upTo === undefined ? u.children : u.children.slice(0, upTo);
    for (const c of kids) if (!isDisabled(c)) copyInto(t, c.scores, `${c.id}: `);
  }
  return t;
}

export function scoreIn(t: Table, node: string): number {
  return t.get(node)?.score ?? -INFINITY;
}

export function sameAttr(ws: WorkingSet, attr: string, a: string, b: string): boolean {
  if (attr === "#uname") return a === b;
  const va = ws.nodeByName.get(a)?.attrs[attr];
  const vb = ws.nodeByName.get(b)?.attrs[attr];
  return va !== undefined && va === vb;
}

/**
 * A score scaled by a colocation factor, as Pacemaker computes it: in single
 * precision, rounded half away from zero, and never rounded away to nothing
 * (10 x 100/1000000 counts as 1).
 */
export function multiply(score: number, factor: number): number {
  if (factor === 1) return score;
  const v = Math.fround(factor * score);
  let w = v < 0 ? Math.trunc(v - 0.5) : Math.trunc(v + 0.5);
  if (w === 0 && score !== 0) w = factor > 0 ? 1 : factor < 0 ? -1 : score > 0 ? -1 : 1;
  if (w >= INFINITY) return INFINITY;
  if (w <= -INFINITY) return -INFINITY;
  return w;
}

/**
 * The factor a colocation of `score` applies to what it carries, reached
 * through a colocation of factor `outer`: Pacemaker does not attenuate along
 * a chain, it only keeps the sign (an anti-colocation turns what follows).
 */
export function factorOf(outer: number, score: number): number {
  return Math.fround((outer < 0 ? -score : score) / INFINITY);
}

export function anyAvailable(t: Table, ws: WorkingSet): boolean {
  return ws.nodes.some((n) => n.canRun && scoreIn(t, n.uname) >= 0);
}

/** The best score of `own` over the available nodes that share `attr` with `node`. */
export function matchingScore(own: Table, attr: string, node: string, ws: WorkingSet): number {
  if (attr === "#uname") return ws.nodeByName.get(node)?.canRun ? scoreIn(own, node) : -INFINITY;
  let best = -INFINITY;
  for (const n of ws.nodes)
    if (n.canRun && sameAttr(ws, attr, n.uname, node)) best = Math.max(best, scoreIn(own, n.uname));
  return best;
}
