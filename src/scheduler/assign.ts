// Stage 4: assignment. Places every scheduling unit (primitive, group, clone)
// on a node: primaries of colocations first, then the unit itself, with the
// dependents' preferences merged in. Ties go to the node with fewer resources
// assigned so far, then the node where the resource already runs, then by name.

import { addScores, INFINITY } from "../core/score.js";
import { type Colocation, type ColocationIndex, indexColocations } from "./colocation.js";
import { ZERO_SCORE } from "./scores.js";
import type { NodeScore, SchedResource, WorkingSet } from "./working-set.js";

type Table = Map<string, NodeScore>;

// Table entries are never changed in place: a change replaces the entry, so
// tables share the entries they have in common (and the resources' scores).
const ZERO: NodeScore = ZERO_SCORE;

function put(t: Table, node: string, source: string, value: number): void {
  const e = t.get(node);
  const part = { source, value };
  t.set(
    node,
    e ? { score: addScores(e.score, value), parts: [...e.parts, part] } : { score: value, parts: [part] },
  );
}

function copyInto(t: Table, from: Table, prefix = ""): void {
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

function isDisabled(r: SchedResource): boolean {
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

function scoreIn(t: Table, node: string): number {
  return t.get(node)?.score ?? -INFINITY;
}

/** Nodes a unit ended up on (a clone: every instance's node). */
export function unitNodes(u: SchedResource): string[] {
  if (u.kind === "clone") {
    const out: string[] = [];
    for (const i of u.children) if (i.assigned) out.push(i.assigned);
    return out;
  }
  // A group is where its first member is (a group whose first member cannot run runs nowhere).
  if (u.kind === "group") return u.children[0]?.assigned ? [u.children[0].assigned] : [];
  return u.assigned ? [u.assigned] : [];
}

function sameAttr(ws: WorkingSet, attr: string, a: string, b: string): boolean {
  if (attr === "#uname") return a === b;
  const va = ws.nodeByName.get(a)?.attrs[attr];
  const vb = ws.nodeByName.get(b)?.attrs[attr];
  return va !== undefined && va === vb;
}

function applyColocation(t: Table, c: Colocation, ws: WorkingSet): void {
  // A primary still being placed (a colocation loop) cannot constrain yet.
  if (c.primary.assignState !== "done") return;
  // With a group member: where that member runs (it may be stopped while its group is placed).
  const member = c.primaryMember;
  const where =
    member && member.parent?.kind === "group"
      ? member.assigned
        ? [member.assigned]
        : []
      : unitNodes(c.primary);
  const label = `colocation ${c.id} with ${c.primaryName}`;
  const must = `${label} (must be with it, which is ${where.length ? `on ${where.join(" ")}` : "stopped"})`;
  const nodes = ws.nodes;
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i];
    let match = false;
    for (let j = 0; j < where.length && !match; j++) match = sameAttr(ws, c.nodeAttribute, n.uname, where[j]);
    if (c.score >= INFINITY) {
      if (!match) put(t, n.uname, must, -INFINITY);
    } else if (match && c.score !== 0) {
      // An advisory colocation that would leave nowhere to run is rolled back.
      if (Math.abs(c.score) < INFINITY && !advisoryLeavesRoom(t, c, where, ws)) return;
      put(t, n.uname, label, c.score);
    }
  }
}

function advisoryLeavesRoom(t: Table, c: Colocation, where: string[], ws: WorkingSet): boolean {
  return ws.nodes.some((n) => {
    if (!n.canRun) return false;
    const match = where.some((w) => sameAttr(ws, c.nodeAttribute, n.uname, w));
    return addScores(scoreIn(t, n.uname), match ? c.score : 0) >= 0;
  });
}

/**
 * A score scaled by a colocation factor, as Pacemaker computes it: in single
 * precision, rounded half away from zero, and never rounded away to nothing
 * (10 x 100/1000000 counts as 1).
 */
function multiply(score: number, factor: number): number {
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
function factorOf(outer: number, score: number): number {
  return Math.fround((outer < 0 ? -score : score) / INFINITY);
}

/** Order key of a resource in colocation lists: higher priority, clones then groups first, then id. */
function colocOrder(ra: SchedResource, na: string, rb: SchedResource, nb: string): number {
  if (ra.priority !== rb.priority) return rb.priority - ra.priority;
  const rank = (r: SchedResource) => (r.kind === "clone" ? 2 : r.kind === "group" ? 1 : 0);
  if (rank(ra) !== rank(rb)) return rank(rb) - rank(ra);
  return na < nb ? -1 : na > nb ? 1 : 0;
}

/** A resource's "this with" colocations in the order Pacemaker applies them (by primary). */
function thisWith(u: SchedResource, idx: ColocationIndex): Colocation[] {
  const list = idx.byDependent.get(u);
  if (!list || list.length < 2) return list ?? [];
  return [...list].sort((a, b) =>
    colocOrder(a.primaryMember ?? a.primary, a.primaryName, b.primaryMember ?? b.primary, b.primaryName),
  );
}

/**
 * One resource whose preferences are merged into another's: `unit`, entered
 * at member `member` (a group member named in a colocation, or the next
 * member of a group), or as the group itself (`asGroup`).
 */
interface WithThis {
  unit: SchedResource;
  member: number;
  asGroup: boolean;
  score: number;
  attr: string;
  label: string;
  /** For ordering. */
  named: SchedResource;
  name: string;
  /** Colocated with the group itself (seen from its last member). */
  groupLevel?: boolean;
}

function entryFor(c: Colocation): WithThis {
  const d = c.dependent;
  const m =
    d.kind === "group" && c.dependentName !== d.id
      ? d.children.findIndex((x) => x.id === c.dependentName)
      : -1;
  return {
    unit: d,
    member: Math.max(0, m),
    asGroup: d.kind === "group" && m < 0,
    score: c.score,
    attr: c.nodeAttribute,
    label: `preference of ${c.dependentName} (colocated via ${c.id}): `,
    named: m >= 0 ? d.children[m] : d,
    name: c.dependentName,
  };
}

function byDependentOrder(out: WithThis[]): WithThis[] {
  if (out.length > 1) out.sort((a, b) => colocOrder(a.named, a.name, b.named, b.name));
  return out;
}

/**
 * What colocates with `d` (for a group: with its member `k`), in the order
 * Pacemaker merges them (by dependent). A group's members are chained (each
 * one with the one before it); what colocates with the group itself hangs
 * off its last member, and only while the group is being placed.
 */
function withThis(d: SchedResource, k: number, idx: ColocationIndex): WithThis[] {
  const key = d.kind === "group" ? (d.children[k] ?? d) : d;
  let all = idx.withThisCache?.get(key) as WithThis[] | undefined;
  if (!all) {
    all = computeWithThis(d, k, idx);
    if (!idx.withThisCache) idx.withThisCache = new Map();
    idx.withThisCache.set(key, all);
  }
  // (what colocates with a group itself counts only while the group is being placed)
  return d.kind === "group" && d.assignState !== "busy" ? all.filter((w) => !w.groupLevel) : all;
}

function computeWithThis(d: SchedResource, k: number, idx: ColocationIndex): WithThis[] {
  const out: WithThis[] = [];
  if (d.kind !== "group" || d.children.length === 0) {
    for (const c of idx.byPrimary.get(d) ?? []) out.push(entryFor(c));
    return byDependentOrder(out);
  }
  const last = d.children.length - 1;
  if (k < last) {
    const next = d.children[k + 1];
    if (!isDisabled(next))
      out.push({
        unit: d,
        member: k + 1,
        asGroup: false,
        score: INFINITY,
        attr: "#uname",
        label: `${next.id}: `,
        named: next,
        name: next.id,
      });
  }
  for (const c of idx.byPrimary.get(d) ?? []) {
    const m = c.primaryMember && c.primaryMember.parent === d ? d.children.indexOf(c.primaryMember) : -1;
    if (m >= 0 ? m === k : k === last) out.push({ ...entryFor(c), groupLevel: m < 0 });
  }
  return byDependentOrder(out);
}

/** What colocates with the group itself (merged after its members when entered as a group, while it is placed). */
function withGroup(d: SchedResource, idx: ColocationIndex): WithThis[] {
  if (d.assignState !== "busy") return [];
  const out: WithThis[] = [];
  for (const c of idx.byPrimary.get(d) ?? [])
    if (!(c.primaryMember && c.primaryMember.parent === d)) out.push(entryFor(c));
  return byDependentOrder(out);
}

/** The scores a resource brings into a merge: its table so far (while it is being placed), else its base. */
function currentScores(d: SchedResource, k: number, ws: WorkingSet): Table {
  // (once placed: the table it was placed with, merges included)
  if (d.kind === "group" && k > 0) {
    const m = d.children[k];
    return m.working ?? m.allocation ?? m.scores;
  }
  return d.working ?? d.allocation ?? cachedBase(d, ws);
}

/** baseTable(d) (a group: with its first member), computed once per run: read only. */
let baseCache = new Map<SchedResource, Table>();
function cachedBase(d: SchedResource, ws: WorkingSet): Table {
  let t = baseCache.get(d);
  if (!t) {
    t = baseTable(d, ws, d.kind === "group" ? 1 : undefined);
    baseCache.set(d, t);
  }
  return t;
}

function anyAvailable(t: Table, ws: WorkingSet): boolean {
  return ws.nodes.some((n) => n.canRun && scoreIn(t, n.uname) >= 0);
}

/** The best score of `own` over the available nodes that share `attr` with `node`. */
function matchingScore(own: Table, attr: string, node: string, ws: WorkingSet): number {
  if (attr === "#uname") return ws.nodeByName.get(node)?.canRun ? scoreIn(own, node) : -INFINITY;
  let best = -INFINITY;
  for (const n of ws.nodes)
    if (n.canRun && sameAttr(ws, attr, n.uname, node)) best = Math.max(best, scoreIn(own, n.uname));
  return best;
}

interface MergeCtx {
  ws: WorkingSet;
  idx: ColocationIndex;
  /** Resources on the current merge path (a loop is cut where it comes back). */
  stack: Set<SchedResource>;
}

function skipped(w: WithThis): boolean {
  return w.unit.kind !== "clone" && isDisabled(w.unit);
}

/** Merges one entry (see WithThis) at `factor`. */
function mergeEntry(target: Table, w: WithThis, factor: number, ctx: MergeCtx): Table {
  const d = w.unit;
  if (!w.asGroup) return mergeMember(target, d, w.member, w.attr, factor, w.label, ctx);
  // A group: its first member (and the chain behind it), then what colocates with the group.
  if (ctx.stack.has(d)) return target;
  ctx.stack.add(d);
  let out = mergeMember(target, d, 0, w.attr, factor, w.label, ctx);
  for (const x of withGroup(d, ctx.idx))
    if (!skipped(x)) out = mergeEntry(out, x, factorOf(factor, x.score), ctx);
  ctx.stack.delete(d);
  return out;
}

/**
 * Adds what `d` (for a group: its member `k`) prefers, scaled by `factor`,
 * and then, recursively, what colocates with it. A merge that would leave
 * nowhere to run is rolled back with everything it brought.
 */
function mergeMember(
  target: Table,
  d: SchedResource,
  k: number,
  attr: string,
  factor: number,
  label: string,
  ctx: MergeCtx,
): Table {
  const { ws, idx, stack } = ctx;
  const r = d.kind === "group" && d.children.length > 0 ? d.children[k] : d;
  if (stack.has(r)) return target;
  const own = currentScores(d, k, ws);
  // (the parts lists are shared with `target` and replaced, never changed in place)
  const work: Table = new Map();
  target.forEach((e, n) => {
    const s = matchingScore(own, attr, n, ws);
    // (a ban of a resource kept away is no attraction)
    const add = factor < 0 && s < 0 ? 0 : multiply(s, factor);
    if (add === 0) work.set(n, e);
    else {
      const source = `${label}${factor === 1 ? "" : `x${+factor.toPrecision(6)} of `}${s}`;
      work.set(n, { score: addScores(e.score, add), parts: [...e.parts, { source, value: add }] });
    }
  });
  if (!anyAvailable(work, ws)) return target;
  stack.add(r);
  let out = work;
  const list = withThis(d, k, idx);
  for (let i = 0; i < list.length; i++) {
    const w = list[i];
    if (w.unit === d || !skipped(w)) out = mergeEntry(out, w, factorOf(factor, w.score), ctx);
  }
  stack.delete(r);
  return out;
}

/** Merges the preferences of what colocates with `u` (for a group: with its member `k`) into its table. */
function mergeDependents(t: Table, u: SchedResource, idx: ColocationIndex, ws: WorkingSet, k = 0): Table {
  const ctx: MergeCtx = { ws, idx, stack: new Set() };
  let out = t;
  const list = withThis(u, k, idx);
  for (let i = 0; i < list.length; i++) {
    const w = list[i];
    if (w.unit === u || !skipped(w)) out = mergeEntry(out, w, factorOf(1, w.score), ctx);
  }
  return out;
}

function pick(t: Table, ws: WorkingSet, current: string | undefined, prefer?: string): string | null {
  let best: string | null = null;
  let bestScore = -INFINITY;
  let bestCount = 0;
  const nodes = ws.nodes;
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i];
    if (!n.canRun) continue;
    const s = scoreIn(t, n.uname);
    if (s < 0) continue;
    if (best === null) {
      best = n.uname;
      bestScore = s;
      bestCount = n.assignedCount;
      continue;
    }
    const bn = best;
    let better = false;
    if (s !== bestScore) better = s > bestScore;
    else if (n.assignedCount !== bestCount) better = n.assignedCount < bestCount;
    else if (n.uname === current) better = true;
    else if (bn === current) better = false;
    else better = n.uname < bn;
    if (better) {
      best = n.uname;
      bestScore = s;
      bestCount = n.assignedCount;
    }
  }
  // Among nodes with the same positive score, the one it runs on wins
  // (whatever the resource counts), as in Pacemaker.
  if (best !== null && current !== undefined && current !== best && bestScore > 0) {
    const cn = ws.nodeByName.get(current);
    if (cn?.canRun && scoreIn(t, current) === bestScore) best = current;
  }
  if (prefer !== undefined && best !== null) {
    const pn = ws.nodeByName.get(prefer);
    if (pn?.canRun && scoreIn(t, prefer) >= bestScore) best = prefer;
  }
  if (best !== null && explainTies) {
    const ties = ws.nodes.filter((n) => n.canRun && n.uname !== best && scoreIn(t, n.uname) === bestScore);
    if (ties.length > 0) {
      const bn = ws.nodeByName.get(best)!;
      const fewer = ties.every((n) => n.assignedCount > bn.assignedCount);
      lastTieBreak = fewer
        ? `fewer resources were already placed on ${best} (${bn.assignedCount}) than on ${ties.map((n) => `${n.uname} (${n.assignedCount})`).join(", ")}`
        : best === current || best === prefer
          ? `${best} is where it already runs`
          : `${best} comes first by node name`;
    }
  }
  return best;
}

const explainTies = true;
let lastTieBreak: string | undefined;

/** Picks a node and records how a tie was broken. */
function pickFor(
  u: SchedResource,
  t: Table,
  ws: WorkingSet,
  current: string | undefined,
  prefer?: string,
): string | null {
  lastTieBreak = undefined;
  const n = pick(t, ws, current, prefer);
  u.tieBreak = lastTieBreak;
  return n;
}

function currentNode(u: SchedResource): string | undefined {
  if (u.kind === "primitive") return u.runningOn[0];
  // A group is placed by its first member: where that one runs.
  if (u.kind === "group") return u.children[0] ? currentNode(u.children[0]) : undefined;
  for (const c of u.children) {
    const n = currentNode(c);
    if (n) return n;
  }
  return undefined;
}

function noteAssigned(ws: WorkingSet, node: string | null, count = 1, who?: SchedResource): void {
  if (who) ws.assignLog?.push(`${who.id} ${node}`);
  if (!node) return;
  const n = ws.nodeByName.get(node);
  if (n) n.assignedCount += count;
}

/** Unmanaged and blocked primitives stay exactly where they are. */
function fixedPlacement(r: SchedResource): boolean {
  return (
    r.kind === "primitive" && (!r.managed || r.blocked || [...r.history.values()].some((h) => h.blocked))
  );
}

function assignPrimitive(u: SchedResource, ws: WorkingSet, idx: ColocationIndex): void {
  // (its own scores and its colocations with what was placed before it are
  // already in u.working, see assignUnit)
  const post = u.working ?? initialTable(u, ws);
  const t = mergeDependents(post, u, idx, ws);
  u.allocation = t;
  let node: string | null;
  if (fixedPlacement(u)) node = u.runningOn[0] ?? null;
  else if (isDisabled(u) || u.forceStop) {
    node = null;
    u.stopReason = u.forceStop ?? "disabled";
  } else node = pickFor(u, t, ws, currentNode(u));
  if (node === null && !u.stopReason) u.stopReason = "no node can run it";
  u.assigned = node;
  noteAssigned(ws, node, 1, u);
}

/** A unit's table before colocations: its scores (a group: with its first member's), unavailable nodes banned. */
function initialTable(u: SchedResource, ws: WorkingSet): Table {
  // (a clone's own table: its scores only, not its instances')
  const t = u.kind === "clone" ? baseTable(u, ws) : baseTable(u, ws, 1);
  banUnavailable(t, ws);
  return t;
}

/** A member's own table (later group members): its scores, unavailable nodes banned. */
function ownTable(r: SchedResource, ws: WorkingSet): Table {
  const t: Table = new Map();
  if (ws.options.symmetricCluster) for (let i = 0; i < ws.nodes.length; i++) t.set(ws.nodes[i].uname, ZERO);
  copyInto(t, r.scores);
  banUnavailable(t, ws);
  return t;
}

function banUnavailable(t: Table, ws: WorkingSet): void {
  for (let i = 0; i < ws.nodes.length; i++) {
    const n = ws.nodes[i];
    if (!n.canRun) put(t, n.uname, n.unavailableReason ?? "node unavailable", -INFINITY);
  }
}

/**
 * A group is placed member by member, as Pacemaker does: the first member
 * with the group's own scores and colocations, each later member with the
 * one before it (mandatory) and its own colocations. What each member sees
 * of the members after it (and, from the last one, of what colocates with
 * the group) comes in through the colocation chain (withThis).
 */
function assignGroup(g: SchedResource, ws: WorkingSet, idx: ColocationIndex): void {
  const kids = g.children;
  const stopAll = isDisabled(g) || g.forceStop !== undefined;
  const mine = idx.byDependent.get(g) ?? [];
  let prev: string | null = null;
  for (let k = 0; k < kids.length; k++) {
    const c = kids[k];
    let t: Table;
    if (k === 0) {
      t = initialTable(g, ws);
      g.working = t;
    } else t = ownTable(c, ws);
    c.working = t;
    // This member's colocations (the first one's include the group's), by primary;
    // a later member is also colocated (mandatory) with the member before it.
    type Entry = { c?: Colocation; named: SchedResource; name: string };
    const entries: Entry[] = mine
      .filter((x) => x.dependentName === c.id || (k === 0 && x.dependentName === g.id))
      .map((x) => ({ c: x, named: x.primaryMember ?? x.primary, name: x.primaryName }));
    if (k > 0) entries.push({ named: kids[k - 1], name: kids[k - 1].id });
    if (entries.length > 1) entries.sort((a, b) => colocOrder(a.named, a.name, b.named, b.name));
    for (const e of entries) {
      if (e.c) {
        assignUnit(e.c.primary, ws, idx);
        applyColocation(t, e.c, ws);
      } else {
        const why = `group ${g.id}: with ${kids[k - 1].id} (${prev ? `on ${prev}` : "stopped"})`;
        for (let i = 0; i < ws.nodes.length; i++)
          if (ws.nodes[i].uname !== prev) put(t, ws.nodes[i].uname, why, -INFINITY);
      }
    }
    const merged = mergeDependents(t, g, idx, ws, k);
    c.working = undefined;
    let node: string | null;
    if (fixedPlacement(c)) node = c.runningOn[0] ?? null;
    else if (stopAll || isDisabled(c)) {
      node = null;
      c.stopReason = isDisabled(c) ? "disabled" : (g.forceStop ?? "disabled");
    } else {
      node = pickFor(c, merged, ws, currentNode(c));
      if (node === null)
        c.stopReason = k > 0 && prev === null ? "an earlier group member cannot run" : "no node can run it";
    }
    c.assigned = node;
    c.allocation = merged;
    if (k === 0) {
      g.working = undefined;
      g.allocation = merged;
      g.assigned = node;
      g.tieBreak = c.tieBreak;
      if (node === null)
        g.stopReason = stopAll ? (g.forceStop ?? "disabled") : (c.stopReason ?? "no node can run it");
    }
    noteAssigned(ws, node, 1, c);
    prev = node;
  }
  g.working = undefined;
}

function instanceCurrent(i: SchedResource): string | undefined {
  return currentNode(i);
}

function assignClone(u: SchedResource, ws: WorkingSet, idx: ColocationIndex): void {
  const post = u.working ?? initialTable(u, ws);
  const t = mergeDependents(post, u, idx, ws);
  u.allocation = t;
  const perNode = new Map<string, number>();
  const nodeMax = u.cloneNodeMax ?? 1;
  // Instances inherit the clone's target-role unless the child sets its own.
  // Active instances keep their node first, then the rest fill up.
  const instances = u.children.filter((i) => !i.orphan);
  const available = ws.nodes.filter((n) => n.canRun && scoreIn(t, n.uname) >= 0).length;
  // First pass: instances stay where they run, spread at most evenly;
  // second pass: the rest (inactive ones first) go to the best nodes left.
  const evenLimit = Math.min(nodeMax, Math.max(1, Math.ceil(instances.length / Math.max(1, available))));
  const tableFor = (inst: SchedResource): Table => {
    const it: Table = new Map();
    copyInto(it, t);
    if (inst.kind === "group") {
      copyInto(it, inst.scores);
      for (const c of inst.children) copyInto(it, c.scores, `${c.id}: `);
    } else copyInto(it, inst.scores);
    return it;
  };
  const place = (inst: SchedResource, node: string | null, it: Table) => {
    inst.allocation = it;
    inst.assigned = node;
    if (node) perNode.set(node, (perNode.get(node) ?? 0) + 1);
    if (inst.kind === "group") {
      let ok = node !== null;
      for (const c of inst.children) {
        if (isDisabled(c)) ok = false;
        c.assigned = ok ? node : null;
        c.allocation = it;
        noteAssigned(ws, c.assigned);
      }
    } else noteAssigned(ws, node);
    if (!node) inst.stopReason = isDisabled(inst) ? "disabled" : "no node can run it";
  };
  const later: SchedResource[] = [];
  for (const inst of instances) {
    const cur = instanceCurrent(inst);
    const kids = inst.kind === "group" ? inst.children : [inst];
    const it = tableFor(inst);
    if (kids.some((k) => fixedPlacement(k))) {
      place(inst, cur ?? null, it);
      continue;
    }
    if (isDisabled(inst)) {
      place(inst, null, it);
      continue;
    }
    const curNode = cur ? ws.nodeByName.get(cur) : undefined;
    if (cur && curNode?.canRun && scoreIn(it, cur) >= 0 && (perNode.get(cur) ?? 0) < evenLimit) {
      place(inst, cur, it);
      continue;
    }
    later.push(inst);
  }
  // Displaced instances move first; idle instances take what is left.
  later.sort(
    (a, b) => (instanceCurrent(b) !== undefined ? 1 : 0) - (instanceCurrent(a) !== undefined ? 1 : 0),
  );
  for (const inst of later) {
    const it = tableFor(inst);
    for (const [n, count] of perNode) if (count >= nodeMax) put(it, n, "clone-node-max reached", -INFINITY);
    place(inst, pickFor(inst, it, ws, instanceCurrent(inst)), it);
  }
  for (const inst of u.children) if (inst.orphan) place(inst, null, tableFor(inst));
}

function assignUnit(u: SchedResource, ws: WorkingSet, idx: ColocationIndex): void {
  if (u.assignState !== "none") return;
  u.assignState = "busy";
  if (u.kind === "group") {
    assignGroup(u, ws, idx);
    u.assignState = "done";
    return;
  }
  // Each primary is placed first, and its colocation applied, one by one
  // (mandatory ones narrow what the next primary sees of this resource).
  const t = initialTable(u, ws);
  u.working = t;
  for (const c of thisWith(u, idx)) {
    assignUnit(c.primary, ws, idx);
    applyColocation(t, c, ws);
  }
  if (u.kind === "clone") assignClone(u, ws, idx);
  else assignPrimitive(u, ws, idx);
  u.working = undefined;
  u.assignState = "done";
}

/** Stage 4 entry point. Returns the colocation index (the property tests check it). */
export function assignResources(ws: WorkingSet): ColocationIndex {
  const idx = indexColocations(ws);
  baseCache = new Map();
  for (const u of assignmentOrder(ws, idx)) assignUnit(u, ws, idx);
  return idx;
}

/** The order units are placed in: higher priority first, then configuration order. */
function assignmentOrder(ws: WorkingSet, _idx: ColocationIndex): SchedResource[] {
  return ws.resources
    .map((r, i) => ({ r, i }))
    .sort((a, b) => b.r.priority - a.r.priority || a.i - b.i)
    .map((x) => x.r);
}
