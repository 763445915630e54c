// Shared pieces of the structural validation phase: the checking context,
// attribute checks (required, enumerations, xsd booleans, scores, durations),
// the global id space with its references, and attribute sets and rules, which
// appear in every section.

import { parseDurationMs } from "../core/duration.js";
import { ErrorCodes } from "../core/errors.js";
import { parseScore } from "../core/score.js";
import { elements, type XmlElement } from "../core/xml.js";
import {
  describe,
  type Finding,
  type Findings,
  LEGACY_PROPERTIES,
  NON_ID_TAGS,
  ROLES,
} from "./validate-findings.js";

export interface Ctx {
  f: Findings;
  /** id -> first element declaring it (global id space of the configuration). */
  ids: Map<string, XmlElement>;
  /** References to check once every id is known. */
  refs: { e: XmlElement; attr: string; parent?: XmlElement }[];
}

// ---- attribute helpers ---------------------------------------------------

export function requireAttr(c: Ctx, e: XmlElement, attr: string, parent?: XmlElement): string | undefined {
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

export function checkEnum(
  c: Ctx,
  e: XmlElement,
  attr: string,
  allowed: readonly string[],
  parent?: XmlElement,
): Finding | undefined {
  const v = e.attrs[attr];
  if (v === undefined || allowed.includes(v)) return undefined;
  return c.f.schema(
    e,
    `${describe(e, parent)}: '${attr}' must be one of ${allowed.join(", ")}: got '${v}'`,
    `Invalid attribute ${attr} for element ${e.name}`,
  );
}

const XSD_BOOLEAN = ["true", "false", "1", "0"];
export function checkBoolean(c: Ctx, e: XmlElement, attr: string, parent?: XmlElement): void {
  const v = e.attrs[attr];
  if (v === undefined || XSD_BOOLEAN.includes(v)) return;
  c.f.schema(
    e,
    `${describe(e, parent)}: '${attr}' must be true or false: got '${v}'`,
    `Invalid attribute ${attr} for element ${e.name}`,
  );
}

export function checkScore(
  c: Ctx,
  e: XmlElement,
  attr: string,
  required: boolean,
  parent?: XmlElement,
): void {
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
export function checkDuration(c: Ctx, e: XmlElement, attr: string, parent?: XmlElement): void {
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

export function extraContent(c: Ctx, parent: XmlElement, child: XmlElement, why: string): void {
  c.f.schema(
    child,
    `${describe(child, parent)}: not allowed in ${describe(parent)} (${why})`,
    `Element ${parent.name} has extra content: ${child.name}`,
  );
}

// ---- ids and references ---------------------------------------------------

export function collectIds(c: Ctx, root: XmlElement): void {
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

export function ref(c: Ctx, e: XmlElement, attr: string, parent?: XmlElement): void {
  if (e.attrs[attr] !== undefined) c.refs.push({ e, attr, parent });
}

export function checkRefs(c: Ctx): void {
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

export function checkNvset(c: Ctx, set: XmlElement, parent: XmlElement): void {
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
export function checkRule(c: Ctx, rule: XmlElement, parent: XmlElement): void {
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
        checkDateExpression(c, ch, rule);
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

/** What each date_expression operation needs (rule-3.9.rng). */
function checkDateExpression(c: Ctx, e: XmlElement, rule: XmlElement): void {
  const op = e.attrs.operation ?? "in_range";
  if (checkEnum(c, e, "operation", ["in_range", "gt", "lt", "date_spec"], rule)) return;
  const need = (what: string, ok: boolean) => {
    if (!ok)
      c.f.schema(
        e,
        `${describe(e, rule)}: operation '${op}' needs ${what}`,
        `Element ${e.name} failed to validate attributes (operation '${op}' needs ${what})`,
      );
  };
  const has = (a: string) => e.attrs[a] !== undefined;
  if (op === "in_range") need("'start' or 'end'", has("start") || has("end"));
  else if (op === "gt") need("'start'", has("start"));
  else if (op === "lt") need("'end'", has("end"));
  else need("a date_spec element", elements(e, "date_spec").length > 0);
}
