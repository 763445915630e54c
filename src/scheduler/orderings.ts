// Stage 7: orderings. Turns rsc_order constraints (kinds Mandatory / Optional
// / Serialize, symmetrical, resource sets) into edges between actions, then
// propagates what the edges imply until nothing changes:
//  - RUNNABLE_LEFT: "then" cannot run if "first" cannot;
//  - IMPLIES_THEN: if "first" must happen, so must "then" (a restart of a
//    running "then");
//  - IMPLIES_FIRST: if "then" must happen, so must "first".

import type { OrderConstraint } from "../cib/model.js";
import {
  ASYM_RUNNABLE,
  type Action,
  type ActionSet,
  IMPLIES_FIRST,
  IMPLIES_THEN,
  newAction,
  order,
  RUNNABLE_LEFT,
  type RscActions,
} from "./actions.js";
import type { SchedResource, WorkingSet } from "./working-set.js";

const INVERSE: Record<string, string> = {
  start: "stop",
  stop: "start",
  promote: "demote",
  demote: "promote",
};

function primitivesUnder(r: SchedResource): SchedResource[] {
  if (r.kind === "primitive") return [r];
  return r.children.flatMap(primitivesUnder);
}

function actionsOf(acts: RscActions, task: string): Action[] {
  if (task === "start") return [acts.start];
  if (task === "stop")
    return [...acts.stops.values()].filter((a) => a.node !== undefined || acts.stops.size === 1);
  return [];
}

/** Actions on the "first" side: the completion pseudo action for containers. */
function firstSide(set: ActionSet, r: SchedResource, task: string): { main: Action[]; members: Action[] } {
  const acts = set.byRsc.get(r);
  if (!acts) return { main: [], members: [] };
  if (r.kind === "primitive") return { main: actionsOf(acts, task), members: [] };
  const main = task === "start" ? [acts.running!] : task === "stop" ? [acts.stopped!] : [];
  const members = primitivesUnder(r).flatMap((p) => actionsOf(set.byRsc.get(p)!, task));
  return { main, members };
}

function thenSide(set: ActionSet, r: SchedResource, task: string): { main: Action[]; members: Action[] } {
  const acts = set.byRsc.get(r);
  if (!acts) return { main: [], members: [] };
  if (r.kind === "primitive") return { main: actionsOf(acts, task), members: [] };
  const main = task === "start" ? [acts.startPseudo!] : task === "stop" ? [acts.stopPseudo!] : [];
  const members = primitivesUnder(r).flatMap((p) => actionsOf(set.byRsc.get(p)!, task));
  return { main, members };
}

function link(
  set: ActionSet,
  first: SchedResource,
  firstTask: string,
  then: SchedResource,
  thenTask: string,
  flags: number,
  source: string,
): void {
  if (first.kind === "clone" && then.kind === "clone" && then.interleave) {
    interleave(set, first, firstTask, then, thenTask, flags, source);
    return;
  }
  // More (or fewer) instances of a clone do not restart what depends on the clone.
  // Starting more instances of a clone does not restart what depends on it;
  // moving or restarting a running instance does.
  if (first.kind === "clone" && !runningInstanceRestarts(set, first)) flags &= ~IMPLIES_THEN;
  if (then.kind === "clone") flags &= ~IMPLIES_FIRST;
  const f = firstSide(set, first, firstTask);
  const t = thenSide(set, then, thenTask);
  for (const a of f.main) for (const b of t.main) order(set, a, b, flags, source);
  if (flags & IMPLIES_THEN)
    for (const a of f.main) for (const b of t.members) order(set, a, b, IMPLIES_THEN, source);
  if (flags & IMPLIES_FIRST)
    for (const a of f.members) for (const b of t.main) order(set, a, b, IMPLIES_FIRST, source);
}

function runningInstanceRestarts(set: ActionSet, clone: SchedResource): boolean {
  const prims = primitivesUnder(clone);
  // The clone starting from nothing counts as a start too.
  if (!prims.some((p) => p.runningOn.length > 0)) return true;
  return prims.some((p) => p.runningOn.length > 0 && set.byRsc.get(p)?.start.required === true);
}

function instanceNode(i: SchedResource): string | undefined {
  if (i.assigned) return i.assigned;
  const prims = i.kind === "primitive" ? [i] : i.children;
  return prims.find((p) => p.runningOn.length > 0)?.runningOn[0];
}

/** interleave=true: each instance of "then" is ordered against the instance of "first" on its node. */
function interleave(
  set: ActionSet,
  first: SchedResource,
  firstTask: string,
  then: SchedResource,
  thenTask: string,
  flags: number,
  source: string,
): void {
  for (const ti of then.children) {
    const node = instanceNode(ti);
    if (node === undefined) continue;
    const fi =
      first.children.find((x) => x.assigned === node) ?? first.children.find((x) => instanceNode(x) === node);
    if (fi) {
      link(set, fi, firstTask, ti, thenTask, flags, `${source} (interleaved)`);
      continue;
    }
    if (flags & (RUNNABLE_LEFT | IMPLIES_THEN) && thenTask === "start") {
      // No instance of "first" on this node: this instance of "then" may not run here at all.
      for (const p of ti.kind === "primitive" ? [ti] : ti.children) {
        const start = set.byRsc.get(p)?.start;
        if (!start) continue;
        start.runnable = false;
        start.inhibited = true;
        start.reason = "node availability";
      }
    }
  }
}

function flagsFor(kind: OrderConstraint["kind"], firstTask = "start", symmetrical = true): number {
  if (kind !== "Mandatory") return 0;
  if (!symmetrical) return ASYM_RUNNABLE;
  return IMPLIES_THEN | (firstTask === "start" || firstTask === "promote" ? RUNNABLE_LEFT : 0);
}

function orderPair(
  set: ActionSet,
  c: OrderConstraint,
  first: SchedResource,
  firstTask: string,
  then: SchedResource,
  thenTask: string,
): void {
  const symmetrical = c.symmetrical ?? c.kind !== "Serialize";
  const cloneMin = first.kind === "clone" ? Number.parseInt(first.meta["clone-min"] ?? "0", 10) || 0 : 0;
  if (
    first.kind === "clone" &&
    firstTask === "start" &&
    (cloneMin > 0 || c.requireAll === false) &&
    c.kind === "Mandatory"
  ) {
    // "then" needs clone-min (or one, with require-all=false) instances of "first" running.
    const gate = newAction(set, {
      task: `clone-one-or-more:${c.id}`,
      interval: 0,
      pseudo: true,
      required: false,
      runnable: true,
      anyRunnable: true,
      minRunnable: Math.max(1, cloneMin),
    });
    for (const i of first.children) {
      const acts = set.byRsc.get(i);
      const x = acts?.running ?? acts?.start;
      if (x) order(set, x, gate, RUNNABLE_LEFT, `order ${c.id}`);
    }
    for (const y of thenSide(set, then, thenTask).main) order(set, gate, y, RUNNABLE_LEFT, `order ${c.id}`);
    if (symmetrical && INVERSE[thenTask] && INVERSE[firstTask])
      link(
        set,
        then,
        INVERSE[thenTask],
        first,
        INVERSE[firstTask],
        IMPLIES_FIRST,
        `order ${c.id} (symmetrical)`,
      );
    return;
  }
  link(set, first, firstTask, then, thenTask, flagsFor(c.kind, firstTask, symmetrical), `order ${c.id}`);
  if (!symmetrical || c.kind === "Serialize") return;
  const fi = INVERSE[firstTask];
  const ti = INVERSE[thenTask];
  if (!fi || !ti) return;
  link(
    set,
    then,
    ti,
    first,
    fi,
    c.kind === "Mandatory" ? IMPLIES_FIRST | RUNNABLE_LEFT : 0,
    `order ${c.id} (symmetrical)`,
  );
}

/** Stage 7a: constraint orderings into edges. */
export function applyOrderConstraints(ws: WorkingSet, set: ActionSet): void {
  const find = (id: string | undefined) => (id === undefined ? undefined : ws.byId.get(id));
  for (const c of ws.cib.constraints.orders) {
    if (c.sets.length === 0) {
      const a = find(c.firstRsc);
      const b = find(c.thenRsc);
      if (!a || !b) {
        ws.warnings.push(`order ${c.id}: unknown resource`);
        continue;
      }
      orderPair(set, c, a, c.firstAction, b, c.thenAction);
      continue;
    }
    // Sets: members of a sequential set in order; consecutive sets in order.
    const sets = c.sets.map((s) => ({
      s,
      rs: s.resources.map((id) => find(id)).filter((r): r is SchedResource => !!r),
      action: s.action ?? "start",
    }));
    for (const { s, rs, action } of sets) {
      if (!s.sequential) continue;
      for (let i = 1; i < rs.length; i++) orderPair(set, c, rs[i - 1], action, rs[i], action);
    }
    for (let k = 0; k + 1 < sets.length; k++) {
      const a = sets[k];
      const b = sets[k + 1];
      const firsts = a.s.sequential ? a.rs.slice(-1) : a.rs;
      const thens = b.s.sequential ? b.rs.slice(0, 1) : b.rs;
      if (!a.s.requireAll && firsts.length > 1) {
        // "one-or-more": the next set may start once any member of this set runs.
        const gate = newAction(set, {
          task: `one-or-more:${a.s.id}`,
          interval: 0,
          pseudo: true,
          required: false,
          runnable: true,
          anyRunnable: true,
        });
        for (const f of firsts)
          for (const x of firstSide(set, f, a.action).main)
            order(set, x, gate, RUNNABLE_LEFT | IMPLIES_THEN, `order ${c.id}`);
        for (const t of thens)
          for (const y of thenSide(set, t, b.action).main)
            order(set, gate, y, flagsFor(c.kind), `order ${c.id}`);
        continue;
      }
      for (const f of firsts) for (const t of thens) orderPair(set, c, f, a.action, t, b.action);
    }
  }
}

function describe(a: Action): string {
  if (a.rsc) return `${a.rsc.id} ${a.task}`;
  return a.task;
}

/** Stage 7b: propagate required / runnable along the edges, plus restart rules, to a fixed point. */
export function propagate(ws: WorkingSet, set: ActionSet): void {
  // Actions without edges (most probes) have nothing to propagate.
  const queue: Action[] = set.all.filter(
    (a) => a.before.length > 0 || a.after.length > 0 || a.task === "start" || a.task === "stop",
  );
  const queued = new Set<Action>(queue);
  const push = (a: Action) => {
    if (!queued.has(a)) {
      queued.add(a);
      queue.push(a);
    }
  };
  const restartRules = (a: Action) => {
    const r = a.rsc;
    if (r?.kind !== "primitive") return;
    const acts = set.byRsc.get(r);
    if (!acts) return;
    const start = acts.start;
    const next = r.assigned;
    if (next && start.node === next) {
      const stopHere = acts.stops.get(next);
      if (stopHere) {
        // A required start where it already runs means a restart; so does an impossible one.
        if (start.required && start.runnable && !stopHere.required) {
          stopHere.required = true;
          stopHere.reason ??= start.reason;
          push(stopHere);
        }
        if (!start.runnable && !stopHere.required && stopHere.runnable) {
          stopHere.required = true;
          stopHere.reason ??= start.reason;
          push(stopHere);
        }
        if (stopHere.required && !start.required && start.runnable) {
          start.required = true;
          start.reason ??= stopHere.reason;
          push(start);
        }
      }
    }
  };
  for (let qi = 0; qi < queue.length; qi++) {
    const a = queue[qi];
    queued.delete(a);
    // (index loops: no iterator objects in this hot loop)
    for (let bi = 0; bi < a.before.length; bi++) {
      const e = a.before[bi];
      const t = e.then;
      if (e.flags & RUNNABLE_LEFT) {
        const blocked = t.anyRunnable
          ? t.after.filter((x) => x.flags & RUNNABLE_LEFT && x.first.runnable).length < (t.minRunnable ?? 1)
          : !a.runnable;
        if (blocked && t.runnable) {
          t.runnable = false;
          if (!t.reason || t.reason.startsWith("required")) {
            // A container's start/stop entry point passes on why it cannot run.
            const entry =
              a.pseudo && a.rsc && a.rsc.kind !== "primitive" && (a.task === "start" || a.task === "stop");
            if (entry && a.reason?.startsWith("unrunnable")) t.reason = a.reason;
            else t.reason = `unrunnable ${describe(a)}`;
          }
          push(t);
        }
      }
      if (e.flags & ASYM_RUNNABLE && !a.runnable && t.required && t.runnable) {
        t.runnable = false;
        t.reason = `unrunnable ${describe(a)}`;
        push(t);
      }
      if (e.flags & IMPLIES_THEN && a.required && !t.required && a.runnable) {
        t.required = true;
        t.reason ??= `required ${describe(a)}`;
        push(t);
      }
    }
    for (let ai = 0; ai < a.after.length; ai++) {
      const e = a.after[ai];
      const f = e.first;
      if (e.flags & ASYM_RUNNABLE && !f.runnable && a.required && a.runnable) {
        a.runnable = false;
        a.reason ??= `unrunnable ${describe(f)}`;
        if (a.reason.startsWith("required")) a.reason = `unrunnable ${describe(f)}`;
        push(a);
      }
      if (e.flags & IMPLIES_FIRST && a.required && !f.required) {
        f.required = true;
        // Through the inverse of a symmetrical order, Pacemaker names the
        // forward action ("required A start" for "stop B before stop A").
        if (a.rsc && a.rsc !== f.rsc && (!f.reason || f.reason.startsWith("unrunnable"))) {
          const inverse = e.source.endsWith("(symmetrical)") ? INVERSE[a.task] : undefined;
          f.reason = inverse ? `required ${a.rsc.id} ${inverse}` : `required ${describe(a)}`;
        }
        push(f);
      }
      // A then-side change may make an any-runnable gate re-evaluate.
    }
    restartRules(a);
  }
  void ws;
}
