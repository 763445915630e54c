// The scheduler's working data: what every stage reads and fills in.
// Built from the CIB model by unpack-status.ts; each later stage adds its part
// (scores, assignment, actions, orderings). Plain data, no methods, so every
// stage stays a visible function from one shape to the next.

import type { Cib, LrmOp, Operation, Resource } from "../cib/model.js";

export interface SchedNode {
  id: string;
  uname: string;
  /** Position in the CIB's node list (ties are broken by it). */
  index: number;
  online: boolean;
  unclean: boolean;
  pending: boolean;
  standby: boolean;
  maintenance: boolean;
  shutdown: boolean;
  /** Node has a node_state entry. */
  hasState: boolean;
  /** Why the node must be fenced (when unclean or a failure demands it). */
  fenceReason?: string;
  /** Node attributes visible to rules: permanent, transient and built-ins (#uname, #id, #is_dc ...). */
  attrs: Record<string, string>;
  isDc: boolean;
  /** Resources assigned here during this run (tie-breaker for balancing). */
  assignedCount: number;
  /** Set by node-criteria: resources may be placed here. */
  canRun: boolean;
  /** Why resources may not be placed here (offline, standby ...). */
  unavailableReason?: string;
}

/** One step of a score's history: who added what. */
export interface ScorePart {
  source: string;
  value: number;
}

export interface NodeScore {
  score: number;
  parts: ScorePart[];
}

/** A resource's state on one node, derived from its operation history there. */
export interface NodeHistory {
  node: string;
  /** The resource was active there (started, or a failure left it possibly running). */
  active: boolean;
  /** A failure is recorded (and not expired). */
  failed: boolean;
  /** The failure cannot be recovered by the resource manager (failed stop without fencing). */
  blocked: boolean;
  /** The state is known (probed, or any op recorded). */
  known: boolean;
  /** Probe answered "not installed". */
  notInstalled: boolean;
  /** An operation is still in flight. */
  pending?: LrmOp;
  failCount: number;
  lastFailure: number;
  /** Recurring monitors recorded as active (interval -> op). */
  recurring: Map<number, LrmOp>;
  /** The operation whose failure is current (for on-fail handling). */
  failedOp?: LrmOp;
  /** The failure demands fencing the node. */
  fence?: boolean;
  /** The failure keeps the resource stopped (on-fail=stop). */
  stopOnFail?: boolean;
  /** The failure puts the node in standby (on-fail=standby). */
  standbyNode?: boolean;
  lastOp?: LrmOp;
  /** Status entry ids (lrm_resource) this history was read from. */
  lrmIds?: string[];
  /** The successful start the resource is running from (for definition digests). */
  startOp?: LrmOp;
}

export type ResourceKind = "primitive" | "group" | "clone";

export interface SchedResource {
  /** Id as printed (clone instances carry ":N"). */
  id: string;
  /** Id in the configuration (for instances: the child's configured id). */
  configId: string;
  kind: ResourceKind;
  def?: Resource;
  parent?: SchedResource;
  children: SchedResource[];
  /** Resolved meta attributes (own, then parents', then rsc_defaults). */
  meta: Record<string, string>;
  /** Primitive: agent and operations. */
  agent?: { class: string; provider?: string; type: string };
  ops: Operation[];
  priority: number;
  stickiness: number;
  migrationThreshold: number;
  failureTimeout: number;
  targetRole: string;
  managed: boolean;
  isStonith: boolean;
  orphan: boolean;
  /** Clone meta. */
  cloneMax?: number;
  cloneNodeMax?: number;
  unique?: boolean;
  interleave?: boolean;
  ordered?: boolean;
  /** Per node history (primitives). */
  history: Map<string, NodeHistory>;
  /** Nodes where the resource is active now, in CIB node order. */
  runningOn: string[];
  /** Score per node uname, with contributions. */
  scores: Map<string, NodeScore>;
  /** Final allocation scores (base + colocation + availability), set by assignment. */
  allocation?: Map<string, NodeScore>;
  /** The table being built while the resource is placed (its primaries first). */
  working?: Map<string, NodeScore>;
  /** Assignment result: a node uname, or null when it cannot run anywhere. */
  assigned: string | null;
  /** Set once assignment handled it (cycle guard). */
  assignState: "none" | "busy" | "done";
  /** How a tie between equally scored nodes was broken (for explain). */
  tieBreak?: string;
  /** Why it is not running (for explain and summaries). */
  stopReason?: string;
  /** Must stop everywhere for this reason (multiple-active=stop_only ...). */
  forceStop?: string;
  /** Primitive blocked from any action (unmanaged or failed stop without fencing). */
  blocked: boolean;
}

export interface Options {
  stonithEnabled: boolean;
  symmetricCluster: boolean;
  noQuorumPolicy: string;
  stopOrphanResources: boolean;
  startFailureIsFatal: boolean;
  maintenanceMode: boolean;
  startupFencing: boolean;
  stonithAction: string;
  haveQuorum: boolean;
  /** Seconds since the epoch ("now" for failure-timeout and date rules). */
  now: number;
  defaultStickiness: number;
}

export interface WorkingSet {
  cib: Cib;
  options: Options;
  nodes: SchedNode[];
  nodeByName: Map<string, SchedNode>;
  /** Top-level resources in configuration order (orphans appended). */
  resources: SchedResource[];
  /** Every resource, including group members and clone instances, by printed id. */
  byId: Map<string, SchedResource>;
  /** Every primitive in configuration order. */
  primitives: SchedResource[];
  /** A stonith resource is configured. */
  haveStonith: boolean;
  /** rsc_defaults meta attributes, resolved once (see buildResource). */
  rscDefaultsMeta?: Record<string, string>;
  /** When set, assignment appends "RESOURCE NODE" lines in the order it places resources (diagnostics). */
  assignLog?: string[];
  /** Notes collected on the way (shown by crm_simulate as warnings). */
  warnings: string[];
}

export function topParent(r: SchedResource): SchedResource {
  let t = r;
  while (t.parent) t = t.parent;
  return t;
}
