// `pcs resource relocate show | dry-run [RSC...] | run [RSC...] | clear`: move resources to
// the nodes they would get if resource stickiness did not hold them where they are.
// The optimal node comes from tandem's scheduler run on the live CIB with every
// resource-stickiness removed; `run` adds one INFINITY location constraint per resource
// that should move (`pcs-relocate-RSC`, pcs's prefix), waits until the cluster has moved
// them and removes the constraints again (stickiness then keeps them there); `clear`
// removes constraints a `run` left behind (e.g. after a timeout).

import { unpackCib } from "../cib/unpack.js";
import { el, elements, parseXml, serializeXml, walkElements, type XmlElement } from "../core/xml.js";
import { cibRequest } from "../daemon/protocol.js";
import { renderResources } from "../scheduler/render-status.js";
import { formatSummary } from "../scheduler/summary.js";
import { schedule, type Transition } from "../scheduler/index.js";
import { parseCib } from "./cib-source.js";
import { findSection, removeElement, section, updateCib } from "./cib.js";
import { PcsError, PcsUsageError } from "./errors.js";
import { requireLive, runningOn, waitUntil } from "./live-ops.js";
import { findResource, isStonith, resourceParent, resourcesSection } from "./resources.js";
import type { PcsContext, PcsHandler } from "./types.js";
import { subcommandUsage } from "./usage.js";

export const RELOCATE_PREFIX = "pcs-relocate-";

export interface Relocation {
  rsc: string;
  /** Nodes it is active on now. */
  current: string[];
  /** Where the scheduler puts it without stickiness (null: nowhere). */
  optimal: string | null;
}

/** A copy of the CIB without any resource-stickiness (defaults and per-resource meta). */
export function withoutStickiness(cib: XmlElement): XmlElement {
  const copy = parseXml(serializeXml(cib));
  for (const set of walkElements(copy))
    if (set.name === "meta_attributes")
      for (const nv of elements(set, "nvpair"))
        if (nv.attrs.name === "resource-stickiness" || nv.attrs.name === "default-resource-stickiness")
          removeElement(set, nv);
  return copy;
}

/** The resources relocate considers: the named ones, else every top-level primitive and group. */
function candidates(cib: XmlElement, ids: string[]): XmlElement[] {
  if (ids.length === 0) {
    const rs = resourcesSection(cib);
    return rs
      ? elements(rs).filter((r) => (r.name === "primitive" && !isStonith(r)) || r.name === "group")
      : [];
  }
  return ids.map((id) => {
    const r = findResource(cib, id);
    if (!r) throw new PcsError(`Resource '${id}' does not exist`);
    if (r.name !== "primitive" && r.name !== "group")
      throw new PcsError(
        `Unable to relocate '${id}': only primitives and groups can be relocated, not a ${r.name}`,
      );
    const p = resourceParent(cib, r);
    if (p && p.name !== "resources")
      throw new PcsError(
        `Unable to relocate '${id}': it is a member of '${p.attrs.id}', relocate that instead`,
      );
    return r;
  });
}

/** Current and optimal placement of the candidates; the stickiness-free transition too. */
export function relocationPlan(
  cib: XmlElement,
  nowSec: number,
  ids: string[],
): { items: Relocation[]; free: Transition; actual: Transition } {
  const rscs = candidates(cib, ids);
  const actual = schedule(unpackCib(cib), { now: nowSec });
  const free = schedule(unpackCib(withoutStickiness(cib)), { now: nowSec });
  const items = rscs.map((r) => {
    const id = r.attrs.id;
    const lead = r.name === "group" ? (elements(r, "primitive")[0]?.attrs.id ?? id) : id;
    const now = actual.ws.primitives.find((p) => p.id === lead);
    const opt = free.ws.primitives.find((p) => p.id === lead);
    return { rsc: id, current: now ? [...now.runningOn] : [], optimal: opt?.assigned ?? null };
  });
  return { items, free, actual };
}

/** The resources that are not where they should be (and can go somewhere). */
export function toMove(items: Relocation[]): (Relocation & { optimal: string })[] {
  return items.filter(
    (i): i is Relocation & { optimal: string } =>
      i.optimal !== null && (i.current.length !== 1 || i.current[0] !== i.optimal),
  );
}

async function liveCib(ctx: PcsContext): Promise<{ cib: XmlElement; now: number }> {
  const src = requireLive(ctx);
  const st = await cibRequest(src.socket, "status", {}, { timeoutMs: 30_000 });
  return { cib: parseCib(st.cib), now: Math.floor(st.now / 1000) };
}

/** `relocate show`: where resources are and what would change without stickiness. */
const relocateShow: PcsHandler = async (ctx) => {
  if (ctx.args.length > 0) throw new PcsUsageError(subcommandUsage("resource", "relocate show"));
  const { cib, now } = await liveCib(ctx);
  const { items, free, actual } = relocationPlan(cib, now, []);
  const lines = ["Current cluster status:", ...renderResources(actual.ws, "").slice(1), ""];
  lines.push("Optimal placement (resource stickiness ignored):");
  for (const i of items)
    lines.push(
      `  * ${i.rsc}: ${i.current.length > 0 ? i.current.join(", ") : "Stopped"} -> ${i.optimal ?? "Stopped"}`,
    );
  lines.push("", "Transition Summary (resource stickiness ignored):");
  const summary = formatSummary(free.summary);
  lines.push(...(summary.length > 0 ? summary : ["  * Nothing to do"]));
  ctx.io.stdout(`${lines.join("\n")}\n`);
  return 0;
};

function constraintsFor(moves: (Relocation & { optimal: string })[]): XmlElement[] {
  return moves.map((m) =>
    el("rsc_location", { id: `${RELOCATE_PREFIX}${m.rsc}`, rsc: m.rsc, node: m.optimal, score: "INFINITY" }),
  );
}

/** Removes every pcs-relocate- constraint; returns their ids. */
async function removeRelocateConstraints(ctx: PcsContext): Promise<string[]> {
  const removed: string[] = [];
  await updateCib(ctx, (cib) => {
    const cons = findSection(cib, "constraints");
    for (const c of cons ? elements(cons, "rsc_location") : [])
      if ((c.attrs.id ?? "").startsWith(RELOCATE_PREFIX)) {
        removeElement(cons!, c);
        removed.push(c.attrs.id);
      }
    return removed.length > 0;
  });
  return removed;
}

/** `relocate dry-run|run [RSC...]`. */
function relocateRun(dry: boolean): PcsHandler {
  return async (ctx) => {
    const src = requireLive(ctx);
    const { cib, now } = await liveCib(ctx);
    const moves = toMove(relocationPlan(cib, now, ctx.args).items);
    const out = (t: string) => ctx.io.stdout(`${t}\n`);
    if (moves.length === 0) {
      out("No resource needs to be relocated");
      return 0;
    }
    const constraints = constraintsFor(moves);
    for (const [i, m] of moves.entries())
      out(
        `Creating location constraint ${constraints[i].attrs.id}: ${m.rsc} prefers ${m.optimal} (now ${m.current.length > 0 ? `on ${m.current.join(", ")}` : "stopped"})`,
      );
    if (dry) return 0;
    await updateCib(ctx, (c) => {
      const cons = section(c, "constraints");
      for (const x of constraints) {
        const old = elements(cons, "rsc_location").find((e) => e.attrs.id === x.attrs.id);
        if (old) removeElement(cons, old);
        cons.children.push(x);
      }
      return true;
    });
    out("Waiting for the cluster to relocate the resources...");
    try {
      await waitUntil(ctx, "resources did not relocate", async () => {
        for (const m of moves) {
          const on = await runningOn(src, m.rsc);
          if (on.length !== 1 || on[0] !== m.optimal) return false;
        }
        return true;
      });
    } finally {
      for (const id of await removeRelocateConstraints(ctx)) out(`Removing location constraint ${id}`);
    }
    for (const m of moves) out(`resource '${m.rsc}' is running on node '${m.optimal}'`);
    return 0;
  };
}

/** `relocate clear`: the constraints a relocate run left. */
const relocateClear: PcsHandler = async (ctx) => {
  if (ctx.args.length > 0) throw new PcsUsageError(subcommandUsage("resource", "relocate clear"));
  requireLive(ctx);
  const removed = await removeRelocateConstraints(ctx);
  ctx.io.stdout(removed.map((id) => `Removing location constraint ${id}\n`).join(""));
  return 0;
};

/** `resource relocate SUB ...` */
export const resourceRelocate: PcsHandler = async (ctx) => {
  const [sub, ...rest] = ctx.args;
  const sctx = { ...ctx, args: rest };
  switch (sub) {
    case "show":
      return relocateShow(sctx);
    case "dry-run":
      return relocateRun(true)(sctx);
    case "run":
      return relocateRun(false)(sctx);
    case "clear":
      return relocateClear(sctx);
    default:
      throw new PcsUsageError(subcommandUsage("resource", "relocate"));
  }
};
