// Colocation lists and score merging of the assignment stage, in Pacemaker
// 2.1.5's order and arithmetic: which colocations a resource applies (its
// primaries, by primary) and whose preferences it takes in (its dependents,
// by dependent, recursively through chains and group members), and the
// merge itself (scaled, rounded, rolled back when it leaves nowhere to run).
// docs/scheduler.md, "Assignment order and tie-breaking".

import { INFINITY, addScores } from "../core/score.js";
import type { Colocation, ColocationIndex } from "./colocation.js";
import {
  anyAvailable,
  baseTable,
  factorOf,
  isDisabled,
  matchingScore,
  multiply,
  type Table,
} from "./score-table.js";
import type { SchedResource, WorkingSet } from "./working-set.js";

/** Order key of a resource in colocation lists: higher priority, clones then groups first, then id. */
export function colocOrder(ra: SchedResource, na: string, rb: SchedResource, nb: string): number {
  if (ra.priority !== rb.priority) return rb.priority - ra.priority;
  const rank = (r: SchedResource) => (r.kind === "clone" ? 2 : r.kind === "group" ? 1 : 0);
  if (rank(ra) !== rank(rb)) return rank(rb) - rank(ra);
  return na < nb ? -1 : na > nb ? 1 : 0;
}

/** A resource's "this with" colocations in the order Pacemaker applies them (by primary). */
export function thisWith(u: SchedResource, idx: ColocationIndex): Colocation[] {
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
export function currentScores(d: SchedResource, k: number, ws: WorkingSet): Table {
  // (once placed: the table it was placed with, merges included)
  if (d.kind === "group" && k > 0) {
    const m = d.children[k];
    return m.working ?? m.allocation ?? m.scores;
  }
  return d.working ?? d.allocation ?? cachedBase(d, ws);
}

/** baseTable(d) (a group: with its first member), computed once per run: read only. */
let baseCache = new Map<SchedResource, Table>();

/** Forgets the cached base tables (at the start of every assignment run). */
export function resetMergeCache(): void {
  baseCache = new Map();
}

function cachedBase(d: SchedResource, ws: WorkingSet): Table {
  let t = baseCache.get(d);
  if (!t) {
    t = baseTable(d, ws, d.kind === "group" ? 1 : undefined);
    baseCache.set(d, t);
  }
  return t;
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
export function mergeDependents(
  t: Table,
  u: SchedResource,
  idx: ColocationIndex,
  ws: WorkingSet,
  k = 0,
): Table {
  const ctx: MergeCtx = { ws, idx, stack: new Set() };
  let out = t;
  const list = withThis(u, k, idx);
  for (let i = 0; i < list.length; i++) {
    const w = list[i];
    if (w.unit === u || !skipped(w)) out = mergeEntry(out, w, factorOf(1, w.score), ctx);
  }
  return out;
}
