// Default Totem timeouts and the corosync rules that derive some from others.
// tandem's defaults are chosen for fast failure detection on a LAN (see
// docs/membership.md): token 300 ms (+10 ms per node beyond two), consensus 1.2 x token.

import type { MembershipConfig, NodeEntry, QuorumConfig, TotemTimeouts } from "./types.js";

/** What a corosync.conf may set; anything left out is derived as corosync.conf(5) says. */
export type TotemOverrides = Partial<TotemTimeouts>;

export const DEFAULT_TOKEN = 300;
export const DEFAULT_TOKEN_COEFFICIENT = 10;

/**
 * Resolves the effective timeouts for a cluster of `nodeCount` nodes:
 * token += (nodes - 2) * token_coefficient (corosync's rule, when nodes > 2),
 * token_retransmit = token / (retransmits_before_loss + 0.2),
 * hold = 0.8 x token_retransmit, consensus = 1.2 x token.
 */
export function resolveTimeouts(nodeCount: number, o: TotemOverrides = {}): TotemTimeouts {
  const coefficient = o.token_coefficient ?? DEFAULT_TOKEN_COEFFICIENT;
  const base = o.token ?? DEFAULT_TOKEN;
  const token = base + Math.max(0, nodeCount - 2) * coefficient;
  const retransmits = o.token_retransmits_before_loss_const ?? 4;
  const tokenRetransmit = o.token_retransmit ?? Math.floor(token / (retransmits + 0.2));
  return {
    token,
    token_coefficient: coefficient,
    token_retransmit: tokenRetransmit,
    token_retransmits_before_loss_const: retransmits,
    hold: o.hold ?? Math.floor(tokenRetransmit * 0.8),
    consensus: o.consensus ?? Math.floor(token * 1.2),
    join: o.join ?? 50,
    merge: o.merge ?? 200,
    send_join: o.send_join ?? 0,
    fail_recv_const: o.fail_recv_const ?? 2500,
    seqno_unchanged_const: o.seqno_unchanged_const ?? 30,
    max_messages: o.max_messages ?? 17,
    window_size: o.window_size ?? 50,
    netmtu: o.netmtu ?? 1500,
  };
}

export function defaultQuorumConfig(o: Partial<QuorumConfig> = {}): QuorumConfig {
  const twoNode = o.two_node ?? false;
  return {
    provider: o.provider ?? "corosync_votequorum",
    expected_votes: o.expected_votes ?? 0,
    two_node: twoNode,
    // votequorum(5): two_node implies wait_for_all unless it is set explicitly.
    wait_for_all: o.wait_for_all ?? twoNode,
    last_man_standing: o.last_man_standing ?? false,
    last_man_standing_window: o.last_man_standing_window ?? 10000,
    auto_tie_breaker: o.auto_tie_breaker ?? false,
    auto_tie_breaker_node: o.auto_tie_breaker_node ?? "lowest",
  };
}

/** A full config for node `nodeId` of a nodelist, with defaults for everything else. */
export function makeConfig(opts: {
  nodeId: number;
  nodes: NodeEntry[];
  incarnation?: number;
  clusterName?: string;
  totem?: TotemOverrides;
  quorum?: Partial<QuorumConfig>;
  configVersion?: number;
  ringSeq?: number;
}): MembershipConfig {
  return {
    nodeId: opts.nodeId,
    incarnation: opts.incarnation ?? 1,
    clusterName: opts.clusterName ?? "tandem",
    nodes: opts.nodes,
    timeouts: resolveTimeouts(opts.nodes.length, opts.totem),
    quorum: defaultQuorumConfig(opts.quorum),
    configVersion: opts.configVersion ?? 0,
    ringSeq: opts.ringSeq ?? 0,
  };
}

/** A nodelist of ids 1..n named node1..nodeN on 127.0.0.x (for tests and the simulator). */
export function simpleNodelist(n: number): NodeEntry[] {
  const out: NodeEntry[] = [];
  for (let i = 1; i <= n; i++) out.push({ nodeId: i, name: `node${i}`, addrs: [`127.0.0.${i}`], votes: 1 });
  return out;
}
