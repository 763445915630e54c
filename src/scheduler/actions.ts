// Stage 5: resource actions. From "where it runs" and "where it should run",
// creates each primitive's actions: probes where its state is unknown, stop,
// start, recurring monitors; plus the pseudo actions groups and clones use to
// order their members. Whether an action is needed ("required") or possible
// ("runnable") may still change when orderings are applied (orderings.ts).

import { definitionChange } from "./digest.js";
import { quorumBlocksStarts } from "./node-criteria.js";
import type { SchedResource, WorkingSet } from "./working-set.js";

export interface Action {
  id: number;
  rsc?: SchedResource;
  task: string;
  node?: string;
  /** Recurring interval in ms (monitors). */
  interval: number;
  pseudo: boolean;
  /** Not optional: the transition must do it. */
  required: boolean;
  runnable: boolean;
  /** Why it is required / unrunnable ("required rsc1 start", "no quorum" ...). */
  reason?: string;
  timeout?: number;
  /** A pseudo action that is runnable when at least one predecessor is (clone "running"). */
  anyRunnable?: boolean;
  /** With anyRunnable: how many runnable predecessors it needs (clone-min); default 1. */
  minRunnable?: number;
  /** Resource-level flags for summaries. */
  probe?: boolean;
  /** Stop implied by fencing the node. */
  implied?: boolean;
  /** Start prevented outright (interleaved order without a partner): as if not placed. */
  inhibited?: boolean;
  before: Edge[];
  after: Edge[];
}

export const IMPLIES_THEN = 1;
export const IMPLIES_FIRST = 2;
export const RUNNABLE_LEFT = 4;
/** Asymmetric mandatory order: a required "then" cannot run if "first" cannot. */
export const ASYM_RUNNABLE = 8;

export interface Edge {
  first: Action;
  then: Action;
  flags: number;
  /** Constraint or rule that made it. */
  source: string;
}

/** Per-resource actions, for orderings and summaries. */
export interface RscActions {
  start: Action;
  /** Stop per node (uname); "" for the placeholder when the resource runs nowhere. */
  stops: Map<string, Action>;
  /**
   * Where the resource is probed (node names, in id order from `firstProbeId`).
   * The probe actions are made when first asked for (probesOf; the graph asks,
   * -R never does): there are nodes x resources of them, with no edges, always
   * required and runnable. Their ids are reserved when the other actions are made.
   */
  probeNodes: string[];
  firstProbeId: number;
  /** The probe actions, once made (see probesOf). */
  probeActions?: Action[];
  monitors: Action[];
  /** Pseudo actions of groups / clones. */
  running?: Action;
  stopped?: Action;
  startPseudo?: Action;
  stopPseudo?: Action;
  /** Reload in place (only reloadable parameters changed). */
  reload?: Action;
}

export interface ActionSet {
  /** Every action but the probes (RscActions.probes), in id order. */
  all: Action[];
  /** Ids given so far (probes included): ids run from 0 to size - 1. */
  size: number;
  edges: Edge[];
  byRsc: Map<SchedResource, RscActions>;
  fencing: Action[];
  shutdowns: Action[];
}

const NO_EDGES: Edge[] = [];
const NO_PROBES: string[] = [];
Object.freeze(NO_EDGES);

export function newAction(set: ActionSet, a: Omit<Action, "id" | "before" | "after">): Action {
  // Built field by field (not spread): there are ~10^5 of these on big clusters.
  const action: Action = {
    id: set.size++,
    rsc: a.rsc,
    task: a.task,
    node: a.node,
    interval: a.interval,
    pseudo: a.pseudo,
    required: a.required,
    runnable: a.runnable,
    reason: a.reason,
    timeout: a.timeout,
    anyRunnable: a.anyRunnable,
    minRunnable: a.minRunnable,
    probe: a.probe,
    implied: a.implied,
    inhibited: a.inhibited,
    before: NO_EDGES,
    after: NO_EDGES,
  };
  set.all.push(action);
  return action;
}

export function order(set: ActionSet, first: Action, then: Action, flags: number, source: string): void {
  if (first === then) return;
  const e: Edge = { first, then, flags, source };
  set.edges.push(e);
  // Most actions (probes) never get an edge: they share one empty list until they do.
  if (first.before === NO_EDGES) first.before = [];
  if (then.after === NO_EDGES) then.after = [];
  first.before.push(e);
  then.after.push(e);
}

function defaultTimeout(r: SchedResource, task: string, interval: number): number | undefined {
  const op = r.ops.find((o) => o.name === task && o.interval === interval);
  return op?.timeout;
}

function primitiveActions(r: SchedResource, ws: WorkingSet, set: ActionSet): RscActions {
  const next = r.assigned;
  const quorum = quorumBlocksStarts(ws);
  let historyBlocked = false;
  r.history.forEach((h) => {
    if (h.blocked) historyBlocked = true;
  });
  const managed = r.managed && !r.blocked && !historyBlocked;
  const healthyOnNext = next !== null && r.history.get(next)?.active === true && !r.history.get(next)?.failed;
  const multiple = r.runningOn.filter((n) => !ws.nodeByName.get(n)?.unclean).length > 1;
  const start = newAction(set, {
    rsc: r,
    task: "start",
    node: next ?? undefined,
    interval: 0,
    pseudo: false,
    required: next !== null && (!healthyOnNext || multiple) && managed,
    // An unmanaged resource that already runs where it is "placed" does not block others.
    runnable: next !== null && (managed || healthyOnNext),
    timeout: defaultTimeout(r, "start", 0),
  });
  // Quorum: "stop" blocks every start (so running resources stop); "freeze" only
  // blocks starting what is not active anywhere. requires=nothing is exempt.
  const needsQuorum = (r.meta.requires ?? "quorum") !== "nothing";
  if (next !== null && quorum !== null && needsQuorum) {
    if (quorum === "stop" || r.runningOn.length === 0) {
      start.runnable = false;
      start.reason = quorum === "stop" ? "no quorum" : "quorum freeze";
    }
  }
  const stops = new Map<string, Action>();
  for (const n of r.runningOn) {
    const h = r.history.get(n);
    const node = ws.nodeByName.get(n);
    const stop = newAction(set, {
      rsc: r,
      task: "stop",
      node: n,
      interval: 0,
      pseudo: false,
      required: managed && (n !== next || h?.failed === true || multiple),
      runnable: managed,
      timeout: defaultTimeout(r, "stop", 0),
    });
    if (node && (node.unclean || (!node.online && !node.unclean))) {
      // A stop on a lost node happens when the node is fenced (or it is already down).
      stop.pseudo = true;
      stop.implied = true;
      if (!node.unclean) stop.runnable = true;
    }
    if (stop.required && !next)
      stop.reason = quorum === "stop" && needsQuorum ? "no quorum" : "node availability";
    stops.set(n, stop);
  }
  if (stops.size === 0)
    stops.set(
      "",
      newAction(set, { rsc: r, task: "stop", interval: 0, pseudo: true, required: false, runnable: true }),
    );
  let probeNodes = NO_PROBES;
  if (!r.orphan && !ws.options.maintenanceMode)
    for (let k = ws.nodes.length - 1; k >= 0; k--) {
      // (in reverse node order, as crm_simulate lists probes)
      const n = ws.nodes[k];
      if (!n.online || n.unclean || n.pending || n.shutdown) continue;
      if (r.history.has(n.uname) || n.maintenance) continue;
      if (r.parent?.kind === "clone" || r.parent?.parent?.kind === "clone") {
        // Anonymous clones are probed once per node (by the first instance without history there).
        if (!r.parent.kind || !cloneProbeHere(r, n.uname)) continue;
      }
      if (probeNodes === NO_PROBES) probeNodes = [];
      probeNodes.push(n.uname);
    }
  const firstProbeId = set.size;
  set.size += probeNodes.length;
  const monitors: Action[] = [];
  if (next !== null && managed)
    for (const op of r.ops) {
      if (op.name !== "monitor" || op.interval === 0 || !op.enabled) continue;
      if (op.role !== undefined && !/^(started)$/i.test(op.role)) continue;
      const recorded = r.history.get(next)?.recurring.has(op.interval) ?? false;
      const m = newAction(set, {
        rsc: r,
        task: "monitor",
        node: next,
        interval: op.interval,
        pseudo: false,
        required: start.required || !recorded,
        runnable: start.runnable,
        timeout: op.timeout,
      });
      monitors.push(m);
    }
  const acts: RscActions = { start, stops, probeNodes, firstProbeId, monitors };
  // A changed definition restarts the resource (or reloads it, when only reloadable parameters changed).
  const startOp = next !== null ? r.history.get(next)?.startOp : undefined;
  if (healthyOnNext && managed && startOp && !start.required) {
    const change = definitionChange(r, startOp, next!, ws);
    if (change === "restart") {
      start.required = true;
      start.reason = "resource definition change";
    } else if (change === "reload")
      acts.reload = newAction(set, {
        rsc: r,
        task: "reload-agent",
        node: next!,
        interval: 0,
        pseudo: false,
        required: true,
        runnable: true,
      });
  }
  // Resource-internal orderings: stop before start, start before its monitors, probes first.
  for (const s of stops.values()) order(set, s, start, 0, "stop before start");
  for (const m of monitors) order(set, start, m, IMPLIES_THEN | RUNNABLE_LEFT, "start before monitor");
  // Probes come before the resource's start and stops; the graph orders them
  // (graph.ts) without an edge object each: there are nodes x resources of them.
  return acts;
}

/** A primitive's probe actions (made on first use, see RscActions.probeNodes). */
export function probesOf(acts: RscActions): Action[] {
  if (acts.probeActions) return acts.probeActions;
  const r = acts.start.rsc!;
  const timeout = acts.probeNodes.length > 0 ? defaultTimeout(r, "monitor", 0) : undefined;
  acts.probeActions = acts.probeNodes.map(
    (node, i): Action => ({
      id: acts.firstProbeId + i,
      rsc: r,
      task: "monitor",
      node,
      interval: 0,
      pseudo: false,
      required: true,
      runnable: true,
      reason: undefined,
      timeout,
      anyRunnable: undefined,
      minRunnable: undefined,
      probe: true,
      implied: undefined,
      inhibited: undefined,
      before: NO_EDGES,
      after: NO_EDGES,
    }),
  );
  return acts.probeActions;
}

/** For a clone child: only the first instance without history on that node probes it. */
function cloneProbeHere(r: SchedResource, node: string): boolean {
  const inst = r.parent?.kind === "clone" ? r : r.parent!;
  const clone = inst.parent!;
  if (clone.unique) return true;
  // Already known on that node through another instance: no probe.
  for (const other of clone.children) {
    const p = other.kind === "group" ? other.children.find((c) => c.configId === r.configId) : other;
    if (p?.history.has(node)) return false;
  }
  // Probe with the instance that will run there, else the first idle instance.
  const target =
    clone.children.find((i) => i.assigned === node) ??
    clone.children.find((i) => i.assigned === null && i.runningOn.length === 0);
  return target === inst;
}

function pseudo(set: ActionSet, r: SchedResource, task: string): Action {
  return newAction(set, { rsc: r, task, interval: 0, pseudo: true, required: false, runnable: true });
}

function containerActions(r: SchedResource, ws: WorkingSet, set: ActionSet): RscActions {
  const kids = r.children.map((c) => createFor(c, ws, set));
  const startPseudo = pseudo(set, r, "start");
  const running = pseudo(set, r, "running");
  const stopPseudo = pseudo(set, r, "stop");
  const stopped = pseudo(set, r, "stopped");
  if (r.kind === "clone") running.anyRunnable = true;
  const acts: RscActions = {
    start: startPseudo,
    stops: new Map([["", stopPseudo]]),
    probeNodes: [],
    firstProbeId: 0,
    monitors: [],
    running,
    stopped,
    startPseudo,
    stopPseudo,
  };
  order(set, stopped, startPseudo, 0, `${r.id} stopped before start`);
  kids.forEach((k, i) => {
    const kStart = k.startPseudo ?? k.start;
    const kRunning = k.running ?? k.start;
    const kStop = k.stopPseudo ?? [...k.stops.values()];
    const kStopped = k.stopped ?? [...k.stops.values()];
    order(set, startPseudo, kStart, RUNNABLE_LEFT | IMPLIES_FIRST, `${r.id} start before member start`);
    const child = r.children[i];
    // A disabled group member does not hold up its group; clone instances always count.
    const counts = r.kind === "clone" || child.targetRole !== "stopped";
    order(
      set,
      kRunning,
      running,
      IMPLIES_THEN | (counts ? RUNNABLE_LEFT : 0),
      `member start before ${r.id} running`,
    );
    for (const s of Array.isArray(kStop) ? kStop : [kStop])
      order(set, stopPseudo, s, IMPLIES_FIRST, `${r.id} stop before member stop`);
    for (const s of Array.isArray(kStopped) ? kStopped : [kStopped])
      order(set, s, stopped, IMPLIES_THEN, `member stop before ${r.id} stopped`);
  });
  if (r.kind === "group") {
    // Members start in order and stop in reverse order.
    for (let i = 1; i < kids.length; i++) {
      const prev = kids[i - 1];
      const cur = kids[i];
      order(
        set,
        prev.running ?? prev.start,
        cur.startPseudo ?? cur.start,
        IMPLIES_THEN | RUNNABLE_LEFT,
        `group ${r.id} order`,
      );
      for (const s of cur.stopped ? [cur.stopped] : cur.stops.values())
        for (const p of prev.stopPseudo ? [prev.stopPseudo] : prev.stops.values())
          order(set, s, p, IMPLIES_FIRST | RUNNABLE_LEFT, `group ${r.id} order`);
    }
  } else if (r.kind === "clone" && r.ordered) {
    for (let i = 1; i < kids.length; i++)
      order(
        set,
        kids[i - 1].running ?? kids[i - 1].start,
        kids[i].startPseudo ?? kids[i].start,
        0,
        `clone ${r.id} ordered`,
      );
  }
  return acts;
}

function createFor(r: SchedResource, ws: WorkingSet, set: ActionSet): RscActions {
  const acts = r.kind === "primitive" ? primitiveActions(r, ws, set) : containerActions(r, ws, set);
  set.byRsc.set(r, acts);
  return acts;
}

/** Stage 5 entry point. */
export function createActions(ws: WorkingSet): ActionSet {
  const set: ActionSet = { all: [], size: 0, edges: [], byRsc: new Map(), fencing: [], shutdowns: [] };
  for (const r of ws.resources) createFor(r, ws, set);
  return set;
}
