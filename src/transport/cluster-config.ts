// From the corosync.conf model to the typed settings the transport and the membership engine
// use: nodes and their link addresses, UDP port per link, totem timeouts by their
// corosync.conf(5) names (only those set in the file; the engine supplies its own defaults),
// and the votequorum options.

import { isIP } from "node:net";
import { ErrorCodes, TandemError } from "../core/errors.js";
import { type CorosyncConf, MAX_LINKS, parseCorosyncConf } from "./corosync-conf.js";
import { type SchedulingConfig, schedulingFromSections } from "./priority.js";

/** totem options that are integers (milliseconds or counts), by corosync.conf(5) name. */
export const TOTEM_NUMERIC_OPTIONS = [
  "token",
  "token_coefficient",
  "token_retransmit",
  "hold",
  "token_retransmits_before_loss_const",
  "join",
  "send_join",
  "consensus",
  "merge",
  "downcheck",
  "fail_recv_const",
  "seqno_unchanged_const",
  "heartbeat_failures_allowed",
  "max_network_delay",
  "window_size",
  "max_messages",
  "miss_count_const",
  "token_warning",
  "knet_pmtud_interval",
] as const;
export type TotemNumericOption = (typeof TOTEM_NUMERIC_OPTIONS)[number];

export interface ClusterNodeConfig {
  nodeid: number;
  /** Node name (`name:`), or the ring0 address when the file has none (as corosync does). */
  name: string;
  /** Link number -> IP address. */
  addrs: Record<number, string>;
  /** quorum_votes (default 1). */
  votes: number;
}

export interface QuorumConfig {
  provider: string;
  twoNode: boolean;
  waitForAll: boolean;
  lastManStanding: boolean;
  lastManStandingWindow: number;
  autoTieBreaker: boolean;
  /** "lowest", "highest" or a node id list, as in votequorum(5). */
  autoTieBreakerNode: string;
  expectedVotes?: number;
}

export interface ClusterConfig {
  clusterName: string;
  transport: string;
  nodes: ClusterNodeConfig[];
  /** Link numbers in use (sorted). */
  links: number[];
  /** UDP port per link number (default 5405 + link, as knet's mcastport default). */
  ports: Record<number, number>;
  /** Totem timeouts and constants that the file sets, in ms / counts. */
  totem: Partial<Record<TotemNumericOption, number>>;
  /** Link monitoring: knet_ping_interval / knet_ping_timeout per link when set. */
  linkPing: Record<number, { interval?: number; timeout?: number }>;
  crypto: { cipher: string; hash: string };
  quorum: QuorumConfig;
  /** totem.config_version (0 when unset). */
  configVersion: number;
  /** Every totem option as written in the file (for the `totem.*` cmap keys). */
  totemOptions?: Record<string, string>;
  /** Process scheduling (corosync's `system { sched_rr priority }`); absent = corosync's defaults. */
  scheduling?: SchedulingConfig;
}

export const DEFAULT_PORT = 5405;

function invalid(msg: string): TandemError {
  return new TandemError(ErrorCodes.COROSYNC_CONF_INVALID, `corosync.conf: ${msg}`);
}

function intOption(section: string, key: string, v: string, min = 0): number {
  if (!/^[0-9]+$/.test(v) || Number(v) < min || !Number.isSafeInteger(Number(v)))
    throw invalid(`${section}.${key} must be an integer >= ${min}: got '${v}'`);
  return Number(v);
}

function boolOption(section: string, key: string, v: string | undefined): boolean {
  if (v === undefined) return false;
  const l = v.toLowerCase();
  if (l === "1" || l === "yes" || l === "on" || l === "true") return true;
  if (l === "0" || l === "no" || l === "off" || l === "false") return false;
  throw invalid(`${section}.${key} must be 0 or 1: got '${v}'`);
}

/** Maps a parsed corosync.conf to the cluster settings; throws on values the stack cannot use. */
export function toClusterConfig(conf: CorosyncConf): ClusterConfig {
  const clusterName = conf.totem.cluster_name ?? "";
  if (conf.nodes.length === 0) throw invalid("nodelist has no node (tandem needs an explicit nodelist)");
  const totem: Partial<Record<TotemNumericOption, number>> = {};
  for (const k of TOTEM_NUMERIC_OPTIONS) {
    const v = conf.totem[k];
    if (v !== undefined) totem[k] = intOption("totem", k, v);
  }
  if (totem.token !== undefined && totem.token < 10)
    throw invalid(`totem.token must be >= 10 ms: got ${totem.token}`);
  const links = Object.keys(conf.nodes[0].rings)
    .map(Number)
    .sort((a, b) => a - b);
  const ports: Record<number, number> = {};
  const linkPing: Record<number, { interval?: number; timeout?: number }> = {};
  for (const l of links) ports[l] = DEFAULT_PORT + l;
  for (const itf of conf.interfaces) {
    const link = itf.linknumber !== undefined ? intOption("interface", "linknumber", itf.linknumber) : 0;
    if (link >= MAX_LINKS) throw invalid(`interface.linknumber must be 0..${MAX_LINKS - 1}: got ${link}`);
    if (itf.mcastport !== undefined) {
      const p = intOption("interface", "mcastport", itf.mcastport, 1);
      if (p > 65535) throw invalid(`interface.mcastport must be 1..65535: got ${p}`);
      ports[link] = p;
    }
    const ping: { interval?: number; timeout?: number } = {};
    if (itf.knet_ping_interval !== undefined)
      ping.interval = intOption("interface", "knet_ping_interval", itf.knet_ping_interval, 1);
    if (itf.knet_ping_timeout !== undefined)
      ping.timeout = intOption("interface", "knet_ping_timeout", itf.knet_ping_timeout, 1);
    linkPing[link] = ping;
  }
  const nodes: ClusterNodeConfig[] = conf.nodes.map((n) => {
    for (const [link, a] of Object.entries(n.rings))
      if (isIP(a) === 0)
        throw invalid(
          `node ${n.nodeid} ring${link}_addr '${a}' is not an IP address (host names are not resolved)`,
        );
    const votes =
      n.extra.quorum_votes !== undefined ? intOption("node", "quorum_votes", n.extra.quorum_votes) : 1;
    return { nodeid: n.nodeid, name: n.name ?? n.rings[links[0]], addrs: { ...n.rings }, votes };
  });
  const q = conf.quorum;
  const twoNode = boolOption("quorum", "two_node", q.two_node);
  const quorum: QuorumConfig = {
    provider: q.provider ?? "corosync_votequorum",
    twoNode,
    // votequorum(5): two_node implies wait_for_all unless wait_for_all is set explicitly.
    waitForAll: q.wait_for_all !== undefined ? boolOption("quorum", "wait_for_all", q.wait_for_all) : twoNode,
    lastManStanding: boolOption("quorum", "last_man_standing", q.last_man_standing),
    lastManStandingWindow:
      q.last_man_standing_window !== undefined
        ? intOption("quorum", "last_man_standing_window", q.last_man_standing_window)
        : 10000,
    autoTieBreaker: boolOption("quorum", "auto_tie_breaker", q.auto_tie_breaker),
    autoTieBreakerNode: q.auto_tie_breaker_node ?? "lowest",
  };
  if (q.expected_votes !== undefined)
    quorum.expectedVotes = intOption("quorum", "expected_votes", q.expected_votes, 1);
  if (quorum.provider !== "corosync_votequorum")
    throw invalid(`quorum.provider '${quorum.provider}' is not supported (only corosync_votequorum)`);
  return {
    clusterName,
    transport: conf.totem.transport ?? "knet",
    nodes,
    links,
    ports,
    totem,
    linkPing,
    crypto: { cipher: conf.totem.crypto_cipher ?? "none", hash: conf.totem.crypto_hash ?? "none" },
    quorum,
    totemOptions: { ...conf.totem },
    scheduling: schedulingFromSections(conf.other),
    configVersion:
      conf.totem.config_version !== undefined
        ? intOption("totem", "config_version", conf.totem.config_version)
        : 0,
  };
}

/** Parses corosync.conf text straight to cluster settings. */
export function loadClusterConfig(text: string): ClusterConfig {
  return toClusterConfig(parseCorosyncConf(text));
}
