// Types of the pure membership layer (the Corosync part): the Totem single-ring
// protocol, closed process groups, votequorum and cmap keys. The engine is a state
// machine `handle(event, now) -> effects` (etcd-raft shape): the caller (transport/
// runtime or sim/) performs the effects. These names are a contract with transport/:
// extend, never rename.

/** A node id as in corosync.conf's `nodelist { node { nodeid } }` (1..2^31). */
export type NodeId = number;

/** A ring id as corosync prints it (`rep.seq` in hex): the representative and a sequence number. */
export interface RingId {
  rep: NodeId;
  seq: number;
}

/** Delivery guarantee of a message (EVS): agreed = total order; safe = also received by every member. */
export type Guarantee = "agreed" | "safe";

/** Protocol states of Totem SRP. */
export type TotemState = "operational" | "gather" | "commit" | "recovery";

// ───────────────────────────── protocol messages (wire.ts encodes them) ─────────────

/** Fields every protocol message carries: who sent it, and which incarnation of that node. */
export interface MessageHeader {
  from: NodeId;
  /** Increases at every start of a node; packets of an older incarnation are dropped. */
  incarnation: number;
}

/** A message broadcast on a ring, ordered by `seq`. */
export interface McastMessage extends MessageHeader {
  type: "mcast";
  ringId: RingId;
  seq: number;
  /** The node that originated the message (`from` is whoever transmitted this copy). */
  sender: NodeId;
  guarantee: Guarantee;
  /** Set on recovery messages: an old-ring message retransmitted on the new ring. */
  encap?: EncapsulatedMessage;
  payload: Buffer;
}

/** The old-ring identity of a message carried across a ring change during recovery. */
export interface EncapsulatedMessage {
  ringId: RingId;
  seq: number;
  sender: NodeId;
  guarantee: Guarantee;
}

/** The regular (ORF) token. */
export interface TokenMessage extends MessageHeader {
  type: "token";
  ringId: RingId;
  /** Incremented at every hop: duplicates and old retransmissions are recognised by it. */
  tokenSeq: number;
  /** Highest sequence number assigned on this ring. */
  seq: number;
  /** All-received-up-to: every member has every message <= aru (as far as the token knows). */
  aru: number;
  /** The member that lowered `aru` last (0 = none). */
  aruId: NodeId;
  /** Retransmission requests: sequence numbers someone is missing. */
  rtr: number[];
  /** Flow control count: messages broadcast during the last rotation. */
  fcc: number;
  /** Recovery: a member still has old-ring messages to retransmit. */
  retransFlag: boolean;
  /** Recovery: who set retransFlag (only that member clears it). */
  retransOwner: NodeId;
  /** Recovery: the representative has seen recovery complete; install on receipt. */
  install: boolean;
}

/** Join message of the gather state: the sender's view of who is alive and who failed. */
export interface JoinMessage extends MessageHeader {
  type: "join";
  procSet: NodeId[];
  failSet: NodeId[];
  /** Sequence number of the sender's current (or last) ring. */
  ringSeq: number;
  /** Highest ring sequence number the sender has ever seen. */
  maxRingSeq: number;
}

/** One member's entry in the commit token. */
export interface CommitMember {
  nodeId: NodeId;
  incarnation: number;
  /** Filled when the member has seen the token on its first rotation. */
  filled: boolean;
  oldRingId: RingId;
  /** All-received-up-to on the old ring. */
  oldAru: number;
  /** Highest sequence number received on the old ring. */
  oldHighSeq: number;
  /** Highest delivered sequence number on the old ring. */
  oldDelivered: number;
}

/** The commit token: makes every member of the new ring agree on it and on recovery bounds. */
export interface CommitTokenMessage extends MessageHeader {
  type: "commit";
  ringId: RingId;
  memb: CommitMember[];
  /** 1 = first rotation (members fill their entries), 2 = second (members enter recovery). */
  round: number;
  /** Incremented at every hop (duplicate detection). */
  hop: number;
}

/** Sent by a representative every `merge` ms so separate rings find each other. */
export interface MergeDetectMessage extends MessageHeader {
  type: "merge_detect";
  ringId: RingId;
}

/**
 * Sent to the representative by a member that has messages to send while the ring is
 * idle: the representative may be holding the token (`hold`), and releases it at once.
 */
export interface TokenHoldCancelMessage extends MessageHeader {
  type: "token_hold_cancel";
  ringId: RingId;
}

export type ProtocolMessage =
  | McastMessage
  | TokenMessage
  | JoinMessage
  | CommitTokenMessage
  | MergeDetectMessage
  | TokenHoldCancelMessage;

// ───────────────────────────── process-group (CPG) payloads ─────────────────────────

/** What travels inside a McastMessage payload: process-group and quorum traffic. */
export type GroupMessage =
  | { type: "cpg_join"; group: string; pid: number }
  | { type: "cpg_leave"; group: string; pid: number }
  /** One fragment of an application message; fragments of one message share msgId. */
  | {
      type: "cpg_data";
      group: string;
      pid: number;
      msgId: number;
      fragIndex: number;
      fragCount: number;
      data: Buffer;
    }
  /** Sent after every regular configuration: the sender's local group members. */
  | { type: "cpg_joinlist"; groups: { group: string; pid: number }[] }
  /** votequorum node information, sent after every regular configuration. */
  | {
      type: "quorum_nodeinfo";
      votes: number;
      expectedVotes: number;
      quorate: boolean;
      waitForAllStatus: boolean;
    };

// ───────────────────────────── configuration ────────────────────────────────────────

/** Totem timeouts and constants, named as in corosync.conf(5); times in ms. */
export interface TotemTimeouts {
  token: number;
  /** Added to `token` per node beyond two (corosync's token_coefficient rule). */
  token_coefficient: number;
  token_retransmit: number;
  token_retransmits_before_loss_const: number;
  /** Time the representative holds an idle token. */
  hold: number;
  consensus: number;
  join: number;
  merge: number;
  /** Upper bound of a random-looking delay before sending a join (0 = none). */
  send_join: number;
  /** Rotations with a missing message nobody supplies before the ring is reformed. */
  fail_recv_const: number;
  /** Rotations without new messages before the representative starts holding the token. */
  seqno_unchanged_const: number;
  max_messages: number;
  window_size: number;
  /** Bytes per packet budget for a fragment's payload (corosync's netmtu). */
  netmtu: number;
}

/** A node of the nodelist as the membership layer needs it. */
export interface NodeEntry {
  nodeId: NodeId;
  name: string;
  /** ringN_addr values, for cmap keys (`r(0) ip(...)`). */
  addrs: string[];
  /** quorum_votes (default 1). */
  votes: number;
}

/** quorum { } section (votequorum(5)). */
export interface QuorumConfig {
  provider: "corosync_votequorum" | "none";
  /** 0 = computed from the nodelist's votes. */
  expected_votes: number;
  two_node: boolean;
  wait_for_all: boolean;
  last_man_standing: boolean;
  last_man_standing_window: number;
  auto_tie_breaker: boolean;
  /** Which side wins a 50/50 split: the one with the lowest/highest node id, or the first listed present. */
  auto_tie_breaker_node: "lowest" | "highest" | NodeId[];
}

/** Everything a node's engine is started with. */
export interface MembershipConfig {
  nodeId: NodeId;
  incarnation: number;
  clusterName: string;
  nodes: NodeEntry[];
  timeouts: TotemTimeouts;
  quorum: QuorumConfig;
  /** config_version from corosync.conf (totem.config_version). */
  configVersion: number;
  /**
   * Highest ring sequence number this node used before it restarted (corosync keeps it
   * in /var/lib/corosync/ringid_*): ring ids stay unique across restarts. The runtime
   * stores `ringId.seq` of every regular configuration change. Default 0.
   */
  ringSeq?: number;
}

// ───────────────────────────── events and effects ───────────────────────────────────

export type TimerName =
  | "token"
  | "token_retransmit"
  | "hold"
  | "join"
  | "consensus"
  | "merge"
  | "send_join"
  | "lms_window";

export type MembershipEvent =
  /** A decoded protocol message arrived from the network. */
  | { type: "receive"; message: ProtocolMessage }
  | { type: "timer"; name: TimerName }
  /** A local process wants to send `data` to a group it has joined. */
  | { type: "cpg_send"; group: string; pid: number; data: Buffer; guarantee?: Guarantee }
  | { type: "cpg_join"; group: string; pid: number }
  | { type: "cpg_leave"; group: string; pid: number }
  /** Runtime change of expected votes (corosync-quorumtool -e). */
  | { type: "set_expected_votes"; expectedVotes: number };

/** A configuration change as EVS defines it: transitional (survivors) then regular. */
export interface ConfigChange {
  kind: "transitional" | "regular";
  ringId: RingId;
  members: NodeId[];
  joined: NodeId[];
  left: NodeId[];
}

export interface GroupMember {
  nodeId: NodeId;
  pid: number;
}

export interface QuorumState {
  quorate: boolean;
  members: NodeId[];
  totalVotes: number;
  expectedVotes: number;
  highestExpected: number;
  quorum: number;
  /** corosync-quorumtool flag words: 2Node, Quorate, WaitForAll, LastManStanding, AutoTieBreaker. */
  flags: string[];
}

export type Effect =
  /** Send one protocol message to one node, or to every other node of the nodelist. */
  | { type: "send"; to: NodeId | "all"; message: ProtocolMessage }
  | { type: "set_timer"; name: TimerName; after: number }
  | { type: "cancel_timer"; name: TimerName }
  /** Totem-level delivery of one ordered message (sim checkers observe these). */
  | {
      type: "deliver";
      ringId: RingId;
      seq: number;
      sender: NodeId;
      guarantee: Guarantee;
      /** Delivered in the transitional configuration (after the ring was lost). */
      transitional: boolean;
      payload: Buffer;
    }
  | { type: "config_change"; change: ConfigChange }
  /** A whole (reassembled) application message to the local members of `group`. */
  | { type: "cpg_deliver"; group: string; sender: GroupMember; data: Buffer }
  | {
      type: "cpg_config_change";
      group: string;
      members: GroupMember[];
      joined: GroupMember[];
      left: GroupMember[];
      /** Left because their node left the configuration (CPG_REASON_NODEDOWN / PROCDOWN). */
      failed: GroupMember[];
    }
  | { type: "quorum_change"; quorum: QuorumState }
  /** A diagnostic line for logs and sim traces. */
  | { type: "log"; level: "debug" | "info" | "warning"; text: string };

/** A cmap key as corosync-cmapctl prints it: `key (type) = value`. */
export interface CmapEntry {
  key: string;
  type: "u8" | "u16" | "u32" | "u64" | "i32" | "str" | "flt";
  value: string | number;
}
