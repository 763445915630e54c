// Clones in the unpack stage: expanding a clone into its instances ("rsc:0",
// "rsc:1", ...) and mapping the operation history of an anonymous clone (which
// the status records under the child's plain id, or any instance number) onto
// those instances, one instance per node.

import type { Clone, LrmResource } from "../cib/model.js";
import { isTrue } from "../cib/unpack.js";
import { parseScore } from "../core/score.js";
import { buildResource, unpackHistory } from "./unpack-status.js";
import type { SchedNode, SchedResource, WorkingSet } from "./working-set.js";

const cloneOfChild = new WeakMap<WorkingSet, Map<string, SchedResource>>();

export function expandClone(
  def: Clone,
  parent: SchedResource | undefined,
  meta: Record<string, string>,
  full: Record<string, string>,
  ws: WorkingSet,
  make: (meta: Record<string, string>) => SchedResource,
): SchedResource {
  const r = make(full);
  ws.byId.set(r.id, r);
  const nodeCount = ws.nodes.length;
  r.cloneMax = parseScore(meta["clone-max"]) ?? nodeCount;
  r.cloneNodeMax = parseScore(meta["clone-node-max"]) ?? 1;
  r.unique = isTrue(meta["globally-unique"]);
  r.interleave = isTrue(meta.interleave);
  r.ordered = isTrue(meta.ordered);
  // Meta that belongs to the clone itself is not inherited by its instances.
  const inherit = { ...meta };
  for (const k of [
    "clone-max",
    "clone-node-max",
    "globally-unique",
    "interleave",
    "ordered",
    "notify",
    "promotable",
  ])
    delete inherit[k];
  for (let i = 0; i < Math.max(0, r.cloneMax); i++)
    r.children.push(buildResource(def.child, r, inherit, ws, `:${i}`));
  let map = cloneOfChild.get(ws);
  if (!map) {
    map = new Map();
    cloneOfChild.set(ws, map);
  }
  const childIds = def.child.kind === "group" ? def.child.children.map((c) => c.id) : [def.child.id];
  for (const id of childIds) map.set(id, r);
  void parent;
  return r;
}

function primitiveOf(instance: SchedResource, configId: string): SchedResource | undefined {
  if (instance.kind === "primitive") return instance.configId === configId ? instance : undefined;
  return instance.children.find((c) => c.configId === configId);
}

/** Maps a status entry of a clone child onto an instance; undefined when it is not a clone child. */
export function assignCloneHistory(
  lrm: LrmResource,
  node: SchedNode,
  ws: WorkingSet,
): SchedResource | undefined {
  const m = /^(.*?)(?::(\d+))?$/.exec(lrm.id);
  if (!m) return undefined;
  const base = m[1];
  const clone = cloneOfChild.get(ws)?.get(base);
  if (!clone) return undefined;
  const prims = clone.children.map((i) => primitiveOf(i, base)).filter((p): p is SchedResource => !!p);
  if (prims.length === 0) return undefined;
  if (clone.unique && m[2] !== undefined) {
    // A unique instance missing from the configuration (clone-max lowered): an orphan.
    return undefined;
  }
  const probe = unpackHistory(prims[0], lrm, node, ws);
  const siblingsHere = (p: SchedResource) =>
    p.parent &&
    p.parent.kind === "group" &&
    p.parent.children.some((c) => c !== p && c.history.has(node.uname));
  const activeElsewhere = (p: SchedResource) =>
    [...p.history.values()].some((h) => h.active && h.node !== node.uname);
  const free = prims.filter((p) => !p.history.has(node.uname));
  const preferred = m[2] !== undefined ? free.find((p) => p.id.endsWith(`:${m[2]}`)) : undefined;
  const withSiblings = free.find((p) => siblingsHere(p));
  if (withSiblings) return withSiblings;
  if (probe.active) {
    if (
      preferred &&
      !activeElsewhere(preferred) &&
      !preferred.parent?.children.some(
        (c) =>
          c.history.size > 0 &&
          c !== preferred &&
          [...c.history.values()].some((h) => h.active && h.node !== node.uname),
      )
    )
      return preferred;
    const idle = free.find(
      (p) =>
        !activeElsewhere(p) &&
        !(
          p.parent?.kind === "group" &&
          p.parent.children.some((c) =>
            [...c.history.values()].some((h) => h.active && h.node !== node.uname),
          )
        ),
    );
    if (idle) return idle;
    return undefined;
  }
  // Inactive history: attach it to the first instance not active on another node.
  const idle = free.find((p) => !activeElsewhere(p));
  return idle ?? free[0];
}
