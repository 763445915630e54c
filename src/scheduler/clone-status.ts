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
  // LSB services cannot tell copies apart: such clones are always anonymous.
  const prims = def.child.kind === "group" ? def.child.children : [def.child];
  r.unique = isTrue(meta["globally-unique"]) && !prims.some((p) => p.class === "lsb");
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
  cloneDefs.set(r, { def, inherit });
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
  if (prims.length === 0) return orphanInstance(clone, base, node, ws);
  if (clone.unique && m[2] !== undefined) {
    // A unique instance missing from the configuration (clone-max lowered): an orphan.
    return undefined;
  }
  const probe = unpackHistory(prims[0], lrm, node, ws);
  const siblingsHere = (p: SchedResource) =>
    p.parent?.kind === "group" && p.parent.children.some((c) => c !== p && c.history.has(node.uname));
  const activeElsewhere = (p: SchedResource) =>
    [...p.history.values()].some((h) => h.active && h.node !== node.uname);
  const activeHere = (p: SchedResource) => p.history.get(node.uname)?.active === true;
  const instanceOf = (p: SchedResource) => (p.parent?.kind === "group" ? p.parent : p);
  const instanceActiveElsewhere = (p: SchedResource) => {
    const inst = instanceOf(p);
    const members = inst.kind === "group" ? inst.children : [inst];
    return members.some((c) => [...c.history.values()].some((h) => h.active && h.node !== node.uname));
  };
  // An anonymous clone runs at most one copy per node: more history for the
  // same child on this node belongs to the same instance, unless both copies
  // are active (then the extra one is an orphan).
  if (!clone.unique) {
    const known =
      prims.find((p) => p.history.has(node.uname) && !p.orphan) ??
      prims.find((p) => p.history.has(node.uname));
    if (known) {
      if (probe.active && activeHere(known)) {
        const activeInstancesHere = new Set(prims.filter(activeHere).map(instanceOf)).size;
        if (activeInstancesHere >= (clone.cloneNodeMax ?? 1)) return orphanInstance(clone, base, node, ws);
      } else return known;
    }
  }
  if (prims.every((p) => p.orphan)) return orphanInstance(clone, base, node, ws);
  const free = prims.filter((p) => !p.history.has(node.uname));
  // Members of one group instance stay together on a node.
  const withSiblings = free.find((p) => siblingsHere(p) && !instanceActiveElsewhere(p));
  if (
    withSiblings &&
    (!probe.active ||
      !clone.children.some(
        (i) => i !== instanceOf(withSiblings) && prims.some((p) => instanceOf(p) === i && activeHere(p)),
      ))
  )
    return withSiblings;
  if (probe.active) {
    const idle = free.find((p) => !p.orphan && !instanceActiveElsewhere(p) && !siblingsHere(p));
    const activeInstancesHere = new Set(prims.filter(activeHere).map(instanceOf)).size;
    if (idle && activeInstancesHere < (clone.cloneNodeMax ?? 1)) return idle;
    if (idle && clone.unique) return idle;
    // One more active copy than the clone allows on this node: an orphan instance.
    return orphanInstance(clone, base, node, ws);
  }
  // Inactive history: attach it to the first instance not active on another node.
  const idle = free.find((p) => !activeElsewhere(p) && !p.orphan);
  return idle ?? free[0];
}

const cloneDefs = new WeakMap<SchedResource, { def: Clone; inherit: Record<string, string> }>();

/** An extra instance ("rsc:N" past clone-max) for a copy the clone does not allow; it is stopped. */
function orphanInstance(
  clone: SchedResource,
  base: string,
  node: SchedNode,
  ws: WorkingSet,
): SchedResource | undefined {
  const d = cloneDefs.get(clone);
  if (!d) return undefined;
  // Reuse an orphan instance whose group siblings are already on this node.
  for (const i of clone.children) {
    if (!i.orphan || i.kind !== "group") continue;
    const p = primitiveOf(i, base);
    if (p && !p.history.has(node.uname) && i.children.some((c) => c !== p && c.history.has(node.uname)))
      return p;
  }
  const inst = buildResource(d.def.child, clone, d.inherit, ws, `:${clone.children.length}`);
  const mark = (r: SchedResource) => {
    r.orphan = true;
    r.forceStop = "orphaned";
    for (const c of r.children) mark(c);
  };
  mark(inst);
  clone.children.push(inst);
  return primitiveOf(inst, base);
}
