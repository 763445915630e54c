// `pcs cluster start|stop|enable|disable [--all | NODE...]`, `pcs cluster destroy [--all]`,
// `pcs pcsd status [NODE...]` (also `pcs status pcsd`) and `pcs cluster corosync [NODE]`.
// Without nodes a command acts on this node through its own pcsd (which supervises the
// cluster daemon); with --all on every node of the local corosync.conf; with names on those.

import { existsSync } from "node:fs";
import type { EndpointName, RequestOf, ResponseOf } from "../../pcsd/api.js";
import { type PcsdTarget, callPcsd } from "../../pcsd/client.js";
import { readFileIfExists } from "../../pcsd/fsutil.js";
import { removeClusterFiles } from "../../pcsd/node-config.js";
import { PcsError, PcsUsageError } from "../errors.js";
import { subcommandUsage } from "../usage.js";
import type { PcsContext, PcsHandler } from "../types.js";
import { pcsdStates } from "./status-sections.js";
import {
  callAll,
  knownHostsOf,
  localClusterNodes,
  localTarget,
  pathsOf,
  remoteTarget,
  remoteTargets,
  requestTimeoutMs,
  requireLocalTarget,
  targetNodes,
} from "./common.js";

async function local<E extends EndpointName>(
  ctx: PcsContext,
  name: E,
  body: RequestOf<E>,
): Promise<ResponseOf<E>> {
  const t = requireLocalTarget(pathsOf(ctx.io));
  return (await callPcsd(t, name, body, { timeoutMs: requestTimeoutMs(ctx) })).body;
}

/** Runs an action on named nodes; prints per-node lines; a failure on any node = exit 1. */
async function onNodes<E extends EndpointName>(
  ctx: PcsContext,
  nodes: string[],
  name: E,
  before: (node: string) => string[],
  after: (node: string, body: ResponseOf<E>) => string[],
  failSummary: string,
): Promise<number> {
  const paths = pathsOf(ctx.io);
  const targets = remoteTargets(paths, nodes);
  for (const n of nodes) for (const l of before(n)) ctx.io.stdout(`${l}\n`);
  const rs = await callAll(targets, name, {} as RequestOf<E>, requestTimeoutMs(ctx));
  let failed = false;
  for (const r of rs) {
    if (r.ok) for (const l of after(r.node, r.body)) ctx.io.stdout(`${l}\n`);
    else {
      failed = true;
      ctx.io.stderr(
        `Error: ${r.error.startsWith("Unable to connect") ? r.error : `${r.node}: ${r.error}`}\n`,
      );
    }
  }
  if (failed) throw new PcsError(failSummary);
  return 0;
}

/** --wait[=SECONDS] of `pcs cluster start`: undefined when not given (default 60 s). */
function waitSeconds(ctx: PcsContext): number | undefined {
  const v = ctx.options.values.get("--wait");
  if (v === undefined) return ctx.options.flags.has("--wait") ? 60 : undefined;
  if (!/^\d+$/.test(v) || Number(v) === 0)
    throw new PcsError(`'${v}' is not a valid number of seconds to wait`);
  return Number(v);
}

/** Polls each node's pcsd until its daemon is a cluster member; prints "node: Started". */
async function waitForStart(
  ctx: PcsContext,
  targets: PcsdTarget[],
  seconds: number,
  prefix: boolean,
): Promise<void> {
  ctx.io.stdout("Waiting for node(s) to start...\n");
  const deadline = Date.now() + seconds * 1000;
  const pending = new Set(targets.map((t) => t.name));
  while (pending.size > 0) {
    const rs = await callAll(
      targets.filter((t) => pending.has(t.name)),
      "status",
      {},
      requestTimeoutMs(ctx),
    );
    for (const r of rs)
      if (r.ok && r.body.member) {
        pending.delete(r.node);
        ctx.io.stdout(prefix ? `${r.node}: Started\n` : "Started\n");
      }
    if (pending.size === 0) break;
    if (Date.now() > deadline) {
      for (const n of pending) ctx.io.stderr(`Error: ${prefix ? `${n}: ` : ""}Waiting timeout\n`);
      throw new PcsError("unable to verify all nodes have started");
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

export const clusterStart: PcsHandler = async (ctx) => {
  const paths = pathsOf(ctx.io);
  const nodes = targetNodes(ctx, paths);
  const wait = waitSeconds(ctx);
  if (nodes === undefined) {
    ctx.io.stdout("Starting Cluster...\n");
    await local(ctx, "clusterStart", {});
    if (wait !== undefined) await waitForStart(ctx, [requireLocalTarget(paths)], wait, false);
    return 0;
  }
  await onNodes(
    ctx,
    nodes,
    "clusterStart",
    (n) => [`${n}: Starting Cluster...`],
    () => [],
    "unable to start all nodes",
  );
  if (wait !== undefined) await waitForStart(ctx, remoteTargets(paths, nodes), wait, true);
  return 0;
};

export const clusterStop: PcsHandler = async (ctx) => {
  const nodes = targetNodes(ctx, pathsOf(ctx.io));
  if (nodes === undefined) {
    ctx.io.stdout("Stopping Cluster (pacemaker)...\nStopping Cluster (corosync)...\n");
    await local(ctx, "clusterStop", {});
    return 0;
  }
  // One daemon plays both parts: pcs's two phases are printed as pcs prints them.
  return onNodes(
    ctx,
    nodes,
    "clusterStop",
    (n) => [`${n}: Stopping Cluster (pacemaker)...`],
    (n) => [`${n}: Stopping Cluster (corosync)...`],
    "unable to stop all nodes",
  );
};

/** `pcs cluster kill`: SIGKILL this node's cluster daemon (pcs's "kill -9"), no restart. */
export const clusterKill: PcsHandler = async (ctx) => {
  if (ctx.args.length > 0) throw new PcsUsageError(subcommandUsage("cluster", "kill"));
  await local(ctx, "clusterKill", {});
  return 0;
};

export const clusterEnable: PcsHandler = async (ctx) => {
  const nodes = targetNodes(ctx, pathsOf(ctx.io));
  if (nodes === undefined) {
    await local(ctx, "clusterEnable", {});
    return 0;
  }
  return onNodes(
    ctx,
    nodes,
    "clusterEnable",
    () => [],
    (n) => [`${n}: Cluster Enabled`],
    "unable to enable all nodes",
  );
};

export const clusterDisable: PcsHandler = async (ctx) => {
  const nodes = targetNodes(ctx, pathsOf(ctx.io));
  if (nodes === undefined) {
    await local(ctx, "clusterDisable", {});
    return 0;
  }
  return onNodes(
    ctx,
    nodes,
    "clusterDisable",
    () => [],
    (n) => [`${n}: Cluster Disabled`],
    "unable to disable all nodes",
  );
};

export const clusterDestroy: PcsHandler = async (ctx) => {
  const paths = pathsOf(ctx.io);
  if (ctx.args.length > 0) throw new PcsUsageError(subcommandUsage("cluster", "destroy"));
  if (ctx.options.flags.has("--all")) {
    const nodes = localClusterNodes(paths);
    return onNodes(
      ctx,
      nodes,
      "clusterDestroy",
      (n) => [`${n}: Stopping Cluster (pacemaker)...`],
      (n) => [`${n}: Successfully destroyed cluster`],
      "unable to destroy cluster on all nodes",
    );
  }
  ctx.io.stdout("Shutting down pacemaker/corosync services...\n");
  const t = localTarget(paths);
  if (t) {
    ctx.io.stdout("Removing all cluster configuration files...\n");
    await callPcsd(t, "clusterDestroy", {}, { timeoutMs: requestTimeoutMs(ctx) });
    return 0;
  }
  // No local pcsd: nothing supervises a daemon here; remove the files directly.
  if (existsSync(paths.daemonPid))
    ctx.io.stderr("Warning: pcsd is not running; a cluster daemon it started may still be running\n");
  ctx.io.stdout("Removing all cluster configuration files...\n");
  removeClusterFiles(paths);
  return 0;
};

/** `pcs pcsd status [NODE...]` / `pcs status pcsd [NODE...]`: is each node's pcsd reachable with our token. */
export const pcsdStatus: PcsHandler = async (ctx) => {
  const paths = pathsOf(ctx.io);
  const nodes = ctx.args.length > 0 ? ctx.args : localClusterNodes(paths);
  const states = await pcsdStates(paths, nodes, requestTimeoutMs(ctx));
  for (const l of states) ctx.io.stdout(`  ${l.node}: ${l.state}\n`);
  return states.every((l) => l.state === "Online") ? 0 : 1;
};

/** `pcs cluster corosync [NODE]`: this node's corosync.conf, or a node's through its pcsd. */
export const clusterCorosync: PcsHandler = async (ctx) => {
  const paths = pathsOf(ctx.io);
  if (ctx.args.length > 1) throw new PcsUsageError(subcommandUsage("cluster", "corosync"));
  if (ctx.args.length === 0) {
    const text = readFileIfExists(paths.corosyncConf);
    if (text === undefined)
      throw new PcsError(`Unable to read ${paths.corosyncConf}: No such file or directory`);
    ctx.io.stdout(text);
    return 0;
  }
  const r = await callPcsd(
    remoteTarget(knownHostsOf(paths), ctx.args[0]),
    "fileGet",
    { name: "corosync.conf" },
    {
      timeoutMs: requestTimeoutMs(ctx),
    },
  );
  if (r.body.data === null) throw new PcsError(`Unable to read corosync.conf on node '${ctx.args[0]}'`);
  ctx.io.stdout(r.body.data);
  return 0;
};

/** `pcs cluster sync`: sends the local corosync.conf to every node it lists. */
export const clusterSync: PcsHandler = async (ctx) => {
  const paths = pathsOf(ctx.io);
  if (ctx.args.length > 0) throw new PcsUsageError(subcommandUsage("cluster", "sync"));
  const text = readFileIfExists(paths.corosyncConf);
  if (text === undefined)
    throw new PcsError(`Unable to read ${paths.corosyncConf}: No such file or directory`);
  const nodes = localClusterNodes(paths);
  const targets = remoteTargets(paths, nodes);
  ctx.io.stdout(`Sending 'corosync.conf' to ${nodes.map((n) => `'${n}'`).join(", ")}\n`);
  const data = Buffer.from(text, "utf8").toString("base64");
  const rs = await callAll(
    targets,
    "filePut",
    { files: [{ name: "corosync.conf", data }] },
    requestTimeoutMs(ctx),
  );
  let failed = false;
  for (const r of rs) {
    if (r.ok) ctx.io.stdout(`${r.node}: successful distribution of the file 'corosync.conf'\n`);
    else {
      failed = true;
      ctx.io.stderr(
        `Error: ${r.error.startsWith("Unable to connect") ? r.error : `${r.node}: ${r.error}`}\n`,
      );
    }
  }
  if (failed) throw new PcsError("Errors have occurred, therefore pcs is unable to continue");
  return 0;
};
