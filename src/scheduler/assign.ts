// Stage 4: assignment. Places every scheduling unit (primitive, group, clone)
// on a node: primaries of colocations first, then the unit itself, with the
// dependents' preferences merged in. Ties go to the node with fewer resources
// assigned so far, then the node where the resource already runs, then by name.

import { addScores, INFINITY } from "../core/score.js";
import { type Colocation, type ColocationIndex, indexColocations } from "./colocation.js";
import { colocOrder, mergeDependents, resetMergeCache, thisWith } from "./colocation-merge.js";
import { baseTable, copyInto, isDisabled, put, sameAttr, scoreIn, type Table, ZERO } from "./score-table.js";
import type { SchedResource, WorkingSet } from "./working-set.js";

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
  if (r.kind !== "primitive") return false;
  if (!r.managed || r.blocked) return true;
  let blocked = false;
  r.history.forEach((h) => {
    if (h.blocked) blocked = true;
  });
  return blocked;
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
  resetMergeCache();
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
