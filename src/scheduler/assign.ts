// Stage 4: assignment. Places every scheduling unit (primitive, group, clone)
// on a node: primaries of colocations first, then the unit itself, with the
// dependents' preferences merged in. Ties go to the node with fewer resources
// assigned so far, then the node where the resource already runs, then by name.

import { addScores, INFINITY } from "../core/score.js";
import { type Colocation, type ColocationIndex, indexColocations } from "./colocation.js";
import type { NodeScore, SchedResource, WorkingSet } from "./working-set.js";

type Table = Map<string, NodeScore>;

function put(t: Table, node: string, source: string, value: number): void {
  let e = t.get(node);
  if (!e) {
    e = { score: 0, parts: [] };
    t.set(node, e);
  }
  e.parts.push({ source, value });
  e.score = addScores(e.score, value);
}

function copyInto(t: Table, from: Table, prefix = ""): void {
  for (const [node, e] of from) {
    let d = t.get(node);
    if (!d) {
      d = { score: 0, parts: [] };
      t.set(node, d);
    }
    for (const p of e.parts) {
      d.parts.push({ source: prefix + p.source, value: p.value });
      d.score = addScores(d.score, p.value);
    }
  }
}

function isDisabled(r: SchedResource): boolean {
  return r.targetRole === "stopped";
}

/** Base preferences of a unit, before colocation: own scores (+ members' for groups). */
export function baseTable(u: SchedResource, ws: WorkingSet, upTo?: number): Table {
  const t: Table = new Map();
  if (ws.options.symmetricCluster) for (const n of ws.nodes) t.set(n.uname, { score: 0, parts: [] });
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
  for (const n of ws.nodes) {
    const match = where.some((w) => sameAttr(ws, c.nodeAttribute, n.uname, w));
    if (c.score >= INFINITY) {
      if (!match)
        put(
          t,
          n.uname,
          `${label} (must be with it, which is ${where.length ? `on ${where.join(" ")}` : "stopped"})`,
          -INFINITY,
        );
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
 * In a colocation loop the dependent may have been placed first; a mandatory
 * (anti-)colocation is then enforced from the primary's side.
 */
function applyReverseMandatory(t: Table, u: SchedResource, idx: ColocationIndex, ws: WorkingSet): void {
  for (const c of idx.byPrimary.get(u) ?? []) {
    if (c.dependent.assignState !== "done" || Math.abs(c.score) < INFINITY) continue;
    const where = unitNodes(c.dependent);
    if (where.length === 0) continue;
    for (const n of ws.nodes) {
      const match = where.some((w) => sameAttr(ws, c.nodeAttribute, n.uname, w));
      if (c.score > 0 && !match)
        put(
          t,
          n.uname,
          `colocation ${c.id}: ${c.dependentName} was placed first on ${where.join(" ")} (loop)`,
          -INFINITY,
        );
      if (c.score < 0 && match)
        put(t, n.uname, `colocation ${c.id}: ${c.dependentName} was placed first here (loop)`, -INFINITY);
    }
  }
}

function multiply(score: number, factor: number): number {
  if (factor === 1) return score;
  const v = score * factor;
  if (v >= INFINITY) return INFINITY;
  if (v <= -INFINITY) return -INFINITY;
  // A small preference still counts: it never rounds away to nothing (as Pacemaker observes).
  if (v > 0 && v < 1) return 1;
  if (v < 0 && v > -1) return -1;
  return Math.trunc(v);
}

/** Adds the preferences of not-yet-placed dependents (scaled by score/INFINITY). */
function mergeDependents(
  t: Table,
  u: SchedResource,
  idx: ColocationIndex,
  ws: WorkingSet,
  factor: number,
  seen: Set<SchedResource>,
  onlyPositive: boolean,
): void {
  seen.add(u);
  for (const c of idx.byPrimary.get(u) ?? []) {
    const d = c.dependent;
    if (seen.has(d) || d.assignState === "done" || c.score === 0) continue;
    if (d.kind !== "clone" && isDisabled(d)) continue;
    const f = factor * (c.score / INFINITY);
    const dt = baseTable(d, ws);
    // (the dependent's own dependents count relative to it; scaled once below)
    mergeDependents(dt, d, idx, ws, 1, new Set(seen), true);
    const work: Table = new Map();
    for (const [n, e] of t) work.set(n, { score: e.score, parts: [...e.parts] });
    for (const n of ws.nodes) {
      const dep = scoreIn(dt, n.uname);
      if (f < 0 && dep < 0) continue;
      let add = multiply(dep, f);
      // Further away, only what the dependent wants (not what it must avoid) carries over.
      if (onlyPositive && dep < 0) continue;
      if (!work.has(n.uname)) continue;
      if (add === 0) continue;
      if (f < 0 && add <= -INFINITY) add = -INFINITY;
      put(work, n.uname, `preference of ${c.dependentName} (colocated via ${c.id})`, add);
    }
    // A merge that would leave nowhere to run is ignored.
    if (ws.nodes.some((n) => n.canRun && scoreIn(work, n.uname) >= 0)) {
      t.clear();
      for (const [n, e] of work) t.set(n, e);
    }
  }
}

function pick(t: Table, ws: WorkingSet, current: string | undefined, prefer?: string): string | null {
  let best: string | null = null;
  let bestScore = -INFINITY;
  let bestCount = 0;
  for (const n of ws.nodes) {
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

function noteAssigned(ws: WorkingSet, node: string | null, count = 1): void {
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

function assignPrimitiveLike(u: SchedResource, ws: WorkingSet, idx: ColocationIndex): void {
  const kids = u.kind === "group" ? u.children : [u];
  // A group is placed by its first member: the group's own constraints and
  // the first member's scores, then its colocations, then the preferences of
  // the later members one by one — each only if it leaves somewhere to run
  // (a member that can run nowhere stops itself and those after it).
  const t = baseTable(u, ws, 1);
  for (const n of ws.nodes)
    if (!n.canRun) put(t, n.uname, n.unavailableReason ?? "node unavailable", -INFINITY);
  for (const c of idx.byDependent.get(u) ?? []) applyColocation(t, c, ws);
  applyReverseMandatory(t, u, idx, ws);
  mergeDependents(t, u, idx, ws, 1, new Set(), false);
  let upTo = 1;
  for (let k = 1; k < kids.length; k++) {
    const member = kids[k];
    if (isDisabled(member)) break;
    const work: Table = new Map();
    copyInto(work, t);
    copyInto(work, member.scores, `${member.id}: `);
    if (!ws.nodes.some((n) => n.canRun && scoreIn(work, n.uname) >= 0)) break;
    t.clear();
    for (const [n, e] of work) t.set(n, e);
    upTo = k + 1;
  }
  u.allocation = t;
  const current = currentNode(u);
  let node: string | null;
  if (u.kind === "primitive" && fixedPlacement(u)) node = u.runningOn[0] ?? null;
  else if (isDisabled(u) || u.forceStop) {
    node = null;
    u.stopReason = u.forceStop ?? "disabled";
  } else node = pickFor(u, t, ws, current);
  if (node === null && !u.stopReason) u.stopReason = "no node can run it";
  u.assigned = node;
  if (u.kind === "group") {
    let ok = node !== null;
    let i = 0;
    for (const c of u.children) {
      if (fixedPlacement(c)) {
        c.assigned = c.runningOn[0] ?? null;
        if (c.assigned !== node) ok = false;
      } else {
        // A member needs a non-negative score together with the members after it
        // (they are placed with it); the first member carries the whole group.
        let rest = 0;
        if (node)
          for (let j = i; j < u.children.length; j++)
            if (!isDisabled(u.children[j]))
              rest = addScores(rest, u.children[j].scores.get(node)?.score ?? 0);
        if (i >= upTo || isDisabled(c) || (node && i > 0 && rest < 0)) ok = false;
        c.assigned = ok ? node : null;
        if (!ok && !c.stopReason)
          c.stopReason = isDisabled(c) ? "disabled" : "an earlier group member cannot run";
      }
      c.allocation = t;
      i++;
      noteAssigned(ws, c.assigned);
    }
  } else noteAssigned(ws, node);
}

function instanceCurrent(i: SchedResource): string | undefined {
  return currentNode(i);
}

function assignClone(u: SchedResource, ws: WorkingSet, idx: ColocationIndex): void {
  const t: Table = new Map();
  if (ws.options.symmetricCluster) for (const n of ws.nodes) t.set(n.uname, { score: 0, parts: [] });
  copyInto(t, u.scores);
  for (const n of ws.nodes)
    if (!n.canRun) put(t, n.uname, n.unavailableReason ?? "node unavailable", -INFINITY);
  for (const c of idx.byDependent.get(u) ?? []) applyColocation(t, c, ws);
  applyReverseMandatory(t, u, idx, ws);
  mergeDependents(t, u, idx, ws, 1, new Set(), false);
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
  for (const c of idx.byDependent.get(u) ?? []) assignUnit(c.primary, ws, idx);
  if (u.kind === "clone") assignClone(u, ws, idx);
  else assignPrimitiveLike(u, ws, idx);
  u.assignState = "done";
  undoLoopViolations(u, ws, idx);
}

function unassign(r: SchedResource, ws: WorkingSet, reason: string): void {
  for (const x of [r, ...r.children, ...r.children.flatMap((c) => c.children)]) {
    if (x.kind === "primitive" && x.assigned) {
      const n = ws.nodeByName.get(x.assigned);
      if (n) n.assignedCount--;
    }
    x.assigned = null;
    x.stopReason = reason;
  }
}

/** A dependent placed before its primary (in a loop) that the primary's placement contradicts cannot run. */
function undoLoopViolations(u: SchedResource, ws: WorkingSet, idx: ColocationIndex): void {
  for (const c of idx.byPrimary.get(u) ?? []) {
    if (c.score < INFINITY || c.dependent.assignState !== "done" || c.dependent.kind === "clone") continue;
    const d = c.dependent.assigned;
    if (d === null) continue;
    const where = unitNodes(u);
    if (!where.some((w) => sameAttr(ws, c.nodeAttribute, d, w)))
      unassign(
        c.dependent,
        ws,
        `colocation ${c.id} with ${c.primaryName} cannot hold (${c.primaryName} is ${where.length ? `on ${where.join(" ")}` : "stopped"})`,
      );
  }
}

/** Stage 4 entry point. Returns the colocation index (the property tests check it). */
export function assignResources(ws: WorkingSet): ColocationIndex {
  const idx = indexColocations(ws);
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
