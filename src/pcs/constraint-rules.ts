// Location constraints with rules: `constraint location RSC rule [id=ID] [role=ROLE]
// [resource-discovery=..] [score=S | score-attribute=A] EXPRESSION`, `constraint rule add
// CONSTRAINT_ID [rule options] EXPRESSION` and `constraint rule delete|remove RULE_ID`.
// Expressions: `defined|not_defined ATTR`, `ATTR lt|gt|lte|gte|eq|ne [string|integer|number|version] VALUE`,
// `date gt|lt DATE`, `date in_range DATE to DATE`, `date-spec k=v...`, joined with `and` / `or`
// and grouped with parentheses, as pcs accepts them.

import { el, elements, type XmlElement } from "../core/xml.js";
import { parseScore } from "../core/score.js";
import { configIds, findSection, removeElement, section, uniqueId, updateCib, validateNewId } from "./cib.js";
import { checkNotCloneMember } from "./constraint.js";
import { PcsError, PcsUsageError } from "./errors.js";
import { findResource } from "./resources.js";
import type { PcsHandler } from "./types.js";
import { subcommandUsage } from "./usage.js";

const COMPARISONS = ["lt", "gt", "lte", "gte", "eq", "ne"];
const TYPES = ["string", "integer", "number", "version"];
const RULE_OPTIONS = ["id", "role", "score", "score-attribute", "resource-discovery", "constraint-id"];
const MISSING =
  "missing one of 'eq', 'ne', 'lt', 'gt', 'lte', 'gte', 'in_range', 'defined', 'not_defined', 'date-spec'";

type Expr =
  | { kind: "bool"; op: "and" | "or"; items: Expr[] }
  | { kind: "defined"; op: "defined" | "not_defined"; attr: string }
  | { kind: "cmp"; attr: string; op: string; type?: string; value: string }
  | { kind: "date"; op: "gt" | "lt"; value: string }
  | { kind: "range"; start: string; end: string }
  | { kind: "spec"; parts: [string, string][] };

class RuleSyntaxError extends Error {}

/** Parses the words of an expression (pcs's grammar, without its deprecated forms). */
export function parseRule(words: string[]): Expr {
  let i = 0;
  const peek = () => words[i];
  const take = () => words[i++];
  const atom = (): Expr => {
    const w = peek();
    if (w === undefined) throw new RuleSyntaxError(MISSING);
    if (w === "(") {
      take();
      const e = orExpr();
      if (take() !== ")") throw new RuleSyntaxError("missing ')'");
      return e;
    }
    if (w === "defined" || w === "not_defined") {
      take();
      const attr = take();
      if (attr === undefined) throw new RuleSyntaxError(`missing attribute name after '${w}'`);
      return { kind: "defined", op: w, attr };
    }
    if (w === "date-spec") {
      take();
      const parts: [string, string][] = [];
      while (peek() !== undefined && peek()!.includes("=")) {
        const p = take();
        parts.push([p.slice(0, p.indexOf("=")), p.slice(p.indexOf("=") + 1)]);
      }
      if (parts.length === 0) throw new RuleSyntaxError("missing date-spec options");
      return { kind: "spec", parts };
    }
    if (w === "date" && (words[i + 1] === "gt" || words[i + 1] === "lt" || words[i + 1] === "in_range")) {
      take();
      const op = take();
      if (op === "in_range") {
        const start = take();
        if (take() !== "to") throw new RuleSyntaxError("missing 'to' in date in_range");
        const end = take();
        if (start === undefined || end === undefined) throw new RuleSyntaxError("missing date");
        return { kind: "range", start, end };
      }
      const value = take();
      if (value === undefined) throw new RuleSyntaxError("missing date");
      return { kind: "date", op: op as "gt" | "lt", value };
    }
    const attr = take();
    const op = take();
    if (op === undefined || !COMPARISONS.includes(op))
      throw new RuleSyntaxError(op === undefined ? MISSING : `unexpected '${op}'`);
    let type: string | undefined;
    if (
      TYPES.includes(peek() ?? "") &&
      words[i + 1] !== undefined &&
      !["and", "or", ")"].includes(words[i + 1])
    )
      type = take();
    const value = take();
    if (value === undefined) throw new RuleSyntaxError(`missing value after '${op}'`);
    return { kind: "cmp", attr, op, type, value };
  };
  const chain = (op: "and" | "or", next: () => Expr) => (): Expr => {
    const items = [next()];
    while (peek() === op) {
      take();
      items.push(next());
    }
    return items.length === 1 ? items[0] : { kind: "bool", op, items };
  };
  const andExpr = chain("and", atom);
  const orExpr = chain("or", andExpr);
  const e = orExpr();
  if (i < words.length) throw new RuleSyntaxError(`unexpected '${words[i]}'`);
  return e;
}

function exprElement(e: Expr, parentId: string, ids: Set<string>): XmlElement {
  switch (e.kind) {
    case "bool": {
      const r = el("rule", { id: uniqueId(ids, `${parentId}-rule`), "boolean-op": e.op, score: "0" });
      for (const x of e.items) r.children.push(exprElement(x, r.attrs.id, ids));
      return r;
    }
    case "defined":
      return el("expression", { id: uniqueId(ids, `${parentId}-expr`), attribute: e.attr, operation: e.op });
    case "cmp": {
      const attrs: Record<string, string> = {
        id: uniqueId(ids, `${parentId}-expr`),
        attribute: e.attr,
        operation: e.op,
        value: e.value,
      };
      if (e.type) attrs.type = e.type;
      return el("expression", attrs);
    }
    case "date":
      return el("date_expression", {
        id: uniqueId(ids, `${parentId}-expr`),
        operation: e.op,
        ...(e.op === "gt" ? { start: e.value } : { end: e.value }),
      });
    case "range":
      return el("date_expression", {
        id: uniqueId(ids, `${parentId}-expr`),
        operation: "in_range",
        start: e.start,
        end: e.end,
      });
    case "spec": {
      const id = uniqueId(ids, `${parentId}-expr`);
      const spec = el("date_spec", { id: uniqueId(ids, `${id}-datespec`), ...Object.fromEntries(e.parts) });
      return el("date_expression", { id, operation: "date_spec" }, [spec]);
    }
  }
}

/** Splits leading `name=value` rule options from the expression words. */
function splitOptions(words: string[]): { opts: Map<string, string>; expr: string[] } {
  const opts = new Map<string, string>();
  let i = 0;
  for (; i < words.length; i++) {
    const eq = words[i].indexOf("=");
    const name = eq > 0 ? words[i].slice(0, eq) : "";
    if (!RULE_OPTIONS.includes(name)) break;
    opts.set(name, words[i].slice(eq + 1));
  }
  return { opts, expr: words.slice(i) };
}

function buildRule(expr: string[], opts: Map<string, string>, baseId: string, ids: Set<string>): XmlElement {
  if (expr.length === 0) throw new PcsError("no rule expression was specified");
  let parsed: Expr;
  try {
    parsed = parseRule(expr);
  } catch (e) {
    if (e instanceof RuleSyntaxError)
      throw new PcsError(`'${expr.join(" ")}' is not a valid rule expression: ${e.message}`);
    throw e;
  }
  const explicit = opts.get("id");
  if (explicit !== undefined) validateNewId(ids, explicit, "rule id");
  const attrs: Record<string, string> = { id: explicit ?? uniqueId(ids, `${baseId}-rule`) };
  ids.add(attrs.id);
  const role = opts.get("role");
  if (role !== undefined) attrs.role = role.charAt(0).toUpperCase() + role.slice(1).toLowerCase();
  const scoreAttr = opts.get("score-attribute");
  const score = opts.get("score");
  if (scoreAttr !== undefined) attrs["score-attribute"] = scoreAttr;
  else {
    if (
      score !== undefined &&
      (parseScore(score) === undefined || !/^([+-]?\d+|[+-]?INFINITY)$/i.test(score))
    )
      throw new PcsError(`invalid score '${score}', use integer or INFINITY or -INFINITY`);
    attrs.score = score ?? "INFINITY";
  }
  const rule = el("rule", attrs);
  if (parsed.kind === "bool") {
    rule.attrs["boolean-op"] = parsed.op;
    for (const x of parsed.items) rule.children.push(exprElement(x, attrs.id, ids));
  } else rule.children.push(exprElement(parsed, attrs.id, ids));
  // pcs writes boolean-op before score.
  const ordered: Record<string, string> = { id: rule.attrs.id };
  for (const k of ["boolean-op", "role", "score", "score-attribute"])
    if (rule.attrs[k] !== undefined) ordered[k] = rule.attrs[k];
  rule.attrs = ordered;
  return rule;
}

/** `constraint location RSC rule ...` (called by the location handler). */
export const constraintLocationRule: PcsHandler = async (ctx) => {
  const [rsc, , ...rest] = ctx.args;
  const { opts, expr } = splitOptions(rest);
  await updateCib(ctx, (cib) => {
    if (!findResource(cib, rsc)) throw new PcsError(`Resource '${rsc}' does not exist`);
    checkNotCloneMember(cib, rsc, ctx);
    const ids = configIds(cib);
    const cid = opts.get("constraint-id") ?? uniqueId(ids, `location-${rsc}`);
    ids.add(cid);
    const rule = buildRule(expr, opts, cid, ids);
    const attrs: Record<string, string> = { id: cid, rsc };
    const rd = opts.get("resource-discovery");
    if (rd !== undefined) attrs["resource-discovery"] = rd;
    section(cib, "constraints").children.push(el("rsc_location", attrs, [rule]));
    return true;
  });
  return 0;
};

export const constraintRuleAdd: PcsHandler = async (ctx) => {
  const [cid, ...rest] = ctx.args;
  if (!cid) throw new PcsUsageError(subcommandUsage("constraint", "rule"));
  const { opts, expr } = splitOptions(rest);
  await updateCib(ctx, (cib) => {
    const cons = findSection(cib, "constraints");
    const c = cons && elements(cons, "rsc_location").find((x) => x.attrs.id === cid);
    if (!c) throw new PcsError(`Unable to find constraint: ${cid}`);
    const ids = configIds(cib);
    const rule = buildRule(expr, opts, cid, ids);
    // A node/score location turns into a rule-based one.
    delete c.attrs.node;
    delete c.attrs.score;
    c.children.push(rule);
    return true;
  });
  return 0;
};

export const constraintRuleRemove: PcsHandler = async (ctx) => {
  if (ctx.args.length === 0) throw new PcsUsageError(subcommandUsage("constraint", "rule"));
  const lines: string[] = [];
  await updateCib(ctx, (cib) => {
    const cons = findSection(cib, "constraints");
    for (const id of ctx.args) {
      const c =
        cons &&
        elements(cons, "rsc_location").find((x) => elements(x, "rule").some((r) => r.attrs.id === id));
      if (!c) throw new PcsError(`unable to find rule with id: ${id}`);
      const rule = elements(c, "rule").find((r) => r.attrs.id === id)!;
      if (elements(c, "rule").length > 1) {
        lines.push(`Removing Rule: ${id}`);
        removeElement(c, rule);
      } else {
        lines.push(`Removing Constraint: ${c.attrs.id}`);
        removeElement(cons!, c);
      }
    }
    return true;
  });
  ctx.io.stderr(lines.map((l) => `${l}\n`).join(""));
  return 0;
};
