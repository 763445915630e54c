// Validation of a CIB document before anything uses it. Works on the XML tree
// (src/core/xml.ts) so that it can judge documents the typed model would
// refuse to build, and returns findings as data (crm_verify, pcs and the daemon
// all render them their own way).
//
// Two phases, as in Pacemaker: first the structure that Pacemaker's Relax-NG
// schema (pacemaker-3.x) enforces (required elements and attributes, nesting,
// value types, unique ids, id references), then -- only when the structure is
// sound -- the configuration checks the scheduler makes when it unpacks the CIB
// (src/cib/validate-config.ts). Every finding names the element (tag + id) and
// the reason, and also carries Pacemaker's own wording for crm_verify.

import { parseDurationMs } from "../core/duration.js";
import { type ErrorCode, ErrorCodes, TandemError } from "../core/errors.js";
import { parseScore } from "../core/score.js";
import { elements, type XmlElement } from "../core/xml.js";
import { checkConfiguration } from "./validate-config.js";

export type Severity = "error" | "warning" | "notice";

/** How Pacemaker 2.1.5's crm_verify words the same problem. */
export interface PacemakerWording {
  /** relaxng/idref: printed as a libxml2 validity error; log: a "(fn) \tlevel: text" log line. */
  form: "relaxng" | "idref" | "log";
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
const ACTIONS = ["start", "promote", "demote", "stop"];
const ORDER_KINDS = ["Optional", "Mandatory", "Serialize"];
const ON_FAIL = ["ignore", "block", "demote", "stop", "restart", "standby", "fence", "restart-container"];
const RESOURCE_TAGS = new Set(["primitive", "group", "clone", "master", "bundle", "template"]);
const NVSET_TAGS = new Set(["meta_attributes", "instance_attributes", "utilization", "cluster_property_set"]);
/** Elements whose `id` attribute is not of XML type ID (it does not have to be unique). */
const NON_ID_TAGS = new Set(["node", "resource_ref", "obj_ref", "role", "acl_target", "acl_user"]);
// Legacy cluster property names that pacemaker-3.x schemas refuse (options-3.9.rng).
const LEGACY_PROPERTIES = new Set([
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
  ): void {
    const f: Finding = { severity, code, element: e.name, message, pacemaker, node: e };
    if (e.attrs.id !== undefined) f.id = e.attrs.id;
    if (tandemOnly) f.tandemOnly = true;
    this.list.push(f);
  }
  /** A structural (schema) error with libxml2's Relax-NG wording. */
  schema(e: XmlElement, message: string, rng: string, code: ErrorCode = ErrorCodes.CIB_INVALID): void {
    this.add("error", code, e, message, { form: "relaxng", text: rng });
  }
  get hasErrors(): boolean {
    return this.list.some((f) => f.severity === "error");
  }
}

interface Ctx {
  f: Findings;
  /** id -> first element declaring it (global id space of the configuration). */
  ids: Map<string, XmlElement>;
  /** References to check once every id is known. */
  refs: { e: XmlElement; attr: string; parent?: XmlElement }[];
}

// ---- attribute helpers ---------------------------------------------------

function requireAttr(c: Ctx, e: XmlElement, attr: string, parent?: XmlElement): string | undefined {
  const v = e.attrs[attr];
  if (v === undefined || v === "") {
    c.f.schema(
      e,
      `${describe(e, parent)}: attribute '${attr}' is required`,
      `Element ${e.name} failed to validate attributes (missing '${attr}')`,
    );
    return undefined;
  }
  return v;
}

function checkEnum(
  c: Ctx,
  e: XmlElement,
  attr: string,
  allowed: readonly string[],
  parent?: XmlElement,
): void {
  const v = e.attrs[attr];
  if (v === undefined || allowed.includes(v)) return;
  c.f.schema(
    e,
    `${describe(e, parent)}: '${attr}' must be one of ${allowed.join(", ")}: got '${v}'`,
    `Invalid attribute ${attr} for element ${e.name}`,
  );
}

const XSD_BOOLEAN = ["true", "false", "1", "0"];
function checkBoolean(c: Ctx, e: XmlElement, attr: string, parent?: XmlElement): void {
  const v = e.attrs[attr];
  if (v === undefined || XSD_BOOLEAN.includes(v)) return;
  c.f.schema(
    e,
    `${describe(e, parent)}: '${attr}' must be true or false: got '${v}'`,
    `Invalid attribute ${attr} for element ${e.name}`,
  );
}

function checkScore(c: Ctx, e: XmlElement, attr: string, required: boolean, parent?: XmlElement): void {
  const v = e.attrs[attr];
  if (v === undefined) {
    if (required) requireAttr(c, e, attr, parent);
    return;
  }
  // The schema accepts an integer or [+-]INFINITY, exactly so.
  if (/^[+-]?\d+$/.test(v) || v === "INFINITY" || v === "+INFINITY" || v === "-INFINITY") return;
  const hint = parseScore(v) !== undefined ? " (write INFINITY, +INFINITY or -INFINITY in capitals)" : "";
  c.f.schema(
    e,
    `${describe(e, parent)}: '${attr}' must be an integer or [+-]INFINITY: got '${v}'${hint}`,
    required ? `Type integer doesn't allow value '${v}'` : `Invalid attribute ${attr} for element ${e.name}`,
    ErrorCodes.BAD_SCORE,
  );
}

/** Interval/timeout syntax Pacemaker accepts: "30s", "1min", "500ms", "10", ISO 8601 "PT1M". */
function checkDuration(c: Ctx, e: XmlElement, attr: string, parent?: XmlElement): void {
  const v = e.attrs[attr];
  if (v === undefined || parseDurationMs(v) !== undefined) return;
  c.f.add(
    "error",
    ErrorCodes.BAD_DURATION,
    e,
    `${describe(e, parent)}: '${attr}' is not a valid duration (like 30s, 1min, 500ms or PT1M): got '${v}'`,
    {
      form: "log",
      fn: "unpack_operation",
      level: "error",
      text: `Operation ${e.attrs.id ?? "(missing ID)"} has invalid ${attr} '${v}'`,
    },
    true,
  );
}

function extraContent(c: Ctx, parent: XmlElement, child: XmlElement, why: string): void {
  c.f.schema(
    child,
    `${describe(child, parent)}: not allowed in ${describe(parent)} (${why})`,
    `Element ${parent.name} has extra content: ${child.name}`,
  );
}

// ---- ids and references ---------------------------------------------------

function collectIds(c: Ctx, root: XmlElement): void {
  const stack: XmlElement[] = [root];
  while (stack.length > 0) {
    const e = stack.pop()!;
    const id = e.attrs.id;
    if (id !== undefined && !NON_ID_TAGS.has(e.name)) {
      const first = c.ids.get(id);
      if (first === undefined) c.ids.set(id, e);
      else
        c.f.schema(
          e,
          `${e.name} '${id}': id '${id}' is already used by a ${first.name} (ids are unique across the CIB)`,
          `ID ${id} redefined`,
          ErrorCodes.CIB_DUPLICATE_ID,
        );
    }
    for (let i = e.children.length - 1; i >= 0; i--) {
      const ch = e.children[i];
      if (ch.type === "element") stack.push(ch);
    }
  }
}

function ref(c: Ctx, e: XmlElement, attr: string, parent?: XmlElement): void {
  if (e.attrs[attr] !== undefined) c.refs.push({ e, attr, parent });
}

function checkRefs(c: Ctx): void {
  for (const { e, attr, parent } of c.refs) {
    const target = e.attrs[attr];
    if (c.ids.has(target)) continue;
    c.f.add(
      "error",
      ErrorCodes.CIB_DANGLING_REF,
      e,
      `${describe(e, parent)}: '${attr}' refers to '${target}', which does not exist`,
      { form: "idref", text: `IDREF attribute ${attr} references an unknown ID "${target}"` },
    );
  }
}

// ---- sections ------------------------------------------------------------------

function checkNvset(c: Ctx, set: XmlElement, parent: XmlElement): void {
  if (set.attrs["id-ref"] !== undefined) {
    ref(c, set, "id-ref", parent);
    return;
  }
  requireAttr(c, set, "id", parent);
  checkScore(c, set, "score", false, parent);
  let rules = 0;
  for (const ch of elements(set)) {
    if (ch.name === "nvpair") {
      if (ch.attrs["id-ref"] !== undefined) {
        ref(c, ch, "id-ref", set);
        continue;
      }
      requireAttr(c, ch, "id", set);
      const name = requireAttr(c, ch, "name", set);
      if (set.name === "cluster_property_set" && name !== undefined && LEGACY_PROPERTIES.has(name))
        c.f.schema(
          ch,
          `${describe(ch, set)}: cluster property '${name}' is no longer supported (use its current name or rsc_defaults/op_defaults)`,
          `Element ${set.name} failed to validate content (unsupported property '${name}')`,
        );
      if (
        set.name === "cluster_property_set" &&
        name === "cluster-infrastructure" &&
        ["heartbeat", "openais", "classic openais", "classic openais (with plugin)", "cman"].includes(
          ch.attrs.value ?? "",
        )
      )
        c.f.schema(
          ch,
          `${describe(ch, set)}: cluster-infrastructure '${ch.attrs.value}' is no longer supported`,
          `Element ${set.name} failed to validate content`,
        );
    } else if (ch.name === "rule") {
      if (++rules > 1) extraContent(c, set, ch, "an attribute set has at most one rule");
      checkRule(c, ch, set);
    } else extraContent(c, set, ch, "an attribute set holds nvpair elements and one optional rule");
  }
}

const EXPR_OPS = ["lt", "gt", "lte", "gte", "eq", "ne", "defined", "not_defined"];
function checkRule(c: Ctx, rule: XmlElement, parent: XmlElement): void {
  if (rule.attrs["id-ref"] !== undefined) {
    ref(c, rule, "id-ref", parent);
    return;
  }
  requireAttr(c, rule, "id", parent);
  checkScore(c, rule, "score", false, parent);
  checkEnum(c, rule, "boolean-op", ["and", "or"], parent);
  checkEnum(c, rule, "role", ROLES, parent);
  for (const ch of elements(rule)) {
    switch (ch.name) {
      case "rule":
        checkRule(c, ch, rule);
        break;
      case "expression":
        requireAttr(c, ch, "id", rule);
        requireAttr(c, ch, "attribute", rule);
        if (requireAttr(c, ch, "operation", rule) !== undefined)
          checkEnum(c, ch, "operation", EXPR_OPS, rule);
        checkEnum(c, ch, "type", ["string", "integer", "number", "version"], rule);
        checkEnum(c, ch, "value-source", ["literal", "param", "meta"], rule);
        break;
      case "date_expression":
        requireAttr(c, ch, "id", rule);
        checkEnum(c, ch, "operation", ["in_range", "gt", "lt", "date_spec"], rule);
        break;
      case "rsc_expression":
      case "op_expression":
        requireAttr(c, ch, "id", rule);
        if (ch.name === "op_expression") {
          requireAttr(c, ch, "name", rule);
          checkDuration(c, ch, "interval", rule);
        }
        break;
      default:
        extraContent(c, rule, ch, "a rule holds expressions, date expressions and rules");
    }
  }
}

function checkNodes(c: Ctx, nodes: XmlElement): void {
  for (const n of elements(nodes)) {
    if (n.name !== "node") {
      extraContent(c, nodes, n, "only node elements belong here");
      continue;
    }
    requireAttr(c, n, "id");
    requireAttr(c, n, "uname");
    checkEnum(c, n, "type", ["member", "ping", "remote"]);
    checkScore(c, n, "score", false);
    for (const ch of elements(n)) {
      if (ch.name === "instance_attributes" || ch.name === "utilization") checkNvset(c, ch, n);
      else extraContent(c, n, ch, "a node holds instance_attributes and utilization");
    }
  }
}

function checkOperations(c: Ctx, ops: XmlElement, rsc: XmlElement): void {
  ref(c, ops, "id-ref", rsc);
  for (const op of elements(ops)) {
    if (op.name !== "op") {
      extraContent(c, ops, op, "operations holds op elements");
      continue;
    }
    requireAttr(c, op, "id", rsc);
    requireAttr(c, op, "name", rsc);
    requireAttr(c, op, "interval", rsc);
    checkDuration(c, op, "interval", rsc);
    checkDuration(c, op, "timeout", rsc);
    checkDuration(c, op, "start-delay", rsc);
    checkBoolean(c, op, "enabled", rsc);
    checkBoolean(c, op, "record-pending", rsc);
    checkEnum(c, op, "role", ROLES, rsc);
    checkEnum(c, op, "on-fail", ON_FAIL, rsc);
    for (const ch of elements(op)) {
      if (ch.name === "meta_attributes" || ch.name === "instance_attributes") checkNvset(c, ch, op);
      else extraContent(c, op, ch, "an op holds meta_attributes and instance_attributes");
    }
  }
}

function checkAgent(c: Ctx, e: XmlElement): void {
  const cls = e.attrs.class;
  if (e.name === "primitive" && e.attrs.template !== undefined) {
    ref(c, e, "template");
    if (cls !== undefined || e.attrs.type !== undefined)
      c.f.schema(
        e,
        `${describe(e)}: a primitive takes either 'template' or 'class' and 'type', not both`,
        `Invalid attribute ${cls !== undefined ? "class" : "type"} for element primitive`,
      );
    return;
  }
  if (cls === undefined) {
    c.f.schema(
      e,
      `${describe(e)}: attribute 'class' is required (${AGENT_CLASSES.join(", ")})`,
      `Element ${e.name} failed to validate content (missing 'class')`,
    );
  } else if (!AGENT_CLASSES.includes(cls)) {
    c.f.schema(
      e,
      `${describe(e)}: unknown resource agent class '${cls}' (known: ${AGENT_CLASSES.join(", ")})`,
      `Element ${e.name} failed to validate content (unknown class '${cls}')`,
      ErrorCodes.UNKNOWN_AGENT_CLASS,
    );
  } else if (cls === "ocf" && !e.attrs.provider) {
    c.f.schema(
      e,
      `${describe(e)}: class 'ocf' requires attribute 'provider' (e.g. heartbeat, pacemaker)`,
      `Element ${e.name} failed to validate content (class 'ocf' needs a provider)`,
    );
  } else if (cls !== "ocf" && e.attrs.provider !== undefined) {
    c.f.schema(
      e,
      `${describe(e)}: attribute 'provider' is only allowed with class 'ocf' (class is '${cls}')`,
      `Invalid attribute provider for element ${e.name}`,
    );
  }
  if (!e.attrs.type)
    c.f.schema(
      e,
      `${describe(e)}: attribute 'type' (the agent name) is required`,
      `Element ${e.name} failed to validate content (missing 'type')`,
    );
}

function checkPrimitive(c: Ctx, p: XmlElement, parent: XmlElement): void {
  requireAttr(c, p, "id", parent);
  checkAgent(c, p);
  let operations = 0;
  for (const ch of elements(p)) {
    if (ch.name === "meta_attributes" || ch.name === "instance_attributes" || ch.name === "utilization")
      checkNvset(c, ch, p);
    else if (ch.name === "operations") {
      if (++operations > 1) extraContent(c, p, ch, "a resource has at most one operations element");
      checkOperations(c, ch, p);
    } else
      extraContent(
        c,
        p,
        ch,
        RESOURCE_TAGS.has(ch.name)
          ? "a primitive cannot contain other resources"
          : "a primitive holds meta_attributes, instance_attributes, operations and utilization",
      );
  }
}

function checkResource(c: Ctx, r: XmlElement, parent: XmlElement): void {
  switch (r.name) {
    case "primitive":
      checkPrimitive(c, r, parent);
      return;
    case "template":
      requireAttr(c, r, "id", parent);
      checkAgent(c, r);
      for (const ch of elements(r))
        if (ch.name === "operations") checkOperations(c, ch, r);
        else if (NVSET_TAGS.has(ch.name)) checkNvset(c, ch, r);
        else extraContent(c, r, ch, "a template holds attribute sets and operations");
      return;
    case "group": {
      requireAttr(c, r, "id", parent);
      let members = 0;
      for (const ch of elements(r)) {
        if (ch.name === "primitive") {
          members++;
          checkPrimitive(c, ch, r);
        } else if (ch.name === "meta_attributes" || ch.name === "instance_attributes") checkNvset(c, ch, r);
        else
          extraContent(
            c,
            r,
            ch,
            RESOURCE_TAGS.has(ch.name) ? "a group can contain only primitives" : "not a group member",
          );
      }
      if (members === 0)
        c.f.schema(
          r,
          `${describe(r)}: a group needs at least one primitive`,
          "Expecting an element primitive, got nothing",
        );
      return;
    }
    case "clone":
    case "master": {
      requireAttr(c, r, "id", parent);
      let wrapped = 0;
      for (const ch of elements(r)) {
        if (ch.name === "primitive" || ch.name === "group") {
          if (++wrapped > 1) extraContent(c, r, ch, `a ${r.name} wraps exactly one primitive or group`);
          checkResource(c, ch, r);
        } else if (ch.name === "meta_attributes" || ch.name === "instance_attributes") checkNvset(c, ch, r);
        else
          extraContent(
            c,
            r,
            ch,
            RESOURCE_TAGS.has(ch.name)
              ? `a ${r.name} wraps one primitive or group, not a ${ch.name}`
              : `not allowed in a ${r.name}`,
          );
      }
      if (wrapped === 0)
        c.f.schema(
          r,
          `${describe(r)}: a ${r.name} must wrap one primitive or group`,
          "Expecting an element primitive, got nothing",
        );
      return;
    }
    case "bundle": {
      requireAttr(c, r, "id", parent);
      let runtimes = 0;
      for (const ch of elements(r)) {
        if (ch.name === "docker" || ch.name === "rkt" || ch.name === "podman") {
          if (++runtimes > 1) extraContent(c, r, ch, "a bundle has one container runtime");
          requireAttr(c, ch, "image", r);
        } else if (ch.name === "primitive") checkPrimitive(c, ch, r);
        else if (ch.name === "meta_attributes" || ch.name === "instance_attributes") checkNvset(c, ch, r);
        else if (ch.name !== "network" && ch.name !== "storage")
          extraContent(c, r, ch, "not allowed in a bundle");
      }
      if (runtimes === 0)
        c.f.schema(
          r,
          `${describe(r)}: a bundle needs a docker, rkt or podman element`,
          "Expecting an element docker, got nothing",
        );
      return;
    }
  }
}

function checkResourceSet(c: Ctx, set: XmlElement, cons: XmlElement): void {
  if (set.attrs["id-ref"] !== undefined) {
    ref(c, set, "id-ref", cons);
    return;
  }
  requireAttr(c, set, "id", cons);
  checkBoolean(c, set, "sequential", cons);
  checkBoolean(c, set, "require-all", cons);
  checkEnum(c, set, "ordering", ["group", "listed"], cons);
  checkEnum(c, set, "action", ACTIONS, cons);
  checkEnum(c, set, "role", ROLES, cons);
  checkEnum(c, set, "kind", ORDER_KINDS, cons);
  checkScore(c, set, "score", false, cons);
  let refs = 0;
  for (const ch of elements(set)) {
    if (ch.name === "resource_ref") {
      refs++;
      if (requireAttr(c, ch, "id", set) !== undefined) ref(c, ch, "id", set);
    } else extraContent(c, set, ch, "a resource_set holds resource_ref elements");
  }
  if (refs === 0)
    c.f.schema(
      set,
      `${describe(set, cons)}: a resource set needs at least one resource_ref`,
      "Expecting an element resource_ref, got nothing",
    );
}

/** Constraint shape: either the named attributes or resource sets (not both, not neither). */
function checkPairOrSets(c: Ctx, e: XmlElement, attrs: string[], required: string[]): XmlElement[] {
  const sets: XmlElement[] = [];
  for (const ch of elements(e)) if (ch.name === "resource_set") sets.push(ch);
  const hasAttrs = attrs.some((a) => e.attrs[a] !== undefined);
  if (sets.length > 0 && hasAttrs)
    c.f.schema(
      e,
      `${describe(e)}: use either ${attrs.join("/")} or resource sets, not both`,
      `Invalid attribute ${attrs.find((a) => e.attrs[a] !== undefined)} for element ${e.name}`,
    );
  else if (sets.length === 0) for (const a of required) requireAttr(c, e, a);
  for (const s of sets) checkResourceSet(c, s, e);
  return sets;
}

function checkConstraints(c: Ctx, cons: XmlElement): void {
  for (const e of elements(cons)) {
    const allowedChildren = new Set(["resource_set", "lifetime"]);
    switch (e.name) {
      case "rsc_location": {
        requireAttr(c, e, "id");
        const sets = elements(e, "resource_set");
        if (sets.length === 0 && e.attrs.rsc === undefined && e.attrs["rsc-pattern"] === undefined)
          requireAttr(c, e, "rsc");
        else checkPairOrSets(c, e, ["rsc", "rsc-pattern"], []);
        ref(c, e, "rsc");
        checkEnum(c, e, "role", ROLES);
        checkEnum(c, e, "resource-discovery", ["always", "never", "exclusive"]);
        const rules = elements(e, "rule");
        allowedChildren.add("rule");
        if (rules.length === 0) {
          checkScore(c, e, "score", true);
          requireAttr(c, e, "node");
        } else {
          for (const r of rules) checkRule(c, r, e);
          if (e.attrs.node !== undefined || e.attrs.score !== undefined)
            c.f.schema(
              e,
              `${describe(e)}: a location takes either node and score or rules, not both`,
              `Invalid attribute ${e.attrs.node !== undefined ? "node" : "score"} for element rsc_location`,
            );
        }
        break;
      }
      case "rsc_colocation":
        requireAttr(c, e, "id");
        checkScore(c, e, "score", false);
        checkPairOrSets(c, e, ["rsc", "with-rsc"], ["rsc", "with-rsc"]);
        ref(c, e, "rsc");
        ref(c, e, "with-rsc");
        checkEnum(c, e, "rsc-role", ROLES);
        checkEnum(c, e, "with-rsc-role", ROLES);
        if (e.attrs.symmetrical !== undefined)
          c.f.schema(
            e,
            `${describe(e)}: colocations have no 'symmetrical' attribute (it was removed)`,
            "Invalid attribute symmetrical for element rsc_colocation",
          );
        break;
      case "rsc_order":
        requireAttr(c, e, "id");
        checkBoolean(c, e, "symmetrical");
        checkBoolean(c, e, "require-all");
        checkEnum(c, e, "kind", ORDER_KINDS);
        checkScore(c, e, "score", false);
        if (e.attrs.kind !== undefined && e.attrs.score !== undefined)
          c.f.schema(
            e,
            `${describe(e)}: an order takes either 'kind' or (deprecated) 'score', not both`,
            "Invalid attribute score for element rsc_order",
          );
        checkPairOrSets(c, e, ["first", "then"], ["first", "then"]);
        ref(c, e, "first");
        ref(c, e, "then");
        checkEnum(c, e, "first-action", ACTIONS);
        checkEnum(c, e, "then-action", ACTIONS);
        break;
      case "rsc_ticket":
        requireAttr(c, e, "id");
        requireAttr(c, e, "ticket");
        checkPairOrSets(c, e, ["rsc"], ["rsc"]);
        ref(c, e, "rsc");
        checkEnum(c, e, "rsc-role", ROLES);
        checkEnum(c, e, "loss-policy", ["stop", "demote", "fence", "freeze"]);
        break;
      default:
        extraContent(c, cons, e, "constraints are rsc_location, rsc_colocation, rsc_order and rsc_ticket");
        continue;
    }
    for (const ch of elements(e))
      if (!allowedChildren.has(ch.name)) extraContent(c, e, ch, `not allowed in ${e.name}`);
  }
}

function checkOptions(c: Ctx, e: XmlElement): void {
  const want = e.name === "crm_config" ? "cluster_property_set" : "meta_attributes";
  for (const ch of elements(e)) {
    if (ch.name === want) checkNvset(c, ch, e);
    else extraContent(c, e, ch, `${e.name} holds ${want} elements`);
  }
}

function checkMisc(c: Ctx, e: XmlElement): void {
  if (e.name === "fencing-topology") {
    for (const lvl of elements(e)) {
      if (lvl.name !== "fencing-level") {
        extraContent(c, e, lvl, "fencing-topology holds fencing-level elements");
        continue;
      }
      requireAttr(c, lvl, "id");
      requireAttr(c, lvl, "devices");
      const index = requireAttr(c, lvl, "index");
      if (index !== undefined && !/^[1-9]\d*$/.test(index))
        c.f.schema(
          lvl,
          `${describe(lvl)}: 'index' must be a positive integer: got '${index}'`,
          `Type positiveInteger doesn't allow value '${index}'`,
        );
      if (!["target", "target-pattern", "target-attribute"].some((a) => lvl.attrs[a] !== undefined))
        requireAttr(c, lvl, "target");
    }
  } else if (e.name === "tags") {
    for (const t of elements(e)) {
      if (t.name !== "tag") {
        extraContent(c, e, t, "tags holds tag elements");
        continue;
      }
      requireAttr(c, t, "id");
      const objs = elements(t, "obj_ref");
      if (objs.length === 0)
        c.f.schema(
          t,
          `${describe(t)}: a tag needs at least one obj_ref`,
          "Expecting an element obj_ref, got nothing",
        );
      for (const o of objs) if (requireAttr(c, o, "id", t) !== undefined) ref(c, o, "id", t);
    }
  } else if (e.name === "alerts") {
    for (const a of elements(e)) {
      if (a.name !== "alert") {
        extraContent(c, e, a, "alerts holds alert elements");
        continue;
      }
      requireAttr(c, a, "id");
      requireAttr(c, a, "path");
      for (const r of elements(a, "recipient")) {
        requireAttr(c, r, "id", a);
        requireAttr(c, r, "value", a);
      }
    }
  }
  // acls: ids are collected; their content is not checked further yet.
}

const CONFIG_SECTIONS = ["crm_config", "nodes", "resources", "constraints"];
const OPTIONAL_SECTIONS = ["rsc_defaults", "op_defaults", "fencing-topology", "acls", "tags", "alerts"];

function checkCibRoot(c: Ctx, cib: XmlElement): XmlElement | undefined {
  for (const a of ["admin_epoch", "epoch", "num_updates"]) {
    const v = cib.attrs[a];
    if (v === undefined)
      c.f.schema(cib, `cib: attribute '${a}' is required`, "Element cib failed to validate attributes");
    else if (!/^\d+$/.test(v))
      c.f.schema(
        cib,
        `cib: '${a}' must be a non-negative integer: got '${v}'`,
        `Type nonNegativeInteger doesn't allow value '${v}'`,
      );
  }
  const vw = cib.attrs["validate-with"];
  if (vw !== undefined && !/^(none|pacemaker-\d+\.\d+|pacemaker-next|transitional-0\.6)$/.test(vw))
    c.f.schema(
      cib,
      `cib: unknown schema '${vw}' in 'validate-with'`,
      "Invalid attribute validate-with for element cib",
    );
  checkBoolean(c, cib, "have-quorum");
  let configuration: XmlElement | undefined;
  let status = 0;
  for (const ch of elements(cib)) {
    if (ch.name === "configuration" && configuration === undefined) configuration = ch;
    else if (ch.name === "status" && status++ === 0) continue;
    else extraContent(c, cib, ch, "a cib holds one configuration and one status");
  }
  if (!configuration)
    c.f.schema(
      cib,
      "cib: the configuration section is missing",
      "Expecting an element configuration, got nothing",
    );
  return configuration;
}

function checkConfigurationSection(c: Ctx, conf: XmlElement): void {
  const seen = new Set<string>();
  for (const sec of elements(conf)) {
    const known = CONFIG_SECTIONS.includes(sec.name) || OPTIONAL_SECTIONS.includes(sec.name);
    if (!known || seen.has(sec.name)) {
      extraContent(
        c,
        conf,
        sec,
        known ? `only one ${sec.name} section is allowed` : "not a configuration section",
      );
      continue;
    }
    seen.add(sec.name);
    switch (sec.name) {
      case "crm_config":
      case "rsc_defaults":
      case "op_defaults":
        checkOptions(c, sec);
        break;
      case "nodes":
        checkNodes(c, sec);
        break;
      case "resources":
        for (const r of elements(sec))
          if (RESOURCE_TAGS.has(r.name)) checkResource(c, r, sec);
          else extraContent(c, sec, r, "resources are primitive, group, clone, master, bundle and template");
        break;
      case "constraints":
        checkConstraints(c, sec);
        break;
      default:
        checkMisc(c, sec);
    }
  }
  for (const name of CONFIG_SECTIONS)
    if (!seen.has(name))
      c.f.schema(
        conf,
        `configuration: the ${name} section is missing`,
        `Expecting an element ${name}, got nothing`,
      );
}

function checkStatus(c: Ctx, status: XmlElement): void {
  for (const ns of elements(status)) {
    if (ns.name !== "node_state") continue; // status is written by the cluster; only what we rely on is checked
    requireAttr(c, ns, "id", status);
  }
}

/**
 * Validates a whole CIB document. Returns every finding (errors first by
 * document order within each phase); an empty list means the CIB is fine.
 */
export function validateCib(root: XmlElement): Finding[] {
  const f = new Findings();
  if (root.name !== "cib") {
    f.add("error", ErrorCodes.CIB_INVALID, root, `the root element is <${root.name}>, expected <cib>`, {
      form: "relaxng",
      text: `Expecting element cib, got ${root.name}`,
    });
    return f.list;
  }
  const c: Ctx = { f, ids: new Map(), refs: [] };
  const conf = checkCibRoot(c, root);
  if (conf) {
    collectIds(c, conf);
    checkConfigurationSection(c, conf);
  }
  for (const st of elements(root, "status")) checkStatus(c, st);
  checkRefs(c);
  // As Pacemaker does, look at the meaning only once the structure is sound.
  if (!f.hasErrors && conf) checkConfiguration(root, conf, c.ids, f);
  return f.list;
}

export function errorsOf(findings: readonly Finding[]): Finding[] {
  return findings.filter((x) => x.severity === "error");
}

/** Throws the first error as a TandemError (one clear line); returns the non-error findings. */
export function assertValidCib(root: XmlElement): Finding[] {
  const findings = validateCib(root);
  const errs = errorsOf(findings);
  if (errs.length > 0) {
    const more = errs.length > 1 ? ` (and ${errs.length - 1} more error${errs.length > 2 ? "s" : ""})` : "";
    throw new TandemError(errs[0].code, `invalid CIB: ${errs[0].message}${more}`);
  }
  return findings.filter((x) => x.severity !== "error");
}

/** A finding as plain JSON (without the element reference). */
export function findingToJson(x: Finding): Omit<Finding, "node"> {
  const { node: _node, ...rest } = x;
  return rest;
}
