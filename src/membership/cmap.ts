// cmap-like runtime keys (what corosync-cmapctl shows) computed from one node's engine
// state: runtime.members.*, runtime.config.totem.*, runtime.totem.pg.mrp.srp.* counters,
// runtime.votequorum.*, totem.cluster_name and quorum.*. Keys from corosync.conf that
// the membership layer does not own (crypto, transport, interfaces) are added by the
// caller that parsed the file.

import type { MembershipEngine } from "./engine.js";
import type { CmapEntry } from "./types.js";

export function cmapEntries(engine: MembershipEngine): CmapEntry[] {
  const cfg = engine.config;
  const t = cfg.timeouts;
  const out: CmapEntry[] = [];
  const current = new Set(engine.configuration?.members ?? []);
  for (const n of cfg.nodes) {
    const known = current.has(n.nodeId) || engine.leftNodes.has(n.nodeId);
    if (!known) continue;
    const p = `runtime.members.${n.nodeId}`;
    out.push({ key: `${p}.config_version`, type: "u64", value: cfg.configVersion });
    out.push({
      key: `${p}.ip`,
      type: "str",
      value: `${n.addrs.map((a, i) => `r(${i}) ip(${a}) `).join("")}`,
    });
    out.push({ key: `${p}.join_count`, type: "u32", value: engine.joinCount.get(n.nodeId) ?? 0 });
    out.push({ key: `${p}.status`, type: "str", value: current.has(n.nodeId) ? "joined" : "left" });
  }
  const totem: [string, number][] = [
    ["block_unlisted_ips", 1],
    ["cancel_token_hold_on_retransmit", 0],
    ["consensus", t.consensus],
    ["downcheck", 1000],
    ["fail_recv_const", t.fail_recv_const],
    ["heartbeat_failures_allowed", 0],
    ["hold", t.hold],
    ["join", t.join],
    ["max_messages", t.max_messages],
    ["max_network_delay", 50],
    ["merge", t.merge],
    ["miss_count_const", 5],
    ["send_join", t.send_join],
    ["seqno_unchanged_const", t.seqno_unchanged_const],
    ["token", t.token],
    ["token_retransmit", t.token_retransmit],
    ["token_retransmits_before_loss_const", t.token_retransmits_before_loss_const],
    ["token_warning", 75],
    ["window_size", t.window_size],
  ];
  for (const [k, v] of totem) out.push({ key: `runtime.config.totem.${k}`, type: "u32", value: v });
  const s = engine.totem.stats;
  const srp: [string, number][] = [
    ["consensus_timeouts", s.consensusTimeouts],
    ["gather_entered", s.gatherEntered],
    ["mcast_retx", s.mcastRetx],
    ["mcast_rx", s.mcastRx],
    ["mcast_tx", s.mcastTx],
    ["memb_commit_token_rx", s.memb_commit_token_rx],
    ["orf_token_rx", s.orfTokenRx],
    ["orf_token_tx", s.orfTokenTx],
    ["token_hold_cancel_rx", s.holdCancelRx],
    ["token_hold_cancel_tx", s.holdCancelTx],
    ["token_lost", s.tokenLost],
  ];
  for (const [k, v] of srp) out.push({ key: `runtime.totem.pg.mrp.srp.${k}`, type: "u64", value: v });
  const ring = engine.ringId;
  out.push({
    key: "runtime.totem.pg.mrp.srp.ring_id",
    type: "str",
    value: `${ring.rep.toString(16)}.${ring.seq.toString(16)}`,
  });
  out.push({ key: "runtime.totem.pg.mrp.srp.state", type: "str", value: engine.state });
  const q = engine.quorumState;
  const ids = cfg.nodes.map((n) => n.nodeId);
  if (cfg.quorum.provider === "corosync_votequorum") {
    out.push({ key: "runtime.votequorum.ev_barrier", type: "u32", value: q.expectedVotes });
    out.push({ key: "runtime.votequorum.highest_node_id", type: "u32", value: Math.max(...ids) });
    out.push({ key: "runtime.votequorum.lowest_node_id", type: "u32", value: Math.min(...ids) });
    out.push({ key: "runtime.votequorum.this_node_id", type: "u32", value: cfg.nodeId });
    out.push({ key: "runtime.votequorum.two_node", type: "u8", value: cfg.quorum.two_node ? 1 : 0 });
    out.push({
      key: "runtime.votequorum.wait_for_all_status",
      type: "u8",
      value: engine.quorum.waitForAllStatus ? 1 : 0,
    });
  }
  out.push({ key: "quorum.provider", type: "str", value: cfg.quorum.provider });
  if (cfg.quorum.two_node) out.push({ key: "quorum.two_node", type: "u8", value: 1 });
  if (cfg.quorum.wait_for_all) out.push({ key: "quorum.wait_for_all", type: "u8", value: 1 });
  if (cfg.quorum.last_man_standing) out.push({ key: "quorum.last_man_standing", type: "u8", value: 1 });
  if (cfg.quorum.auto_tie_breaker) out.push({ key: "quorum.auto_tie_breaker", type: "u8", value: 1 });
  if (cfg.quorum.expected_votes > 0)
    out.push({ key: "quorum.expected_votes", type: "u32", value: cfg.quorum.expected_votes });
  out.push({ key: "totem.cluster_name", type: "str", value: cfg.clusterName });
  out.push({ key: "totem.config_version", type: "u64", value: cfg.configVersion });
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** corosync-cmapctl's line format: `key (type) = value`. */
export function formatCmapEntry(e: CmapEntry): string {
  return `${e.key} (${e.type}) = ${e.value}`;
}
