// Stage 3: scores. For every resource and node, the sum of what location
// constraints (incl. rules), stickiness, fail counts (migration-threshold) and
// node availability say — each contribution kept with its source so that
// `tandem explain` can show where a score came from. Colocation is applied
// during assignment (assign.ts), because it depends on where others go.

import type { LocationConstraint } from "../cib/model.js";
import { evaluateRule, ruleScore } from "../cib/rules.js";
import { addScores, formatScore, INFINITY } from "../core/score.js";
import type { NodeScore, SchedResource, WorkingSet } from "./working-set.js";

/**
 * The entry of a node nothing was said about. Score entries are never changed
 * in place (a contribution replaces the entry), so tables can share them.
 */
export const ZERO_SCORE: NodeScore = Object.freeze({
  score: 0,
  parts: Object.freeze([]) as unknown as NodeScore["parts"],
});

export function addPart(r: SchedResource, node: string, source: string, value: number): void {
  const e = r.scores.get(node);
  const part = { source, value };
  r.scores.set(
    node,
    e ? { score: addScores(e.score, value), parts: [...e.parts, part] } : { score: value, parts: [part] },
  );
}

function ensure(r: SchedResource, node: string): void {
  if (!r.scores.has(node)) r.scores.set(node, ZERO_SCORE);
}

/** Location constraints indexed by the (configured) resource id they name. */
export function indexLocations(ws: WorkingSet): Map<string, LocationConstraint[]> {
  const idx = new Map<string, LocationConstraint[]>();
  const add = (id: string, c: LocationConstraint) => {
    const l = idx.get(id);
    if (l) l.push(c);
    else idx.set(id, [c]);
  };
  const allIds = [...new Set([...ws.byId.values()].map((r) => r.configId))];
  for (const c of ws.cib.constraints.locations) {
    if (c.rsc !== undefined) add(c.rsc, c);
    else if (c.rscPattern !== undefined) {
      let re: RegExp;
      try {
        re = new RegExp(c.rscPattern);
      } catch {
        ws.warnings.push(`rsc_location ${c.id}: invalid rsc-pattern '${c.rscPattern}'`);
        continue;
      }
      for (const id of allIds) if (re.test(id)) add(id, c);
    }
    for (const s of c.sets) for (const id of s.resources) add(id, c);
  }
  return idx;
}

function applyLocation(r: SchedResource, c: LocationConstraint, ws: WorkingSet): void {
  if (c.role !== undefined && !/^(started|slave|unpromoted)$/i.test(c.role)) return;
  if (c.node !== undefined) {
    if (!ws.nodeByName.has(c.node)) return;
    addPart(r, c.node, `location ${c.id}`, c.score ?? 0);
    return;
  }
  for (const rule of c.rules) {
    if (rule.role !== undefined && !/^(started|slave|unpromoted)$/i.test(rule.role)) continue;
    for (const n of ws.nodes) {
      const ctx = { nodeAttrs: n.attrs, now: ws.options.now };
      if (!evaluateRule(rule, ctx)) continue;
      addPart(r, n.uname, `location ${c.id} (rule ${rule.id})`, ruleScore(rule, ctx));
    }
  }
}

function scoreResource(r: SchedResource, ws: WorkingSet, locs: Map<string, LocationConstraint[]>): void {
  if (ws.options.symmetricCluster) for (let i = 0; i < ws.nodes.length; i++) ensure(r, ws.nodes[i].uname);
  // Instances take the clone's constraints through assignment; their own id is the child's.
  const isInstance = r.parent?.kind === "clone" || r.parent?.parent?.kind === "clone";
  for (const c of locs.get(r.configId) ?? []) applyLocation(r, c, ws);
  void isInstance;
  if (r.kind !== "primitive") return;
  const opts = ws.options;
  if (r.history.size === 0) return;
  for (let i = 0; i < ws.nodes.length; i++) {
    const n = ws.nodes[i];
    const h = r.history.get(n.uname);
    if (!h) continue;
    if (h.active && r.stickiness !== 0 && r.managed) addPart(r, n.uname, "resource-stickiness", r.stickiness);
    if (h.failCount > 0 && r.migrationThreshold > 0 && h.failCount >= r.migrationThreshold)
      addPart(
        r,
        n.uname,
        `fail count ${formatScore(h.failCount)} reached migration-threshold ${formatScore(r.migrationThreshold)}`,
        -INFINITY,
      );
    if (h.notInstalled) addPart(r, n.uname, "agent not installed", -INFINITY);
  }
  void opts;
}

/** Stage 3 entry point: fills `scores` of every resource. */
export function computeScores(ws: WorkingSet): void {
  const locs = indexLocations(ws);
  for (const r of ws.byId.values()) scoreResource(r, ws, locs);
}

/** Score of a resource on a node (0 when only the symmetric default applies; -INFINITY when not allowed). */
export function scoreOn(r: SchedResource, node: string, ws: WorkingSet): number {
  const e = r.scores.get(node);
  if (e) return e.score;
  return ws.options.symmetricCluster ? 0 : -INFINITY;
}

export { INFINITY };
