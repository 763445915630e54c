// `pcs stonith level [config] | add LEVEL TARGET DEVICE... | delete|remove LEVEL [TARGET] | clear [TARGET]`:
// fencing topology (configuration/fencing-topology/fencing-level), ids as pcs makes them.

import { el, elements, type XmlElement } from "../core/xml.js";
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

export const stonithLevelAdd: PcsHandler = async (ctx) => {
  const [level, target, ...devices] = ctx.args;
  if (!level || !target || devices.length === 0) throw new PcsUsageError(subcommandUsage("stonith", "level"));
  const devList = devices.flatMap((d) => d.split(",")).filter((d) => d !== "");
  await updateCib(ctx, (cib) => {
    const reports = new Reports(ctx.force);
    if (!/^[1-9]\d*$/.test(level))
      reports.error("INVALID_OPTION_VALUE", `'${level}' is not a valid level value, use a positive integer`);
    for (const d of devList) {
      const r = findResource(cib, d);
      if (!r || !isStonith(r))
        reports.error("STONITH_RESOURCES_DO_NOT_EXIST", `Stonith resource(s) '${d}' do not exist`, {
          forceable: true,
        });
    }
    const nodes = findSection(cib, "nodes");
    if (!target.includes("=") && !(nodes && elements(nodes, "node").some((n) => n.attrs.uname === target)))
      reports.error("NODE_NOT_FOUND", `Node '${target}' does not appear to exist in configuration`, {
        forceable: true,
      });
    const ft = findSection(cib, "fencing-topology");
    const devicesText = devList.join(",");
    if (
      ft &&
      elements(ft, "fencing-level").some(
        (l) => l.attrs.index === level && l.attrs.target === target && l.attrs.devices === devicesText,
      )
    )
      reports.error(
        "CIB_FENCING_LEVEL_ALREADY_EXISTS",
        `Fencing level for '${target}' at level '${level}' with device(s) '${devicesText}' already exists`,
      );
    reports.flush(ctx.io);
    const ids = configIds(cib);
    const attrs: Record<string, string> = {};
    if (target.includes("=")) {
      const [a, v] = [target.slice(0, target.indexOf("=")), target.slice(target.indexOf("=") + 1)];
      attrs["target-attribute"] = a;
      attrs["target-value"] = v;
    } else attrs.target = target;
    attrs.index = level;
    attrs.devices = devicesText;
    attrs.id = uniqueId(ids, sanitizeId(`fl-${target}-${level}`));
    section(cib, "fencing-topology").children.push(el("fencing-level", attrs));
    return true;
  });
  return 0;
};

export const stonithLevelDelete: PcsHandler = async (ctx) => {
  const [level, target, ...devices] = ctx.args;
  if (!level) throw new PcsUsageError(subcommandUsage("stonith", "level"));
  await updateCib(ctx, (cib) => {
    const ft = findSection(cib, "fencing-topology");
    const match = (ft ? elements(ft, "fencing-level") : []).filter(
      (l) =>
        l.attrs.index === level &&
        (target === undefined || l.attrs.target === target) &&
        (devices.length === 0 || l.attrs.devices === devices.join(",")),
    );
    if (match.length === 0)
      throw new PcsError(
        `Fencing level at level '${level}'${target ? ` for '${target}'` : ""} does not exist`,
      );
    for (const m of match) removeElement(ft!, m);
    return true;
  });
  return 0;
};

export const stonithLevelClear: PcsHandler = async (ctx) => {
  const target = ctx.args[0];
  await updateCib(ctx, (cib) => {
    const ft = findSection(cib, "fencing-topology");
    if (!ft) return false;
    const before = ft.children.length;
    ft.children = ft.children.filter(
      (c) =>
        !(
          c.type === "element" &&
          c.name === "fencing-level" &&
          (target === undefined || c.attrs.target === target || (c.attrs.devices ?? "") === target)
        ),
    );
    return ft.children.length !== before;
  });
  return 0;
};
