// `pcs resource manage|unmanage RSC... [--monitor]` (meta is-managed, and with --monitor
// the recurring monitors' enabled flag) and `pcs resource utilization [RSC [k=v...]]`.

import { el, elements, type XmlElement, walkElements } from "../core/xml.js";
import { configIds, findSection, readCib, setNvpair, uniqueId, updateCib } from "./cib.js";
import { PcsError, Reports } from "./errors.js";
import { findResource } from "./resources.js";
import type { PcsHandler } from "./types.js";

function metaSet(rsc: XmlElement, ids: Set<string>): XmlElement {
  let set = elements(rsc, "meta_attributes")[0];
  if (!set) {
    set = el("meta_attributes", { id: uniqueId(ids, `${rsc.attrs.id}-meta_attributes`) });
    rsc.children.unshift(set);
  }
  return set;
}

function makeManage(manage: boolean): PcsHandler {
  return async (ctx) => {
    if (ctx.args.length === 0)
      throw new PcsError(`You must specify resource(s) to ${manage ? "manage" : "unmanage"}`);
    const monitor = ctx.options.flags.has("--monitor");
    await updateCib(ctx, (cib) => {
      const reports = new Reports(false);
      const rscs = ctx.args.map((id) => {
        const r = findResource(cib, id);
        if (!r) reports.error("ID_NOT_FOUND", `bundle/clone/group/resource '${id}' does not exist`);
        return r;
      });
      reports.flush(ctx.io);
      const ids = configIds(cib);
      let changed = false;
      for (const r of rscs as XmlElement[]) {
        // pcs sets is-managed on the primitives (so a group's members follow) and clears it above them.
        const prims =
          r.name === "primitive" ? [r] : [...walkElements(r)].filter((e) => e.name === "primitive");
        for (const p of prims) {
          changed = setNvpair(metaSet(p, ids), ids, "is-managed", manage ? "" : "false") || changed;
        }
        if (r !== prims[0] || r.name !== "primitive")
          for (const set of elements(r, "meta_attributes"))
            changed = setNvpair(set, ids, "is-managed", "") || changed;
        if (monitor)
          for (const p of prims) {
            const ops = elements(p, "operations")[0];
            for (const op of ops ? elements(ops, "op") : [])
              if (op.attrs.name === "monitor") {
                if (manage) delete op.attrs.enabled;
                else op.attrs.enabled = "false";
                changed = true;
              }
          }
      }
      return changed;
    });
    return 0;
  };
}

export const resourceManage = makeManage(true);
export const resourceUnmanage = makeManage(false);

export const resourceUtilization: PcsHandler = async (ctx) => {
  const [id, ...pairs] = ctx.args;
  if (pairs.length === 0) {
    const cib = await readCib(ctx);
    const rs = findSection(cib, "resources");
    const lines = ["Resource Utilization:"];
    if (id !== undefined && !findResource(cib, id)) throw new PcsError(`Unable to find a resource: ${id}`);
    for (const p of rs ? [...walkElements(rs)].filter((e) => e.name === "primitive") : []) {
      if (id !== undefined && p.attrs.id !== id) continue;
      const attrs = elements(p, "utilization")
        .flatMap((s) => elements(s, "nvpair"))
        .map((n) => `${n.attrs.name}=${n.attrs.value ?? ""}`);
      if (attrs.length > 0) lines.push(` ${p.attrs.id}: ${attrs.join(" ")}`);
    }
    ctx.io.stdout(`${lines.join("\n")}\n`);
    return 0;
  }
  const kv: [string, string][] = [];
  for (const w of pairs) {
    const eq = w.indexOf("=");
    if (eq < 0) throw new PcsError(`missing value of '${w}' option`);
    if (eq === 0) throw new PcsError(`missing key in '${w}' option`);
    const v = w.slice(eq + 1);
    if (v !== "" && !/^[+-]?\d+$/.test(v))
      throw new PcsError(`Value of utilization attribute must be integer: '${w}'`);
    kv.push([w.slice(0, eq), v]);
  }
  await updateCib(ctx, (cib) => {
    const r = findResource(cib, id);
    if (r?.name !== "primitive") throw new PcsError(`Unable to find a resource: ${id}`);
    const ids = configIds(cib);
    let set = elements(r, "utilization")[0];
    if (!set) {
      if (kv.every(([, v]) => v === "")) return false;
      set = el("utilization", { id: uniqueId(ids, `${id}-utilization`) });
      r.children.push(set);
    }
    let changed = false;
    for (const [k, v] of kv) changed = setNvpair(set, ids, k, v) || changed;
    return changed;
  });
  return 0;
};
