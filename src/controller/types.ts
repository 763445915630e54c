// What the controller consumes and produces: the transition graph it executes
// (the scheduler's output, adapted), the executor requests and results it
// exchanges with the node's executor (the field names of src/executor/types.ts,
// so the real executor's values fit structurally), the messages controllers
// send each other through the process group, and its events and effects.

import type { XmlElement } from "../core/xml.js";
import type { CibOperation } from "../cib/store.js";

/** A resource agent as the executor takes it. */
export interface AgentRef {
  class: string;
  provider?: string;
  type: string;
}

/** One action of a transition graph. */
export interface GraphAction {
  id: number;
  /** rsc: an agent action on a node; fence: fence a node; pseudo: ordering point only. */
  kind: "rsc" | "fence" | "pseudo";
  /** start, stop, monitor, promote, demote, ... ; fence: "reboot" or "off"; pseudo: any label. */
  task: string;
  /** Node name (uname) the action runs on (rsc) or targets (fence). */
  node?: string;
  rsc?: {
    id: string;
    agent: AgentRef;
    params: Record<string, string>;
    meta?: Record<string, string>;
    /** op-digest to record with the result (the scheduler's own digest of these parameters). */
    digest?: string;
  };
  intervalMs: number;
  timeoutMs: number;
  /** rc that counts as success: 0, or 7 for a probe expected to find the resource stopped. */
  targetRc?: number;
  /** Ids of the actions that must complete first. */
  deps: number[];
}

export interface TransitionGraph {
  actions: GraphAction[];
  /** When a rule of the configuration next changes its value (ms since the epoch): recheck then. */
  recheckAtMs?: number;
}

/**
 * The scheduler as the controller sees it: a pure function of the CIB (config +
 * status) and the time. The daemon passes an adapter around src/scheduler.
 */
export type SchedulerFn = (cib: XmlElement, nowMs: number) => TransitionGraph;

export interface ExecRequest {
  rscId: string;
  agent: AgentRef;
  action: string;
  intervalMs: number;
  timeoutMs: number;
  params: Record<string, string>;
  meta?: Record<string, string>;
  /** The transition key "action:transition:target-rc:dc" (echoed back in results). */
  userData?: string;
}

/** The fields of an executor result the controller records as lrm_rsc_op. */
export interface ExecResult {
  callId: number;
  rscId: string;
  agent: AgentRef;
  action: string;
  intervalMs: number;
  rc: number;
  status: number;
  exitReason: string;
  execTimeMs: number;
  queueTimeMs: number;
  lastRun: number;
  lastRcChange: number;
  opDigest: string;
  recurring: boolean;
  changed: boolean;
  userData?: string;
}

/**
 * Controller-to-controller messages, sent through the process group in total order.
 * The DC's commands carry the configuration (`round`: ring and members, see
 * Controller.round) they were planned in; a node obeys them only in that configuration.
 */
export type ControllerMessage =
  /** DC -> node: run this action. */
  | { t: "exec"; node: number; key: string; req: ExecRequest; digest?: string; round: string }
  /** DC -> node: stop recurring operations of a resource (before a stop or after cleanup). */
  | { t: "cancel"; node: number; rscId: string; round: string }
  /** Cleanup: the node forgets a resource's history (all history without rscId) so it is probed again. */
  | { t: "forget"; node: number; rscId?: string }
  /** DC -> shutting-down node: its resources are gone, it may leave. */
  | { t: "shutdown-ok"; node: number; round: string };

export type ControllerEvent =
  /**
   * A new configuration: its members and the ring it belongs to (the same at every member; a
   * new ring is a new configuration even with the same members).
   */
  | { type: "membership"; members: number[]; ring: string; quorate: boolean; now: number }
  /** Quorum changed without a membership change. */
  | { type: "quorum"; quorate: boolean; now: number }
  /** The local CIB copy changed (origin: node that made the change, when known). */
  | { type: "cib"; cib: XmlElement; op?: CibOperation; origin?: number; configChanged: boolean; now: number }
  | { type: "deliver"; from: number; msg: ControllerMessage; now: number }
  | { type: "exec-result"; result: ExecResult; now: number }
  | { type: "fence-result"; target: string; ok: boolean; reason: string; now: number }
  /** The fencer announced a fencing result (any node's, manual or not). */
  | { type: "fence-notify"; target: string; action: string; ok: boolean; now: number }
  | { type: "timer"; name: string; now: number }
  /** Leave the cluster gracefully: move resources away first. */
  | { type: "shutdown"; now: number };

export type ControllerEffect =
  | { type: "cib"; op: CibOperation }
  | { type: "send"; msg: ControllerMessage }
  | { type: "exec"; req: ExecRequest }
  | { type: "cancel"; rscId: string }
  | { type: "fence"; target: string; action: string; key: string }
  | { type: "set-timer"; name: string; ms: number }
  | { type: "cancel-timer"; name: string }
  | { type: "log"; level: "debug" | "info" | "notice" | "warning" | "error" | "crit"; msg: string }
  /** Graceful shutdown may proceed: nothing runs here any more. */
  | { type: "shutdown-ready" };

/** "action:transition:target-rc:dc", Pacemaker's transition-key layout. */
export function transitionKey(action: number, transition: number, targetRc: number, dc: string): string {
  return `${action}:${transition}:${targetRc}:${dc}`;
}

export function parseTransitionKey(
  key: string | undefined,
): { action: number; transition: number; targetRc: number; dc: string } | undefined {
  if (!key) return undefined;
  const m = /^(\d+):(\d+):(\d+):(.+)$/.exec(key);
  if (!m) return undefined;
  return { action: Number(m[1]), transition: Number(m[2]), targetRc: Number(m[3]), dc: m[4] };
}
