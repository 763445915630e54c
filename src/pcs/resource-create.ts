// `pcs resource create` and `pcs stonith create`: parse the command line (instance
// attributes, `op`, `meta`, `clone`/`promotable`), validate against the agent's
// meta-data, and build the primitive the way pcs does (ids, default operations).

import { el, elements, type XmlElement } from "../core/xml.js";
import {
  type AgentMetadata,
  type AgentName,
  agentSearchPaths,
  defaultOperations,
  FENCER_PARAMS,
  fullName,
  loadAgentMetadata,
  OCF_IMPLICIT_PARAMS,
  resolveAgentName,
} from "./agents.js";
import { splitKeyValue } from "./args.js";
import { configIds, sanitizeId, section, uniqueId, updateCib, validateNewId } from "./cib.js";
import { isTimeInterval } from "./cluster-options.js";
import { PcsError, PcsUsageError, Reports } from "./errors.js";
import { allPrimitives, findResource } from "./resources.js";
import type { PcsContext } from "./types.js";
import { subcommandUsage } from "./usage.js";

export interface OpSpec {
  name: string;
  options: [string, string][];
}

export interface CreateArgs {
  instance: [string, string][];
  ops: OpSpec[];
  meta: [string, string][];
  clone?: { kind: "clone" | "promotable"; id?: string; options: [string, string][] };
}

export const OP_OPTIONS = [
  "OCF_CHECK_LEVEL",
  "description",
  "enabled",
  "id",
  "interval",
  "interval-origin",
  "name",
  "on-fail",
  "record-pending",
  "role",
  "start-delay",
  "timeout",
];

/** Splits the words after NAME AGENT into attributes, ops, meta and clone parts. */
export function parseCreateArgs(words: string[], usage: string): CreateArgs {
  const out: CreateArgs = { instance: [], ops: [], meta: [] };
  let mode: "instance" | "op" | "meta" | "clone" = "instance";
  let op: OpSpec | undefined;
  let emptyOp = false;
  for (const w of words) {
    if (w === "op") {
      mode = "op";
      op = undefined;
      emptyOp = true;
      continue;
    }
    if (w === "meta") {
      if (mode === "op" && emptyOp)
        throw new PcsError("When using 'op' you must specify an operation name and at least one option");
      mode = "meta";
      continue;
    }
    if (w === "clone" || w === "promotable" || w === "master") {
      if (out.clone) throw new PcsUsageError(usage);
      mode = "clone";
      out.clone = { kind: w === "clone" ? "clone" : "promotable", options: [] };
      continue;
    }
    const kv = splitKeyValue(w);
    if (mode === "op") {
      if (!kv) {
        op = { name: w, options: [] };
        out.ops.push(op);
        emptyOp = false;
      } else if (!op) throw new PcsError("When using 'op' you must specify an operation name after 'op'");
      else {
        const prev = op.options.find(([k]) => k === kv[0]);
        if (prev && prev[1] !== kv[1])
          throw new PcsError(`duplicate option '${kv[0]}' with different values '${prev[1]}' and '${kv[1]}'`);
        if (!prev) op.options.push(kv);
      }
      continue;
    }
    if (mode === "clone") {
      if (!kv && out.clone!.id === undefined && out.clone!.options.length === 0) out.clone!.id = w;
      else if (!kv) throw new PcsUsageError(usage);
      else out.clone!.options.push(kv);
      continue;
    }
    if (!kv) throw new PcsUsageError(usage);
    (mode === "meta" ? out.meta : out.instance).push(kv);
  }
  if (mode === "op" && emptyOp)
    throw new PcsError("When using 'op' you must specify an operation name and at least one option");
  for (const o of out.ops)
    if (o.options.length === 0)
      throw new PcsError(`When using 'op' you must specify an operation name and at least one option`);
  return out;
}

function quoteList(names: string[]): string {
  return names.map((n) => `'${n}'`).join(", ");
}

/** Validates instance attributes against meta-data: unknown (forceable) and missing required (forceable). */
export function validateInstanceAttrs(
  reports: Reports,
  md: AgentMetadata,
  given: [string, string][],
  opts: { checkRequired: boolean; what?: string },
): void {
  if (md.parameters.length === 0 && md.name.standard !== "ocf" && md.name.standard !== "stonith") return;
  const what = opts.what ?? "resource";
  const allowed = new Set(md.parameters.map((p) => p.name));
  if (md.name.standard === "ocf") for (const p of OCF_IMPLICIT_PARAMS) allowed.add(p);
  if (md.name.standard === "stonith") for (const p of FENCER_PARAMS) allowed.add(p);
  const unknown = given.map(([k]) => k).filter((k) => !allowed.has(k));
  if (unknown.length > 0) {
    const list = [...allowed].sort();
    const s = unknown.length > 1 ? "s" : "";
    reports.error(
      "INVALID_OPTIONS",
      `invalid ${what} option${s} ${quoteList(unknown)}, allowed options are: ${quoteList(list)}`,
      { forceable: true },
    );
  }
  if (opts.checkRequired) {
    const names = new Set(given.filter(([, v]) => v !== "").map(([k]) => k));
    const missing = md.parameters
      .filter((p) => p.required && !p.deprecated && !names.has(p.name))
      .map((p) => p.name);
    if (missing.length > 0) {
      const many = missing.length > 1;
      reports.error(
        "REQUIRED_OPTIONS_ARE_MISSING",
        `required ${what} option${many ? "s" : ""} ${quoteList(missing)} ${many ? "are" : "is"} missing`,
        { forceable: true },
      );
    }
  }
}

const ON_FAIL = ["block", "demote", "fence", "ignore", "restart", "restart-container", "standby", "stop"];
const OP_BOOLEANS = ["0", "1", "false", "true"];
const ROLES = ["Master", "Promoted", "Slave", "Started", "Stopped", "Unpromoted"];

/** Seconds of a Pacemaker interval ("1h", "3600sec", "60" ...), for spotting the same interval twice. */
function intervalSeconds(v: string): number | undefined {
  const m = /^\s*(\d+)\s*(ms|msec|us|usec|s|sec|m|min|h|hr)?\s*$/i.exec(v);
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = (m[2] ?? "s").toLowerCase();
  const factor: Record<string, number> = {
    ms: 0.001,
    msec: 0.001,
    us: 1e-6,
    usec: 1e-6,
    s: 1,
    sec: 1,
    m: 60,
    min: 60,
    h: 3600,
    hr: 3600,
  };
  return n * factor[unit];
}

/** pcs's checks of operations given on the command line (names, options, values, duplicates). */
export function validateOps(reports: Reports, md: AgentMetadata | undefined, ops: OpSpec[]): void {
  const actionNames =
    md && md.actions.length > 0 ? [...new Set(md.actions.map((a) => a.name))].sort() : undefined;
  for (const op of ops) {
    if (actionNames && !actionNames.includes(op.name))
      reports.error(
        "INVALID_OPTION_VALUE",
        `'${op.name}' is not a valid operation name value, use ${quoteList(actionNames)}`,
        {
          forceable: true,
        },
      );
    const bad = op.options.map(([k]) => k).filter((k) => !OP_OPTIONS.includes(k));
    if (bad.length > 0)
      reports.error(
        "INVALID_OPTIONS",
        `invalid resource operation option${bad.length > 1 ? "s" : ""} ${quoteList(bad)}, allowed options are: ${quoteList(OP_OPTIONS)}`,
      );
    for (const [k, v] of op.options) {
      if ((k === "interval" || k === "timeout" || k === "start-delay") && !isTimeInterval(v))
        reports.error(
          "INVALID_OPTION_VALUE",
          `'${v}' is not a valid ${k} value, use time interval (e.g. 1, 2s, 3m, 4h, ...)`,
        );
      if (k === "role" && !ROLES.some((r) => r.toLowerCase() === v.toLowerCase()))
        reports.error("INVALID_OPTION_VALUE", `'${v}' is not a valid role value, use ${quoteList(ROLES)}`);
      if (k === "on-fail" && !ON_FAIL.includes(v))
        reports.error(
          "INVALID_OPTION_VALUE",
          `'${v}' is not a valid on-fail value, use ${quoteList(ON_FAIL)}`,
        );
      if ((k === "record-pending" || k === "enabled") && !OP_BOOLEANS.includes(v))
        reports.error(
          "INVALID_OPTION_VALUE",
          `'${v}' is not a valid ${k} value, use ${quoteList(OP_BOOLEANS)}`,
        );
      if (k === "id" && !/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(v)) {
        const first = !/^[A-Za-z_]/.test(v);
        const bad = first ? v[0] : v.match(/[^A-Za-z0-9_.-]/)![0];
        reports.error(
          "INVALID_ID",
          `invalid operation id '${v}', '${bad}' is not a valid${first ? " first" : ""} character for a operation id`,
        );
      }
    }
    const names = op.options.map(([k]) => k);
    if (names.includes("start-delay") && names.includes("interval-origin"))
      reports.error(
        "MUTUALLY_EXCLUSIVE_OPTIONS",
        "Only one of resource operation options 'interval-origin' and 'start-delay' can be used",
      );
  }
  // The same action twice with the same interval (1h and 3600sec are the same).
  const groups = new Map<string, string[]>();
  for (const op of ops) {
    const interval = new Map(op.options).get("interval") ?? (op.name === "monitor" ? "60s" : "0s");
    const key = `${op.name} ${intervalSeconds(interval) ?? interval}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(interval);
  }
  const dups = [...groups.entries()].filter(([, v]) => v.length > 1);
  if (dups.length > 0)
    reports.error(
      "RESOURCE_OPERATION_INTERVAL_DUPLICATION",
      "multiple specification of the same operation with the same interval:",
      { details: dups.map(([k, v]) => `${k.split(" ")[0]} with intervals ${v.join(", ")}`) },
    );
}

/** Values of `unique` parameters must differ among resources of the same agent (forceable). */
export function validateUnique(
  reports: Reports,
  md: AgentMetadata,
  cib: XmlElement,
  given: [string, string][],
): void {
  const agent = fullName(md.name);
  for (const p of md.parameters) {
    // OCF 1.1 unique-group with a single member means the same as unique="1".
    const soloGroup =
      p.uniqueGroup !== undefined &&
      md.parameters.filter((x) => x.uniqueGroup === p.uniqueGroup).length === 1;
    if (!p.unique && !soloGroup) continue;
    const value = given.find(([k]) => k === p.name)?.[1];
    if (value === undefined || value === "") continue;
    const same: string[] = [];
    for (const prim of allPrimitives(cib)) {
      const a = prim.attrs.provider
        ? `${prim.attrs.class}:${prim.attrs.provider}:${prim.attrs.type}`
        : `${prim.attrs.class}:${prim.attrs.type}`;
      if (a !== agent) continue;
      if (instancePairs(prim).some(([k, v]) => k === p.name && v === value)) same.push(prim.attrs.id);
    }
    if (same.length > 0)
      reports.error(
        "RESOURCE_INSTANCE_ATTR_VALUE_NOT_UNIQUE",
        `Value '${value}' of option '${p.name}' is not unique across '${agent}' resources. Following resources are configured with the same value of the instance attribute: ${quoteList(same.sort())}`,
        { forceable: true },
      );
  }
}

/** An nvset element with pcs ids ("<owner>-<tag>", pairs "<set>-<name>"). */
export function makeNvset(
  tag: string,
  ownerId: string,
  pairs: [string, string][],
  ids: Set<string>,
): XmlElement {
  const setId = uniqueId(ids, `${ownerId}-${tag}`);
  const set = el(tag, { id: setId });
  for (const [name, value] of pairs)
    set.children.push(el("nvpair", { id: uniqueId(ids, sanitizeId(`${setId}-${name}`)), name, value }));
  return set;
}

function makeOp(rscId: string, name: string, options: [string, string][], ids: Set<string>): XmlElement {
  const attrs: Record<string, string> = { name };
  const given = new Map(options);
  const interval = given.get("interval") ?? (name === "monitor" ? "60s" : "0s");
  attrs.interval = interval;
  let depth: string | undefined;
  for (const [k, v] of options) {
    if (k === "interval" || k === "id" || k === "name") continue;
    if (k === "OCF_CHECK_LEVEL") {
      depth = v;
      continue;
    }
    attrs[k] = v;
  }
  const explicit = given.get("id");
  attrs.id = explicit ?? uniqueId(ids, sanitizeId(`${rscId}-${name}-interval-${interval}`));
  if (explicit) ids.add(explicit);
  const op = el("op", attrs);
  if (depth !== undefined)
    op.children.push(makeNvset("instance_attributes", attrs.id, [["OCF_CHECK_LEVEL", depth]], ids));
  return op;
}

/** Builds the primitive element: instance attributes sorted by name, user ops, then default ops. */
export function buildPrimitive(
  id: string,
  agent: AgentName,
  md: AgentMetadata | undefined,
  args: CreateArgs,
  ids: Set<string>,
  opts: { noDefaultOps?: boolean; disabled?: boolean },
): XmlElement {
  const attrs: Record<string, string> = { id, class: agent.standard, type: agent.type };
  if (agent.provider) attrs.provider = agent.provider;
  const prim = el("primitive", attrs);
  ids.add(id);
  const meta = [...args.meta];
  if (opts.disabled && !args.clone) meta.push(["target-role", "Stopped"]);
  if (meta.length > 0) prim.children.push(makeNvset("meta_attributes", id, meta, ids));
  const instance = [...args.instance].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  if (instance.length > 0) prim.children.push(makeNvset("instance_attributes", id, instance, ids));
  const ops: XmlElement[] = [];
  for (const o of args.ops) ops.push(makeOp(id, o.name, o.options, ids));
  const userNames = new Set(args.ops.map((o) => o.name));
  if (agent.standard === "stonith") {
    if (!userNames.has("monitor")) ops.push(makeOp(id, "monitor", [["interval", "60s"]], ids));
  } else if (md) {
    for (const d of defaultOperations(md)) {
      if (userNames.has(d.name) || (opts.noDefaultOps && d.name !== "monitor")) continue;
      ops.push(makeOp(id, d.name, d.options, ids));
    }
    // pcs keeps the operations sorted by action name.
    ops.sort((a, b) => (a.attrs.name < b.attrs.name ? -1 : a.attrs.name > b.attrs.name ? 1 : 0));
    if (md.actions.length === 0 && !userNames.has("monitor"))
      ops.push(makeOp(id, "monitor", [["interval", "60s"]], ids));
  }
  if (ops.length > 0) prim.children.push(el("operations", {}, ops));
  return prim;
}

/** Shared implementation of `resource create` and `stonith create`. */
export async function createResource(ctx: PcsContext, kind: "resource" | "stonith"): Promise<number> {
  const usage = subcommandUsage(kind, "create");
  if (ctx.args.length < 2) throw new PcsUsageError(usage);
  const [id, agentText, ...rest] = ctx.args;
  const args = parseCreateArgs(rest, usage);
  const paths = agentSearchPaths(ctx.io.env);
  const group = ctx.options.values.get("--group");
  // 0.9 syntax: --clone / --master flags instead of the clone keyword.
  if (!args.clone && ctx.options.flags.has("--clone")) args.clone = { kind: "clone", options: [] };
  if (!args.clone && (ctx.options.flags.has("--master") || ctx.options.flags.has("--promoted")))
    args.clone = { kind: "promotable", options: [] };
  if (kind === "resource" && agentText.startsWith("stonith:")) {
    // pcs 0.11 still does it, with a deprecation warning.
    ctx.io.stderr(
      "Deprecation Warning: Ability of this command to accept stonith / fence agents is deprecated and will be removed in a future release.\n",
    );
    kind = "stonith";
  }
  const { name, deduced } = resolveAgentName(agentText, paths, { stonith: kind === "stonith" });
  if (deduced) ctx.io.stderr(`Assumed agent name '${fullName(name)}' (deduced from '${agentText}')\n`);

  const before = ctx.options.values.get("--before");
  const after = ctx.options.values.get("--after");
  if (before !== undefined && after !== undefined)
    throw new PcsError(
      group === undefined
        ? "you cannot specify both --before and --after and you have to specify --group"
        : "you cannot specify both --before and --after",
    );
  if (group === undefined && (before !== undefined || after !== undefined))
    throw new PcsError(`you cannot use ${before !== undefined ? "--before" : "--after"} without --group`);

  await updateCib(ctx, (cib) => {
    const ids = configIds(cib);
    validateNewId(ids, id, kind === "stonith" ? "stonith id" : "resource name");
    // Explicit operation ids must be new and distinct.
    const opIds = new Set<string>();
    for (const o of args.ops) {
      const oid = new Map(o.options).get("id");
      if (oid === undefined || !/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(oid)) continue;
      if (ids.has(oid) || opIds.has(oid) || oid === id) throw new PcsError(`'${oid}' already exists`);
      opIds.add(oid);
    }
    const reports = new Reports(ctx.force);
    if (group !== undefined && group !== "") {
      const g = findResource(cib, group);
      if (g && g.name !== "group")
        reports.error("ID_BELONGS_TO_UNEXPECTED_TYPE", `'${group}' is not a group`);
      else if (!g && ids.has(group))
        reports.error("ID_BELONGS_TO_UNEXPECTED_TYPE", `'${group}' is not a group`);
      else if (!g && !/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(group)) {
        const first = !/^[A-Za-z_]/.test(group);
        const bad = first ? group[0] : group.match(/[^A-Za-z0-9_.-]/)![0];
        reports.error(
          "INVALID_ID",
          `invalid group name '${group}', '${bad}' is not a valid${first ? " first" : ""} character for a group name`,
        );
      }
      const anchor = before ?? after;
      if (anchor !== undefined && !(g && elements(g, "primitive").some((p) => p.attrs.id === anchor)))
        reports.error("ID_NOT_FOUND", `'${anchor}' does not exist`);
    }
    let md: AgentMetadata | undefined;
    try {
      md = loadAgentMetadata(name, paths);
    } catch (e) {
      if (!(e instanceof PcsError)) throw e;
      reports.error("UNABLE_TO_GET_AGENT_METADATA", e.message, { forceable: true });
    }
    if (md) {
      validateInstanceAttrs(reports, md, args.instance, {
        checkRequired: true,
        what: kind === "stonith" ? "stonith" : "resource",
      });
      validateUnique(reports, md, cib, args.instance);
    }
    validateOps(reports, md, args.ops);
    reports.flush(ctx.io);

    const disabled = ctx.options.flags.has("--disabled");
    const prim = buildPrimitive(id, name, md, args, ids, {
      noDefaultOps: ctx.options.flags.has("--no-default-ops"),
      disabled,
    });
    const resources = section(cib, "resources");
    let top: XmlElement = prim;
    if (group) {
      let g = findResource(cib, group);
      if (!g) {
        g = el("group", { id: group });
        ids.add(group);
        resources.children.push(g);
      }
      const anchor = before ?? after;
      let at = g.children.length;
      if (anchor !== undefined) {
        const idx = g.children.findIndex((c) => c.type === "element" && c.attrs.id === anchor);
        at = before !== undefined ? idx : idx + 1;
      }
      g.children.splice(at, 0, prim);
      return true;
    }
    if (args.clone) {
      const tag = "clone";
      const cloneId = args.clone.id ?? `${id}-clone`;
      validateNewId(ids, cloneId, "clone id");
      const meta = [...args.clone.options];
      if (args.clone.kind === "promotable") meta.unshift(["promotable", "true"]);
      if (disabled) meta.push(["target-role", "Stopped"]);
      const clone = el(tag, { id: cloneId });
      ids.add(cloneId);
      if (meta.length > 0) clone.children.push(makeNvset("meta_attributes", cloneId, meta, ids));
      clone.children.push(prim);
      top = clone;
    }
    resources.children.push(top);
    return true;
  });
  return 0;
}

/** The primitive's instance attributes as pairs. */
export function instancePairs(prim: XmlElement): [string, string][] {
  const out: [string, string][] = [];
  for (const set of elements(prim, "instance_attributes"))
    for (const p of elements(set, "nvpair")) out.push([p.attrs.name, p.attrs.value ?? ""]);
  return out;
}
