// Resource commands that act on the running cluster and wait for it, as pcs 0.11 does:
// `resource move` (constraint, wait for the move, remove the constraint), `restart`
// (stop, wait, start), `cleanup` / `refresh` (the daemon's resource.cleanup).
// They need tandemd's IPC socket; with -f pcs refuses them, and so does tandem.

import { elements } from "../core/xml.js";
import { cibRequest } from "../daemon/protocol.js";
import { type CleanupRequest, parseIntervalMs, planCleanup, runCleanup } from "../status/cleanup.js";
import { fromStatus, type LiveStatus } from "../status/live.js";
import { NoClusterCibSource, parseCib } from "./cib-source.js";
import { findSection, readCib, removeElement, updateCib } from "./cib.js";
import { PcsError, PcsUsageError } from "./errors.js";
import { IpcCibSource } from "./live-cib.js";
import { activeNodes, resourceMoveWithConstraint } from "./resource-manage.js";
import { findResource } from "./resources.js";
import type { PcsContext, PcsHandler } from "./types.js";
import { subcommandUsage } from "./usage.js";

export function requireLive(ctx: PcsContext): IpcCibSource {
  if (ctx.options.values.has("-f"))
    throw new PcsError("Specified option '-f' is not supported in this command");
  const src = ctx.cib();
  if (src instanceof NoClusterCibSource) throw new PcsError("unable to get cib");
  if (!(src instanceof IpcCibSource)) throw new PcsError("this command needs tandemd's IPC socket");
  return src;
}

function waitTimeoutMs(ctx: PcsContext): number {
  const w = ctx.options.values.get("--wait");
  const n = w === undefined ? Number.NaN : Number(w);
  const fromEnv = Number(ctx.io.env.TANDEM_PCS_WAIT_MS);
  return Number.isFinite(n) && n > 0 ? n * 1000 : Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : 60_000;
}

/** Where the primitives of a resource (or of its group/clone) run, from the daemon's status answer. */
export async function runningOn(src: IpcCibSource, id: string): Promise<string[]> {
  const st = await cibRequest(src.socket, "status", {}, { timeoutMs: 30_000 });
  const cib = parseCib(st.cib);
  const rsc = findResource(cib, id);
  if (!rsc) return [];
  const prims =
    rsc.name === "primitive"
      ? [rsc]
      : [...elements(rsc)].flatMap((c) => (c.name === "primitive" ? [c] : elements(c, "primitive")));
  const nodes = new Set<string>();
  for (const p of prims) for (const n of activeNodes(cib, p.attrs.id)) nodes.add(n);
  return [...nodes].sort();
}

export async function waitUntil(ctx: PcsContext, what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + waitTimeoutMs(ctx);
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new PcsError(`waiting timeout\n\n${what}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** `resource move RSC [NODE]` on a live cluster: pcs 0.11's move with autoclean. */
export const resourceMoveLive: PcsHandler = async (ctx) => {
  const src = requireLive(ctx);
  // With a lifetime the constraint has to stay (it expires by itself): pcs 0.10's move.
  if (ctx.args.some((a) => a.startsWith("lifetime="))) return resourceMoveWithConstraint(ctx);
  const [id, node] = ctx.args;
  if (!id) throw new PcsUsageError(subcommandUsage("resource", "move"));
  const before = await runningOn(src, id);
  const mctx = { ...ctx, io: { ...ctx.io, stderr: () => {} } };
  await resourceMoveWithConstraint(mctx);
  const cid = node !== undefined ? `cli-prefer-${id}` : `cli-ban-${id}-on-${before[0]}`;
  ctx.io.stderr(`Location constraint to move resource '${id}' has been created\n`);
  ctx.io.stderr("Waiting for the cluster to apply configuration changes...\n");
  let now: string[] = [];
  await waitUntil(ctx, `resource '${id}' did not move`, async () => {
    now = await runningOn(src, id);
    return now.length > 0 && (node !== undefined ? now.includes(node) : !now.some((n) => before.includes(n)));
  });
  await updateCib(ctx, (cib) => {
    const cons = findSection(cib, "constraints");
    const c = cons && elements(cons, "rsc_location").find((x) => x.attrs.id === cid);
    if (!c) return false;
    removeElement(cons!, c);
    return true;
  });
  ctx.io.stderr(`Location constraint created to move resource '${id}' has been removed\n`);
  ctx.io.stderr("Waiting for the cluster to apply configuration changes...\n");
  // pcs checks the resource stays where it went once the constraint is gone.
  await new Promise((r) => setTimeout(r, 300));
  now = await runningOn(src, id);
  ctx.io.stderr(
    `resource '${id}' is running on node${now.length > 1 ? "s" : ""} ${now.map((n) => `'${n}'`).join(", ")}\n`,
  );
  return 0;
};

async function setTargetRole(ctx: PcsContext, id: string, stopped: boolean): Promise<void> {
  await updateCib(ctx, (cib) => {
    const rsc = findResource(cib, id);
    if (!rsc) throw new PcsError(`Resource '${id}' does not exist`);
    let changed = false;
    for (const set of elements(rsc, "meta_attributes")) {
      const p = elements(set, "nvpair").find((x) => x.attrs.name === "target-role");
      if (p && !stopped) {
        removeElement(set, p);
        changed = true;
      }
      if (p && stopped) {
        p.attrs.value = "Stopped";
        changed = true;
      }
    }
    if (stopped && !changed) {
      const set = elements(rsc, "meta_attributes")[0];
      const id2 = `${id}-meta_attributes`;
      const nv = {
        type: "element" as const,
        name: "nvpair",
        attrs: { id: `${id2}-target-role`, name: "target-role", value: "Stopped" },
        children: [],
      };
      if (set) set.children.push(nv);
      else
        rsc.children.unshift({
          type: "element",
          name: "meta_attributes",
          attrs: { id: id2 },
          children: [nv],
        });
      changed = true;
    }
    return changed;
  });
}

/** `resource restart RSC`: stop it, wait until it is stopped everywhere, start it again. */
export const resourceRestart: PcsHandler = async (ctx) => {
  const src = requireLive(ctx);
  const id = ctx.args[0];
  if (!id) throw new PcsUsageError(subcommandUsage("resource", "restart"));
  const cib = await readCib(ctx);
  if (!findResource(cib, id)) throw new PcsError(`Resource '${id}' does not exist`);
  await setTargetRole(ctx, id, true);
  try {
    await waitUntil(
      ctx,
      `resource '${id}' did not stop`,
      async () => (await runningOn(src, id)).length === 0,
    );
  } finally {
    await setTargetRole(ctx, id, false);
  }
  ctx.io.stdout(`${id} successfully restarted\n`);
  return 0;
};

/**
 * `resource cleanup [RSC] [node=NODE] [operation=OP [interval=I]]` and `resource refresh [RSC]
 * [node=NODE]`: crm_resource --cleanup / --refresh (src/status/cleanup.ts): cleanup forgets only
 * failures, refresh the whole history (the resource is probed again).
 */
export function resourceCleanup(what: "cleanup" | "refresh"): PcsHandler {
  return async (ctx) => {
    const src = requireLive(ctx);
    const req: CleanupRequest = { refresh: what === "refresh" };
    const node = ctx.options.values.get("--node");
    if (node !== undefined) req.node = node;
    for (const a of ctx.args) {
      const eq = a.indexOf("=");
      const key = eq > 0 ? a.slice(0, eq) : "";
      const value = a.slice(eq + 1);
      if (key === "node") req.node = value;
      else if (key === "operation" && what === "cleanup") req.operation = value;
      else if (key === "interval" && what === "cleanup") {
        const ms = parseIntervalMs(value);
        if (ms === undefined) throw new PcsError(`'${value}' is not a valid interval value`);
        req.intervalMs = ms;
      } else if (eq < 0 && req.rsc === undefined) req.rsc = a;
      else throw new PcsUsageError(subcommandUsage("resource", what));
    }
    if (req.intervalMs !== undefined && req.operation === undefined)
      throw new PcsError("interval can only be given together with operation");
    let live: LiveStatus;
    try {
      live = fromStatus(await cibRequest(src.socket, "status", {}, { timeoutMs: 30_000 }));
    } catch {
      throw new PcsError("unable to get cib");
    }
    if (req.rsc !== undefined && !findResource(live.cib, req.rsc))
      throw new PcsError(`Resource '${req.rsc}' not found`);
    if (req.node !== undefined && !live.ws.nodes.some((n) => n.uname === req.node))
      throw new PcsError(`Node '${req.node}' not found`);
    const plan = planCleanup(live, req);
    try {
      await runCleanup(src.socket, plan, req);
    } catch (e) {
      throw new PcsError(`Unable to ${what}: ${(e as Error).message}`);
    }
    ctx.io.stdout(plan.lines.map((l) => `${l}\n`).join(""));
    return 0;
  };
}

/** Before `resource delete` on a running cluster: disable the resource and wait until it has stopped. */
export async function stopBeforeDelete(ctx: PcsContext, id: string): Promise<void> {
  const src = ctx.cib();
  if (!(src instanceof IpcCibSource)) return;
  if ((await runningOn(src, id)).length === 0) return;
  ctx.io.stderr(`Attempting to stop: ${id}... `);
  await setTargetRole(ctx, id, true);
  const deadline = Date.now() + waitTimeoutMs(ctx);
  while ((await runningOn(src, id)).length > 0) {
    if (Date.now() > deadline)
      throw new PcsError(`Unable to stop: ${id} before deleting (re-run with --force to force deletion)`);
    await new Promise((r) => setTimeout(r, 300));
  }
  ctx.io.stderr("Stopped\n");
}
