// `pcs cluster node add NODE [addr=ADDR]... [--start] [--enable] [--force]` and
// `pcs cluster node remove NODE... [--force]`: change the nodelist of the local corosync.conf
// and distribute it (plus the cluster key to a new node) through pcsd, as pcs 0.11 does.
// tandemd cannot reload corosync.conf while it runs (pcs would run `corosync-cfgtool -R`):
// running nodes use the new node list after a restart of the cluster, and the command says so.

import { readFileSync } from "node:fs";
import type { PcsdTarget } from "../../pcsd/client.js";
import type { KnownHost } from "../../pcsd/known-hosts.js";
import { type CorosyncConf, parseCorosyncConf, writeCorosyncConf } from "../../transport/corosync-conf.js";
import { PcsError, Reports } from "../errors.js";
import type { PcsContext, PcsHandler } from "../types.js";
import {
  callAll,
  knownHostsOf,
  notKnown,
  pathsOf,
  quoteList,
  remoteTarget,
  requestTimeoutMs,
  resolveHostName,
} from "./common.js";

export function localConf(ctx: PcsContext): { conf: CorosyncConf; text: string } {
  const paths = pathsOf(ctx.io);
  let text: string;
  try {
    text = readFileSync(paths.corosyncConf, "utf8");
  } catch {
    throw new PcsError(`Unable to read ${paths.corosyncConf}: No such file or directory`);
  }
  try {
    return { conf: parseCorosyncConf(text), text };
  } catch (e) {
    throw new PcsError(`Unable to parse ${paths.corosyncConf}: ${(e as Error).message}`);
  }
}

const nodeName = (n: CorosyncConf["nodes"][number]) => n.name ?? n.rings[0];

/** two_node: 1 exactly for two nodes without auto_tie_breaker (pcs keeps it in step). */
export function adjustTwoNode(conf: CorosyncConf): void {
  if (conf.nodes.length === 2 && conf.quorum.auto_tie_breaker !== "1") conf.quorum.two_node = "1";
  else delete conf.quorum.two_node;
}

type Step = (ctx: PcsContext, targets: PcsdTarget[]) => Promise<void>;

/** Sends corosync.conf to the targets, printing pcs's lines; throws after printing failures. */
export function sendConf(text: string): Step {
  return async (ctx, targets) => {
    ctx.io.stdout("Sending updated corosync.conf to nodes...\n");
    const data = Buffer.from(text, "utf8").toString("base64");
    const rs = await callAll(
      targets,
      "filePut",
      { files: [{ name: "corosync.conf", data }] },
      requestTimeoutMs(ctx),
    );
    let failed = false;
    for (const r of rs) {
      if (r.ok) ctx.io.stdout(`${r.node}: Succeeded\n`);
      else {
        failed = true;
        ctx.io.stderr(`Error: ${r.node}: ${r.error}\n`);
      }
    }
    if (failed) throw new PcsError("Errors have occurred, therefore pcs is unable to continue");
  };
}

function restartHint(ctx: PcsContext, running: string[]): void {
  if (running.length === 0) return;
  ctx.io.stderr(
    `Warning: tandemd cannot reload corosync.conf while it runs; ${quoteList(running)} use the new node list after 'pcs cluster stop --all' and 'pcs cluster start --all'\n`,
  );
}

export const clusterNodeAdd: PcsHandler = async (ctx) => {
  const paths = pathsOf(ctx.io);
  const [name, ...rest] = ctx.args;
  if (name === undefined || name.includes("="))
    throw new PcsError("Usage: pcs cluster node add <node name> [addr=<node address>]...");
  const addrs: string[] = [];
  for (const w of rest) {
    if (!w.startsWith("addr=") || w.length === 5)
      throw new PcsError(`Invalid syntax: '${w}', only addr=<node address> is allowed after the node name`);
    addrs.push(w.slice(5));
  }
  const { conf } = localConf(ctx);
  const hosts = knownHostsOf(paths);
  const reports = new Reports(ctx.force);
  const existing = conf.nodes.map(nodeName);
  if (existing.includes(name))
    reports.error(
      "NODE_NAME_IN_USE",
      `Node name '${name}' is already used by existing nodes; please, use other name`,
    );
  for (const n of [name, ...existing]) if (!hosts.has(n)) reports.error("HOST_NOT_FOUND", notKnown(n));
  reports.flush(ctx.io);
  if (addrs.length === 0) {
    const addr = hosts.get(name)?.addrs[0] ?? resolveHostName(paths, name);
    ctx.io.stderr(`No addresses specified for host '${name}', using '${addr}'\n`);
    addrs.push(addr);
  }
  const used = new Set(conf.nodes.flatMap((n) => Object.values(n.rings)));
  for (const a of addrs)
    if (used.has(a))
      reports.error(
        "NODE_ADDRESS_IN_USE",
        `Node address '${a}' is already used by existing nodes; please, use other address`,
      );
  const links = Object.keys(conf.nodes[0]?.rings ?? { 0: "" }).length;
  if (addrs.length !== links)
    reports.error(
      "WRONG_NUMBER_OF_ADDRESSES",
      `${links} address(es) must be specified for the node, ${addrs.length} given`,
    );
  reports.flush(ctx.io);

  const timeoutMs = requestTimeoutMs(ctx);
  const newTarget = remoteTarget(hosts, name);
  const existingTargets = existing.map((n) => remoteTarget(hosts, n));
  // The new node must be reachable and not in a cluster (forceable), as for setup.
  const [st] = await callAll([newTarget], "status", {}, timeoutMs);
  if (!st.ok)
    reports.error(
      "NODE_COMMUNICATION",
      st.error.startsWith("Unable to connect") ? st.error : `${name}: ${st.error}`,
    );
  else if (st.body.daemon.running || st.body.configured)
    reports.error(
      "HOST_ALREADY_IN_CLUSTER",
      `${name}: ${st.body.daemon.running ? "Running cluster services: 'tandemd'" : "Cluster configuration files found"}, the host seems to be in a cluster already`,
      { forceable: true },
    );
  const statuses = await callAll(existingTargets, "status", {}, timeoutMs);
  for (const s of statuses)
    if (!s.ok)
      reports.error(
        "NODE_COMMUNICATION",
        s.error.startsWith("Unable to connect") ? s.error : `${s.node}: ${s.error}`,
      );
  reports.flush(ctx.io);

  const nodeid = Math.max(0, ...conf.nodes.map((n) => n.nodeid)) + 1;
  conf.nodes.push({ nodeid, name, rings: Object.fromEntries(addrs.map((a, i) => [i, a])), extra: {} });
  adjustTwoNode(conf);
  let text: string;
  try {
    text = writeCorosyncConf(conf);
  } catch (e) {
    throw new PcsError(`Unable to create a valid corosync.conf: ${(e as Error).message}`);
  }
  const authkey = readFileSync(paths.authkey).toString("base64");

  if (st.ok && (st.body.daemon.running || st.body.configured))
    await callAll([newTarget], "clusterDestroy", {}, timeoutMs);
  ctx.io.stdout(`Sending 'corosync authkey' to '${name}'\n`);
  const [k] = await callAll(
    [newTarget],
    "filePut",
    { files: [{ name: "authkey", data: authkey }] },
    timeoutMs,
  );
  if (!k.ok) throw new PcsError(`${name}: ${k.error}`);
  ctx.io.stdout(`${name}: successful distribution of the file 'corosync authkey'\n`);
  const all = [newTarget, ...existingTargets];
  await sendConf(text)(ctx, all);
  const entries = [name, ...existing].map((n) => hosts.get(n) as KnownHost);
  await callAll(all, "knownHostsPut", { hosts: entries }, timeoutMs);
  restartHint(
    ctx,
    statuses.flatMap((s) => (s.ok && s.body.daemon.running ? [s.node] : [])),
  );
  if (ctx.options.flags.has("--enable")) {
    const [e] = await callAll([newTarget], "clusterEnable", {}, timeoutMs);
    if (!e.ok) throw new PcsError(`${name}: ${e.error}`);
    ctx.io.stdout(`${name}: Cluster Enabled\n`);
  }
  if (ctx.options.flags.has("--start")) {
    ctx.io.stdout(`${name}: Starting Cluster...\n`);
    const [s] = await callAll([newTarget], "clusterStart", {}, timeoutMs);
    if (!s.ok) throw new PcsError(`${name}: ${s.error}`);
  }
  return 0;
};

export const clusterNodeRemove: PcsHandler = async (ctx) => {
  const paths = pathsOf(ctx.io);
  const names = [...new Set(ctx.args)];
  if (names.length === 0) throw new PcsError("Usage: pcs cluster node remove <node name>...");
  const { conf } = localConf(ctx);
  const hosts = knownHostsOf(paths);
  const reports = new Reports(ctx.force);
  const existing = conf.nodes.map(nodeName);
  for (const n of names)
    if (!existing.includes(n))
      reports.error("NODE_NOT_FOUND", `Node '${n}' does not appear to exist in configuration`);
  const remaining = existing.filter((n) => !names.includes(n));
  if (remaining.length === 0)
    reports.error("CANNOT_REMOVE_ALL_CLUSTER_NODES", "No nodes would be left in the cluster");
  for (const n of remaining) if (!hosts.has(n)) reports.error("HOST_NOT_FOUND", notKnown(n));
  reports.flush(ctx.io);

  const timeoutMs = requestTimeoutMs(ctx);
  const remainingTargets = remaining.map((n) => remoteTarget(hosts, n));
  const statuses = await callAll(remainingTargets, "status", {}, timeoutMs);
  for (const s of statuses)
    if (!s.ok)
      reports.error(
        "NODE_COMMUNICATION",
        s.error.startsWith("Unable to connect") ? s.error : `${s.node}: ${s.error}`,
      );
  // A removed node is stopped and cleaned; if it cannot be reached, only with --force.
  const removedKnown = names.filter((n) => hosts.has(n));
  for (const n of names.filter((x) => !hosts.has(x)))
    reports.error("HOST_NOT_FOUND", notKnown(n), { forceable: true });
  const removedTargets = removedKnown.map((n) => remoteTarget(hosts, n));
  const removedStatus = await callAll(removedTargets, "status", {}, timeoutMs);
  for (const s of removedStatus)
    if (!s.ok)
      reports.error(
        "NODE_COMMUNICATION",
        s.error.startsWith("Unable to connect") ? s.error : `${s.node}: ${s.error}`,
        {
          forceable: true,
        },
      );
  reports.flush(ctx.io);

  conf.nodes = conf.nodes.filter((n) => !names.includes(nodeName(n)));
  adjustTwoNode(conf);
  const text = writeCorosyncConf(conf);

  const reachable = removedTargets.filter((_, i) => removedStatus[i].ok);
  if (reachable.length > 0) {
    ctx.io.stdout(`Destroying cluster on hosts: ${quoteList(reachable.map((t) => t.name))}...\n`);
    for (const d of await callAll(reachable, "clusterDestroy", {}, timeoutMs)) {
      if (d.ok) ctx.io.stdout(`${d.node}: Successfully destroyed cluster\n`);
      else ctx.io.stderr(`Warning: ${d.node}: ${d.error}\n`);
    }
  }
  await sendConf(text)(ctx, remainingTargets);
  restartHint(
    ctx,
    statuses.flatMap((s) => (s.ok && s.body.daemon.running ? [s.node] : [])),
  );
  return 0;
};
