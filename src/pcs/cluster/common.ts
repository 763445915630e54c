// Shared plumbing of the cluster-wide pcs commands: where this node's files are, which
// nodes a command targets (--all = the nodes of the local corosync.conf), how to reach a
// node's pcsd (known-hosts entry with pinned certificate and token, or this node's own pcsd
// through its runtime file and local token), and running one call on many nodes at once.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { CommandIO } from "../../cli/io.js";
import { TandemError } from "../../core/errors.js";
import type { EndpointName, RequestOf, ResponseOf } from "../../pcsd/api.js";
import { type PcsdTarget, callPcsd, DEFAULT_REQUEST_TIMEOUT_MS } from "../../pcsd/client.js";
import { readFileIfExists } from "../../pcsd/fsutil.js";
import { type KnownHosts, readKnownHosts } from "../../pcsd/known-hosts.js";
import { type PcsdPaths, pcsdPaths, rootFrom } from "../../pcsd/paths.js";
import type { PcsdRuntime } from "../../pcsd/server.js";
import { pidAlive } from "../../pcsd/supervisor.js";
import { parseCorosyncConf } from "../../transport/corosync-conf.js";
import { PcsError } from "../errors.js";
import type { PcsContext } from "../types.js";

export function pathsOf(io: CommandIO): PcsdPaths {
  return pcsdPaths(rootFrom(io.env));
}

/** --request-timeout in seconds (pcs's option), as milliseconds. */
export function requestTimeoutMs(ctx: PcsContext): number {
  const v = ctx.options.values.get("--request-timeout");
  if (v === undefined) return DEFAULT_REQUEST_TIMEOUT_MS;
  if (!/^\d+$/.test(v) || Number(v) === 0)
    throw new PcsError(`'${v}' is not a valid --request-timeout value, use a positive integer`);
  return Number(v) * 1000;
}

/** Node names of the local corosync.conf, in nodeid order of the file. */
export function localClusterNodes(paths: PcsdPaths): string[] {
  const text = readFileIfExists(paths.corosyncConf);
  if (text === undefined)
    throw new PcsError(`Unable to read ${paths.corosyncConf}: No such file or directory`);
  let conf: ReturnType<typeof parseCorosyncConf>;
  try {
    conf = parseCorosyncConf(text);
  } catch (e) {
    throw new PcsError(`Unable to parse ${paths.corosyncConf}: ${(e as Error).message}`);
  }
  return conf.nodes.map((n) => n.name ?? n.rings[0]);
}

export function knownHostsOf(paths: PcsdPaths): KnownHosts {
  try {
    return readKnownHosts(paths.knownHosts);
  } catch (e) {
    throw new PcsError(`Unable to read the known-hosts file: ${(e as Error).message}`);
  }
}

export function notKnown(name: string): string {
  return `Host '${name}' is not known to pcs, try to authenticate the host using 'pcs host auth ${name}' command`;
}

/** The pcsd of a known host, with its pinned fingerprint and token. */
export function remoteTarget(hosts: KnownHosts, name: string): PcsdTarget {
  const h = hosts.get(name);
  if (!h) throw new PcsError(notKnown(name));
  return { name, addrs: h.addrs, port: h.port, token: h.token, fingerprint256: h.fingerprint256 };
}

/**
 * This node's own pcsd: address and certificate from the runtime file pcsd writes, and the
 * local token it renews at each start (readable only by the user pcsd runs as).
 */
export function localTarget(paths: PcsdPaths): PcsdTarget | undefined {
  const rt = readFileIfExists(paths.pcsdRuntime);
  if (rt === undefined) return undefined;
  let runtime: PcsdRuntime;
  let token: string;
  try {
    runtime = JSON.parse(rt) as PcsdRuntime;
    token = readFileSync(paths.localToken, "utf8").trim();
  } catch (e) {
    throw new PcsError(`Unable to use the local pcsd: ${(e as Error).message}`);
  }
  // A pcsd killed -9 leaves its runtime file behind: a dead pid means no local pcsd.
  if (!pidAlive(runtime.pid)) return undefined;
  return {
    name: "localhost",
    addrs: [runtime.address],
    port: runtime.port,
    token,
    fingerprint256: runtime.fingerprint256,
  };
}

export function requireLocalTarget(paths: PcsdPaths): PcsdTarget {
  const t = localTarget(paths);
  if (!t)
    throw new PcsError(
      "pcsd is not running on this node: start it with 'systemctl start pcsd' (or run 'pcsd' in the foreground)",
    );
  return t;
}

export type NodeOutcome<E extends EndpointName> =
  | { node: string; ok: true; body: ResponseOf<E> }
  | { node: string; ok: false; error: string; code?: string };

/** Calls one endpoint on every target at once; results come back in the targets' order. */
export async function callAll<E extends EndpointName>(
  targets: PcsdTarget[],
  name: E,
  body: RequestOf<E>,
  timeoutMs: number,
): Promise<NodeOutcome<E>[]> {
  return Promise.all(
    targets.map(async (t): Promise<NodeOutcome<E>> => {
      try {
        const r = await callPcsd(t, name, body, { timeoutMs });
        return { node: t.name, ok: true, body: r.body };
      } catch (e) {
        if (e instanceof TandemError) return { node: t.name, ok: false, error: e.message, code: e.code };
        return { node: t.name, ok: false, error: String(e) };
      }
    }),
  );
}

/** "'node1', 'node2'" as pcs lists hosts. */
export function quoteList(names: string[]): string {
  return names.map((n) => `'${n}'`).join(", ");
}

/** Node names a start/stop/enable/disable/destroy command targets, or undefined = local. */
export function targetNodes(ctx: PcsContext, paths: PcsdPaths): string[] | undefined {
  if (ctx.options.flags.has("--all")) {
    if (ctx.args.length > 0) throw new PcsError("Cannot specify both --all and a list of nodes.");
    return localClusterNodes(paths);
  }
  return ctx.args.length > 0 ? [...new Set(ctx.args)] : undefined;
}

/** Targets for named nodes; every unknown host is reported before anything is sent. */
export function remoteTargets(paths: PcsdPaths, names: string[]): PcsdTarget[] {
  const hosts = knownHostsOf(paths);
  const unknown = names.filter((n) => !hosts.has(n));
  if (unknown.length > 0)
    throw new PcsError(notKnown(unknown[0]), {
      details: unknown.slice(1).map((n) => `Error: ${notKnown(n)}`),
    });
  return names.map((n) => remoteTarget(hosts, n));
}

/**
 * The address of a host name without addr=: in a prefix other than "/" (a lab node), the
 * prefix's own etc/hosts is consulted first (hosts(5) format), so a lab can map node1 to
 * 127.0.0.2 without touching the system's /etc/hosts; otherwise the name itself, which the
 * system resolver looks up when connecting.
 */
export function resolveHostName(paths: PcsdPaths, name: string): string {
  if (paths.root === "/") return name;
  const text = readFileIfExists(join(paths.root, "etc/hosts"));
  if (text === undefined) return name;
  for (const line of text.split("\n")) {
    const [addr, ...names] = line.replace(/#.*/, "").trim().split(/\s+/);
    if (addr && names.includes(name)) return addr;
  }
  return name;
}
