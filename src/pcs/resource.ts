// `pcs resource ...`: create (resource-create.ts), delete/remove, update, meta,
// enable/disable, config, describe/list/standards/providers/agents, defaults.
// Group/clone/move/ban/clear live in resource-manage.ts.

import { el, elements, type XmlElement, walkElements } from "../core/xml.js";
import { removeFromSets } from "./constraint-sets.js";
import {
  type AgentMetadata,
  agentSearchPaths,
  defaultOperations,
  fullName,
  listFenceAgents,
  listLsb,
  listOcfTypes,
  listProviders,
  loadAgentMetadata,
  resolveAgentName,
} from "./agents.js";
import { splitKeyValue } from "./args.js";
import {
  sanitizeId,
  validateNewId,
  configIds,
  findSection,
  readCib,
  removeElement,
  section,
  setNvpair,
  uniqueId,
  updateCib,
} from "./cib.js";
import { PcsError, PcsUsageError, Reports } from "./errors.js";
import { defaultsLines, resourceLines, topLevelResources } from "./render.js";
import { createResource, parseCreateArgs, validateInstanceAttrs, validateOps } from "./resource-create.js";
import { allPrimitives, findResource, isStonith, RESOURCE_TAGS, resourceParent } from "./resources.js";
import type { CommandIO } from "../cli/io.js";
import type { PcsContext, PcsHandler } from "./types.js";
import { subcommandUsage } from "./usage.js";

export const resourceCreate: PcsHandler = (ctx) => createResource(ctx, "resource");

/** Removes every constraint naming one of `ids` and takes them out of resource sets; returns pcs's lines. */
export function removeConstraintsOf(cib: XmlElement, ids: Set<string>): string[] {
  const out: string[] = [];
  const constraints = findSection(cib, "constraints");
  if (constraints)
    for (const c of elements(constraints))
      if (["rsc", "with-rsc", "first", "then"].some((k) => c.attrs[k] !== undefined && ids.has(c.attrs[k]))) {
        out.push(`Removing Constraint - ${c.attrs.id}`);
        removeElement(constraints, c);
      }
  for (const g of ids) out.push(...removeFromSets(cib, g));
  return out;
}

/** Removes a resource and every constraint referring to it; returns the lines pcs prints. */
export function deleteResource(cib: XmlElement, rsc: XmlElement): string[] {
  const out: string[] = [];
  const id = rsc.attrs.id;
  let parent = resourceParent(cib, rsc);
  let target = rsc;
  let suffix = "";
  // Removing the last member of a group removes the group; a clone goes with its child.
  while (
    parent &&
    (parent.name === "clone" ||
      parent.name === "master" ||
      (parent.name === "group" && elements(parent, "primitive").length === 1))
  ) {
    suffix = parent.name === "group" ? " (and group)" : suffix;
    target = parent;
    parent = resourceParent(cib, parent);
  }
  const gone = new Set<string>();
  for (const e of walkElements(target))
    if (RESOURCE_TAGS.includes(e.name) && e.attrs.id) gone.add(e.attrs.id);
  out.push(...removeConstraintsOf(cib, gone));
  if (parent) removeElement(parent, target);
  out.push(`Deleting Resource${suffix} - ${id}`);
  return out;
}

/** pcs 0.11 still lets resource commands act on fence devices, with this deprecation warning. */
function stonithMismatchWarning(io: CommandIO): void {
  io.stderr(
    "Deprecation Warning: Ability of this command to accept stonith resources is deprecated and will be removed in a future release.\n",
  );
}

export function makeDeleteHandler(kind: "resource" | "stonith"): PcsHandler {
  return async (ctx) => {
    if (ctx.args.length !== 1) throw new PcsUsageError(subcommandUsage(kind, "delete"));
    const id = ctx.args[0];
    const lines: string[] = [];
    // On a running cluster pcs stops the resource first and waits (unless --force).
    if (!ctx.force && ctx.cib().kind === "live") {
      const current = await readCib(ctx);
      if (findResource(current, id)) await (await import("./live-ops.js")).stopBeforeDelete(ctx, id);
    }
    await updateCib(ctx, (cib) => {
      const rsc = findResource(cib, id);
      if (!rsc || (kind === "stonith" && !isStonith(rsc)))
        throw new PcsError(`Resource '${id}' does not exist.`);
      if (kind === "resource" && isStonith(rsc)) stonithMismatchWarning(ctx.io);
      lines.push(...deleteResource(cib, rsc));
      return true;
    });
    ctx.io.stderr(lines.map((l) => `${l}\n`).join(""));
    return 0;
  };
}

export const resourceDelete = makeDeleteHandler("resource");

/** Finds a resource by id or fails the way pcs's library does. */
function requireResource(cib: XmlElement, id: string, ctx: PcsContext): XmlElement {
  const r = findResource(cib, id);
  if (!r) {
    const reports = new Reports(false);
    reports.error("ID_NOT_FOUND", `bundle/clone/group/resource '${id}' does not exist`);
    reports.flush(ctx.io);
  }
  return r!;
}

function setMeta(rsc: XmlElement, ids: Set<string>, pairs: [string, string][]): boolean {
  let set = elements(rsc, "meta_attributes")[0];
  let changed = false;
  if (!set) {
    if (pairs.every(([, v]) => v === "")) return false;
    set = el("meta_attributes", { id: uniqueId(ids, `${rsc.attrs.id}-meta_attributes`) });
    rsc.children.unshift(set);
    changed = true;
  }
  for (const [k, v] of pairs) changed = setNvpair(set, ids, k, v) || changed;
  return changed;
}

function makeEnableHandler(enable: boolean): PcsHandler {
  return async (ctx) => {
    if (ctx.args.length === 0)
      throw new PcsError("You must specify resource(s) to " + (enable ? "enable" : "disable"));
    await updateCib(ctx, (cib) => {
      const rscs = ctx.args.map((id) => findResource(cib, id));
      const missing = ctx.args.filter((_, i) => !rscs[i]);
      if (missing.length > 0) {
        const reports = new Reports(false);
        for (const m of missing)
          reports.error("ID_NOT_FOUND", `bundle/clone/group/resource '${m}' does not exist`);
        reports.flush(ctx.io);
      }
      const ids = configIds(cib);
      let changed = false;
      for (const r of rscs) {
        // pcs also clears target-role of a clone's / group's child when enabling.
        const targets = enable
          ? [r!, ...elements(r!).filter((c) => c.name === "primitive" || c.name === "group")]
          : [r!];
        for (const t of targets)
          changed = setMeta(t, ids, [["target-role", enable ? "" : "Stopped"]]) || changed;
      }
      return changed;
    });
    return 0;
  };
}

export const resourceEnable = makeEnableHandler(true);
export const resourceDisable = makeEnableHandler(false);

export const resourceMeta: PcsHandler = async (ctx) => {
  if (ctx.args.length < 2) throw new PcsUsageError(subcommandUsage("resource", "meta"));
  const [id, ...rest] = ctx.args;
  const pairs = rest.map(
    (w) =>
      splitKeyValue(w) ??
      (() => {
        throw new PcsUsageError(subcommandUsage("resource", "meta"));
      })(),
  );
  await updateCib(ctx, (cib) => setMeta(requireResource(cib, id, ctx), configIds(cib), pairs));
  return 0;
};

/** `resource update ID [k=v...] [op ACTION k=v...] [meta k=v...]` (stonith update uses it too). */
export function makeUpdateHandler(kind: "resource" | "stonith"): PcsHandler {
  return async (ctx) => {
    if (ctx.args.length < 1) throw new PcsUsageError(subcommandUsage(kind, "update"));
    const [id, ...rest] = ctx.args;
    const args = parseCreateArgs(rest, subcommandUsage(kind, "update"));
    const paths = agentSearchPaths(ctx.io.env);
    await updateCib(ctx, (cib) => {
      const rsc = findResource(cib, id);
      if (!rsc) throw new PcsError(`Unable to find resource: ${id}`);
      const ids = configIds(cib);
      let changed = false;
      if (rsc.name !== "primitive") {
        if (args.instance.length > 0 || args.ops.length > 0)
          throw new PcsError(`'${id}' is a ${rsc.name}: only meta attributes can be updated`);
        return setMeta(rsc, ids, args.meta);
      }
      const reports = new Reports(ctx.force);
      let md: AgentMetadata | undefined;
      try {
        md = loadAgentMetadata(
          { standard: rsc.attrs.class, provider: rsc.attrs.provider, type: rsc.attrs.type },
          paths,
        );
      } catch (e) {
        if (!(e instanceof PcsError)) throw e;
        reports.error("UNABLE_TO_GET_AGENT_METADATA", e.message, { forceable: true });
      }
      if (md)
        validateInstanceAttrs(
          reports,
          md,
          args.instance.filter(([, v]) => v !== ""),
          { checkRequired: false, what: kind },
        );
      validateOps(reports, md, args.ops);
      reports.flush(ctx.io);
      if (args.instance.length > 0) {
        let set = elements(rsc, "instance_attributes")[0];
        if (!set) {
          set = el("instance_attributes", { id: uniqueId(ids, `${id}-instance_attributes`) });
          const metaIdx = rsc.children.findIndex((c) => c.type === "element" && c.name === "operations");
          rsc.children.splice(metaIdx < 0 ? rsc.children.length : metaIdx, 0, set);
        }
        for (const [k, v] of args.instance) changed = setNvpair(set, ids, k, v) || changed;
      }
      if (args.meta.length > 0) changed = setMeta(rsc, ids, args.meta) || changed;
      if (args.ops.length > 0) {
        let ops = elements(rsc, "operations")[0];
        if (!ops) {
          ops = el("operations");
          rsc.children.push(ops);
        }
        for (const o of args.ops) {
          // pcs replaces the first operation of that name (or adds one).
          const existing = elements(ops, "op").find((x) => x.attrs.name === o.name);
          if (existing) ids.delete(existing.attrs.id);
          const interval = new Map(o.options).get("interval") ?? (o.name === "monitor" ? "60s" : "0s");
          const others = elements(ops, "op").filter((x) => x !== existing);
          const clash = others.filter(
            (x) =>
              x.attrs.name === o.name && intervalText(x.attrs.interval ?? "0s") === intervalText(interval),
          );
          if (clash.length > 0)
            throw new PcsError(
              `operation ${o.name} with interval ${intervalText(interval)} already specified for ${id}:`,
              {
                details: clash.map(opSummary),
              },
            );
          const attrs: Record<string, string> = { name: o.name, interval };
          for (const [k, v] of o.options) if (k !== "interval" && k !== "id") attrs[k] = v;
          attrs.id = new Map(o.options).get("id") ?? uniqueId(ids, `${id}-${o.name}-interval-${interval}`);
          const op = el("op", attrs);
          if (existing) ops.children[ops.children.indexOf(existing)] = op;
          else ops.children.push(op);
          changed = true;
        }
      }
      return changed;
    });
    return 0;
  };
}

export const resourceUpdate = makeUpdateHandler("resource");

/** `resource config [ID...]` / `stonith config [ID...]`. */
export function makeConfigHandler(kind: "resource" | "stonith"): PcsHandler {
  return async (ctx) => {
    const cib = await readCib(ctx);
    const { resources, stonith } = topLevelResources(cib);
    let list = kind === "stonith" ? stonith : resources;
    if (ctx.args.length > 0) {
      list = [];
      for (const id of ctx.args) {
        const r = findResource(cib, id);
        if (!r || (kind === "stonith" && !isStonith(r)))
          throw new PcsError(`Unable to find ${kind === "stonith" ? "stonith device" : "resource"}: ${id}`);
        if (kind === "resource" && isStonith(r)) stonithMismatchWarning(ctx.io);
        list.push(r);
      }
    }
    const lines: string[] = [];
    for (const r of list) lines.push(...resourceLines(r));
    ctx.io.stdout(lines.map((l) => `${l}\n`).join(""));
    return 0;
  };
}

export const resourceConfig = makeConfigHandler("resource");

/** `resource describe AGENT [--full]` / `stonith describe`. */
export function describeAgent(md: AgentMetadata, full: boolean, what: "Resource" | "Stonith"): string {
  const lines: string[] = [];
  lines.push(`${fullName(md.name)} - ${md.shortdesc}`, "");
  if (md.longdesc) lines.push(md.longdesc, "");
  lines.push(`${what} options:`);
  for (const p of md.parameters) {
    if (!full && (p.advanced || p.deprecated)) continue;
    const flags = `${p.required ? " (required)" : ""}${p.unique ? " (unique)" : ""}${p.deprecated ? " (deprecated)" : ""}`;
    lines.push(`  ${p.name}${flags}: ${p.longdesc || p.shortdesc}`);
  }
  const ops = defaultOperations(md);
  if (what === "Resource" && ops.length > 0) {
    lines.push("", "Default operations:");
    for (const o of ops) {
      lines.push(`  ${o.name}:`);
      for (const [k, v] of o.options) lines.push(`    ${k}=${v}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

export const resourceDescribe: PcsHandler = async (ctx) => {
  if (ctx.args.length !== 1) throw new PcsUsageError(subcommandUsage("resource", "describe"));
  const paths = agentSearchPaths(ctx.io.env);
  const { name, deduced } = resolveAgentName(ctx.args[0], paths);
  if (deduced) ctx.io.stderr(`Assumed agent name '${fullName(name)}' (deduced from '${ctx.args[0]}')\n`);
  const md = loadAgentMetadata(name, paths);
  ctx.io.stdout(describeAgent(md, ctx.options.flags.has("--full"), "Resource"));
  return 0;
};

export const resourceStandards: PcsHandler = async (ctx) => {
  ctx.io.stdout(["lsb", "ocf", "service", "systemd"].map((s) => `${s}\n`).join(""));
  return 0;
};

export const resourceProviders: PcsHandler = async (ctx) => {
  ctx.io.stdout(
    listProviders(agentSearchPaths(ctx.io.env))
      .map((p) => `${p}\n`)
      .join(""),
  );
  return 0;
};

function agentNames(ctx: PcsContext, filter?: string): string[] {
  const paths = agentSearchPaths(ctx.io.env);
  const out: string[] = [];
  const [std, prov] = (filter ?? "").split(":");
  if (!std || std === "ocf")
    for (const p of listProviders(paths)) {
      if (prov && p !== prov) continue;
      for (const t of listOcfTypes(paths, p)) out.push(`ocf:${p}:${t}`);
    }
  if (!std || std === "lsb" || std === "service") for (const t of listLsb(paths)) out.push(`lsb:${t}`);
  if (std === "stonith") for (const t of listFenceAgents(paths)) out.push(`stonith:${t}`);
  return out;
}

export const resourceAgents: PcsHandler = async (ctx) => {
  const names = agentNames(ctx, ctx.args[0]);
  const short = ctx.args[0] ? names.map((n) => n.split(":").pop()!) : names;
  ctx.io.stdout(short.map((n) => `${n}\n`).join(""));
  return 0;
};

export const resourceList: PcsHandler = async (ctx) => {
  const filter = (ctx.args[0] ?? "").toLowerCase();
  const paths = agentSearchPaths(ctx.io.env);
  const names = agentNames(ctx).filter((n) => n.toLowerCase().includes(filter));
  const lines: string[] = [];
  for (const n of names) {
    if (ctx.options.flags.has("--nodesc")) {
      lines.push(n);
      continue;
    }
    let desc = "";
    try {
      const [standard, provider, type] = n.split(":");
      desc = loadAgentMetadata(
        type === undefined ? { standard, type: provider } : { standard, provider, type },
        paths,
      ).shortdesc;
    } catch {
      desc = "";
    }
    lines.push(desc ? `${n} - ${desc}` : n);
  }
  if (lines.length === 0) throw new PcsError("No resource agents matching the filter.");
  ctx.io.stdout(lines.map((l) => `${l}\n`).join(""));
  return 0;
};

/** `resource defaults` / `resource op defaults`: config, update/set k=v, and pcs 0.9's bare k=v. */
export function makeDefaultsHandler(sectionName: "rsc_defaults" | "op_defaults"): PcsHandler {
  return async (ctx) => {
    let words = ctx.args;
    const cmd = sectionName === "rsc_defaults" ? "resource defaults" : "resource op defaults";
    if (words[0] === "config" || words.length === 0) {
      const cib = await readCib(ctx);
      ctx.io.stdout(
        defaultsLines(cib, sectionName, "")
          .map((l) => `${l}\n`)
          .join(""),
      );
      return 0;
    }
    const usage = subcommandUsage("resource", "defaults");
    const kvs = (list: string[]): [string, string][] =>
      list.map((w) => {
        const eq = w.indexOf("=");
        if (eq < 0) throw new PcsError(`missing value of '${w}' option`);
        if (eq === 0) throw new PcsError(`missing key in '${w}' option`);
        return [w.slice(0, eq), w.slice(eq + 1)];
      });
    const warn = () =>
      ctx.io.stderr(
        "Warning: Defaults do not apply to resources which override them with their own defined values\n",
      );
    if (words[0] === "set" && (words[1] === "delete" || words[1] === "remove")) {
      const setIds = words.slice(2);
      if (setIds.length === 0) throw new PcsUsageError(usage);
      await updateCib(ctx, (cib) => {
        const sec = findSection(cib, sectionName);
        for (const id of setIds) {
          const set = sec && elements(sec, "meta_attributes").find((x) => x.attrs.id === id);
          if (!set)
            throw new PcsError(`Unable to find a meta attribute set with id '${id}' in ${sectionName}`);
          removeElement(sec!, set);
        }
        return true;
      });
      return 0;
    }
    if (words[0] === "set" && words[1] === "create") {
      const rest = words.slice(2);
      const metaAt = rest.indexOf("meta");
      if (rest.includes("rule"))
        throw new PcsError(`rules in ${sectionName} are not supported by tandem's pcs yet`);
      const setOpts = new Map(kvs(metaAt < 0 ? rest : rest.slice(0, metaAt)));
      const pairs = metaAt < 0 ? [] : kvs(rest.slice(metaAt + 1));
      for (const k of setOpts.keys())
        if (k !== "id" && k !== "score")
          throw new PcsError(`invalid option '${k}', allowed options are: 'id', 'score'`);
      await updateCib(ctx, (cib) => {
        const ids = configIds(cib);
        const explicit = setOpts.get("id");
        if (explicit !== undefined) validateNewId(ids, explicit, "id");
        const id = explicit ?? uniqueId(ids, `${sectionName}-meta_attributes`);
        const attrs: Record<string, string> = { id };
        if (setOpts.has("score")) attrs.score = setOpts.get("score")!;
        const set = el("meta_attributes", attrs);
        for (const [k, v] of pairs)
          set.children.push(el("nvpair", { id: uniqueId(ids, sanitizeId(`${id}-${k}`)), name: k, value: v }));
        section(cib, sectionName).children.push(set);
        return true;
      });
      warn();
      return 0;
    }
    let setId: string | undefined;
    if (words[0] === "set" && words[1] === "update") {
      setId = words[2];
      if (!setId) throw new PcsUsageError(usage);
      words = words.slice(3);
      if (words[0] === "meta") words = words.slice(1);
    } else if (words[0] === "update") words = words.slice(1);
    else
      ctx.io.stderr(
        `Deprecation Warning: This command is deprecated and will be removed. Please use 'pcs ${cmd} update' instead.\n`,
      );
    const pairs = kvs(words);
    if (pairs.length === 0) throw new PcsUsageError(usage);
    await updateCib(ctx, (cib) => {
      const ids = configIds(cib);
      const sec = section(cib, sectionName);
      let set = setId
        ? elements(sec, "meta_attributes").find((x) => x.attrs.id === setId)
        : elements(sec, "meta_attributes")[0];
      if (setId && !set)
        throw new PcsError(`Unable to find a meta attribute set with id '${setId}' in ${sectionName}`);
      if (!set) {
        set = el("meta_attributes", { id: uniqueId(ids, `${sectionName}-meta_attributes`) });
        sec.children.push(set);
      }
      for (const [k, v] of pairs) setNvpair(set, ids, k, v);
      // pcs writes the (possibly emptied) set even when nothing changed.
      return true;
    });
    warn();
    return 0;
  };
}

export const resourceDefaults = makeDefaultsHandler("rsc_defaults");
export const resourceOpDefaults = makeDefaultsHandler("op_defaults");

/** `resource op add ID ACTION k=v...` and `resource op delete|remove ID [ACTION [k=v]] | OP_ID`. */
/** "monitor interval=30s timeout=20s (ID)": an operation as pcs quotes it in errors. */
function opSummary(o: XmlElement): string {
  const parts = Object.entries(o.attrs)
    .filter(([k]) => k !== "name" && k !== "id")
    .map(([k, v]) => `${k}=${v}`);
  return `${o.attrs.name} ${parts.join(" ")} (${o.attrs.id})`;
}

/** pcs's normalized interval in messages: a bare number is seconds. */
function intervalText(v: string): string {
  return /^\d+$/.test(v) ? `${v}s` : v;
}

/**
 * The checks pcs makes before adding an operation: the same action with the same
 * interval is refused; another operation of the same action is refused unless forced
 * (operations with a depth or a role are expected to come in several).
 */
function operationConflict(
  existing: XmlElement[],
  rscId: string,
  action: string,
  interval: string,
  options: [string, string][],
  force: boolean,
): PcsError | undefined {
  if (action.includes("=")) return new PcsError(`${action} does not appear to be a valid operation action`);
  const same = existing.filter((o) => o.attrs.name === action);
  const sameInterval = same.filter((o) => intervalText(o.attrs.interval ?? "0s") === intervalText(interval));
  if (sameInterval.length > 0)
    return new PcsError(
      `operation ${action} with interval ${intervalText(interval)} already specified for ${rscId}:`,
      {
        details: sameInterval.map(opSummary),
      },
    );
  const layered = (o: XmlElement) =>
    o.attrs.role !== undefined || elements(o, "instance_attributes").length > 0;
  const newLayered = options.some(([k]) => k === "role" || k === "OCF_CHECK_LEVEL");
  if (same.length > 0 && !force && !newLayered && !same.some(layered))
    return new PcsError(`operation ${action} already specified for ${rscId}, use --force to override:`, {
      details: same.map(opSummary),
    });
  return undefined;
}

export const resourceOpAdd: PcsHandler = async (ctx) => {
  if (ctx.args.length < 2) throw new PcsUsageError(subcommandUsage("resource", "op"));
  const [id, action, ...rest] = ctx.args;
  const options: [string, string][] = rest.map(
    (w) =>
      splitKeyValue(w) ??
      (() => {
        throw new PcsUsageError(subcommandUsage("resource", "op"));
      })(),
  );
  await updateCib(ctx, (cib) => {
    const rsc = findResource(cib, id);
    if (rsc?.name !== "primitive") throw new PcsError(`Unable to find resource: ${id}`);
    const reports = new Reports(ctx.force);
    validateOps(reports, undefined, [{ name: action, options }]);
    reports.flush(ctx.io);
    const ids = configIds(cib);
    let ops = elements(rsc, "operations")[0];
    if (!ops) {
      ops = el("operations");
      rsc.children.push(ops);
    }
    const interval = new Map(options).get("interval") ?? (action === "monitor" ? "60s" : "0s");
    const conflict = operationConflict(elements(ops, "op"), id, action, interval, options, ctx.force);
    if (conflict) throw conflict;
    const attrs: Record<string, string> = { name: action, interval };
    for (const [k, v] of options) if (k !== "interval" && k !== "id") attrs[k] = v;
    attrs.id = new Map(options).get("id") ?? uniqueId(ids, `${id}-${action}-interval-${interval}`);
    ops.children.push(el("op", attrs));
    return true;
  });
  return 0;
};

export const resourceOpDelete: PcsHandler = async (ctx) => {
  if (ctx.args.length < 1) throw new PcsUsageError(subcommandUsage("resource", "op"));
  const [id, action, ...rest] = ctx.args;
  await updateCib(ctx, (cib) => {
    if (action === undefined) {
      // `op delete OP_ID`
      for (const p of allPrimitives(cib)) {
        const ops = elements(p, "operations")[0];
        const op = ops && elements(ops, "op").find((o) => o.attrs.id === id);
        if (op) {
          removeElement(ops, op);
          return true;
        }
      }
      throw new PcsError(`unable to find operation id: ${id}`);
    }
    const rsc = findResource(cib, id);
    if (rsc?.name !== "primitive") throw new PcsError(`Unable to find resource: ${id}`);
    const ops = elements(rsc, "operations")[0];
    const filters = rest.map((w) => splitKeyValue(w)).filter((x): x is [string, string] => !!x);
    const matching = ops
      ? elements(ops, "op").filter(
          (o) => o.attrs.name === action && filters.every(([k, v]) => o.attrs[k] === v),
        )
      : [];
    if (matching.length === 0)
      throw new PcsError(`Unable to find operation matching: ${[action, ...rest].join(" ")}`);
    for (const m of matching) removeElement(ops!, m);
    return true;
  });
  return 0;
};
