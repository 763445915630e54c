// `pcs host auth HOST [addr=ADDR[:PORT]]... [-u USER] [-p PASSWORD]` (pcs 0.10/0.11),
// `pcs cluster auth [HOST...] [-u USER] [-p PASSWORD]` (pcs 0.9; no hosts = the nodes of the
// local corosync.conf) and `pcs host deauth [HOST...]`. A successful auth stores the node's
// token and pins its certificate fingerprint in the known-hosts file.

import { DEFAULT_PCSD_PORT } from "../../pcsd/api.js";
import { callPcsd } from "../../pcsd/client.js";
import {
  type KnownHost,
  parseHostAddr,
  readKnownHosts,
  updateKnownHosts,
  withFileLock,
  writeKnownHosts,
} from "../../pcsd/known-hosts.js";
import { promptAnswers } from "../../pcsd/prompt.js";
import { PcsError } from "../errors.js";
import type { PcsHandler } from "../types.js";
import {
  knownHostsOf,
  localClusterNodes,
  pathsOf,
  remoteTarget,
  requestTimeoutMs,
  resolveHostName,
} from "./common.js";

interface HostSpec {
  name: string;
  addr: string;
  port: number;
  /** addr= was given (otherwise the name is looked up when connecting). */
  explicit?: boolean;
}

/** Parses "node1 addr=10.0.0.1 node2 addr=10.0.0.2:2225" (addr= belongs to the host before it). */
export function parseHostSpecs(words: string[]): HostSpec[] {
  const out: HostSpec[] = [];
  for (const w of words) {
    if (w.startsWith("addr=")) {
      const last = out[out.length - 1];
      if (!last) throw new PcsError(`Invalid syntax: 'addr=' must follow a host name, got '${w}'`);
      if (last.explicit) throw new PcsError(`Host '${last.name}' has more than one address`);
      const { addr, port } = parseHostAddr(w.slice(5));
      last.addr = addr;
      last.port = port ?? DEFAULT_PCSD_PORT;
      last.explicit = true;
    } else if (w.includes("=")) {
      throw new PcsError(`Invalid syntax: unknown option '${w.split("=")[0]}', only 'addr' is allowed`);
    } else {
      if (out.some((h) => h.name === w)) throw new PcsError(`Host '${w}' is specified more than once`);
      out.push({ name: w, addr: w, port: DEFAULT_PCSD_PORT });
    }
  }
  return out;
}

async function credentials(ctx: Parameters<PcsHandler>[0]): Promise<{ user: string; password: string }> {
  const u = ctx.options.values.get("-u");
  const p = ctx.options.values.get("-p");
  const qs: { text: string; secret: boolean }[] = [];
  if (u === undefined) qs.push({ text: "Username: ", secret: false });
  if (p === undefined) qs.push({ text: "Password: ", secret: true });
  const ans = await promptAnswers(ctx.io, qs);
  return { user: u ?? (ans.shift() as string), password: p ?? (ans.shift() as string) };
}

/** Authenticates to every host; saves the ones that succeeded; exit 1 if any failed. */
async function authHosts(ctx: Parameters<PcsHandler>[0], hosts: HostSpec[]): Promise<number> {
  if (hosts.length === 0) throw new PcsError("No host specified");
  const paths = pathsOf(ctx.io);
  knownHostsOf(paths); // a corrupt known-hosts file is reported before asking for a password
  const timeoutMs = requestTimeoutMs(ctx);
  for (const h of hosts) if (!h.explicit) h.addr = resolveHostName(paths, h.name);
  const { user, password } = await credentials(ctx);
  const results = await Promise.all(
    hosts.map(async (h) => {
      try {
        const r = await callPcsd(
          { name: h.name, addrs: [h.addr], port: h.port },
          "auth",
          { username: user, password },
          { timeoutMs },
        );
        const entry: KnownHost = {
          name: h.name,
          addrs: [h.addr],
          port: h.port,
          token: r.body.token,
          fingerprint256: r.fingerprint256,
        };
        return { host: h, entry };
      } catch (e) {
        return { host: h, error: (e as Error).message };
      }
    }),
  );
  const ok = results.flatMap((r) => (r.entry ? [r.entry] : []));
  if (ok.length > 0) updateKnownHosts(paths.knownHosts, ok);
  let failed = false;
  for (const r of results) {
    if (r.entry) ctx.io.stdout(`${r.host.name}: Authorized\n`);
    else {
      failed = true;
      ctx.io.stderr(
        `Error: ${r.error.startsWith("Unable to connect") ? r.error : `${r.host.name}: ${r.error}`}\n`,
      );
    }
  }
  return failed ? 1 : 0;
}

export const hostAuth: PcsHandler = async (ctx) => authHosts(ctx, parseHostSpecs(ctx.args));

/**
 * pcs 0.9's `pcs cluster auth`: hosts whose stored token still works are reported as
 * "Already authorized" without asking for a password (unless --force); the others are
 * authenticated. Without hosts: the nodes of the local corosync.conf.
 */
export const clusterAuth: PcsHandler = async (ctx) => {
  const paths = pathsOf(ctx.io);
  const known = knownHostsOf(paths);
  const hosts =
    ctx.args.length > 0
      ? parseHostSpecs(ctx.args)
      : localClusterNodes(paths).map((name): HostSpec => {
          const k = known.get(name);
          return {
            name,
            addr: k?.addrs[0] ?? name,
            port: k?.port ?? DEFAULT_PCSD_PORT,
            explicit: k !== undefined,
          };
        });
  if (ctx.force) return authHosts(ctx, hosts);
  const timeoutMs = requestTimeoutMs(ctx);
  const valid = await Promise.all(
    hosts.map(async (h) => {
      const k = known.get(h.name);
      if (!k) return false;
      try {
        await callPcsd(remoteTarget(known, h.name), "status", {}, { timeoutMs });
        return true;
      } catch {
        return false;
      }
    }),
  );
  hosts.forEach((h, i) => {
    if (valid[i]) ctx.io.stdout(`${h.name}: Already authorized\n`);
  });
  const rest = hosts.filter((_, i) => !valid[i]);
  return rest.length === 0 ? 0 : authHosts(ctx, rest);
};

export const hostDeauth: PcsHandler = async (ctx) => {
  const paths = pathsOf(ctx.io);
  withFileLock(paths.knownHosts, () => {
    const hosts = readKnownHosts(paths.knownHosts);
    const missing = ctx.args.filter((n) => !hosts.has(n));
    if (missing.length > 0)
      throw new PcsError(`Following hosts were not found: ${missing.map((n) => `'${n}'`).join(", ")}`);
    if (ctx.args.length === 0) hosts.clear();
    for (const n of ctx.args) hosts.delete(n);
    writeKnownHosts(paths.knownHosts, hosts);
  });
  return 0;
};
