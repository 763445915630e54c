// `pcs cluster setup`: builds corosync.conf (pcs 0.11's layout, via the transport's writer)
// and a new cluster key, checks every node first (known, reachable, not in a cluster unless
// --force), then destroys any old cluster on them, distributes the key and corosync.conf, and
// optionally enables and starts the cluster. Both syntaxes:
//   0.11: pcs cluster setup NAME NODE [addr=ADDR]... [transport knet|udp|udpu [OPTS]]
//         [totem OPTS] [quorum OPTS] [crypto OPTS] [--start] [--enable] [--corosync_conf FILE]
//   0.9:  pcs cluster setup --name NAME NODE[,ADDR2]... [--transport udpu] [--token MS] ...
// With --corosync_conf FILE only the file is written, locally (as pcs does).

import { randomBytes, randomUUID } from "node:crypto";
import { resolve } from "node:path";
import { existsSync } from "node:fs";
import type { PcsdTarget } from "../../pcsd/client.js";
import { writeFileAtomic } from "../../pcsd/fsutil.js";
import type { KnownHost, KnownHosts } from "../../pcsd/known-hosts.js";
import { loadClusterConfig } from "../../transport/cluster-config.js";
import { type ConfOptions, newClusterConf, writeCorosyncConf } from "../../transport/corosync-conf.js";
import { AUTHKEY_DEFAULT_SIZE } from "../../transport/crypto.js";
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

const TOTEM_OPTIONS = [
  "block_unlisted_ips",
  "consensus",
  "downcheck",
  "fail_recv_const",
  "heartbeat_failures_allowed",
  "hold",
  "join",
  "max_messages",
  "max_network_delay",
  "merge",
  "miss_count_const",
  "send_join",
  "seqno_unchanged_const",
  "token",
  "token_coefficient",
  "token_retransmit",
  "token_retransmits_before_loss_const",
  "window_size",
];
const QUORUM_OPTIONS = ["auto_tie_breaker", "last_man_standing", "last_man_standing_window", "wait_for_all"];
const TRANSPORTS = ["knet", "udp", "udpu"];
const TRANSPORT_OPTIONS: Record<string, string[]> = {
  knet: ["ip_version", "knet_pmtud_interval", "link_mode"],
  udp: ["ip_version", "netmtu"],
  udpu: ["ip_version", "netmtu"],
};
const CRYPTO_OPTIONS: Record<string, string[]> = {
  cipher: ["none", "aes256", "aes192", "aes128"],
  hash: ["none", "md5", "sha1", "sha256", "sha384", "sha512"],
  model: ["nss", "openssl"],
};
/** 0.9 options that map to totem options. */
const OLD_TOTEM_FLAGS: Record<string, string> = {
  "--token": "token",
  "--token_coefficient": "token_coefficient",
  "--join": "join",
  "--consensus": "consensus",
  "--miss_count_const": "miss_count_const",
  "--fail_recv_const": "fail_recv_const",
};

export interface SetupPlan {
  clusterName: string;
  nodes: { name: string; addrs: string[] }[];
  transport: string;
  transportOptions: ConfOptions;
  totem: ConfOptions;
  quorum: ConfOptions;
  crypto: ConfOptions;
}

const allowedList = (xs: string[]) => xs.map((x) => `'${x}'`).join(", ");

function keyValues(words: string[], what: string, allowed: string[], reports: Reports): ConfOptions {
  const out: ConfOptions = {};
  for (const w of words) {
    const eq = w.indexOf("=");
    if (eq <= 0) throw new PcsError(`missing value of '${w}' option`);
    const k = w.slice(0, eq);
    const v = w.slice(eq + 1);
    if (!allowed.includes(k))
      reports.error(
        "INVALID_OPTIONS",
        `invalid ${what} option '${k}', allowed options are: ${allowedList(allowed)}`,
      );
    else out[k] = v;
  }
  return out;
}

/** Parses both syntaxes into a plan; collects every option error before failing. */
export function parseSetup(ctx: PcsContext): { plan: SetupPlan; explicitAddr: Set<string> } {
  const reports = new Reports(ctx.force);
  const oldName = ctx.options.values.get("--name");
  const words = [...ctx.args];
  const clusterName = oldName ?? words.shift();
  if (clusterName === undefined || clusterName === "")
    throw new PcsError("A cluster name is required: pcs cluster setup <cluster name> <node>...");
  // Split node words from the keyword sections.
  const sections: Record<string, string[]> = {};
  let current: string | undefined;
  const nodeWords: string[] = [];
  for (const w of words) {
    if (["transport", "totem", "quorum", "crypto", "link", "compression"].includes(w)) {
      current = w;
      sections[w] ??= [];
      continue;
    }
    if (current === undefined) nodeWords.push(w);
    else sections[current].push(w);
  }
  if (sections.link || sections.compression)
    throw new PcsError(`'${sections.link ? "link" : "compression"}' options are not supported by tandem yet`);
  const nodes: { name: string; addrs: string[] }[] = [];
  const explicitAddr = new Set<string>();
  for (const w of nodeWords) {
    if (w.startsWith("addr=")) {
      const last = nodes[nodes.length - 1];
      if (!last) throw new PcsError(`Invalid syntax: 'addr=' must follow a node name, got '${w}'`);
      if (w.length === 5) throw new PcsError(`Invalid empty address for node '${last.name}'`);
      last.addrs.push(w.slice(5));
      explicitAddr.add(last.name);
    } else if (w.includes("=")) {
      throw new PcsError(`Invalid syntax: unknown node option '${w.split("=")[0]}', only 'addr' is allowed`);
    } else if (oldName !== undefined && w.includes(",")) {
      // 0.9: "ring0addr,ring1addr"; the first one names the node.
      const parts = w.split(",").filter((p) => p !== "");
      nodes.push({ name: parts[0], addrs: parts.length > 1 ? parts : [] });
      if (parts.length > 1) explicitAddr.add(parts[0]);
    } else nodes.push({ name: w, addrs: [] });
  }
  if (nodes.length === 0) throw new PcsError("At least one node must be specified");
  const seen = new Set<string>();
  for (const n of nodes) {
    if (seen.has(n.name))
      reports.error(
        "NODE_NAMES_DUPLICATION",
        `Node names must be unique, '${n.name}' is specified more than once`,
      );
    seen.add(n.name);
  }
  const tw = sections.transport ?? [];
  let transport = ctx.options.values.get("--transport") ?? "knet";
  if (tw.length > 0 && !tw[0].includes("=")) transport = tw.shift() as string;
  else if (sections.transport) throw new PcsError("transport type is missing: use 'transport knet|udp|udpu'");
  if (!TRANSPORTS.includes(transport)) {
    reports.error(
      "INVALID_OPTION_VALUE",
      `'${transport}' is not a valid transport value, use ${allowedList(TRANSPORTS)}`,
    );
    transport = "knet";
  }
  const transportOptions = keyValues(tw, "transport", TRANSPORT_OPTIONS[transport], reports);
  const totem = keyValues(sections.totem ?? [], "totem", TOTEM_OPTIONS, reports);
  for (const [flag, key] of Object.entries(OLD_TOTEM_FLAGS)) {
    const v = ctx.options.values.get(flag);
    if (v !== undefined) totem[key] = v;
  }
  for (const [k, v] of Object.entries(totem)) {
    if (k === "block_unlisted_ips") {
      if (!["yes", "no"].includes(v))
        reports.error("INVALID_OPTION_VALUE", `'${v}' is not a valid ${k} value, use 'no', 'yes'`);
    } else if (!/^\d+$/.test(v))
      reports.error("INVALID_OPTION_VALUE", `'${v}' is not a valid ${k} value, use a non-negative integer`);
  }
  const quorum = keyValues(sections.quorum ?? [], "quorum", QUORUM_OPTIONS, reports);
  for (const [k, v] of Object.entries(quorum)) {
    if (k === "last_man_standing_window") {
      if (!/^\d+$/.test(v))
        reports.error("INVALID_OPTION_VALUE", `'${v}' is not a valid ${k} value, use a non-negative integer`);
    } else if (!["0", "1"].includes(v))
      reports.error("INVALID_OPTION_VALUE", `'${v}' is not a valid ${k} value, use '0', '1'`);
  }
  const crypto = keyValues(sections.crypto ?? [], "crypto", Object.keys(CRYPTO_OPTIONS), reports);
  for (const [k, v] of Object.entries(crypto))
    if (!CRYPTO_OPTIONS[k].includes(v))
      reports.error(
        "INVALID_OPTION_VALUE",
        `'${v}' is not a valid ${k} value, use ${allowedList(CRYPTO_OPTIONS[k])}`,
      );
  reports.flush(ctx.io);
  return { plan: { clusterName, nodes, transport, transportOptions, totem, quorum, crypto }, explicitAddr };
}

/** Renders corosync.conf text for a plan whose node addresses are all known. */
export function renderCorosyncConf(plan: SetupPlan, opts: { uuid?: boolean } = {}): string {
  const totem: ConfOptions = { ...plan.transportOptions, ...plan.totem };
  if (plan.crypto.cipher) totem.crypto_cipher = plan.crypto.cipher;
  if (plan.crypto.hash) totem.crypto_hash = plan.crypto.hash;
  if (plan.crypto.model) totem.crypto_model = plan.crypto.model;
  const conf = newClusterConf({
    clusterName: plan.clusterName,
    clusterUuid: opts.uuid === false ? undefined : randomUUID().replace(/-/g, ""),
    nodes: plan.nodes,
    transport: plan.transport,
    totem,
    quorum: plan.quorum,
  });
  // votequorum: two_node and auto_tie_breaker exclude each other (pcs drops two_node).
  if (conf.quorum.auto_tie_breaker === "1") delete conf.quorum.two_node;
  if (plan.transport !== "knet" && !plan.crypto.cipher) {
    // udp/udpu have no knet crypto options in corosync; tandem always encrypts (authkey).
    delete conf.totem.crypto_cipher;
    delete conf.totem.crypto_hash;
  }
  return writeCorosyncConf(conf);
}

/** Fills in missing addresses from the known-hosts file (as pcs 0.11 does), printing which. */
function resolveAddresses(ctx: PcsContext, plan: SetupPlan, hosts: KnownHosts | undefined): void {
  const reports = new Reports(ctx.force);
  for (const n of plan.nodes) {
    if (n.addrs.length > 0) continue;
    const known = hosts?.get(n.name);
    const addr = known?.addrs[0] ?? resolveHostName(pathsOf(ctx.io), n.name);
    ctx.io.stderr(`No addresses specified for host '${n.name}', using '${addr}'\n`);
    n.addrs.push(addr);
  }
  const seen = new Map<string, string>();
  for (const n of plan.nodes)
    for (const a of n.addrs) {
      if (seen.has(a))
        reports.error(
          "NODE_ADDRESSES_DUPLICATION",
          `Node addresses must be unique, duplicate addresses: '${a}'`,
        );
      seen.set(a, n.name);
    }
  const counts = new Set(plan.nodes.map((n) => n.addrs.length));
  if (counts.size > 1)
    reports.error("NODE_ADDRESSES_COUNT", "All nodes must have the same number of addresses");
  reports.flush(ctx.io);
}

function checkedConf(ctx: PcsContext, plan: SetupPlan): string {
  const text = renderCorosyncConf(plan, { uuid: !ctx.options.flags.has("--no-cluster-uuid") });
  try {
    loadClusterConfig(text);
  } catch (e) {
    throw new PcsError(`Unable to create a valid corosync.conf: ${(e as Error).message}`);
  }
  return text;
}

export const clusterSetup: PcsHandler = async (ctx) => {
  const { plan } = parseSetup(ctx);
  const paths = pathsOf(ctx.io);
  const outFile = ctx.options.values.get("--corosync_conf");
  const hosts: KnownHosts | undefined = existsSync(paths.knownHosts) ? knownHostsOf(paths) : undefined;
  if (outFile !== undefined) {
    if (hosts === undefined)
      ctx.io.stderr(
        `Warning: Unable to read the known-hosts file: No such file or directory: '${paths.knownHosts}'\n`,
      );
    resolveAddresses(ctx, plan, hosts);
    const text = checkedConf(ctx, plan);
    const file = resolve(ctx.io.cwd, outFile);
    if (existsSync(file) && !ctx.options.flags.has("--overwrite"))
      throw new PcsError(
        `Corosync configuration file '${outFile}' already exists, use --overwrite to overwrite existing file`,
      );
    writeFileAtomic(file, text, 0o644);
    return 0;
  }
  // Every node must be known before anything is sent anywhere.
  const reports = new Reports(ctx.force);
  for (const n of plan.nodes) if (!hosts?.has(n.name)) reports.error("HOST_NOT_FOUND", notKnown(n.name));
  reports.flush(ctx.io);
  const known = hosts as KnownHosts;
  resolveAddresses(ctx, plan, known);
  const text = checkedConf(ctx, plan);
  const targets: PcsdTarget[] = plan.nodes.map((n) => remoteTarget(known, n.name));
  const names = plan.nodes.map((n) => n.name);
  const timeoutMs = requestTimeoutMs(ctx);

  // 1. Check every node: reachable, authenticated, not in a cluster (forceable).
  const statuses = await callAll(targets, "status", {}, timeoutMs);
  for (const s of statuses) {
    if (!s.ok)
      reports.error(
        "NODE_COMMUNICATION",
        s.error.startsWith("Unable to connect") ? s.error : `${s.node}: ${s.error}`,
      );
    else if (s.body.daemon.running)
      reports.error(
        "HOST_ALREADY_IN_CLUSTER_SERVICES",
        `${s.node}: Running cluster services: 'tandemd', the host seems to be in a cluster already`,
        { forceable: true },
      );
    else if (s.body.configured)
      reports.error(
        "HOST_ALREADY_IN_CLUSTER_CONFIG",
        `${s.node}: Cluster configuration files found, the host seems to be in a cluster already`,
        { forceable: true },
      );
  }
  reports.flush(ctx.io);

  const out = (t: string) => ctx.io.stdout(`${t}\n`);
  const step = async <E extends Parameters<typeof callAll>[1]>(
    endpoint: E,
    body: Parameters<typeof callAll<E>>[2],
    okLine: (node: string) => string[],
  ): Promise<void> => {
    const rs = await callAll(targets, endpoint, body, timeoutMs);
    const failed = rs.filter((r) => !r.ok);
    for (const r of rs) if (r.ok) for (const l of okLine(r.node)) out(l);
    if (failed.length > 0) {
      for (const r of failed) if (!r.ok) ctx.io.stderr(`Error: ${r.node}: ${r.error}\n`);
      throw new PcsError("Errors have occurred, therefore pcs is unable to continue");
    }
  };

  // 2. Destroy what was there, 3. distribute the key, 4. distribute corosync.conf.
  out(`Destroying cluster on hosts: ${quoteList(names)}...`);
  await step("clusterDestroy", {}, (n) => [`${n}: Successfully destroyed cluster`]);
  const authkey = randomBytes(AUTHKEY_DEFAULT_SIZE).toString("base64");
  out(`Sending 'corosync authkey' to ${quoteList(names)}`);
  await step("filePut", { files: [{ name: "authkey", data: authkey }] }, (n) => [
    `${n}: successful distribution of the file 'corosync authkey'`,
  ]);
  out(`Sending 'corosync.conf' to ${quoteList(names)}`);
  await step(
    "filePut",
    { files: [{ name: "corosync.conf", data: Buffer.from(text).toString("base64") }] },
    (n) => [`${n}: successful distribution of the file 'corosync.conf'`],
  );
  // Every node gets the known-hosts entries of the cluster's nodes (tokens and pinned
  // certificates), so cluster-wide commands work from any of them, as pcsd syncs them.
  const entries = plan.nodes.map((n) => known.get(n.name) as KnownHost);
  await step("knownHostsPut", { hosts: entries }, () => []);
  out("Cluster has been successfully set up.");
  if (ctx.options.flags.has("--enable")) {
    out(`Enabling cluster on hosts: ${quoteList(names)}...`);
    await step("clusterEnable", {}, (n) => [`${n}: Cluster Enabled`]);
  }
  if (ctx.options.flags.has("--start")) {
    out(`Starting cluster on hosts: ${quoteList(names)}...`);
    await step("clusterStart", {}, () => []);
  }
  return 0;
};
