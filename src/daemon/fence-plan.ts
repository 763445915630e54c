// What the fencer reads from the CIB to fence a node: the registered stonith
// devices and the targets they name (pcmk_host_list / pcmk_host_map), where each
// device may run (a -INFINITY location constraint keeps it off a node, as it keeps
// Pacemaker's fencer from registering it there), the fencing topology levels that
// apply to a target, and the node that should execute a request (a delegate).
// Pure: CIB in, plans out.

import { child, elements, type XmlElement } from "../core/xml.js";
import { querySection } from "../cib/store.js";

export interface FenceDevice {
  id: string;
  type: string;
  params: Record<string, string>;
  /** From pcmk_host_list / pcmk_host_map; undefined: ask the agent (list action). */
  targets?: string[];
}

/** The enabled stonith primitives of a CIB with the targets their configuration names. */
export function fenceDevices(cib: XmlElement): FenceDevice[] {
  const res = querySection(cib, "resources");
  const out: FenceDevice[] = [];
  const walk = (e: XmlElement) => {
    for (const p of elements(e)) {
      if (p.name !== "primitive") {
        walk(p);
        continue;
      }
      if (p.attrs.class !== "stonith") continue;
      // A disabled device is not registered with the fencer (as in Pacemaker).
      const disabled = elements(p, "meta_attributes").some((m) =>
        elements(m, "nvpair").some(
          (nv) => nv.attrs.name === "target-role" && (nv.attrs.value ?? "").toLowerCase() === "stopped",
        ),
      );
      if (disabled) continue;
      const params: Record<string, string> = {};
      for (const ia of elements(p, "instance_attributes"))
        for (const nv of elements(ia, "nvpair")) params[nv.attrs.name] = nv.attrs.value ?? "";
      let targets: string[] | undefined;
      if (params.pcmk_host_list !== undefined)
        targets = params.pcmk_host_list.split(/[\s,;]+/).filter(Boolean);
      else if (params.pcmk_host_map !== undefined)
        targets = params.pcmk_host_map
          .split(/[;\s,]+/)
          .map((kv) => kv.split(":")[0])
          .filter(Boolean);
      out.push({ id: p.attrs.id, type: p.attrs.type, params, targets });
    }
  };
  if (res) walk(res);
  return out;
}

/** The agent's timeout for `action` on a device: pcmk_<action>_timeout, else `fallbackMs`. */
export function deviceTimeoutMs(d: FenceDevice, action: string, fallbackMs: number): number {
  const v = d.params[`pcmk_${action}_timeout`];
  if (v === undefined) return fallbackMs;
  const m = /^\s*(\d+)\s*(ms|s|m|min)?\s*$/.exec(v);
  if (!m) return fallbackMs;
  const n = Number(m[1]);
  return m[2] === "ms" ? n : m[2] === "m" || m[2] === "min" ? n * 60_000 : n * 1000;
}

function isMinusInfinity(v: string | undefined): boolean {
  return v !== undefined && /^-\s*inf(inity)?$/i.test(v.trim());
}

/** Whether a device may run on `node`: no -INFINITY location constraint (without rules) bans it there. */
export function deviceAllowedOn(cib: XmlElement, deviceId: string, node: string): boolean {
  const cons = querySection(cib, "constraints");
  for (const c of cons ? elements(cons, "rsc_location") : [])
    if (c.attrs.rsc === deviceId && c.attrs.node === node && isMinusInfinity(c.attrs.score)) return false;
  return true;
}

/** Permanent node attributes (configuration/nodes) by node name. */
function nodeAttributes(cib: XmlElement, node: string): Record<string, string> {
  const nodes = querySection(cib, "nodes");
  const out: Record<string, string> = {};
  for (const n of nodes ? elements(nodes, "node") : []) {
    if (n.attrs.uname !== node) continue;
    for (const ia of elements(n, "instance_attributes"))
      for (const nv of elements(ia, "nvpair")) out[nv.attrs.name] = nv.attrs.value ?? "";
  }
  return out;
}

function levelMatches(cib: XmlElement, l: XmlElement, target: string): boolean {
  if (l.attrs.target !== undefined) return l.attrs.target === target;
  if (l.attrs["target-pattern"] !== undefined) {
    try {
      return new RegExp(l.attrs["target-pattern"]).test(target);
    } catch {
      return false;
    }
  }
  const a = l.attrs["target-attribute"];
  if (a === undefined) return false;
  return nodeAttributes(cib, target)[a] === l.attrs["target-value"];
}

export interface FencingLevel {
  index: number;
  devices: string[];
}

/** The fencing-topology levels for `target`, by index (levels of equal index keep CIB order). */
export function fencingLevels(cib: XmlElement, target: string): FencingLevel[] {
  const conf = child(cib, "configuration");
  const ft = conf && child(conf, "fencing-topology");
  const out: FencingLevel[] = [];
  for (const l of ft ? elements(ft, "fencing-level") : []) {
    if (!levelMatches(cib, l, target)) continue;
    out.push({
      index: Number(l.attrs.index),
      devices: (l.attrs.devices ?? "").split(",").filter((d) => d !== ""),
    });
  }
  return out.sort((a, b) => a.index - b.index);
}

/**
 * The order in which devices are tried for `target`: with topology, one step per level (all of
 * its devices must succeed); without, one step per device able to fence the target.
 */
export interface FencePlan {
  topology: boolean;
  steps: { index: number; devices: FenceDevice[]; missing: string[] }[];
}

export function planFor(cib: XmlElement, target: string, capable: FenceDevice[]): FencePlan {
  const levels = fencingLevels(cib, target);
  if (levels.length === 0)
    return { topology: false, steps: capable.map((d, i) => ({ index: i + 1, devices: [d], missing: [] })) };
  const byId = new Map(fenceDevices(cib).map((d) => [d.id, d]));
  return {
    topology: true,
    steps: levels.map((l) => ({
      index: l.index,
      devices: l.devices.flatMap((id) => (byId.has(id) ? [byId.get(id)!] : [])),
      missing: l.devices.filter((id) => !byId.has(id)),
    })),
  };
}

/**
 * The node that should execute a fencing request (Pacemaker asks its peers which can, and never
 * picks the target while another can): among the members other than the target, the one on which
 * the most of the plan's devices may run; the requesting node first on a tie, then by node id.
 */
export function chooseDelegate(
  cib: XmlElement,
  plan: FencePlan,
  target: string,
  members: { id: number; name: string }[],
  self: string,
): string | undefined {
  const devices = [...new Set(plan.steps.flatMap((s) => s.devices.map((d) => d.id)))];
  let best: { name: string; n: number; rank: number } | undefined;
  for (const m of members) {
    if (m.name === target) continue;
    const n = devices.filter((d) => deviceAllowedOn(cib, d, m.name)).length;
    if (n === 0) continue;
    const rank = m.name === self ? -1 : m.id;
    if (!best || n > best.n || (n === best.n && rank < best.rank)) best = { name: m.name, n, rank };
  }
  return best?.name;
}
