// `pcs constraint [config] [--full]`, `location RSC prefers|avoids NODE[=SCORE]...`,
// `colocation add [ROLE] A [with] [ROLE] B [SCORE] [options]`,
// `order [ACTION] A then [ACTION] B [options]`, `delete|remove ID...`, `ref RSC...`.
// Ids and texts as pcs 0.11.5 makes and prints them.

import { el, elements, type XmlElement } from "../core/xml.js";
import { parseScore, formatScore } from "../core/score.js";
import { splitKeyValue } from "./args.js";
import {
  configIds,
  findSection,
  readCib,
  removeElement,
  sanitizeId,
  section,
  uniqueId,
  updateCib,
} from "./cib.js";
import { PcsError, PcsUsageError } from "./errors.js";
import { findResource } from "./resources.js";
import type { PcsContext, PcsHandler } from "./types.js";
import { subcommandUsage } from "./usage.js";

const ACTIONS = ["start", "stop", "promote", "demote"];
const ROLES = ["Started", "Stopped", "Promoted", "Unpromoted", "Master", "Slave"];

function isScore(s: string): boolean {
  return parseScore(s) !== undefined && /^([+-]?\d+|[+-]?INFINITY)$/i.test(s);
}

function requireResources(cib: XmlElement, ids: string[]): void {
  for (const id of ids) if (!findResource(cib, id)) throw new PcsError(`Resource '${id}' does not exist`);
}

// ---------- rendering ----------

function locationLines(cib: XmlElement, full: boolean): string[] {
  const cons = findSection(cib, "constraints");
  const out = ["Location Constraints:"];
  if (!cons) return out;
  const byRsc = new Map<string, XmlElement[]>();
  const rules: XmlElement[] = [];
  for (const c of elements(cons, "rsc_location")) {
    if (c.attrs.node === undefined) {
      rules.push(c);
      continue;
    }
    const key = c.attrs.rsc ?? (c.attrs["rsc-pattern"] ? `pattern ${c.attrs["rsc-pattern"]}` : "");
    if (!byRsc.has(key)) byRsc.set(key, []);
    byRsc.get(key)!.push(c);
  }
  const id = (c: XmlElement) => (full ? ` (id:${c.attrs.id})` : "");
  for (const rsc of [...byRsc.keys()].sort()) {
    const list = byRsc.get(rsc)!;
    out.push(rsc.startsWith("pattern ") ? `  Resource pattern: ${rsc.slice(8)}` : `  Resource: ${rsc}`);
    const enabled = list.filter((c) => (parseScore(c.attrs.score) ?? 0) >= 0);
    const disabled = list.filter((c) => (parseScore(c.attrs.score) ?? 0) < 0);
    const line = (c: XmlElement) => {
      const role = c.attrs.role ? ` (role:${c.attrs.role})` : "";
      return `      Node: ${c.attrs.node} (score:${c.attrs.score})${role}${id(c)}`;
    };
    if (enabled.length > 0) out.push("    Enabled on:", ...enabled.map(line));
    if (disabled.length > 0) out.push("    Disabled on:", ...disabled.map(line));
  }
  for (const c of rules) {
    out.push(`  Resource: ${c.attrs.rsc ?? c.attrs["rsc-pattern"]}`);
    out.push(`    Constraint${full ? ` (id:${c.attrs.id})` : ""}:`);
    for (const r of elements(c, "rule")) {
      const exprs = elements(r, "expression").map((e) =>
        `${e.attrs.attribute} ${e.attrs.operation} ${e.attrs.value ?? ""}`.trim(),
      );
      out.push(
        `      Rule: score=${r.attrs.score ?? r.attrs["score-attribute"] ?? ""}${full ? ` (id:${r.attrs.id})` : ""}`,
      );
      for (const x of exprs) out.push(`        Expression: ${x}`);
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
  for (const k of ["require-all"]) if (c.attrs[k] !== undefined) extra.push(`(Options: ${k}=${c.attrs[k]})`);
  return `${fa} ${c.attrs.first} then ${ta} ${c.attrs.then} ${extra.join(" ")}`;
}

export function colocationText(c: XmlElement): string {
  const extra = [`(score:${c.attrs.score ?? "INFINITY"})`];
  if (c.attrs["rsc-role"] && c.attrs["rsc-role"] !== "Started")
    extra.push(`(rsc-role:${c.attrs["rsc-role"]})`);
  if (c.attrs["with-rsc-role"] && c.attrs["with-rsc-role"] !== "Started")
    extra.push(`(with-rsc-role:${c.attrs["with-rsc-role"]})`);
  for (const k of ["node-attribute", "influence"])
    if (c.attrs[k] !== undefined) extra.push(`(${k}:${c.attrs[k]})`);
  return `${c.attrs.rsc} with ${c.attrs["with-rsc"]} ${extra.join(" ")}`;
}

function setsText(c: XmlElement): string {
  return elements(c, "resource_set")
    .map((s) => {
      const opts = Object.entries(s.attrs)
        .filter(([k]) => k !== "id")
        .map(([k, v]) => `${k}=${v}`);
      return `set ${elements(s, "resource_ref")
        .map((r) => r.attrs.id)
        .join(" ")}${opts.length ? ` ${opts.join(" ")}` : ""}`;
    })
    .join(" ");
}

/** The whole constraint listing, as `pcs constraint` and `pcs config` print it. */
export function renderConstraints(cib: XmlElement, full: boolean): string[] {
  const cons = findSection(cib, "constraints");
  const out = locationLines(cib, full);
  const id = (c: XmlElement) => (full ? ` (id:${c.attrs.id})` : "");
  out.push("Ordering Constraints:");
  for (const c of cons ? elements(cons, "rsc_order") : []) {
    if (elements(c, "resource_set").length > 0) out.push(`  Resource Sets:`, `    ${setsText(c)}${id(c)}`);
    else out.push(`  ${orderText(c)}${id(c)}`);
  }
  out.push("Colocation Constraints:");
  for (const c of cons ? elements(cons, "rsc_colocation") : []) {
    if (elements(c, "resource_set").length > 0) out.push(`  Resource Sets:`, `    ${setsText(c)}${id(c)}`);
    else out.push(`  ${colocationText(c)}${id(c)}`);
  }
  out.push("Ticket Constraints:");
  for (const c of cons ? elements(cons, "rsc_ticket") : [])
    out.push(`  ${c.attrs.rsc ?? ""} ticket=${c.attrs.ticket}${id(c)}`);
  return out;
}

export const constraintConfig: PcsHandler = async (ctx) => {
  if (ctx.args.length > 0 && ctx.path.length === 1)
    throw new PcsUsageError(subcommandUsage("constraint", "config"));
  const cib = await readCib(ctx);
  ctx.io.stdout(
    renderConstraints(cib, ctx.options.flags.has("--full"))
      .map((l) => `${l}\n`)
      .join(""),
  );
  return 0;
};

// ---------- location ----------

function nodeExists(cib: XmlElement, node: string): boolean {
  const nodes = findSection(cib, "nodes");
  return !!nodes && elements(nodes, "node").some((n) => n.attrs.uname === node);
}

export const constraintLocation: PcsHandler = async (ctx) => {
  const [rsc, verb, ...nodes] = ctx.args;
  if (verb === undefined && (rsc === "config" || rsc === "show" || rsc === undefined))
    return constraintLocationConfig(ctx);
  if (!rsc || (verb !== "prefers" && verb !== "avoids") || nodes.length === 0)
    throw new PcsUsageError(subcommandUsage("constraint", "location"));
  const file = ctx.cib().kind === "file";
  if (file) ctx.io.stderr("Warning: Validation for node existence in the cluster will be skipped\n");
  const specs: { node: string; score: string }[] = [];
  for (const n of nodes) {
    const eq = n.indexOf("=");
    const node = eq >= 0 ? n.slice(0, eq) : n;
    let score = eq >= 0 ? n.slice(eq + 1) : "INFINITY";
    if (!isScore(score)) throw new PcsError(`invalid score '${score}', use integer or INFINITY or -INFINITY`);
    if (verb === "avoids") score = score.startsWith("-") ? score.slice(1) : `-${score.replace(/^\+/, "")}`;
    specs.push({ node, score });
  }
  await updateCib(ctx, (cib) => {
    requireResources(cib, [rsc]);
    if (!file)
      for (const s of specs)
        if (!nodeExists(cib, s.node) && !ctx.force)
          throw new PcsError(`Node '${s.node}' does not seem to be in the cluster, use --force to override`);
    const cons = section(cib, "constraints");
    const ids = configIds(cib);
    for (const s of specs) {
      const dup = elements(cons, "rsc_location").find(
        (c) => c.attrs.rsc === rsc && c.attrs.node === s.node && !c.attrs.role,
      );
      if (dup) {
        // pcs updates the existing preference for this resource and node.
        dup.attrs.score = s.score;
        continue;
      }
      const id = uniqueId(ids, sanitizeId(`location-${rsc}-${s.node}-${s.score}`));
      cons.children.push(el("rsc_location", { id, rsc, node: s.node, score: s.score }));
    }
    return true;
  });
  return 0;
};

async function constraintLocationConfig(ctx: PcsContext): Promise<number> {
  const cib = await readCib(ctx);
  ctx.io.stdout(
    locationLines(cib, ctx.options.flags.has("--full"))
      .map((l) => `${l}\n`)
      .join(""),
  );
  return 0;
}

// ---------- colocation ----------

export const constraintColocationAdd: PcsHandler = async (ctx) => {
  const words = [...ctx.args];
  const usage = subcommandUsage("constraint", "colocation");
  const takeRole = () =>
    words.length > 0 && ROLES.map((r) => r.toLowerCase()).includes(words[0].toLowerCase())
      ? words.shift()
      : undefined;
  const rscRole = takeRole();
  const a = words.shift();
  if (words[0] === "with") words.shift(); // 0.11 syntax; 0.9's "A B SCORE" works too
  const withRole = takeRole();
  const b = words.shift();
  if (!a || !b) throw new PcsUsageError(usage);
  let score = "INFINITY";
  if (words.length > 0 && !words[0].includes("=")) {
    score = words.shift()!;
    if (!isScore(score)) throw new PcsError(`invalid score '${score}', use integer or INFINITY or -INFINITY`);
  }
  const options: [string, string][] = [];
  for (const w of words) {
    const kv = splitKeyValue(w);
    if (!kv) throw new PcsUsageError(usage);
    if (kv[0] === "score") {
      if (!isScore(kv[1]))
        throw new PcsError(`invalid score '${kv[1]}', use integer or INFINITY or -INFINITY`);
      score = kv[1];
    } else options.push(kv);
  }
  await updateCib(ctx, (cib) => {
    requireResources(cib, [a, b]);
    if (a === b)
      throw new PcsError(
        "Cannot create a colocation constraint with the same resource as the source and target",
      );
    const cons = section(cib, "constraints");
    const dup = elements(cons, "rsc_colocation").find(
      (c) =>
        c.attrs.rsc === a &&
        c.attrs["with-rsc"] === b &&
        (c.attrs["rsc-role"] ?? "") === (rscRole ?? "") &&
        (c.attrs["with-rsc-role"] ?? "") === (withRole ?? ""),
    );
    if (dup && !ctx.force)
      throw new PcsError("duplicate constraint already exists, use --force to override", {
        details: [`  ${colocationText(dup)} (id:${dup.attrs.id})`],
      });
    const ids = configIds(cib);
    const id = uniqueId(ids, sanitizeId(`colocation-${a}-${b}-${score}`));
    const attrs: Record<string, string> = { rsc: a, "with-rsc": b, score };
    if (rscRole) attrs["rsc-role"] = normalizeRole(rscRole);
    if (withRole) attrs["with-rsc-role"] = normalizeRole(withRole);
    for (const [k, v] of options) attrs[k] = v;
    attrs.id = id;
    cons.children.push(el("rsc_colocation", attrs));
    return true;
  });
  return 0;
};

function normalizeRole(r: string): string {
  return ROLES.find((x) => x.toLowerCase() === r.toLowerCase()) ?? r;
}

// ---------- order ----------

export const constraintOrder: PcsHandler = async (ctx) => {
  const words = [...ctx.args];
  const usage = subcommandUsage("constraint", "order");
  if (words[0] === "config" || words[0] === "show" || words.length === 0) {
    const cib = await readCib(ctx);
    const lines = renderConstraints(cib, ctx.options.flags.has("--full"));
    const from = lines.indexOf("Ordering Constraints:");
    const to = lines.indexOf("Colocation Constraints:");
    ctx.io.stdout(
      lines
        .slice(from, to)
        .map((l) => `${l}\n`)
        .join(""),
    );
    return 0;
  }
  const takeAction = () =>
    words.length > 0 && ACTIONS.includes(words[0].toLowerCase()) ? words.shift()!.toLowerCase() : undefined;
  const fa = takeAction();
  const first = words.shift();
  if (words.shift() !== "then") throw new PcsUsageError(usage);
  const ta = takeAction();
  const then = words.shift();
  if (!first || !then) throw new PcsUsageError(usage);
  const options = new Map<string, string>();
  for (const w of words) {
    const kv = splitKeyValue(w);
    if (!kv) throw new PcsUsageError(usage);
    options.set(kv[0], kv[1]);
  }
  const firstAction = fa ?? "start";
  const thenAction = ta ?? firstAction;
  let kind = options.get("kind");
  if (kind !== undefined) {
    const k = ["Optional", "Mandatory", "Serialize"].find((x) => x.toLowerCase() === kind!.toLowerCase());
    if (!k)
      throw new PcsError(
        `invalid kind value '${kind}', allowed values are: 'Mandatory', 'Optional', 'Serialize'`,
      );
    kind = k;
  }
  const sym = options.get("symmetrical");
  if (sym !== undefined && !["true", "false"].includes(sym.toLowerCase()))
    throw new PcsError(`invalid symmetrical value '${sym}', allowed values are: 'true', 'false'`);
  const allowed = ["kind", "symmetrical", "id", "require-all", "score"];
  for (const k of options.keys())
    if (!allowed.includes(k))
      throw new PcsError(
        `invalid option '${k}', allowed options are: ${allowed.map((x) => `'${x}'`).join(", ")}`,
      );
  const score = options.get("score");
  if (score !== undefined && !isScore(score))
    throw new PcsError(`invalid score '${score}', use integer or INFINITY or -INFINITY`);
  const kindText = kind ?? "Mandatory";
  let message = "";
  await updateCib(ctx, (cib) => {
    requireResources(cib, [first, then]);
    const cons = section(cib, "constraints");
    const dup = elements(cons, "rsc_order").find(
      (c) =>
        c.attrs.first === first &&
        c.attrs.then === then &&
        (c.attrs["first-action"] ?? "start") === firstAction &&
        (c.attrs["then-action"] ?? c.attrs["first-action"] ?? "start") === thenAction,
    );
    if (dup && !ctx.force)
      throw new PcsError("duplicate constraint already exists, use --force to override", {
        details: [`  ${orderText(dup)} (id:${dup.attrs.id})`],
      });
    const ids = configIds(cib);
    const explicit = options.get("id");
    if (explicit !== undefined && ids.has(explicit)) throw new PcsError(`id '${explicit}' is already in use`);
    const id = explicit ?? uniqueId(ids, sanitizeId(`order-${first}-${then}-${kindText.toLowerCase()}`));
    const attrs: Record<string, string> = {
      first,
      then,
      "first-action": firstAction,
      "then-action": thenAction,
    };
    const shown: string[] = [`first-action=${firstAction}`, `then-action=${thenAction}`];
    if (kind !== undefined) attrs.kind = kind;
    if (score !== undefined) attrs.score = score;
    if (sym !== undefined) {
      attrs.symmetrical = sym.toLowerCase();
      shown.push(`symmetrical=${sym.toLowerCase()}`);
    }
    if (options.has("require-all")) attrs["require-all"] = options.get("require-all")!;
    attrs.id = id;
    cons.children.push(el("rsc_order", attrs));
    message = `Adding ${first} ${then} (kind: ${kindText}) (Options: ${shown.join(" ")})\n`;
    return true;
  });
  ctx.io.stdout(message);
  return 0;
};

// ---------- delete / ref ----------

export const constraintDelete: PcsHandler = async (ctx) => {
  if (ctx.args.length === 0) throw new PcsUsageError(subcommandUsage("constraint", "delete"));
  await updateCib(ctx, (cib) => {
    const cons = findSection(cib, "constraints");
    for (const id of ctx.args) {
      const c = cons && elements(cons).find((x) => x.attrs.id === id);
      if (!c) {
        // A rule id inside a location constraint is accepted too (pcs does the same).
        throw new PcsError(`Unable to find constraint - '${id}'`);
      }
      removeElement(cons!, c);
    }
    return true;
  });
  return 0;
};

export const constraintRef: PcsHandler = async (ctx) => {
  if (ctx.args.length === 0) throw new PcsUsageError(subcommandUsage("constraint", "ref"));
  const cib = await readCib(ctx);
  const cons = findSection(cib, "constraints");
  const lines: string[] = [];
  for (const rsc of ctx.args) {
    lines.push(`Resource: ${rsc}`);
    const refs: string[] = [];
    for (const c of cons ? elements(cons) : []) {
      const direct = ["rsc", "with-rsc", "first", "then"].some((k) => c.attrs[k] === rsc);
      const inSet = elements(c, "resource_set").some((s) =>
        elements(s, "resource_ref").some((r) => r.attrs.id === rsc),
      );
      if (direct || inSet) refs.push(c.attrs.id);
    }
    if (refs.length === 0) lines.push("  No Matches");
    else lines.push(...refs.map((r) => `  ${r}`));
  }
  ctx.io.stdout(lines.map((l) => `${l}\n`).join(""));
  return 0;
};

export { formatScore };
