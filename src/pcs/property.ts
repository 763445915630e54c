// `pcs property [config [--all]] | set NAME=VALUE... | unset NAME... | defaults | describe`:
// cluster options in crm_config/cluster_property_set "cib-bootstrap-options".

import { el, elements, type XmlElement } from "../core/xml.js";
import { configIds, readCib, section, setNvpair, updateCib } from "./cib.js";
import { CLUSTER_OPTIONS, invalidValueMessage } from "./cluster-options.js";
import { PcsError, PcsUsageError, Reports } from "./errors.js";
import type { PcsContext, PcsHandler } from "./types.js";
import { subcommandUsage } from "./usage.js";

export const BOOTSTRAP_SET_ID = "cib-bootstrap-options";

/** The first cluster_property_set (pcs uses cib-bootstrap-options), created if missing. */
export function bootstrapSet(cib: XmlElement): XmlElement {
  const crm = section(cib, "crm_config");
  const sets = elements(crm, "cluster_property_set");
  let set = sets.find((s) => s.attrs.id === BOOTSTRAP_SET_ID) ?? sets[0];
  if (!set) {
    set = el("cluster_property_set", { id: BOOTSTRAP_SET_ID });
    crm.children.push(set);
  }
  return set;
}

/** Properties set in the CIB (every cluster_property_set), name -> value. */
export function configuredProperties(cib: XmlElement): Map<string, string> {
  const out = new Map<string, string>();
  const crm = elements(cib, "configuration")[0];
  const crmConfig = crm ? elements(crm, "crm_config")[0] : undefined;
  if (!crmConfig) return out;
  for (const set of elements(crmConfig, "cluster_property_set"))
    for (const p of elements(set, "nvpair"))
      if (!out.has(p.attrs.name)) out.set(p.attrs.name, p.attrs.value ?? "");
  return out;
}

/** The "Cluster Properties:" block, as in `pcs property config` and `pcs config`. */
export function renderProperties(
  cib: XmlElement,
  opts: { all?: boolean; defaults?: boolean; names?: string[] } = {},
): string {
  const set = configuredProperties(cib);
  const shown = new Map<string, string>();
  if (opts.all || opts.defaults) for (const o of CLUSTER_OPTIONS) shown.set(o.name, o.default);
  if (!opts.defaults) for (const [k, v] of set) shown.set(k, v);
  let names = [...shown.keys()].sort();
  if (opts.names && opts.names.length > 0) names = names.filter((n) => opts.names!.includes(n));
  return `Cluster Properties:\n${names.map((n) => ` ${n}: ${shown.get(n)}\n`).join("")}`;
}

export const propertyConfig: PcsHandler = async (ctx) => {
  const sub = ctx.path[1];
  if (sub === "list" || sub === "show")
    ctx.io.stderr(
      `Deprecation Warning: This command is deprecated and will be removed. Please use 'pcs property config' instead.\n`,
    );
  const cib = await readCib(ctx);
  const all = ctx.options.flags.has("--all");
  const defaults = ctx.options.flags.has("--defaults");
  ctx.io.stdout(renderProperties(cib, { all, defaults, names: ctx.args }));
  return 0;
};

export const propertyDefaults: PcsHandler = async (ctx) => {
  const names = ctx.args;
  const lines = CLUSTER_OPTIONS.filter((o) => names.length === 0 || names.includes(o.name)).map(
    (o) => `${o.name}=${o.default}\n`,
  );
  ctx.io.stdout(lines.join(""));
  return 0;
};

export const propertyDescribe: PcsHandler = async (ctx) => {
  const names = ctx.args;
  for (const o of CLUSTER_OPTIONS) {
    if (names.length > 0 && !names.includes(o.name)) continue;
    const allowed = o.values ? `\n  Allowed values: ${o.values.map((v) => `'${v}'`).join(", ")}` : "";
    ctx.io.stdout(
      `${o.name}\n  Description: ${o.description}\n  Type: ${o.type}${allowed}\n  Default: ${o.default}\n`,
    );
  }
  return 0;
};

function validateProperty(reports: Reports, name: string, value: string): void {
  const opt = CLUSTER_OPTIONS.find((o) => o.name === name);
  if (!opt) {
    const allowed = CLUSTER_OPTIONS.map((o) => `'${o.name}'`).join(", ");
    reports.error(
      "INVALID_OPTIONS",
      `invalid cluster property option '${name}', allowed options are: ${allowed}`,
      {
        forceable: true,
      },
    );
    return;
  }
  if (value === "") return;
  const bad = invalidValueMessage(opt, value);
  if (bad) reports.error("INVALID_OPTION_VALUE", bad, { forceable: true });
}

export const propertySet: PcsHandler = async (ctx) => {
  if (ctx.args.length === 0) throw new PcsUsageError(subcommandUsage("property", "set"));
  // pcs 0.9: `property set --node NODE name=value` set node attributes.
  const node = ctx.options.values.get("--node");
  if (node !== undefined)
    return (await import("./node.js")).nodeAttribute({ ...ctx, args: [node, ...ctx.args] });
  const pairs: [string, string][] = [];
  for (const a of ctx.args) {
    const eq = a.indexOf("=");
    if (eq < 0) throw new PcsError(`missing value of '${a}' option`);
    if (eq === 0) throw new PcsError(`missing key in '${a}' option`);
    pairs.push([a.slice(0, eq), a.slice(eq + 1)]);
  }
  await updateCib(ctx, (cib) => {
    const reports = new Reports(ctx.force);
    for (const [k, v] of pairs) validateProperty(reports, k, v);
    reports.flush(ctx.io);
    const set = bootstrapSet(cib);
    const ids = configIds(cib);
    let changed = false;
    for (const [k, v] of pairs) changed = setNvpair(set, ids, k, v) || changed;
    return changed;
  });
  return 0;
};

export const propertyUnset: PcsHandler = async (ctx: PcsContext) => {
  if (ctx.args.length === 0) throw new PcsUsageError(subcommandUsage("property", "unset"));
  await updateCib(ctx, (cib) => {
    const set = bootstrapSet(cib);
    const present = new Set(elements(set, "nvpair").map((p) => p.attrs.name));
    const reports = new Reports(ctx.force);
    for (const name of ctx.args) {
      if (!present.has(name))
        reports.error(
          "CANNOT_REMOVE_PROPERTY",
          `Cannot remove property '${name}', it is not present in property set '${set.attrs.id}'`,
          { forceable: true },
        );
    }
    reports.flush(ctx.io);
    const ids = configIds(cib);
    let changed = false;
    for (const name of ctx.args) changed = setNvpair(set, ids, name, "") || changed;
    return changed;
  });
  return 0;
};
