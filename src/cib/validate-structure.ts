// The first validation phase: the structure Pacemaker's Relax-NG schemas
// (pacemaker-3.x) enforce -- required sections, elements and attributes,
// nesting (a group holds primitives, a clone wraps one primitive or group),
// value types (scores, booleans, enumerations, durations), ids unique across the
// configuration, and id references that resolve. Findings use libxml2's wording
// where it says something useful, and always our own clear message.

import { ErrorCodes } from "../core/errors.js";
import { elements, type XmlElement } from "../core/xml.js";
import {
  ACTIONS,
  AGENT_CLASSES,
  describe,
  type Findings,
  NVSET_TAGS,
  ON_FAIL,
  ORDER_KINDS,
  RESOURCE_TAGS,
  ROLES,
} from "./validate-findings.js";
import {
  type Ctx,
  checkBoolean,
  checkDuration,
  checkEnum,
  checkNvset,
  checkRefs,
  checkRule,
  checkScore,
  collectIds,
  extraContent,
  ref,
  requireAttr,
} from "./validate-attrs.js";

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
        {
          const bad = checkEnum(c, e, "kind", ORDER_KINDS);
          if (bad)
            bad.unvalidated = {
              form: "log",
              fn: "get_ordering_type",
              level: "error",
              text: `Resetting 'kind' for constraint ${e.attrs.id ?? "missing ID"} to 'Mandatory' because '${e.attrs.kind}' is not valid`,
            };
        }
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

/** What the structural phase learned: the configuration element and the id space. */
export interface Structure {
  conf?: XmlElement;
  ids: Map<string, XmlElement>;
}

/** Runs the structural checks on a <cib> root, adding to `f`. */
export function checkStructure(root: XmlElement, f: Findings): Structure {
  const c: Ctx = { f, ids: new Map(), refs: [] };
  const conf = checkCibRoot(c, root);
  if (conf) {
    collectIds(c, conf);
    checkConfigurationSection(c, conf);
  }
  for (const st of elements(root, "status")) checkStatus(c, st);
  checkRefs(c);
  return { conf, ids: c.ids };
}
