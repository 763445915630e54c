// The typed model of a Pacemaker CIB (configuration + status) that the rest of
// tandem uses. XML lives only at the edges (src/core/xml.ts); every model object
// keeps a reference to its source element (`xml`) so that parts the model does
// not understand survive a round trip untouched.
//
// Attribute sets are kept unevaluated (with their rules): which values apply
// depends on the node and the time, and is decided by src/cib/rules.ts.

import type { XmlElement } from "../core/xml.js";

/** CIB version triple: admin_epoch.epoch.num_updates. */
export interface CibVersion {
  adminEpoch: number;
  epoch: number;
  numUpdates: number;
}

export interface NvPair {
  id: string;
  name: string;
  /** Missing when the pair only names an attribute (e.g. unset). */
  value?: string;
  /** id-ref to another nvpair (resolved by unpack into name/value when possible). */
  idRef?: string;
}

/** meta_attributes / instance_attributes / utilization / cluster_property_set ... */
export interface NvSet {
  id: string;
  /** When the set is an id-ref to another set, its pairs are copied in at unpack time. */
  idRef?: string;
  /** Precedence among sets: higher first (default 0; crm_config "cib-bootstrap-options" wins ties). */
  score: number;
  rule?: Rule;
  pairs: NvPair[];
  xml: XmlElement;
}

export type BooleanOp = "and" | "or";

export interface Rule {
  id: string;
  /** Score given by the rule (location constraints); undefined when absent. */
  score?: number;
  /** Node attribute whose value is the score (score-attribute). */
  scoreAttribute?: string;
  booleanOp: BooleanOp;
  /** Role the rule applies to (location constraints on promotable clones). */
  role?: string;
  expressions: RuleCondition[];
  /** id-ref rule: the referenced rule's content is copied in at unpack time. */
  idRef?: string;
}

export type ExpressionOp = "lt" | "gt" | "lte" | "gte" | "eq" | "ne" | "defined" | "not_defined";
export type ExpressionType = "string" | "integer" | "number" | "version";

export interface AttrExpression {
  kind: "expression";
  id: string;
  attribute: string;
  operation: ExpressionOp;
  value?: string;
  /** Declared comparison type; undefined means "auto" (Pacemaker decides from the values). */
  type?: ExpressionType | string;
  valueSource?: "literal" | "param" | "meta";
}
export interface DateExpression {
  kind: "date";
  id: string;
  operation: "in_range" | "gt" | "lt" | "date_spec";
  start?: string;
  end?: string;
  xml: XmlElement;
}
export interface RscExpression {
  kind: "rsc";
  id: string;
  class?: string;
  provider?: string;
  type?: string;
}
export interface OpExpression {
  kind: "op";
  id: string;
  name: string;
  interval?: number;
}
export type RuleCondition = AttrExpression | DateExpression | RscExpression | OpExpression | NestedRule;
export interface NestedRule {
  kind: "rule";
  rule: Rule;
}

// ---------------------------------------------------------------- nodes

export interface CibNode {
  id: string;
  uname: string;
  /** "member" (default), "remote", "ping"... */
  type: string;
  /** Permanent node attributes (instance_attributes), e.g. standby. */
  attributes: NvSet[];
  utilization: NvSet[];
  /** Node score (a base score added to every resource's score on this node; rarely used). */
  score?: number;
  xml: XmlElement;
}

// ---------------------------------------------------------------- resources

export interface Operation {
  id: string;
  name: string;
  /** Interval in milliseconds (0 for one-shot operations). */
  interval: number;
  /** Timeout in milliseconds, when set on the op itself. */
  timeout?: number;
  role?: string;
  enabled: boolean;
  onFail?: string;
  /** Other attributes of <op> (start-delay, record-pending, requires ...). */
  attrs: Record<string, string>;
  meta: NvSet[];
  instance: NvSet[];
  xml: XmlElement;
}

interface ResourceBase {
  id: string;
  meta: NvSet[];
  instance: NvSet[];
  utilization: NvSet[];
  xml: XmlElement;
}

export interface Primitive extends ResourceBase {
  kind: "primitive";
  /** Agent standard: ocf, lsb, service, systemd, stonith... (from the template when referenced). */
  class: string;
  provider?: string;
  type: string;
  /** <template> id this primitive is built from, if any. */
  template?: string;
  operations: Operation[];
}

export interface Group extends ResourceBase {
  kind: "group";
  children: Primitive[];
}

export interface Clone extends ResourceBase {
  kind: "clone";
  /** <master> element, or promotable=true meta attribute. */
  promotable: boolean;
  /** The element name it came from: "clone" or "master". */
  tag: "clone" | "master";
  child: Primitive | Group;
}

/** Bundles are kept (not scheduled yet): enough to list and round-trip them. */
export interface Bundle extends ResourceBase {
  kind: "bundle";
  child?: Primitive;
}

export type Resource = Primitive | Group | Clone | Bundle;

export interface Template {
  id: string;
  class: string;
  provider?: string;
  type: string;
  operations: Operation[];
  meta: NvSet[];
  instance: NvSet[];
  utilization: NvSet[];
  xml: XmlElement;
}

// ---------------------------------------------------------------- constraints

export interface ResourceSet {
  id: string;
  resources: string[];
  sequential: boolean;
  requireAll: boolean;
  ordering?: string;
  action?: string;
  role?: string;
  score?: number;
  kind?: string;
  xml: XmlElement;
}

export interface LocationConstraint {
  id: string;
  rsc?: string;
  rscPattern?: string;
  node?: string;
  score?: number;
  role?: string;
  resourceDiscovery?: string;
  rules: Rule[];
  sets: ResourceSet[];
  xml: XmlElement;
}

export interface ColocationConstraint {
  id: string;
  rsc?: string;
  withRsc?: string;
  score: number;
  rscRole?: string;
  withRscRole?: string;
  nodeAttribute?: string;
  /** influence meta (default true). */
  influence?: boolean;
  sets: ResourceSet[];
  xml: XmlElement;
}

export type OrderKind = "Mandatory" | "Optional" | "Serialize";

export interface OrderConstraint {
  id: string;
  /** first / then resources (renamed: a `then` property makes objects thenable). */
  firstRsc?: string;
  thenRsc?: string;
  firstAction: string;
  thenAction: string;
  kind: OrderKind;
  /** Explicit symmetrical attribute, if present. */
  symmetrical?: boolean;
  /** Deprecated score form (0 = Optional, >0 = Mandatory). */
  score?: number;
  requireAll?: boolean;
  sets: ResourceSet[];
  xml: XmlElement;
}

export interface TicketConstraint {
  id: string;
  rsc?: string;
  rscRole?: string;
  ticket: string;
  lossPolicy?: string;
  sets: ResourceSet[];
  xml: XmlElement;
}

export interface Constraints {
  locations: LocationConstraint[];
  colocations: ColocationConstraint[];
  orders: OrderConstraint[];
  tickets: TicketConstraint[];
}

export interface FencingLevel {
  id: string;
  index: number;
  target?: string;
  targetPattern?: string;
  targetAttribute?: string;
  targetValue?: string;
  devices: string[];
  xml: XmlElement;
}

export interface Tag {
  id: string;
  refs: string[];
  xml: XmlElement;
}

export interface Alert {
  id: string;
  path: string;
  recipients: { id: string; value: string }[];
  meta: NvSet[];
  instance: NvSet[];
  xml: XmlElement;
}

// ---------------------------------------------------------------- status

/** One recorded operation (lrm_rsc_op) in a resource's history on a node. */
export interface LrmOp {
  id: string;
  operation: string;
  /** Interval in ms. */
  interval: number;
  callId: number;
  rcCode: number;
  /** Execution status: 0 done, -1 pending, 1 cancelled, 2 timeout, 4 error, ... */
  opStatus: number;
  /** Expected rc from the transition key (action:transition:target_rc:uuid); 0 when unknown. */
  targetRc: number;
  transitionKey?: string;
  transitionMagic?: string;
  lastRcChange?: number;
  lastRun?: number;
  opDigest?: string;
  /** Attributes of the <lrm_rsc_op> element (for round-trips and less common fields). */
  attrs: Record<string, string>;
  xml: XmlElement;
}

export interface LrmResource {
  id: string;
  class?: string;
  provider?: string;
  type?: string;
  container?: string;
  ops: LrmOp[];
  xml: XmlElement;
}

export interface NodeState {
  id: string;
  uname?: string;
  /** in_ccm: "true"/"false" or a timestamp (Pacemaker 2.1.7+ form). */
  inCcm?: string;
  /** crmd: "online"/"offline" or a timestamp. */
  crmd?: string;
  join?: string;
  expected?: string;
  /** Transient node attributes (flattened, later sets win). */
  transient: Record<string, string>;
  /** Whether the node_state carries an <lrm> section at all. */
  hasLrm: boolean;
  lrm: LrmResource[];
  xml: XmlElement;
}

// ---------------------------------------------------------------- the whole CIB

export interface Cib {
  version: CibVersion;
  /** Root attributes (have-quorum, dc-uuid, validate-with, ...). */
  attrs: Record<string, string>;
  haveQuorum: boolean;
  dcUuid?: string;
  crmConfig: NvSet[];
  nodes: CibNode[];
  /** Top-level resources in document order. */
  resources: Resource[];
  templates: Template[];
  rscDefaults: NvSet[];
  opDefaults: NvSet[];
  constraints: Constraints;
  fencingTopology: FencingLevel[];
  tags: Tag[];
  alerts: Alert[];
  status: NodeState[];
  /** The whole source document. */
  xml: XmlElement;
}

/** Every primitive of a resource tree (the resource itself when primitive). */
export function primitivesOf(r: Resource): Primitive[] {
  switch (r.kind) {
    case "primitive":
      return [r];
    case "group":
      return r.children;
    case "clone":
      return r.child.kind === "primitive" ? [r.child] : r.child.children;
    case "bundle":
      return r.child ? [r.child] : [];
  }
}

/** Agent spec as Pacemaker prints it: class:provider:type or class:type. */
export function agentName(p: { class: string; provider?: string; type: string }): string {
  return p.provider ? `${p.class}:${p.provider}:${p.type}` : `${p.class}:${p.type}`;
}
