// The location constraints that `crm_resource --move/--ban [--lifetime]` and pcs's
// `resource move|move-with-constraint|ban [lifetime=...]` write, as Pacemaker 2.1 writes
// them: `cli-prefer-RSC` (INFINITY on the node) and `cli-ban-RSC-on-NODE` (-INFINITY).
// With a lifetime the node is matched by a rule (`#uname eq NODE`) together with a
// date expression `lt END`, so the scheduler stops applying the constraint at END
// (the constraint itself stays in the CIB until it is cleared, e.g. `--clear --expired`).

import { el, elements, type XmlElement } from "../core/xml.js";
import { parseIso8601Duration } from "../core/duration.js";

/** crm_resource's hint for a lifetime that is not an ISO 8601 duration. */
export const LIFETIME_HINT =
  "Please refer to https://en.wikipedia.org/wiki/ISO_8601#Durations for examples of valid durations";

/**
 * The end of a lifetime (ISO 8601 duration, "PT10M", "P1D", "P1DT2H") counted from `nowMs`,
 * written as crm_resource writes it ("2026-11-28 09:30:00Z", UTC). Undefined: not a duration.
 */
export function lifetimeEnd(lifetime: string, nowMs: number): string | undefined {
  const ms = parseIso8601Duration(lifetime);
  if (ms === undefined || ms <= 0) return undefined;
  return formatRuleDate(nowMs + ms);
}

/** A time as Pacemaker writes it in a date expression: "YYYY-MM-DD HH:MM:SSZ" (UTC). */
export function formatRuleDate(ms: number): string {
  return `${new Date(Math.floor(ms / 1000) * 1000)
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, "")}Z`;
}

function location(
  id: string,
  rsc: string,
  node: string,
  score: string,
  end: string | undefined,
  ids: {
    rule: string;
    expr: string;
    date: string;
  },
): XmlElement {
  if (end === undefined) return el("rsc_location", { id, rsc, role: "Started", node, score });
  return el("rsc_location", { id, rsc, role: "Started" }, [
    el("rule", { id: ids.rule, score, "boolean-op": "and" }, [
      el("expression", { id: ids.expr, attribute: "#uname", operation: "eq", value: node, type: "string" }),
      el("date_expression", { id: ids.date, operation: "lt", end }),
    ]),
  ]);
}

/** `cli-prefer-RSC`: run RSC on NODE (until END). */
export function cliPrefer(rsc: string, node: string, end?: string): XmlElement {
  return location(`cli-prefer-${rsc}`, rsc, node, "INFINITY", end, {
    rule: `cli-prefer-rule-${rsc}`,
    expr: `cli-prefer-expr-${rsc}`,
    date: `cli-prefer-lifetime-end-${rsc}`,
  });
}

/** `cli-ban-RSC-on-NODE`: keep RSC off NODE (until END). */
export function cliBan(rsc: string, node: string, end?: string): XmlElement {
  const id = `cli-ban-${rsc}-on-${node}`;
  return location(id, rsc, node, "-INFINITY", end, {
    rule: `${id}-rule`,
    expr: `${id}-expr`,
    date: `${id}-lifetime`,
  });
}

/** Whether a location constraint is one of RSC's cli-prefer / cli-ban constraints. */
export function isCliConstraint(c: XmlElement, rsc: string): boolean {
  const id = c.attrs.id ?? "";
  return c.name === "rsc_location" && (id === `cli-prefer-${rsc}` || id.startsWith(`cli-ban-${rsc}-on-`));
}

/** The node a cli constraint is about (the node attribute, or its rule's #uname). */
export function cliNode(c: XmlElement): string | undefined {
  if (c.attrs.node !== undefined) return c.attrs.node;
  for (const r of elements(c, "rule"))
    for (const x of elements(r, "expression"))
      if (x.attrs.attribute === "#uname" && x.attrs.operation === "eq") return x.attrs.value;
  return undefined;
}

/** A constraint whose lifetime has ended (its date expression `lt END` no longer holds). */
export function isExpired(c: XmlElement, nowMs: number): boolean {
  for (const r of elements(c, "rule"))
    for (const d of elements(r, "date_expression")) {
      if (d.attrs.operation !== "lt" || d.attrs.end === undefined) continue;
      const end = parseRuleDate(d.attrs.end);
      if (end !== undefined && end <= nowMs) return true;
    }
  return false;
}

/** Parses "YYYY-MM-DD HH:MM:SS[Z| +HH:MM]" (and ISO 8601 with T) into ms; undefined if not a date. */
export function parseRuleDate(s: string): number | undefined {
  const t = s
    .trim()
    .replace(/^(\d{4}-\d{2}-\d{2})[ T]/, "$1T")
    .replace(/\s+([+-]\d{2}:?\d{2}|Z)$/, "$1");
  const ms = Date.parse(/T/.test(t) ? t : `${t}T00:00:00Z`);
  return Number.isFinite(ms) ? ms : undefined;
}
