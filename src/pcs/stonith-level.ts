// `pcs stonith level [config] | add LEVEL TARGET DEVICE... | delete|remove LEVEL [TARGET] [DEVICE...] |
// clear [TARGET|DEVICES] | verify`: fencing topology (configuration/fencing-topology/fencing-level),
// ids as pcs makes them. A target is a node name (also `%NAME`, `node%NAME`), `regexp%PATTERN`
// or `attrib%NAME=VALUE`; delete and clear take pcs 0.10's positional form and pcs 0.11's
// `target T` / `stonith D...` keywords. tandemd's fencer tries the levels in order.

import { el, elements, type XmlElement } from "../core/xml.js";
import type { PcsContext } from "./types.js";
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
import { PcsError, PcsUsageError, Reports } from "./errors.js";
import { findResource, isStonith } from "./resources.js";
import type { PcsHandler } from "./types.js";
import { subcommandUsage } from "./usage.js";

function targetOf(l: XmlElement): string {
  if (l.attrs.target !== undefined) return `Target: ${l.attrs.target}`;
  if (l.attrs["target-pattern"] !== undefined) return `Target (regexp): ${l.attrs["target-pattern"]}`;
  return `Target: ${l.attrs["target-attribute"]}=${l.attrs["target-value"]}`;
}

/** Lines of `pcs stonith level config` (also under "Fencing Levels:" in `pcs config`). */
export function fencingLevelLines(cib: XmlElement, pad: string): string[] {
  const ft = findSection(cib, "fencing-topology");
  const out: string[] = [];
  const byTarget = new Map<string, XmlElement[]>();
  for (const l of ft ? elements(ft, "fencing-level") : []) {
    const t = targetOf(l);
    if (!byTarget.has(t)) byTarget.set(t, []);
    byTarget.get(t)!.push(l);
  }
  for (const [t, levels] of byTarget) {
    out.push(`${pad}${t}`);
    for (const l of levels) out.push(`${pad}  Level ${l.attrs.index} - ${l.attrs.devices ?? ""}`);
  }
  return out;
}

export const stonithLevelConfig: PcsHandler = async (ctx) => {
  const cib = await readCib(ctx);
  ctx.io.stdout(
    fencingLevelLines(cib, "")
      .map((l) => `${l}\n`)
      .join(""),
  );
  return 0;
};

/** A level's target as attributes of <fencing-level>. */
function parseTarget(t: string): Record<string, string> {
  if (t.startsWith("regexp%")) return { "target-pattern": t.slice(7) };
  if (t.startsWith("attrib%")) {
    const kv = t.slice(7);
    const eq = kv.indexOf("=");
    if (eq <= 0) throw new PcsError(`'${t}' is not a valid target, use attrib%<name>=<value>`);
    return { "target-attribute": kv.slice(0, eq), "target-value": kv.slice(eq + 1) };
  }
  if (t.startsWith("node%")) return { target: t.slice(5) };
  if (t.startsWith("%")) return { target: t.slice(1) };
  return { target: t };
}

function sameTarget(l: XmlElement, want: Record<string, string>): boolean {
  return ["target", "target-pattern", "target-attribute", "target-value"].every(
    (k) => l.attrs[k] === want[k],
  );
}

function nodeExists(cib: XmlElement, name: string): boolean {
  const nodes = findSection(cib, "nodes");
  return !!nodes && elements(nodes, "node").some((n) => n.attrs.uname === name);
}

function devicesExist(cib: XmlElement, ids: string[]): string[] {
  return ids.filter((d) => {
    const r = findResource(cib, d);
    return !r || !isStonith(r);
  });
}

function missingDevicesMessage(missing: string[]): string {
  return `Stonith resource(s) '${missing.join("', '")}' do not exist`;
}

export const stonithLevelAdd: PcsHandler = async (ctx) => {
  const [level, target, ...devices] = ctx.args;
  if (!level || !target || devices.length === 0) throw new PcsUsageError(subcommandUsage("stonith", "level"));
  const devList = devices.flatMap((d) => d.split(",")).filter((d) => d !== "");
  const tattrs = parseTarget(target);
  await updateCib(ctx, (cib) => {
    const reports = new Reports(ctx.force);
    if (!/^[1-9]\d*$/.test(level))
      reports.error("INVALID_OPTION_VALUE", `'${level}' is not a valid level value, use a positive integer`);
    const missing = devicesExist(cib, devList);
    if (missing.length > 0)
      reports.error("STONITH_RESOURCES_DO_NOT_EXIST", missingDevicesMessage(missing), { forceable: true });
    if (tattrs.target !== undefined && !nodeExists(cib, tattrs.target))
      reports.error("NODE_NOT_FOUND", `Node '${tattrs.target}' does not appear to exist in configuration`, {
        forceable: true,
      });
    const ft = findSection(cib, "fencing-topology");
    const devicesText = devList.join(",");
    if (
      ft &&
      elements(ft, "fencing-level").some(
        (l) => l.attrs.index === level && sameTarget(l, tattrs) && l.attrs.devices === devicesText,
      )
    )
      reports.error(
        "CIB_FENCING_LEVEL_ALREADY_EXISTS",
        `Fencing level for '${target}' at level '${level}' with device(s) '${devicesText}' already exists`,
      );
    reports.flush(ctx.io);
    const ids = configIds(cib);
    const name = tattrs.target ?? tattrs["target-pattern"] ?? tattrs["target-attribute"];
    const attrs: Record<string, string> = { ...tattrs, index: level, devices: devicesText };
    attrs.id = uniqueId(ids, sanitizeId(`fl-${name}-${level}`));
    section(cib, "fencing-topology").children.push(el("fencing-level", attrs));
    return true;
  });
  return 0;
};

/** [target T] [stonith D...] (pcs 0.11) or [T] [D...] (pcs 0.10). */
function targetAndDevices(args: string[]): { target?: string; devices: string[] } {
  if (args[0] === "target" || args[0] === "stonith") {
    let target: string | undefined;
    const devices: string[] = [];
    for (let i = 0; i < args.length; i++) {
      if (args[i] === "target" && i + 1 < args.length && target === undefined) target = args[++i];
      else if (args[i] === "stonith") {
        while (i + 1 < args.length && args[i + 1] !== "target") devices.push(args[++i]);
        if (devices.length === 0) throw new PcsUsageError(subcommandUsage("stonith", "level"));
      } else throw new PcsUsageError(subcommandUsage("stonith", "level"));
    }
    return { target, devices: devices.flatMap((d) => d.split(",")).filter(Boolean) };
  }
  const [target, ...devices] = args;
  return { target, devices: devices.flatMap((d) => d.split(",")).filter(Boolean) };
}

export const stonithLevelDelete: PcsHandler = async (ctx) => {
  const [level, ...rest] = ctx.args;
  if (!level) throw new PcsUsageError(subcommandUsage("stonith", "level"));
  const { target, devices } = targetAndDevices(rest);
  const tattrs = target === undefined ? undefined : parseTarget(target);
  await updateCib(ctx, (cib) => {
    const ft = findSection(cib, "fencing-topology");
    const match = (ft ? elements(ft, "fencing-level") : []).filter(
      (l) =>
        l.attrs.index === level &&
        (tattrs === undefined || sameTarget(l, tattrs)) &&
        (devices.length === 0 || l.attrs.devices === devices.join(",")),
    );
    if (match.length === 0) {
      // pcs's CIB_FENCING_LEVEL_DOES_NOT_EXIST wording.
      const forT = target !== undefined ? `for '${target}' ` : "";
      const withD = devices.length > 0 ? `with device(s) '${devices.join(",")}' ` : "";
      throw new PcsError(`Fencing level ${forT}at level '${level}' ${withD}does not exist`);
    }
    for (const m of match) removeElement(ft!, m);
    return true;
  });
  return 0;
};

export const stonithLevelClear: PcsHandler = async (ctx) => {
  let target: string | undefined;
  let devices: string[] = [];
  if (ctx.args[0] === "target" || ctx.args[0] === "stonith")
    ({ target, devices } = targetAndDevices(ctx.args));
  else if (ctx.args.length > 1) throw new PcsUsageError(subcommandUsage("stonith", "level"));
  else if (ctx.args.length === 1) {
    // pcs 0.10: one word, a target, or stonith ids separated by commas.
    const cib = await readCib(ctx);
    const ids = ctx.args[0].split(",").filter(Boolean);
    if (ctx.args[0].includes(",") || devicesExist(cib, ids).length === 0) devices = ids;
    else target = ctx.args[0];
  }
  const tattrs = target === undefined ? undefined : parseTarget(target);
  await updateCib(ctx, (cib) => {
    const ft = findSection(cib, "fencing-topology");
    if (!ft) return false;
    const before = ft.children.length;
    ft.children = ft.children.filter(
      (c) =>
        !(
          c.type === "element" &&
          c.name === "fencing-level" &&
          (tattrs === undefined || sameTarget(c, tattrs)) &&
          (devices.length === 0 || (c.attrs.devices ?? "") === devices.join(","))
        ),
    );
    return ft.children.length !== before;
  });
  return 0;
};

/** `pcs stonith level verify`: every device and every node a level names exists. */
export const stonithLevelVerify: PcsHandler = async (ctx: PcsContext) => {
  if (ctx.args.length > 0) throw new PcsUsageError(subcommandUsage("stonith", "level"));
  const cib = await readCib(ctx);
  const ft = findSection(cib, "fencing-topology");
  const levels = ft ? elements(ft, "fencing-level") : [];
  const reports = new Reports(false);
  const missing = [
    ...new Set(levels.flatMap((l) => devicesExist(cib, (l.attrs.devices ?? "").split(",").filter(Boolean)))),
  ];
  if (missing.length > 0) reports.error("STONITH_RESOURCES_DO_NOT_EXIST", missingDevicesMessage(missing));
  const nodes = [...new Set(levels.flatMap((l) => (l.attrs.target !== undefined ? [l.attrs.target] : [])))];
  for (const n of nodes)
    if (!nodeExists(cib, n))
      reports.error("NODE_NOT_FOUND", `Node '${n}' does not appear to exist in configuration`);
  reports.flush(ctx.io);
  return 0;
};
