// Node attributes kept in the CIB's nodes section: `pcs node standby|unstandby|
// maintenance|unmaintenance [NODE...|--all]` (and pcs 0.9's `pcs cluster standby`),
// `pcs node attribute [NODE] [--name N] | NODE name=value...`, and
// `pcs node utilization [NODE] [--name N] | NODE name=value...`.

import { el, elements, type XmlElement } from "../core/xml.js";
import { cibRequest } from "../daemon/protocol.js";
import { configIds, findSection, readCib, setNvpair, uniqueId, updateCib } from "./cib.js";
import { PcsError } from "./errors.js";
import { IpcCibSource } from "./live-cib.js";
import type { PcsContext, PcsHandler } from "./types.js";

function nodesOf(cib: XmlElement): XmlElement[] {
  const sec = findSection(cib, "nodes");
  return sec ? elements(sec, "node") : [];
}

/** The node this pcs runs on (live cluster only). */
async function localNode(ctx: PcsContext): Promise<string> {
  const src = ctx.cib();
  if (src.kind === "file") throw new PcsError("Node(s) must be specified if -f is used");
  if (!(src instanceof IpcCibSource)) throw new PcsError("unable to get cib");
  try {
    return (await cibRequest(src.socket, "status", {}, { timeoutMs: 30_000 })).nodeName;
  } catch {
    throw new PcsError("unable to get cib");
  }
}

/** The nvset of a node for permanent attributes ("nodes-ID") or utilization ("nodes-ID-utilization"). */
function nodeSet(
  node: XmlElement,
  tag: "instance_attributes" | "utilization",
  ids: Set<string>,
  create: boolean,
): XmlElement | undefined {
  let set = elements(node, tag)[0];
  if (!set && create) {
    set = el(tag, {
      id: uniqueId(
        ids,
        tag === "utilization" ? `nodes-${node.attrs.id}-utilization` : `nodes-${node.attrs.id}`,
      ),
    });
    node.children.push(set);
  }
  return set;
}

function switchHandler(attr: "standby" | "maintenance", on: boolean): PcsHandler {
  return async (ctx) => {
    const all = ctx.options.flags.has("--all");
    let names = ctx.args;
    if (all && names.length > 0) throw new PcsError("Cannot specify both --all and a list of nodes.");
    if (!all && names.length === 0) names = [await localNode(ctx)];
    await updateCib(ctx, (cib) => {
      const nodes = nodesOf(cib);
      const missing = names.filter((n) => !nodes.some((x) => x.attrs.uname === n));
      if (!all && missing.length > 0)
        throw new PcsError(
          missing.map((n) => `Node '${n}' does not appear to exist in configuration`).join("\nError: "),
        );
      const targets = all ? nodes : nodes.filter((x) => names.includes(x.attrs.uname));
      const ids = configIds(cib);
      let changed = false;
      for (const node of targets) {
        const set = nodeSet(node, "instance_attributes", ids, on);
        if (set) changed = setNvpair(set, ids, attr, on ? "on" : "") || changed;
      }
      return changed;
    });
    return 0;
  };
}

export const nodeStandby = switchHandler("standby", true);
export const nodeUnstandby = switchHandler("standby", false);
export const nodeMaintenance = switchHandler("maintenance", true);
export const nodeUnmaintenance = switchHandler("maintenance", false);

function makeAttrHandler(tag: "instance_attributes" | "utilization"): PcsHandler {
  const title = tag === "utilization" ? "Node Utilization:" : "Node Attributes:";
  return async (ctx) => {
    const [node, ...pairs] = ctx.args;
    if (pairs.length === 0) {
      // Listing: every node, one node, or one attribute (--name).
      const cib = await readCib(ctx);
      const filter = ctx.options.values.get("--name");
      const nodes = nodesOf(cib);
      if (node !== undefined && !nodes.some((n) => n.attrs.uname === node))
        throw new PcsError(`Unable to find a node: ${node}`);
      const lines = [title];
      for (const n of [...nodes].sort((a, b) => (a.attrs.uname < b.attrs.uname ? -1 : 1))) {
        if (node !== undefined && n.attrs.uname !== node) continue;
        const attrs = elements(n, tag)
          .flatMap((s) => elements(s, "nvpair"))
          .filter((p) => filter === undefined || p.attrs.name === filter)
          .map((p) => `${p.attrs.name}=${p.attrs.value ?? ""}`);
        if (attrs.length > 0) lines.push(` ${n.attrs.uname}: ${attrs.join(" ")}`);
      }
      ctx.io.stdout(`${lines.join("\n")}\n`);
      return 0;
    }
    const kv: [string, string][] = [];
    for (const w of pairs) {
      const eq = w.indexOf("=");
      if (eq < 0) throw new PcsError(`missing value of '${w}' option`);
      if (eq === 0) throw new PcsError(`missing key in '${w}' option`);
      kv.push([w.slice(0, eq), w.slice(eq + 1)]);
    }
    if (tag === "utilization")
      for (const [k, v] of kv)
        if (v !== "" && !/^[+-]?\d+$/.test(v))
          throw new PcsError(`Value of utilization attribute must be integer: '${k}=${v}'`);
    await updateCib(ctx, (cib) => {
      const target = nodesOf(cib).find((n) => n.attrs.uname === node);
      if (!target) throw new PcsError(`Unable to find a node: ${node}`);
      const ids = configIds(cib);
      const creating = kv.some(([, v]) => v !== "");
      const set = nodeSet(target, tag, ids, creating);
      if (!set) return false;
      let changed = false;
      for (const [k, v] of kv) changed = setNvpair(set, ids, k, v) || changed;
      return changed;
    });
    return 0;
  };
}

export const nodeAttribute = makeAttrHandler("instance_attributes");
export const nodeUtilization = makeAttrHandler("utilization");
