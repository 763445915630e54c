// The data that CIB validation produces: findings (severity, stable code, the
// element and its id, our message, and Pacemaker's own wording for crm_verify),
// the collector both validation phases add to, and the vocabulary they share.

import type { ErrorCode } from "../core/errors.js";
import { ErrorCodes } from "../core/errors.js";
import type { XmlElement } from "../core/xml.js";

export type Severity = "error" | "warning" | "notice";

/** How Pacemaker 2.1.5's crm_verify words the same problem. */
export interface PacemakerWording {
  /**
   * relaxng/idref: printed as a libxml2 validity error; log: a "(fn) \tlevel: text"
   * log line; plain: a line printed as is.
   */
  form: "relaxng" | "idref" | "log" | "plain";
  /** Function name shown in the log line (form "log"). */
  fn?: string;
  /** Log level of the line (form "log"); decides how many -V are needed to see it. */
  level?: "error" | "warning" | "notice";
  text: string;
}

export interface Finding {
  /** "notice" findings are informational: they never make a CIB invalid. */
  severity: Severity;
  code: ErrorCode;
  /** Tag of the element the finding is about, and its id when it has one. */
  element: string;
  id?: string;
  /** One clear line: what is wrong and where. */
  message: string;
  pacemaker: PacemakerWording;
  /** Pacemaker's wording when schema validation is off (validate-with="none"). */
  unvalidated?: PacemakerWording;
  /** Only a finding that Pacemaker's own crm_verify would not report. */
  tandemOnly?: boolean;
  /** The element itself (not serialized: use the other fields for JSON). */
  node?: XmlElement;
}

// Agent classes Pacemaker 2.1 knows (resources-3.9.rng).

export const AGENT_CLASSES = [
  "ocf",
  "lsb",
  "heartbeat",
  "stonith",
  "upstart",
  "service",
  "systemd",
  "nagios",
];
export const ROLES = ["Stopped", "Started", "Promoted", "Unpromoted", "Master", "Slave"];
export const ACTIONS = ["start", "promote", "demote", "stop"];
export const ORDER_KINDS = ["Optional", "Mandatory", "Serialize"];
export const ON_FAIL = [
  "ignore",
  "block",
  "demote",
  "stop",
  "restart",
  "standby",
  "fence",
  "restart-container",
];
export const RESOURCE_TAGS = new Set(["primitive", "group", "clone", "master", "bundle", "template"]);
export const NVSET_TAGS = new Set([
  "meta_attributes",
  "instance_attributes",
  "utilization",
  "cluster_property_set",
]);
/** Elements whose `id` attribute is not of XML type ID (it does not have to be unique). */
export const NON_ID_TAGS = new Set(["node", "resource_ref", "obj_ref", "role", "acl_target", "acl_user"]);
// Legacy cluster property names that pacemaker-3.x schemas refuse (options-3.9.rng).
export const LEGACY_PROPERTIES = new Set([
  "cluster_recheck_interval",
  "dc_deadtime",
  "default-action-timeout",
  "default_action_timeout",
  "default-migration-threshold",
  "default_migration_threshold",
  "default-resource-failure-stickiness",
  "default_resource_failure_stickiness",
  "default-resource-stickiness",
  "default_resource_stickiness",
  "election_timeout",
  "expected-quorum-votes",
  "is-managed-default",
  "is_managed_default",
  "no_quorum_policy",
  "notification-agent",
  "notification-recipient",
  "remove_after_stop",
  "shutdown_escalation",
  "startup_fencing",
  "stonith_action",
  "stonith_enabled",
  "stop_orphan_actions",
  "stop_orphan_resources",
  "symmetric_cluster",
  "transition_idle_timeout",
]);

/** "primitive 'webserver'" or "op (without id) in primitive 'webserver'". */
export function describe(e: XmlElement, parent?: XmlElement): string {
  if (e.attrs.id !== undefined) return `${e.name} '${e.attrs.id}'`;
  if (!ID_BEARING.has(e.name)) return parent ? `<${e.name}> in ${describe(parent)}` : `<${e.name}>`;
  return parent ? `${e.name} (without id) in ${describe(parent)}` : `${e.name} (without id)`;
}
/** Elements that normally carry an id (others are sections and containers). */
const ID_BEARING = new Set([
  ...RESOURCE_TAGS,
  ...NVSET_TAGS,
  ...NON_ID_TAGS,
  "nvpair",
  "op",
  "rsc_location",
  "rsc_colocation",
  "rsc_order",
  "rsc_ticket",
  "resource_set",
  "rule",
  "expression",
  "date_expression",
  "rsc_expression",
  "op_expression",
  "node_state",
  "tag",
  "fencing-level",
  "alert",
  "recipient",
]);

/** Collects findings; shared by both phases. */
export class Findings {
  readonly list: Finding[] = [];
  add(
    severity: Severity,
    code: ErrorCode,
    e: XmlElement,
    message: string,
    pacemaker: PacemakerWording,
    tandemOnly = false,
  ): Finding {
    const f: Finding = { severity, code, element: e.name, message, pacemaker, node: e };
    if (e.attrs.id !== undefined) f.id = e.attrs.id;
    if (tandemOnly) f.tandemOnly = true;
    this.list.push(f);
    return f;
  }
  /** A structural (schema) error with libxml2's Relax-NG wording. */
  schema(e: XmlElement, message: string, rng: string, code: ErrorCode = ErrorCodes.CIB_INVALID): Finding {
    return this.add("error", code, e, message, { form: "relaxng", text: rng });
  }
  get hasErrors(): boolean {
    return this.list.some((f) => f.severity === "error");
  }
}
