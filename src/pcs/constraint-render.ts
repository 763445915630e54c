// Constraint listings in pcs 0.11.5's layout (`pcs constraint [--full]`, the constraint
// part of `pcs config`, the duplicate-constraint details): location by resource with
// "Enabled on"/"Disabled on", rules, orders, colocations, resource sets, tickets.

import { parseScore } from "../core/score.js";
import { elements, type XmlElement } from "../core/xml.js";
import { findSection } from "./cib.js";

const fullId = (c: XmlElement, full: boolean) => (full ? ` (id:${c.attrs.id})` : "");

function expressionText(e: XmlElement, full: boolean): string[] {
  if (e.name === "date_expression") {
    const op = e.attrs.operation ?? "";
    if (op === "date_spec") {
      const spec = elements(e, "date_spec")[0];
      const parts = spec
        ? Object.entries(spec.attrs)
            .filter(([k]) => k !== "id")
            .map(([k, v]) => `${k}=${v}`)
        : [];
      return [
        `Expression:${fullId(e, full)}`,
        `  Date Spec: ${parts.join(" ")}${spec ? fullId(spec, full) : ""}`,
      ];
    }
    if (op === "in_range")
      return [`Expression: date in_range ${e.attrs.start ?? ""} to ${e.attrs.end ?? ""}${fullId(e, full)}`];
    return [`Expression: date ${op} ${e.attrs.start ?? e.attrs.end ?? ""}${fullId(e, full)}`];
  }
  const parts = [e.attrs.attribute, e.attrs.operation];
  if (e.attrs.value !== undefined) parts.push(e.attrs.value);
  if (e.attrs.operation === "defined" || e.attrs.operation === "not_defined") parts.reverse();
  return [`Expression: ${parts.filter((p) => p !== undefined).join(" ")}${fullId(e, full)}`];
}

function ruleLines(r: XmlElement, full: boolean, pad: string): string[] {
  const opts: string[] = [];
  if (r.attrs["boolean-op"] && elements(r).length > 1) opts.push(`boolean-op=${r.attrs["boolean-op"]}`);
  if (r.attrs.role) opts.push(`role=${r.attrs.role}`);
  if (r.attrs.score !== undefined) opts.push(`score=${r.attrs.score}`);
  if (r.attrs["score-attribute"] !== undefined) opts.push(`score-attribute=${r.attrs["score-attribute"]}`);
  const out = [`${pad}Rule: ${opts.join(" ")}${fullId(r, full)}`];
  for (const e of elements(r)) {
    if (e.name === "rule") out.push(...ruleLines(e, full, `${pad}  `));
    else out.push(...expressionText(e, full).map((l) => `${pad}  ${l}`));
  }
  return out;
}

/** "Location Constraints:" and its lines (optionally only some resources / nodes). */
export function locationLines(cib: XmlElement, full: boolean): string[] {
  const cons = findSection(cib, "constraints");
  const out = ["Location Constraints:"];
  if (!cons) return out;
  const byRsc = new Map<string, XmlElement[]>();
  for (const c of elements(cons, "rsc_location")) {
    const key = c.attrs.rsc ?? (c.attrs["rsc-pattern"] ? `pattern ${c.attrs["rsc-pattern"]}` : "");
    if (!byRsc.has(key)) byRsc.set(key, []);
    byRsc.get(key)!.push(c);
  }
  for (const rsc of [...byRsc.keys()].sort()) {
    const list = byRsc.get(rsc)!;
    out.push(rsc.startsWith("pattern ") ? `  Resource pattern: ${rsc.slice(8)}` : `  Resource: ${rsc}`);
    const withNode = list.filter((c) => c.attrs.node !== undefined);
    const line = (c: XmlElement) => {
      const role = c.attrs.role ? ` (role:${c.attrs.role})` : "";
      const rd = c.attrs["resource-discovery"]
        ? ` (resource-discovery=${c.attrs["resource-discovery"]})`
        : "";
      return `      Node: ${c.attrs.node} (score:${c.attrs.score})${role}${rd}${fullId(c, full)}`;
    };
    const enabled = withNode.filter((c) => (parseScore(c.attrs.score) ?? 0) >= 0);
    const disabled = withNode.filter((c) => (parseScore(c.attrs.score) ?? 0) < 0);
    if (enabled.length > 0) out.push("    Enabled on:", ...enabled.map(line));
    if (disabled.length > 0) out.push("    Disabled on:", ...disabled.map(line));
    for (const c of list.filter((x) => x.attrs.node === undefined)) {
      const rd = c.attrs["resource-discovery"]
        ? ` (resource-discovery=${c.attrs["resource-discovery"]})`
        : "";
      out.push(`    Constraint: ${c.attrs.id}${rd}`);
      for (const r of elements(c, "rule")) out.push(...ruleLines(r, full, "      "));
    }
  }
  return out;
}

export function orderText(c: XmlElement): string {
  const fa = c.attrs["first-action"] ?? "start";
  const ta = c.attrs["then-action"] ?? fa;
  const extra: string[] = [];
  if (c.attrs.score !== undefined) extra.push(`(score:${c.attrs.score})`);
  else extra.push(`(kind:${c.attrs.kind ?? "Mandatory"})`);
  if (c.attrs.symmetrical === "false") extra.push("(non-symmetrical)");
  const opts = ["require-all"].filter((k) => c.attrs[k] !== undefined).map((k) => `${k}=${c.attrs[k]}`);
  if (opts.length > 0) extra.push(`(Options: ${opts.join(" ")})`);
  return `${fa} ${c.attrs.first} then ${ta} ${c.attrs.then} ${extra.join(" ")}`;
}

export function colocationText(c: XmlElement): string {
  const extra = [`(score:${c.attrs.score ?? "INFINITY"})`];
  if (c.attrs["rsc-role"] !== undefined) extra.push(`(rsc-role:${c.attrs["rsc-role"]})`);
  if (c.attrs["with-rsc-role"] !== undefined) extra.push(`(with-rsc-role:${c.attrs["with-rsc-role"]})`);
  for (const k of ["node-attribute", "influence"])
    if (c.attrs[k] !== undefined) extra.push(`(${k}:${c.attrs[k]})`);
  return `${c.attrs.rsc} with ${c.attrs["with-rsc"]} ${extra.join(" ")}`;
}

/** A set constraint on one line: "set A B opt=v (id:..) set C D (id:..) setoptions k=v (id:..)". */
export function setConstraintText(c: XmlElement, full: boolean): string {
  const parts: string[] = [];
  for (const s of elements(c, "resource_set")) {
    const opts = Object.entries(s.attrs)
      .filter(([k]) => k !== "id")
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${k}=${v}`);
    const refs = elements(s, "resource_ref").map((r) => r.attrs.id);
    parts.push(`set ${[...refs, ...opts].join(" ")}${fullId(s, full)}`);
  }
  const setopts = Object.entries(c.attrs)
    .filter(([k]) => k !== "id")
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`);
  if (setopts.length > 0) parts.push(`setoptions ${setopts.join(" ")}`);
  return `${parts.join(" ")}${fullId(c, full)}`;
}

function plainAndSets(list: XmlElement[], text: (c: XmlElement) => string, full: boolean): string[] {
  const out: string[] = [];
  const sets = list.filter((c) => elements(c, "resource_set").length > 0);
  for (const c of list) if (!sets.includes(c)) out.push(`  ${text(c)}${fullId(c, full)}`);
  if (sets.length > 0) out.push("  Resource Sets:", ...sets.map((c) => `    ${setConstraintText(c, full)}`));
  return out;
}

export function orderLines(cib: XmlElement, full: boolean): string[] {
  const cons = findSection(cib, "constraints");
  return ["Ordering Constraints:", ...plainAndSets(cons ? elements(cons, "rsc_order") : [], orderText, full)];
}

export function colocationLines(cib: XmlElement, full: boolean): string[] {
  const cons = findSection(cib, "constraints");
  return [
    "Colocation Constraints:",
    ...plainAndSets(cons ? elements(cons, "rsc_colocation") : [], colocationText, full),
  ];
}

export function ticketLines(cib: XmlElement, full: boolean): string[] {
  const cons = findSection(cib, "constraints");
  const out = ["Ticket Constraints:"];
  for (const c of cons ? elements(cons, "rsc_ticket") : []) {
    if (elements(c, "resource_set").length > 0) continue;
    const opts = Object.entries(c.attrs)
      .filter(([k]) => !["id", "rsc", "ticket"].includes(k))
      .map(([k, v]) => `${k}=${v}`);
    out.push(`  ${c.attrs.rsc} ${[...opts, `ticket=${c.attrs.ticket}`].join(" ")}${fullId(c, full)}`);
  }
  return out;
}

/** The whole constraint listing, as `pcs constraint` and `pcs config` print it. */
export function renderConstraints(cib: XmlElement, full: boolean): string[] {
  return [
    ...locationLines(cib, full),
    ...orderLines(cib, full),
    ...colocationLines(cib, full),
    ...ticketLines(cib, full),
  ];
}
