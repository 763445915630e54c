// The scheduler (policy engine): a pure function from a CIB to a transition.
// The pipeline mirrors Pacemaker's: unpack status -> node criteria -> scores
// -> assignment -> resource actions -> fencing/shutdown -> orderings -> graph.

import type { Cib } from "../cib/model.js";
import { type ActionSet, createActions } from "./actions.js";
import { assignResources } from "./assign.js";
import type { ColocationIndex } from "./colocation.js";
import { markFailureFencing, scheduleFencing } from "./fencing.js";
import { buildGraph, type TransitionGraph } from "./graph.js";
import { applyNodeCriteria } from "./node-criteria.js";
import { applyOrderConstraints, propagate } from "./orderings.js";
import { computeScores } from "./scores.js";
import { type SummaryItem, summarize } from "./summary.js";
import { type ScheduleInput, unpackStatus } from "./unpack-status.js";
import type { WorkingSet } from "./working-set.js";

export interface Transition {
  ws: WorkingSet;
  actions: ActionSet;
  graph: TransitionGraph;
  summary: SummaryItem[];
  colocations: ColocationIndex;
}

/** Runs the whole pipeline. `input.now` (seconds) defaults to the CIB's execution-date. */
export function schedule(cib: Cib, input: ScheduleInput = {}): Transition {
  const ws = unpackStatus(cib, input);
  markFailureFencing(ws);
  applyNodeCriteria(ws);
  computeScores(ws);
  const colocations = assignResources(ws);
  const actions = createActions(ws);
  scheduleFencing(ws, actions);
  applyOrderConstraints(ws, actions);
  propagate(ws, actions);
  const summary = summarize(ws, actions);
  // The graph is built when first asked for (crm_simulate -R only needs the summary).
  let graph: TransitionGraph | undefined;
  return {
    ws,
    actions,
    get graph() {
      graph ??= buildGraph(actions);
      return graph;
    },
    summary,
    colocations,
  };
}

/** Only the status side (for rendering a cluster's state without scheduling). */
export function unpackOnly(cib: Cib, input: ScheduleInput = {}): WorkingSet {
  const ws = unpackStatus(cib, input);
  markFailureFencing(ws);
  applyNodeCriteria(ws);
  return ws;
}

export type { ScheduleInput } from "./unpack-status.js";
export type { WorkingSet } from "./working-set.js";
