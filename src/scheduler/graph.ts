// Stage 8: the transition graph. Keeps the actions the transition must run
// (required and runnable) with the ordering edges between them, in an
// execution order (waves of actions whose predecessors are done). Also writes
// the graph as Pacemaker-like transition XML (-G) and as graphviz (-D).

import { el, serializeXml, type XmlElement } from "../core/xml.js";
import { type Action, type ActionSet, probesOf } from "./actions.js";

export interface GraphAction {
  id: number;
  action: Action;
  /** Pacemaker-style key: rsc_task_interval (pseudo: rsc_task_0). */
  key: string;
  /** Ids of graph actions that must complete first. */
  inputs: number[];
}

export interface TransitionGraph {
  actions: GraphAction[];
  /** Indexes into `actions` in the order a simulated run executes them. */
  order: number[];
}

export function actionKey(a: Action): string {
  if (a.task === "stonith") return `stonith-${a.node}-${a.reason ?? ""}`;
  if (!a.rsc) return a.task;
  return `${a.rsc.id}_${a.task}_${a.interval}`;
}

function included(a: Action): boolean {
  if (!a.required || !a.runnable) return false;
  if (a.rsc && a.rsc.kind === "primitive" && !a.pseudo && a.node === undefined) return false;
  if (a.rsc && a.rsc.kind === "primitive" && a.pseudo && !a.implied) return false;
  if (!a.rsc && a.task.startsWith("one-or-more")) return false;
  return true;
}

export function buildGraph(set: ActionSet): TransitionGraph {
  // Action ids are dense, so plain typed arrays stand in for maps (10^5 actions on big clusters).
  const gidOf = new Int32Array(set.size).fill(-1);
  // All actions in id order: the probes (made here, see RscActions.probes) between the others.
  const byId: (Action | undefined)[] = new Array(set.size);
  for (const a of set.all) byId[a.id] = a;
  for (const acts of set.byRsc.values()) for (const p of probesOf(acts)) byId[p.id] = p;
  const actions: GraphAction[] = [];
  for (const a of byId) {
    if (!a || !included(a)) continue;
    gidOf[a.id] = actions.length;
    actions.push({ id: actions.length, action: a, key: actionKey(a), inputs: [] });
  }
  const NONE: number[] = [];
  // Edges through actions left out of the graph still order what is in it.
  const inputsOf = (a: Action, self: number): number[] => {
    let probeInputs: number[] = NONE;
    // A resource's probes come before its start and stops (implicit edges).
    if (a.rsc?.kind === "primitive" && (a.task === "start" || a.task === "stop")) {
      const acts = set.byRsc.get(a.rsc);
      const probes = acts ? probesOf(acts) : undefined;
      if (probes && probes.length > 0) {
        probeInputs = [];
        for (const p of probes) if (gidOf[p.id] >= 0) probeInputs.push(gidOf[p.id]);
      }
    }
    if (a.after.length === 0) return probeInputs;
    const out = new Set<number>(probeInputs);
    const seen = new Set<Action>();
    const stack = a.after.map((e) => e.first);
    while (stack.length > 0) {
      const f = stack.pop()!;
      if (seen.has(f)) continue;
      seen.add(f);
      const id = gidOf[f.id];
      if (id >= 0) {
        if (id !== self) out.add(id);
      } else if (f.pseudo || !f.runnable || !f.required) for (const e of f.after) stack.push(e.first);
    }
    return [...out];
  };
  for (const g of actions) g.inputs = inputsOf(g.action, g.id);
  // Waves: an action runs one wave after its latest input (Kahn's algorithm
  // by levels); within a wave, in id order.
  const n = actions.length;
  const level = new Int32Array(n).fill(-1);
  const pending = new Int32Array(n);
  const outs: (number[] | undefined)[] = new Array(n);
  let frontier: number[] = [];
  for (const g of actions) {
    pending[g.id] = g.inputs.length;
    for (const i of g.inputs) {
      const o = outs[i];
      if (o) o.push(g.id);
      else outs[i] = [g.id];
    }
    if (g.inputs.length === 0) {
      level[g.id] = 0;
      frontier.push(g.id);
    }
  }
  while (frontier.length > 0) {
    const next: number[] = [];
    for (const id of frontier) {
      const o = outs[id];
      if (!o) continue;
      for (const x of o) {
        if (level[id] + 1 > level[x]) level[x] = level[id] + 1;
        if (--pending[x] === 0) next.push(x);
      }
    }
    frontier = next;
  }
  // Actions caught in an ordering loop run last rather than never.
  let maxLevel = 0;
  for (const l of level) if (l > maxLevel) maxLevel = l;
  const buckets: number[][] = Array.from({ length: maxLevel + 2 }, () => []);
  for (let id = 0; id < n; id++) buckets[level[id] < 0 ? maxLevel + 1 : level[id]].push(id);
  // Within a wave, as crm_simulate prints them: entry pseudo actions, then
  // resource actions, recurring monitors, and completion pseudo actions last.
  const rank = (id: number) => {
    const a = actions[id].action;
    if (a.pseudo && a.rsc && a.rsc.kind !== "primitive")
      return a.task === "start" || a.task === "stop" ? 0 : 3;
    if (a.task === "monitor" && a.interval > 0) return 2;
    return 1;
  };
  const order: number[] = [];
  for (const b of buckets) for (let r = 0; r < 4; r++) for (const id of b) if (rank(id) === r) order.push(id);
  return { actions, order };
}

/** One line of "Executing Cluster Transition:" for an action. */
export function executionLine(a: Action, key: string): string {
  if (a.task === "stonith") return `  * Fencing ${a.node} (${a.reason === undefined ? "reboot" : "reboot"})`;
  if (a.task === "do_shutdown") return `  * Cluster action:  do_shutdown on ${a.node}`;
  if (a.pseudo || !a.node) return `  * Pseudo action:   ${key}`;
  const task = a.task === "monitor" && a.interval > 0 ? `monitor=${a.interval}` : a.task;
  return `  * Resource action: ${(a.rsc?.id ?? "").padEnd(15)} ${task} on ${a.node}`;
}

/** The graph as transition XML (a simplified form of Pacemaker's -G output). */
export function graphXml(g: TransitionGraph): string {
  const root: XmlElement = el("transition_graph", {
    "cluster-delay": "60s",
    "batch-limit": "0",
    transition_id: "0",
  });
  g.actions.forEach((ga) => {
    const a = ga.action;
    const tag =
      a.task === "stonith" || a.task === "do_shutdown" ? "crm_event" : a.pseudo ? "pseudo_event" : "rsc_op";
    const attrs: Record<string, string> = {
      id: String(ga.id),
      operation: a.task === "stonith" ? "stonith" : a.task,
      operation_key: ga.key,
    };
    if (a.node) attrs.on_node = a.node;
    const action = el(tag, attrs);
    if (a.rsc && tag === "rsc_op") {
      const p = a.rsc;
      const prim: Record<string, string> = { id: p.id };
      if (p.agent) {
        prim.class = p.agent.class;
        if (p.agent.provider) prim.provider = p.agent.provider;
        prim.type = p.agent.type;
      }
      action.children.push(el("primitive", prim));
    }
    const ta: Record<string, string> = {};
    if (a.interval) ta.CRM_meta_interval = String(a.interval);
    if (a.timeout !== undefined) ta.CRM_meta_timeout = String(a.timeout);
    action.children.push(el("attributes", ta));
    const synapse = el("synapse", { id: String(ga.id) }, [el("action_set", {}, [action])]);
    const inputs = el(
      "inputs",
      {},
      ga.inputs.map((i) =>
        el("trigger", {}, [
          el(g.actions[i].action.pseudo ? "pseudo_event" : "rsc_op", {
            id: String(i),
            operation_key: g.actions[i].key,
          }),
        ]),
      ),
    );
    synapse.children.push(inputs);
    root.children.push(synapse);
  });
  return serializeXml(root);
}

/** The graph in graphviz form, as crm_simulate -D writes it. */
export function graphDot(g: TransitionGraph): string {
  const label = (ga: GraphAction) => (ga.action.node ? `${ga.key} ${ga.action.node}` : ga.key);
  const lines = [' digraph "g" {'];
  for (const ga of g.actions) {
    const style = ga.action.pseudo
      ? 'style=bold color="green" fontcolor="orange"'
      : 'style=bold color="green" fontcolor="black"';
    lines.push(`"${label(ga)}" [ ${style}]`);
  }
  for (const ga of g.actions)
    for (const i of ga.inputs) lines.push(`"${label(g.actions[i])}" -> "${label(ga)}" [ style = bold]`);
  lines.push("}");
  return `${lines.join("\n")}\n`;
}
