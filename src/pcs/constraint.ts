// `pcs constraint [config] [--full]`, `location RSC prefers|avoids NODE[=SCORE]...`,
// `colocation add [ROLE] A [with] [ROLE] B [SCORE] [options]`,
// `order [ACTION] A then [ACTION] B [options]`, `delete|remove ID...`, `ref RSC...`.
// Ids and texts as pcs 0.11.5 makes and prints them.

import { el, elements, type XmlElement } from "../core/xml.js";
import { parseScore } from "../core/score.js";
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
  validateNewId,
} from "./cib.js";
import { PcsError, PcsUsageError } from "./errors.js";
import {
  colocationLines,
  colocationText,
  locationLines,
  orderLines,
  orderText,
  renderConstraints,
} from "./constraint-render.js";
import { findResource, resourceParent } from "./resources.js";
import type { PcsContext, PcsHandler } from "./types.js";
import { subcommandUsage } from "./usage.js";

const ACTIONS = ["start", "stop", "promote", "demote"];

function isScore(s: string): boolean {
  return parseScore(s) !== undefined && /^([+-]?\d+|[+-]?INFINITY)$/i.test(s);
}

function requireResources(cib: XmlElement, ids: string[]): void {
  for (const id of ids) if (!findResource(cib, id)) throw new PcsError(`Resource '${id}' does not exist`);
}

function deprecatedShow(ctx: PcsContext, instead: string): void {
  ctx.io.stderr(
    `Deprecation Warning: This command is deprecated and will be removed. Please use '${instead}' instead.\n`,
  );
}

export const constraintConfig: PcsHandler = async (ctx) => {
  if (ctx.path[1] === "list" || ctx.path[1] === "show") deprecatedShow(ctx, "pcs constraint config");
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

/**
 * pcs refuses constraints on a clone's member (they must name the clone); forceable.
 * `sets` selects the report wording pcs uses for set constraints.
 */
export function checkNotCloneMember(
  cib: XmlElement,
  id: string,
  ctx: PcsContext,
  sets = false,
): string | undefined {
  const rsc = findResource(cib, id);
  if (!rsc) return undefined;
  const parent = resourceParent(cib, rsc);
  if (!parent || (parent.name !== "clone" && parent.name !== "master")) return undefined;
  const text = `${id} is a clone resource, you should use the clone id: ${parent.attrs.id} when adding constraints`;
  if (ctx.force) return sets ? `Warning: ${text}\n` : undefined;
  throw new PcsError(sets ? `${text}, use --force to override` : `${text}. Use --force to override.`);
}

export const constraintLocation: PcsHandler = async (ctx) => {
  const [rsc, verb, ...nodes] = ctx.args;
  if (rsc === undefined || rsc === "config" || rsc === "show") return constraintLocationConfig(ctx);
  if ((rsc === "delete" || rsc === "remove") && verb !== undefined)
    return constraintDelete({ ...ctx, args: ctx.args.slice(1) });
  if (verb === "rule") return (await import("./constraint-rules.js")).constraintLocationRule(ctx);
  if ((verb !== "prefers" && verb !== "avoids") || nodes.length === 0)
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
    checkNotCloneMember(cib, rsc, ctx);
    if (!file)
      for (const s of specs)
        if (!nodeExists(cib, s.node) && !ctx.force)
          throw new PcsError(`Node '${s.node}' does not seem to be in the cluster, use --force to override`);
    const cons = section(cib, "constraints");
    for (const s of specs) {
      // A new preference for the same resource and node replaces the old one, as in pcs.
      for (const old of elements(cons, "rsc_location"))
        if (old.attrs.rsc === rsc && old.attrs.node === s.node && !old.attrs.role) removeElement(cons, old);
      const ids = configIds(cib);
      const id = uniqueId(ids, sanitizeId(`location-${rsc}-${s.node}-${s.score}`));
      cons.children.push(el("rsc_location", { id, rsc, node: s.node, score: s.score }));
    }
    return true;
  });
  return 0;
};

async function constraintLocationConfig(ctx: PcsContext): Promise<number> {
  if (ctx.args[0] === "show") deprecatedShow(ctx, "pcs constraint location config");
  const cib = await readCib(ctx);
  let lines = locationLines(cib, ctx.options.flags.has("--full"));
  const [, what, ...ids] = ctx.args;
  if (what === "resources" && ids.length > 0) {
    const keep: string[] = [lines[0]];
    let on = false;
    for (const l of lines.slice(1)) {
      if (l.startsWith("  Resource")) on = ids.includes(l.replace(/^ {2}Resource(?: pattern)?: /, ""));
      if (on) keep.push(l);
    }
    lines = keep;
  }
  ctx.io.stdout(lines.map((l) => `${l}\n`).join(""));
  return 0;
}

// ---------- colocation ----------

/** pcs's role names: the allowed list printed in errors, and the canonical spelling. */
export const PCMK_ROLES = ["Master", "Promoted", "Slave", "Started", "Stopped", "Unpromoted"];

function canonicalRole(r: string): string | undefined {
  return PCMK_ROLES.find((x) => x.toLowerCase() === r.toLowerCase());
}

function roleError(r: string): PcsError {
  return new PcsError(
    `invalid role value '${r}', allowed values are: ${PCMK_ROLES.map((x) => `'${x}'`).join(", ")}`,
  );
}

export const constraintColocationAdd: PcsHandler = async (ctx) => {
  const usage = subcommandUsage("constraint", "colocation");
  const plain = ctx.args.filter((w) => !w.includes("="));
  const options: [string, string][] = [];
  for (const w of ctx.args) {
    if (!w.includes("=")) continue;
    const kv = splitKeyValue(w);
    if (!kv) throw new PcsUsageError(usage);
    if (kv[1] === "") throw new PcsError(`value of '${kv[0]}' option is empty`);
    options.push(kv);
  }
  const withAt = plain.indexOf("with");
  if (withAt >= 0 && plain.indexOf("with", withAt + 1) >= 0)
    throw new PcsError(
      "Multiple 'with's cannot be specified.\nHint: Use the 'pcs constraint colocation set' command if you want to create a constraint for more than two resources.",
    );
  let source: string[];
  let target: string[];
  if (withAt >= 0) {
    source = plain.slice(0, withAt);
    target = plain.slice(withAt + 1);
  } else {
    // pcs 0.9: "A B [SCORE]" (and roles before each resource).
    if (plain.length < 2) throw new PcsUsageError(usage);
    const roleFirst = canonicalRole(plain[0]) !== undefined && plain.length >= 3;
    source = roleFirst ? plain.slice(0, 2) : plain.slice(0, 1);
    target = plain.slice(source.length);
  }
  if (source.length < 1 || source.length > 2 || target.length < 1 || target.length > 3)
    throw new PcsUsageError(usage);
  let score = "INFINITY";
  // The target side: [ROLE] RSC [SCORE].
  if (target.length === 3 || (target.length === 2 && isScore(target[1]))) score = target.pop()!;
  else if (target.length === 2 && withAt < 0 && canonicalRole(target[0]) === undefined) score = target.pop()!;
  const [rscRole, a] = source.length === 2 ? [source[0], source[1]] : [undefined, source[0]];
  const [withRole, b] = target.length === 2 ? [target[0], target[1]] : [undefined, target[0]];
  if (rscRole !== undefined && !canonicalRole(rscRole)) throw roleError(rscRole);
  if (withRole !== undefined && !canonicalRole(withRole)) throw roleError(withRole);
  if (!isScore(score)) throw new PcsError(`invalid score '${score}', use integer or INFINITY or -INFINITY`);
  let explicitId: string | undefined;
  const extra: [string, string][] = [];
  for (const [k, v] of options) {
    if (k === "score") {
      if (!isScore(v)) throw new PcsError(`invalid score '${v}', use integer or INFINITY or -INFINITY`);
      score = v;
    } else if (k === "id") explicitId = v;
    else extra.push([k, v]);
  }
  await updateCib(ctx, (cib) => {
    requireResources(cib, [a, b]);
    if (a === b)
      throw new PcsError(
        "Cannot create a colocation constraint with the same resource as the source and target",
      );
    checkNotCloneMember(cib, a, ctx);
    checkNotCloneMember(cib, b, ctx);
    const cons = section(cib, "constraints");
    const roles = rscRole !== undefined || withRole !== undefined;
    const r1 = roles ? canonicalRole(rscRole ?? "Started")! : "Started";
    const r2 = roles ? canonicalRole(withRole ?? "Started")! : "Started";
    const dups = elements(cons, "rsc_colocation").filter(
      (c) =>
        c.attrs.rsc === a &&
        c.attrs["with-rsc"] === b &&
        (c.attrs["rsc-role"] ?? "Started") === r1 &&
        (c.attrs["with-rsc-role"] ?? "Started") === r2,
    );
    if (dups.length > 0 && !ctx.force)
      throw new PcsError("duplicate constraint already exists, use --force to override", {
        details: dups.map((d) => `  ${colocationText(d)} (id:${d.attrs.id})`),
      });
    const ids = configIds(cib);
    if (explicitId !== undefined) validateNewId(ids, explicitId, "constraint id");
    const id = explicitId ?? uniqueId(ids, sanitizeId(`colocation-${a}-${b}-${score}`));
    const attrs: Record<string, string> = { rsc: a, "with-rsc": b, score };
    if (roles) {
      attrs["rsc-role"] = r1;
      attrs["with-rsc-role"] = r2;
    }
    for (const [k, v] of extra) attrs[k] = v;
    attrs.id = id;
    cons.children.push(el("rsc_colocation", attrs));
    return true;
  });
  return 0;
};

/** `constraint colocation [config] [--full]`. */
export const constraintColocationConfig: PcsHandler = async (ctx) => {
  const cib = await readCib(ctx);
  ctx.io.stdout(
    colocationLines(cib, ctx.options.flags.has("--full"))
      .map((l) => `${l}\n`)
      .join(""),
  );
  return 0;
};

/** `constraint colocation delete|remove SOURCE TARGET`: every colocation of SOURCE with TARGET. */
export const constraintColocationDelete: PcsHandler = async (ctx) => {
  const [a, b] = ctx.args;
  if (!a || !b || ctx.args.length !== 2) throw new PcsUsageError(subcommandUsage("constraint", "colocation"));
  await updateCib(ctx, (cib) => {
    const cons = findSection(cib, "constraints");
    const found = cons
      ? elements(cons, "rsc_colocation").filter((c) => c.attrs.rsc === a && c.attrs["with-rsc"] === b)
      : [];
    if (found.length === 0)
      throw new PcsError(
        `Unable to find colocation constraint with source resource '${a}' and target resource '${b}'`,
      );
    for (const c of found) removeElement(cons!, c);
    return true;
  });
  return 0;
};

// ---------- order ----------

export const constraintOrder: PcsHandler = async (ctx) => {
  const words = [...ctx.args];
  const usage = subcommandUsage("constraint", "order");
  if (words[0] === "config" || words[0] === "show" || words.length === 0) {
    const cib = await readCib(ctx);
    ctx.io.stdout(
      orderLines(cib, ctx.options.flags.has("--full"))
        .map((l) => `${l}\n`)
        .join(""),
    );
    return 0;
  }
  if (words.filter((w) => w === "then").length > 1)
    throw new PcsError(
      "Multiple 'then's cannot be specified.\nHint: Use the 'pcs constraint order set' command if you want to create a constraint for more than two resources.",
    );
  const takeAction = () =>
    words.length > 1 && ACTIONS.includes(words[0].toLowerCase()) && words[1] !== "then"
      ? words.shift()!.toLowerCase()
      : undefined;
  const fa = takeAction();
  const first = words.shift();
  if (words.shift() !== "then") throw new PcsUsageError(usage);
  const ta = takeAction();
  const then = words.shift();
  if (!first || !then) throw new PcsUsageError(usage);
  const options: [string, string][] = [];
  for (const w of words) {
    const kv = splitKeyValue(w);
    if (!kv) throw new PcsUsageError(usage);
    if (kv[1] === "") throw new PcsError(`value of '${kv[0]}' option is empty`);
    options.push(kv);
  }
  const opt = new Map(options);
  const firstAction = fa ?? "start";
  const thenAction = ta ?? firstAction;
  let kind = opt.get("kind");
  if (kind !== undefined) {
    const k = ["Optional", "Mandatory", "Serialize"].find((x) => x.toLowerCase() === kind!.toLowerCase());
    if (!k)
      throw new PcsError(
        `invalid kind value '${kind}', allowed values are: 'Mandatory', 'Optional', 'Serialize'`,
      );
    kind = k;
  }
  const sym = opt.get("symmetrical");
  if (sym !== undefined && !["true", "false"].includes(sym.toLowerCase()))
    throw new PcsError(`invalid symmetrical value '${sym}', allowed values are: 'true', 'false'`);
  const allowed = ["kind", "symmetrical", "id", "require-all", "score"];
  for (const k of opt.keys())
    if (!allowed.includes(k))
      throw new PcsError(
        `invalid option '${k}', allowed options are: ${allowed.map((x) => `'${x}'`).join(", ")}`,
      );
  const score = opt.get("score");
  if (score !== undefined && !isScore(score))
    throw new PcsError(`invalid score '${score}', use integer or INFINITY or -INFINITY`);
  const kindText = kind ?? "Mandatory";
  let message = "";
  await updateCib(ctx, (cib) => {
    requireResources(cib, [first, then]);
    checkNotCloneMember(cib, first, ctx);
    checkNotCloneMember(cib, then, ctx);
    const cons = section(cib, "constraints");
    const dups = elements(cons, "rsc_order").filter(
      (c) =>
        c.attrs.first === first &&
        c.attrs.then === then &&
        (c.attrs["first-action"] ?? "start") === firstAction &&
        (c.attrs["then-action"] ?? c.attrs["first-action"] ?? "start") === thenAction,
    );
    if (dups.length > 0 && !ctx.force)
      throw new PcsError("duplicate constraint already exists, use --force to override", {
        details: dups.map((d) => `  ${orderText(d)} (id:${d.attrs.id})`),
      });
    const ids = configIds(cib);
    const explicit = opt.get("id");
    if (explicit !== undefined) validateNewId(ids, explicit, "constraint id");
    const id = explicit ?? uniqueId(ids, sanitizeId(`order-${first}-${then}-${kindText.toLowerCase()}`));
    const attrs: Record<string, string> = { first, then };
    // Options as given, then the actions: the order pcs writes and reports them in.
    const shown: string[] = [];
    for (const [k, v] of options) {
      if (k === "id") continue;
      const value = k === "kind" ? kindText : k === "symmetrical" ? v.toLowerCase() : v;
      attrs[k] = value;
      shown.push(`${k}=${value}`);
    }
    attrs["first-action"] = firstAction;
    attrs["then-action"] = thenAction;
    shown.push(`first-action=${firstAction}`, `then-action=${thenAction}`);
    attrs.id = id;
    cons.children.push(el("rsc_order", attrs));
    message = `Adding ${first} ${then} (kind: ${kindText}) (Options: ${shown.filter((x) => !x.startsWith("kind=")).join(" ")})\n`;
    return true;
  });
  ctx.io.stderr(message); // pcs 0.11 prints this on stderr
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
