// Rule evaluation (Pacemaker "Rules" chapter): expressions on node attributes,
// date expressions, nested rules; and resolving attribute sets (meta /
// instance attributes, cluster properties) whose values depend on rules.
// Pure: "now" comes in through the context.

import { parseScore } from "../core/score.js";
import type { AttrExpression, NvSet, Rule, RuleCondition } from "./model.js";

export interface RuleContext {
  /** Node attributes (permanent + transient + built-ins like #uname), when evaluated per node. */
  nodeAttrs?: Record<string, string>;
  /** Seconds since the epoch, for date expressions. */
  now?: number;
  /** Resource parameters/meta for value-source="param"/"meta". */
  params?: Record<string, string>;
  meta?: Record<string, string>;
  rsc?: { class: string; provider?: string; type: string };
  op?: { name: string; interval: number };
}

function parseIntStrict(s: string): number | undefined {
  const t = s.trim();
  if (!/^[+-]?\d+/.test(t)) return undefined;
  const n = Number.parseInt(t, 10);
  return Number.isFinite(n) ? n : undefined;
}

function parseNumber(s: string): number | undefined {
  const t = s.trim();
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.test(t)) return undefined;
  const n = Number.parseFloat(t);
  return Number.isFinite(n) ? n : undefined;
}

function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map((x) => Number.parseInt(x, 10) || 0);
  const pb = b.split(".").map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

/**
 * Compares an attribute value with the expression's value by the expression's
 * type. Untyped comparisons of order (lt/gt/...) are numeric when both sides
 * parse ("number" if either has a decimal point, else "integer"); a typed
 * comparison whose operands do not parse falls back to a string comparison.
 */
function compare(left: string, right: string, type: string | undefined, op: string): number {
  let t = type?.toLowerCase();
  if (t === undefined) {
    if (op === "eq" || op === "ne") t = "string";
    else t = left.includes(".") || right.includes(".") ? "number" : "integer";
  }
  if (t === "integer") {
    const a = parseIntStrict(left);
    const b = parseIntStrict(right);
    if (a !== undefined && b !== undefined) return a === b ? 0 : a < b ? -1 : 1;
  } else if (t === "number") {
    const a = parseNumber(left);
    const b = parseNumber(right);
    if (a !== undefined && b !== undefined) return a === b ? 0 : a < b ? -1 : 1;
  } else if (t === "version") {
    return compareVersions(left, right);
  }
  return left < right ? -1 : left > right ? 1 : 0;
}

function evalExpression(x: AttrExpression, ctx: RuleContext): boolean {
  const attrs = ctx.nodeAttrs ?? {};
  const actual = attrs[x.attribute];
  if (x.operation === "defined") return actual !== undefined;
  if (x.operation === "not_defined") return actual === undefined;
  let expected = x.value;
  if (x.valueSource === "param") expected = expected === undefined ? undefined : ctx.params?.[expected];
  else if (x.valueSource === "meta") expected = expected === undefined ? undefined : ctx.meta?.[expected];
  if (actual === undefined || expected === undefined) return x.operation === "ne" && actual !== expected;
  const c = compare(actual, expected, x.type, x.operation);
  switch (x.operation) {
    case "eq":
      return c === 0;
    case "ne":
      return c !== 0;
    case "lt":
      return c < 0;
    case "lte":
      return c <= 0;
    case "gt":
      return c > 0;
    case "gte":
      return c >= 0;
  }
  return false;
}

/** An ISO 8601 date/time (as date expressions hold it) in seconds since the epoch. */
export function parseDateSeconds(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  s = s.trim().replace(/\s+([+-]\d\d:?\d\d|Z)$/, "$1"); // "... 09:30:00 +01:00" as crm_resource writes
  const t = Date.parse(s.includes("T") || s.includes(" ") ? s.replace(" ", "T") : `${s}T00:00:00Z`);
  return Number.isFinite(t) ? Math.floor(t / 1000) : undefined;
}

function evalCondition(c: RuleCondition, ctx: RuleContext): boolean {
  switch (c.kind) {
    case "expression":
      return evalExpression(c, ctx);
    case "rule":
      return evaluateRule(c.rule, ctx);
    case "date": {
      const now = ctx.now ?? 0;
      const start = parseDateSeconds(c.start);
      const end = parseDateSeconds(c.end);
      if (c.operation === "gt") return start !== undefined && now > start;
      if (c.operation === "lt") return end !== undefined && now < end;
      if (c.operation === "in_range")
        return (start === undefined || now >= start) && (end === undefined || now <= end);
      return false; // date_spec: not supported yet
    }
    case "rsc":
      if (!ctx.rsc) return false;
      return (
        (c.class === undefined || c.class === ctx.rsc.class) &&
        (c.provider === undefined || c.provider === ctx.rsc.provider) &&
        (c.type === undefined || c.type === ctx.rsc.type)
      );
    case "op":
      if (!ctx.op) return false;
      return c.name === ctx.op.name && (c.interval === undefined || c.interval === ctx.op.interval);
  }
}

/** True when the rule's conditions hold in this context (an empty rule holds). */
export function evaluateRule(rule: Rule, ctx: RuleContext): boolean {
  if (rule.expressions.length === 0) return true;
  if (rule.booleanOp === "or") return rule.expressions.some((c) => evalCondition(c, ctx));
  return rule.expressions.every((c) => evalCondition(c, ctx));
}

/** Score a matching location rule contributes: score, or the node attribute named by score-attribute. */
export function ruleScore(rule: Rule, ctx: RuleContext): number {
  if (rule.score !== undefined) return rule.score;
  if (rule.scoreAttribute !== undefined) {
    const v = ctx.nodeAttrs?.[rule.scoreAttribute];
    return parseScore(v) ?? 0;
  }
  return 0;
}

/**
 * Resolves attribute sets into name -> value. Sets are considered by score
 * (highest first, then document order); the first value found for a name wins.
 * Sets whose rule does not hold are skipped. `firstId` is a set id that wins
 * ties (crm_config's "cib-bootstrap-options").
 */
export function resolveNvSets(
  sets: readonly NvSet[],
  ctx: RuleContext = {},
  firstId?: string,
  into: Record<string, string> = {},
): Record<string, string> {
  if (sets.length === 0) return into;
  const ordered = sets.length === 1 ? sets : [...sets].map((s, i) => ({ s, i }));
  const list: NvSet[] =
    sets.length === 1
      ? (ordered as readonly NvSet[]).slice()
      : (ordered as { s: NvSet; i: number }[])
          .sort((a, b) => {
            if (firstId !== undefined) {
              if (a.s.id === firstId && b.s.id !== firstId) return -1;
              if (b.s.id === firstId && a.s.id !== firstId) return 1;
            }
            return b.s.score - a.s.score || a.i - b.i;
          })
          .map((x) => x.s);
  const seen = new Set(Object.keys(into));
  for (const set of list) {
    if (set.rule && !evaluateRule(set.rule, ctx)) continue;
    for (const p of set.pairs) {
      if (seen.has(p.name)) continue;
      seen.add(p.name);
      if (p.value !== undefined) into[p.name] = p.value;
    }
  }
  return into;
}
