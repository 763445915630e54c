// The Totem single-ring ordering and membership protocol (Amir et al., ACM TOCS 1995)
// as a pure state machine: the operational state (token rotation, total order,
// retransmission, flow control, agreed and safe delivery) lives here; gather, commit
// and recovery (forming a new ring with extended virtual synchrony) in totem-membership.ts.
// The upper layer (process groups, quorum) is reached through TotemUpper.

import { RingLog } from "./ringlog.js";
import {
  enterGather,
  installRing,
  onCommitToken,
  onJoin,
  onMergeDetect,
  onConsensusTimeout,
  sendJoin,
} from "./totem-membership.js";
import type {
  CommitTokenMessage,
  ConfigChange,
  Effect,
  Guarantee,
  McastMessage,
  MembershipConfig,
  NodeId,
  ProtocolMessage,
  RingId,
  TimerName,
  TokenHoldCancelMessage,
  TokenMessage,
  TotemState,
  TotemTimeouts,
} from "./types.js";

export interface Outgoing {
  payload: Buffer;
  guarantee: Guarantee;
}

/** What Totem needs from the layer above it. */
export interface TotemUpper {
  /** Takes up to n messages to broadcast now (they get sequence numbers at once). */
  takeOutgoing(n: number): Outgoing[];
  hasOutgoing(): boolean;
  /** An ordered message, in the regular or transitional configuration. */
  onDeliver(sender: NodeId, payload: Buffer, ringId: RingId, transitional: boolean): void;
  onConfigChange(change: ConfigChange): void;
  /** The ring was lost: anything half-sent must be sent again whole. */
  onRingLost(): void;
}

/** Sequence numbers beyond this are refused (they could not grow without overflowing u53). */
const MAX_SEQ = 2 ** 50;

/** Most retransmission requests a node adds to the token per visit. */
const MAX_RTR_ADD = 128;

export class Totem {
  readonly me: NodeId;
  readonly incarnation: number;
  readonly timeouts: TotemTimeouts;
  /** Every node of the nodelist (joins go to all of them). */
  readonly nodelist: NodeId[];
  readonly nodeSet: Set<NodeId>;
  state: TotemState = "gather";
  out: Effect[] = [];
  now = 0;

  /** The ring this node is operational on (or recovering into). */
  cur: RingLog | null = null;
  /** The last installed ring, while a new one is being formed. */
  old: RingLog;
  /** Highest incarnation seen per node; older packets are dropped. */
  readonly incarnations = new Map<NodeId, number>();
  /** Incarnation of each member of the current (or forming) ring. */
  memberInc = new Map<NodeId, number>();
  maxRingSeq = 0;
  /** Highest ring each peer is known to have installed: its joins from before are stale. */
  readonly peerRingSeq = new Map<NodeId, number>();
  /**
   * Nodes this node failed at a consensus timeout, until when their merge attempts are
   * ignored: a node that can send to us but not hear us (asymmetric partition) would
   * otherwise pull the ring into gather again and again.
   */
  readonly excludedUntil = new Map<NodeId, number>();

  // token handling
  lastTokenSeq = -1;
  lastForward: { aru: number; seq: number; retransFlag: boolean } | null = null;
  myLastFcc = 0;
  heldToken: TokenMessage | null = null;
  lastSentToken: TokenMessage | CommitTokenMessage | null = null;
  /**
   * Consecutive visits at which the ring was idle (no new message, nothing missing). Once it
   * reaches seqno_unchanged_const the representative holds the token for `hold` ms at every
   * visit (an idle ring then costs one rotation per `hold`, as corosync's); it drops back to 0
   * as soon as a message is sent or a member asks for the token (token_hold_cancel).
   */
  idleRotations = 0;
  /** A token_hold_cancel was sent since the token was last here. */
  holdCancelSent = false;
  aruStuckRotations = 0;
  lastAruSeen = 0;

  // gather / commit / recovery
  procSet = new Set<NodeId>();
  failSet = new Set<NodeId>();
  joins = new Map<NodeId, { proc: string; fail: string; maxRingSeq: number }>();
  /** Nodes whose joins arrived since the consensus timer last started. */
  heard = new Set<NodeId>();
  /** Nodes whose latest join counts us as failed. */
  failedMe = new Set<NodeId>();
  /** Consecutive consensus timeouts at which a node we hear still disagreed. */
  strikes = new Map<NodeId, number>();
  commitRingSeqSent = -1;
  lastCommitHop = -1;
  commitRing: RingId | null = null;
  lastAttemptSeq = 0;
  recoveryQueue: number[] = [];
  /** Highest old-ring sequence number the transitional members together hold. */
  oldTargetHigh = 0;
  transMembers: NodeId[] = [];

  /** Counters for cmap (runtime.totem.*). */
  readonly stats = {
    orfTokenRx: 0,
    orfTokenTx: 0,
    holdCancelTx: 0,
    holdCancelRx: 0,
    mcastTx: 0,
    mcastRx: 0,
    mcastRetx: 0,
    memb_commit_token_rx: 0,
    gatherEntered: 0,
    consensusTimeouts: 0,
    tokenLost: 0,
    /** Packets refused: unknown sender, or fields that break invariants. */
    rejected: 0,
  };

  constructor(
    cfg: MembershipConfig,
    readonly upper: TotemUpper,
  ) {
    this.me = cfg.nodeId;
    this.incarnation = cfg.incarnation;
    this.timeouts = cfg.timeouts;
    this.nodelist = cfg.nodes.map((n) => n.nodeId).sort((a, b) => a - b);
    this.nodeSet = new Set(this.nodelist);
    this.maxRingSeq = cfg.ringSeq ?? 0;
    this.old = new RingLog({ rep: this.me, seq: this.maxRingSeq }, [this.me], false);
    this.incarnations.set(this.me, this.incarnation);
  }

  // ─────────────────────────── effects helpers ───────────────────────────

  send(to: NodeId | "all", message: ProtocolMessage): void {
    this.out.push({ type: "send", to, message });
  }
  setTimer(name: TimerName, after: number): void {
    this.out.push({ type: "set_timer", name, after });
  }
  cancelTimer(name: TimerName): void {
    this.out.push({ type: "cancel_timer", name });
  }
  log(level: "debug" | "info" | "warning", text: string): void {
    this.out.push({ type: "log", level, text });
  }

  members(): NodeId[] {
    return this.cur ? this.cur.members : [];
  }

  /** The node after `me` on the ring (sorted by node id, wrapping). */
  successor(members: NodeId[]): NodeId {
    const i = members.indexOf(this.me);
    return members[(i + 1) % members.length];
  }

  // ─────────────────────────── entry points ───────────────────────────

  start(): void {
    this.procSet = new Set([this.me]);
    this.failSet = new Set();
    enterGather(this, "startup");
  }

  receive(m: ProtocolMessage): void {
    if (m.from === this.me || !this.nodeSet.has(m.from) || !this.plausible(m)) {
      this.stats.rejected++;
      return;
    }
    const known = this.incarnations.get(m.from) ?? 0;
    if (m.incarnation < known) return;
    if (m.incarnation > known) {
      this.incarnations.set(m.from, m.incarnation);
      this.peerRingSeq.delete(m.from);
      if (known > 0) this.peerRestarted(m.from);
    }
    // A member of the ring whose packet comes from another incarnation than the ring's is stale.
    const ringInc = this.memberInc.get(m.from);
    // Ring a peer has installed, as its operational traffic shows (not its tokens: a
    // node recovering into a ring may still give it up and gather from its old one).
    if ((m.type === "mcast" && !m.encap && m.sender === m.from) || m.type === "merge_detect")
      if (m.ringId.seq > (this.peerRingSeq.get(m.from) ?? 0)) this.peerRingSeq.set(m.from, m.ringId.seq);
    switch (m.type) {
      case "mcast":
        if (ringInc !== undefined && ringInc !== m.incarnation && this.isCurRing(m.ringId)) return;
        this.onMcast(m);
        break;
      case "token":
        if (ringInc !== undefined && ringInc !== m.incarnation) return;
        this.onToken(m);
        break;
      case "join":
        onJoin(this, m);
        break;
      case "commit":
        this.stats.memb_commit_token_rx++;
        onCommitToken(this, m);
        break;
      case "merge_detect":
        onMergeDetect(this, m);
        break;
      case "token_hold_cancel":
        this.onHoldCancel(m);
        break;
    }
  }

  /** Authenticated peers run this code, but a packet that would break invariants is refused. */
  private plausible(m: ProtocolMessage): boolean {
    switch (m.type) {
      case "mcast":
        return m.seq <= MAX_SEQ && m.ringId.seq <= MAX_SEQ && this.nodeSet.has(m.sender);
      case "token":
        return m.seq <= MAX_SEQ && m.aru <= m.seq && m.tokenSeq <= MAX_SEQ && m.ringId.seq <= MAX_SEQ;
      case "join":
        return (
          m.ringSeq <= MAX_SEQ &&
          m.maxRingSeq <= MAX_SEQ &&
          m.procSet.every((n) => this.nodeSet.has(n)) &&
          m.failSet.every((n) => this.nodeSet.has(n))
        );
      case "commit": {
        const ids = m.memb.map((e) => e.nodeId);
        return (
          m.ringId.seq <= MAX_SEQ &&
          m.hop <= MAX_SEQ &&
          ids.every((n, i) => this.nodeSet.has(n) && (i === 0 || ids[i - 1] < n)) &&
          m.memb.every((e) => e.oldAru <= e.oldHighSeq && e.oldHighSeq <= MAX_SEQ)
        );
      }
      case "merge_detect":
      case "token_hold_cancel":
        return m.ringId.seq <= MAX_SEQ;
    }
  }

  timer(name: TimerName): void {
    switch (name) {
      case "token":
        if (this.state === "gather") return;
        this.stats.tokenLost++;
        this.log("info", `token lost in ${this.state} state`);
        enterGather(this, "token loss");
        break;
      case "token_retransmit":
        if (this.lastSentToken && this.state !== "gather") {
          const t = this.lastSentToken;
          const to =
            t.type === "token"
              ? this.successor(this.cur ? this.cur.members : [this.me])
              : this.successor(t.memb.map((e) => e.nodeId));
          if (t.type === "token") this.stats.orfTokenTx++;
          this.send(to, t);
          this.setTimer("token_retransmit", this.timeouts.token_retransmit);
        }
        break;
      case "hold":
        this.releaseHeldToken();
        break;
      case "join":
        if (this.state === "gather") {
          sendJoin(this);
          this.setTimer("join", this.timeouts.join);
        }
        break;
      case "send_join":
        if (this.state === "gather") sendJoin(this);
        break;
      case "consensus":
        if (this.state === "gather") onConsensusTimeout(this);
        break;
      case "merge":
        if (this.state === "operational" && this.cur && this.cur.ringId.rep === this.me) {
          this.send("all", {
            type: "merge_detect",
            from: this.me,
            incarnation: this.incarnation,
            ringId: this.cur.ringId,
          });
          this.setTimer("merge", this.timeouts.merge);
        }
        break;
      default:
        break;
    }
  }

  /**
   * The application queued something. A token held here is released at once; a member
   * of an idle ring asks the representative, which may be holding the token, to release
   * it (once per token visit), so a message waits at most about one rotation, not `hold`.
   */
  kick(): void {
    if (this.state !== "operational" || !this.cur) return;
    if (this.heldToken) {
      this.cancelTimer("hold");
      this.releaseHeldToken();
      return;
    }
    const rep = this.cur.ringId.rep;
    // Members count idle visits of the same token, at most one apart from the representative.
    if (
      rep !== this.me &&
      !this.holdCancelSent &&
      this.idleRotations >= this.timeouts.seqno_unchanged_const - 1
    ) {
      this.holdCancelSent = true;
      this.stats.holdCancelTx++;
      this.send(rep, {
        type: "token_hold_cancel",
        from: this.me,
        incarnation: this.incarnation,
        ringId: this.cur.ringId,
      });
    }
  }

  /** A member has messages to send: stop holding (now, or at the token's next visit). */
  private onHoldCancel(m: TokenHoldCancelMessage): void {
    if (this.state !== "operational" || !this.isCurRing(m.ringId) || m.ringId.rep !== this.me) return;
    if (!(this.cur as RingLog).memberSet.has(m.from)) return;
    this.stats.holdCancelRx++;
    this.idleRotations = 0;
    if (this.heldToken) {
      this.cancelTimer("hold");
      this.releaseHeldToken();
    }
  }

  isExcluded(node: NodeId): boolean {
    const until = this.excludedUntil.get(node);
    return until !== undefined && this.now < until;
  }

  isCurRing(r: RingId): boolean {
    return this.cur !== null && this.cur.ringId.rep === r.rep && this.cur.ringId.seq === r.seq;
  }

  private peerRestarted(node: NodeId): void {
    const inRing =
      (this.cur?.memberSet.has(node) ?? false) || (this.commitRing !== null && this.memberInc.has(node));
    if (this.state === "gather") {
      this.joins.delete(node);
      return;
    }
    if (inRing) {
      this.log("info", `node ${node} restarted with a new incarnation`);
      enterGather(this, `node ${node} restarted`);
    }
  }

  // ─────────────────────────── regular messages ───────────────────────────

  private onMcast(m: McastMessage): void {
    this.stats.mcastRx++;
    if (this.isCurRing(m.ringId)) {
      const cur = this.cur as RingLog;
      if (!cur.memberSet.has(m.sender)) return;
      const entry = { sender: m.sender, guarantee: m.guarantee, payload: m.payload };
      if (m.encap) {
        // A recovery message: the old-ring copy goes to the old ring's log.
        cur.add(m.seq, { ...entry, encap: m.encap });
        if (this.state === "recovery" && sameRingId(m.encap.ringId, this.old.ringId)) {
          if (this.old.memberSet.has(m.encap.sender))
            this.old.add(m.encap.seq, {
              sender: m.encap.sender,
              guarantee: m.encap.guarantee,
              payload: m.payload,
            });
        }
      } else cur.add(m.seq, entry);
      if (this.state === "operational") this.deliverReady(cur);
      // Evidence the ring is alive: the token we passed was received.
      if (this.lastSentToken?.type === "token" && m.seq > this.lastSentToken.seq) {
        this.cancelTimer("token_retransmit");
        this.lastSentToken = null;
      }
      return;
    }
    if (this.state === "gather" && sameRingId(m.ringId, this.old.ringId) && this.old.installed) {
      // Late copies of the old ring's traffic still count until this node reports to a commit token.
      if (!m.encap && this.old.memberSet.has(m.sender)) {
        this.old.add(m.seq, { sender: m.sender, guarantee: m.guarantee, payload: m.payload });
        this.deliverReady(this.old);
      }
      return;
    }
    if (this.state === "operational" && this.cur) {
      // Traffic of another ring: a partition healed or a member moved on. Merge.
      const foreign = !this.cur.memberSet.has(m.from);
      if (foreign && this.isExcluded(m.from)) return;
      if (foreign || m.ringId.seq > this.cur.ringId.seq) {
        this.procSet = new Set([...this.cur.members, m.from]);
        enterGather(this, `message from ring ${m.ringId.rep}.${m.ringId.seq} of node ${m.from}`);
      }
    }
  }

  /** Delivers, in order, what is contiguous (and safe, for safe messages). */
  deliverReady(log: RingLog): void {
    for (;;) {
      const s = log.delivered + 1;
      const e = log.buf.get(s);
      if (!e) break;
      if (e.guarantee === "safe" && !e.encap && s > log.safeUpTo) break;
      log.delivered = s;
      if (!e.encap) this.deliverOne(log, s, e.sender, e.guarantee, e.payload, false);
    }
    log.collect();
  }

  deliverOne(
    log: RingLog,
    seq: number,
    sender: NodeId,
    guarantee: Guarantee,
    payload: Buffer,
    transitional: boolean,
  ): void {
    this.out.push({
      type: "deliver",
      ringId: log.ringId,
      seq,
      sender,
      guarantee,
      transitional,
      payload,
    });
    this.upper.onDeliver(sender, payload, log.ringId, transitional);
  }

  // ─────────────────────────── the token ───────────────────────────

  private onToken(t: TokenMessage): void {
    if (!this.isCurRing(t.ringId)) return;
    if (this.state !== "operational" && this.state !== "recovery") return;
    if (t.tokenSeq <= this.lastTokenSeq) return; // duplicate or old retransmission
    this.lastTokenSeq = t.tokenSeq;
    this.stats.orfTokenRx++;
    this.cancelTimer("token_retransmit");
    this.lastSentToken = null;
    this.visit({ ...t, rtr: [...t.rtr] });
  }

  /** One visit of the token at this node: retransmit, request, send, update aru, pass on. */
  visit(t: TokenMessage): void {
    const cur = this.cur as RingLog;
    this.setTimer("token", this.timeouts.token);
    this.holdCancelSent = false;
    const isRep = cur.ringId.rep === this.me;

    if (this.state === "recovery") {
      if (t.install) {
        installRing(this);
      } else if (isRep && this.recoveryComplete(t)) {
        installRing(this);
        t.install = true;
      }
    } else if (isRep && t.install) {
      t.install = false; // the install notice went all the way around
    }

    // Safe delivery: aru covered s when we passed the token last, and still on arrival.
    if (this.lastForward) {
      const safe = Math.min(this.lastForward.aru, t.aru);
      if (safe > cur.safeUpTo) cur.safeUpTo = Math.min(safe, cur.aru);
    }

    // Retransmit what others asked for and we have.
    const rtr: number[] = [];
    for (const s of t.rtr) {
      const e = cur.buf.get(s);
      if (e) {
        this.stats.mcastRetx++;
        this.send("all", this.mcastOf(cur, s, e.sender, e.guarantee, e.payload, e.encap));
      } else if (!cur.has(s)) rtr.push(s);
    }
    // Ask for what we miss.
    let added = 0;
    for (let s = cur.aru + 1; s <= t.seq && added < MAX_RTR_ADD; s++) {
      if (!cur.buf.has(s) && !rtr.includes(s)) {
        rtr.push(s);
        added++;
      }
    }
    t.rtr = rtr;

    // Flow control: at most max_messages per visit, window_size per rotation, and no more
    // than window_size messages beyond what everyone has received.
    const fccOthers = Math.max(0, t.fcc - this.myLastFcc);
    let allowed = Math.min(
      this.timeouts.max_messages,
      this.timeouts.window_size - fccOthers,
      this.timeouts.window_size * 2 - (t.seq - t.aru),
    );
    if (rtr.length > 0) allowed = Math.min(allowed, Math.ceil(this.timeouts.max_messages / 2));
    let sent = 0;
    if (allowed > 0) {
      if (this.state === "operational") {
        for (const o of this.upper.takeOutgoing(allowed)) {
          t.seq++;
          sent++;
          cur.add(t.seq, { sender: this.me, guarantee: o.guarantee, payload: o.payload });
          this.stats.mcastTx++;
          this.send("all", this.mcastOf(cur, t.seq, this.me, o.guarantee, o.payload));
        }
      } else {
        while (sent < allowed && this.recoveryQueue.length > 0) {
          const oldSeq = this.recoveryQueue.shift() as number;
          const e = this.old.buf.get(oldSeq);
          if (!e || e.encap) continue;
          t.seq++;
          sent++;
          const encap = {
            ringId: this.old.ringId,
            seq: oldSeq,
            sender: e.sender,
            guarantee: e.guarantee,
          };
          cur.add(t.seq, { sender: this.me, guarantee: "agreed", payload: e.payload, encap });
          this.send("all", this.mcastOf(cur, t.seq, this.me, "agreed", e.payload, encap));
        }
      }
    }
    t.fcc = fccOthers + sent;
    this.myLastFcc = sent;

    // Recovery bookkeeping: who still has old-ring messages to send.
    if (this.state === "recovery") {
      if (this.recoveryQueue.length > 0) {
        t.retransFlag = true;
        t.retransOwner = this.me;
      } else if (t.retransOwner === this.me) {
        t.retransFlag = false;
        t.retransOwner = 0;
      }
    }

    // All-received-up-to.
    if (cur.aru < t.aru || t.aruId === this.me || t.aruId === 0) {
      t.aru = cur.aru;
      t.aruId = cur.aru >= t.seq ? 0 : this.me;
    }

    // fail_recv_const: a message nobody supplies for too many rotations breaks the ring.
    if (cur.aru < t.seq && cur.aru === this.lastAruSeen) this.aruStuckRotations++;
    else this.aruStuckRotations = 0;
    this.lastAruSeen = cur.aru;

    if (this.state === "operational") this.deliverReady(cur);

    const idle =
      sent === 0 &&
      t.rtr.length === 0 &&
      t.aru === t.seq &&
      this.lastForward !== null &&
      this.lastForward.seq === t.seq;
    this.idleRotations = idle ? this.idleRotations + 1 : 0;
    this.lastForward = { aru: t.aru, seq: t.seq, retransFlag: t.retransFlag };

    if (this.aruStuckRotations >= this.timeouts.fail_recv_const) {
      this.log("warning", `failed to receive message ${cur.aru + 1}: forming a new ring`);
      this.aruStuckRotations = 0;
      enterGather(this, "fail_recv_const");
      return;
    }
    this.passToken(t);
  }

  /** Recovery is complete when a full rotation added nothing, everyone has everything
   *  and nobody has old-ring messages left to send. */
  private recoveryComplete(t: TokenMessage): boolean {
    const f = this.lastForward;
    return (
      f !== null &&
      f.seq === t.seq &&
      f.aru === f.seq &&
      t.aru === t.seq &&
      !t.retransFlag &&
      !f.retransFlag &&
      t.rtr.length === 0 &&
      this.recoveryQueue.length === 0
    );
  }

  mcastOf(
    log: RingLog,
    seq: number,
    sender: NodeId,
    guarantee: Guarantee,
    payload: Buffer,
    encap?: McastMessage["encap"],
  ): McastMessage {
    const m: McastMessage = {
      type: "mcast",
      from: this.me,
      incarnation: this.incarnation,
      ringId: log.ringId,
      seq,
      sender,
      guarantee,
      payload,
    };
    if (encap) m.encap = encap;
    return m;
  }

  passToken(t: TokenMessage): void {
    const cur = this.cur as RingLog;
    t.tokenSeq = this.lastTokenSeq + 1;
    this.lastTokenSeq = t.tokenSeq;
    t.from = this.me;
    t.incarnation = this.incarnation;
    const next = this.successor(cur.members);
    const isRep = cur.ringId.rep === this.me;
    const hold =
      next === this.me ||
      (isRep &&
        this.state === "operational" &&
        this.idleRotations >= this.timeouts.seqno_unchanged_const &&
        !this.upper.hasOutgoing());
    if (hold) {
      this.heldToken = t;
      this.setTimer("hold", this.timeouts.hold);
      return;
    }
    this.lastSentToken = t;
    this.stats.orfTokenTx++;
    this.send(next, t);
    this.setTimer("token_retransmit", this.timeouts.token_retransmit);
  }

  private releaseHeldToken(): void {
    const t = this.heldToken;
    if (!t || (this.state !== "operational" && this.state !== "recovery") || !this.cur) return;
    this.heldToken = null;
    const next = this.successor(this.cur.members);
    if (next === this.me) {
      this.lastTokenSeq = t.tokenSeq;
      this.visit(t); // a ring of one: every visit is a whole rotation
      return;
    }
    this.lastSentToken = t;
    this.stats.orfTokenTx++;
    this.send(next, t);
    this.setTimer("token_retransmit", this.timeouts.token_retransmit);
  }
}

export function sameRingId(a: RingId, b: RingId): boolean {
  return a.rep === b.rep && a.seq === b.seq;
}
