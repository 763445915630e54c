// Totem's membership protocol: the gather state (join messages carrying the sender's
// proc and fail sets until every live node agrees: consensus), the commit token (two
// rotations: members report their old-ring state, then enter recovery), and recovery
// (old-ring messages retransmitted on the new ring so that members coming from the same
// ring deliver the same set before the new configuration is installed).

import { RingLog } from "./ringlog.js";
import { sameRingId, type Totem } from "./totem.js";
import type {
  CommitMember,
  CommitTokenMessage,
  ConfigChange,
  JoinMessage,
  MergeDetectMessage,
  NodeId,
  TokenMessage,
} from "./types.js";

function setKey(s: Set<NodeId>): string {
  return [...s].sort((a, b) => a - b).join(",");
}

/** proc set minus fail set, sorted: the membership this node proposes. */
export function proposed(t: Totem): NodeId[] {
  return [...t.procSet].filter((n) => !t.failSet.has(n)).sort((a, b) => a - b);
}

export function enterGather(t: Totem, reason: string): void {
  const from = t.state;
  t.stats.gatherEntered++;
  t.log("info", `entering gather from ${from}: ${reason}`);
  if (from === "operational" && t.cur) {
    for (const n of t.cur.members) t.procSet.add(n);
    t.failSet = new Set();
    t.upper.onRingLost();
  }
  if (from === "commit" || from === "recovery") {
    // The ring being formed is abandoned (its messages were never delivered here); a
    // fresh gather round starts: failures decided in the last round are forgotten, so
    // stale fail sets cannot keep a healed node out.
    t.failSet = new Set();
    if (t.old.installed) for (const n of t.old.members) t.procSet.add(n);
    t.upper.onRingLost();
  }
  t.procSet.add(t.me);
  t.failSet.delete(t.me);
  t.state = "gather";
  t.cur = null;
  t.memberInc = new Map(t.old.installed ? t.old.members.map((n) => [n, memberIncOf(t, n)]) : []);
  t.commitRing = null;
  t.heldToken = null;
  t.lastSentToken = null;
  t.recoveryQueue = [];
  t.joins = new Map();
  t.heard = new Set();
  t.failedMe = new Set();
  t.strikes = new Map();
  t.commitRingSeqSent = -1;
  t.cancelTimer("token");
  t.cancelTimer("token_retransmit");
  t.cancelTimer("hold");
  t.cancelTimer("merge");
  t.setTimer("consensus", t.timeouts.consensus);
  joinChanged(t);
}

function memberIncOf(t: Totem, n: NodeId): number {
  return t.memberInc.get(n) ?? t.incarnations.get(n) ?? 0;
}

/** Our sets changed (or we just entered gather): announce, restart consensus. */
function joinChanged(t: Totem): void {
  t.joins = new Map();
  t.joins.set(t.me, { proc: setKey(t.procSet), fail: setKey(t.failSet), maxRingSeq: t.maxRingSeq });
  if (t.timeouts.send_join > 0) {
    // corosync's send_join: spread joins of big clusters; deterministic per node here.
    t.setTimer("send_join", (t.me * 7919) % (t.timeouts.send_join + 1));
  } else sendJoin(t);
  t.setTimer("join", t.timeouts.join);
  checkConsensus(t);
}

export function sendJoin(t: Totem): void {
  const m: JoinMessage = {
    type: "join",
    from: t.me,
    incarnation: t.incarnation,
    procSet: [...t.procSet].sort((a, b) => a - b),
    failSet: [...t.failSet].sort((a, b) => a - b),
    ringSeq: t.old.ringId.seq,
    maxRingSeq: t.maxRingSeq,
  };
  t.send("all", m);
}

export function onJoin(t: Totem, j: JoinMessage): void {
  // A join sent before its sender installed a ring we have since seen it use is stale:
  // its fail set would make us fail a node that is now merging with us (seed 1852).
  if (j.ringSeq < (t.peerRingSeq.get(j.from) ?? 0)) return;
  if (j.ringSeq > (t.peerRingSeq.get(j.from) ?? 0)) t.peerRingSeq.set(j.from, j.ringSeq);
  if (j.maxRingSeq > t.maxRingSeq) t.maxRingSeq = j.maxRingSeq;
  if (j.ringSeq > t.maxRingSeq) t.maxRingSeq = j.ringSeq;
  const jProc = new Set(j.procSet);
  const jFail = new Set(j.failSet);
  if (t.state === "operational") {
    const cur = t.cur;
    if (cur?.memberSet.has(j.from) && j.ringSeq < cur.ringId.seq) return; // from before this ring
    // A non-member that counts us as failed cannot form a ring with us now; it will
    // gather afresh once it hears us.
    if (!cur?.memberSet.has(j.from) && j.failSet.includes(t.me)) return;
    enterGather(t, `join from node ${j.from}`);
  } else if (t.state === "commit" || t.state === "recovery") {
    // A join from a member of the forming ring that tells nothing new (its sets are
    // within the sets that formed this ring) is a late copy sent before the member
    // took the commit token: with reordering there are always some in flight, and
    // giving up on each kept 12 nodes from ever forming a ring (seed 2425). A join
    // with news (a node or a failure we do not know) means we must gather again.
    // A member that gave up for a token loss stops the token: the token timeout
    // catches that; a restarted member is caught by its new incarnation.
    const forming = t.memberInc;
    if (!forming.has(j.from)) return;
    const news = j.procSet.some((n) => !t.procSet.has(n)) || j.failSet.some((n) => !t.failSet.has(n));
    if (!news) return;
    if (j.ringSeq < t.old.ringId.seq) return;
    enterGather(t, `join from node ${j.from} during ${t.state}`);
  }
  // gather
  t.heard.add(j.from);
  if (j.failSet.includes(t.me)) t.failedMe.add(j.from);
  else t.failedMe.delete(j.from);
  if (t.failSet.has(j.from)) return;
  const sameProc = setKey(jProc) === setKey(t.procSet);
  const sameFail = setKey(jFail) === setKey(t.failSet);
  if (sameProc && sameFail) {
    t.joins.set(j.from, { proc: setKey(jProc), fail: setKey(jFail), maxRingSeq: j.maxRingSeq });
    checkConsensus(t);
    return;
  }
  if (jFail.has(t.me)) {
    // The sender has given up on us: we cannot be in one ring this round.
    t.failSet.add(j.from);
    joinChanged(t);
    return;
  }
  let changed = false;
  for (const n of jProc)
    if (!t.procSet.has(n)) {
      t.procSet.add(n);
      changed = true;
    }
  // Failure judgements are adopted only from members of our own last ring: a node that
  // gathered elsewhere (a healed partition, a resumed node) may hold stale ones that
  // would make us fail nodes we hear perfectly well.
  if (t.old.installed && t.old.memberSet.has(j.from))
    for (const n of jFail)
      if (n !== t.me && !t.failSet.has(n)) {
        t.failSet.add(n);
        changed = true;
      }
  // Otherwise the sender is behind us (or holds failures we do not adopt): it learns our
  // sets from our next periodic join. Answering at once could ping-pong between two
  // nodes that will not adopt each other's sets.
  if (changed) {
    t.setTimer("consensus", t.timeouts.consensus);
    joinChanged(t);
  }
  if (setKey(jProc) === setKey(t.procSet) && setKey(jFail) === setKey(t.failSet)) {
    t.joins.set(j.from, { proc: setKey(jProc), fail: setKey(jFail), maxRingSeq: j.maxRingSeq });
    checkConsensus(t);
  }
}

function agreed(t: Totem): boolean {
  const p = setKey(t.procSet);
  const f = setKey(t.failSet);
  for (const n of proposed(t)) {
    const j = t.joins.get(n);
    if (!j || j.proc !== p || j.fail !== f) return false;
  }
  return true;
}

function checkConsensus(t: Totem): void {
  if (t.state !== "gather" || !agreed(t)) return;
  const memb = proposed(t);
  if (memb[0] !== t.me) return; // the lowest node id is the representative
  let max = t.maxRingSeq;
  for (const j of t.joins.values()) if (j.maxRingSeq > max) max = j.maxRingSeq;
  const seq = Math.max(max, t.old.ringId.seq, t.lastAttemptSeq) + 4;
  if (t.commitRingSeqSent === seq) return;
  t.commitRingSeqSent = seq;
  const token: CommitTokenMessage = {
    type: "commit",
    from: t.me,
    incarnation: t.incarnation,
    ringId: { rep: t.me, seq },
    round: 1,
    hop: 0,
    memb: memb.map((n) => ({
      nodeId: n,
      incarnation: t.incarnations.get(n) ?? 0,
      filled: false,
      oldRingId: { rep: 0, seq: 0 },
      oldAru: 0,
      oldHighSeq: 0,
      oldDelivered: 0,
    })),
  };
  t.log("info", `consensus on ${memb.join(",")}: sending commit token for ring ${t.me}.${seq}`);
  acceptCommit(t, token);
}

export function onConsensusTimeout(t: Totem): void {
  t.stats.consensusTimeouts++;
  if (agreed(t)) {
    // Everyone agreed but no commit token came: the representative may be gone. Try again.
    t.setTimer("consensus", t.timeouts.consensus);
    t.heard = new Set();
    joinChanged(t);
    return;
  }
  // The fail set is recomputed from this round's evidence instead of only growing:
  // nodes silent for a whole consensus period, and nodes that count us as failed. A
  // node we hear but that disagrees gets one more round (its own timeout may recompute
  // stale failures of its own); disagreeing twice in a row, it is failed too. Fail sets
  // that only grew left nodes from different old rings disagreeing for ever, and the
  // cluster fragmented at every timeout (seed 1822).
  const p = setKey(t.procSet);
  const f = setKey(t.failSet);
  const next = new Set<NodeId>();
  for (const n of t.procSet) {
    if (n === t.me) continue;
    if (t.failedMe.has(n) || !t.heard.has(n)) {
      next.add(n);
      continue;
    }
    const j = t.joins.get(n);
    if (!j || j.proc !== p || j.fail !== f) {
      const strikes = (t.strikes.get(n) ?? 0) + 1;
      t.strikes.set(n, strikes);
      if (strikes >= 2) next.add(n);
    } else t.strikes.delete(n);
  }
  for (const n of next) {
    if (!t.failSet.has(n)) t.excludedUntil.set(n, t.now + 2 * t.timeouts.consensus);
    t.strikes.delete(n);
  }
  t.failSet = next;
  t.heard = new Set();
  t.log("info", `consensus timeout: failed ${[...t.failSet].sort((a, b) => a - b).join(",")}`);
  t.setTimer("consensus", t.timeouts.consensus);
  joinChanged(t);
}

export function onMergeDetect(t: Totem, m: MergeDetectMessage): void {
  if (t.state !== "operational" || !t.cur) return;
  if (t.cur.memberSet.has(m.from) && m.ringId.seq <= t.cur.ringId.seq) return;
  if (!t.cur.memberSet.has(m.from) && t.isExcluded(m.from)) return;
  enterGather(t, `merge detected: ring ${m.ringId.rep}.${m.ringId.seq} of node ${m.from}`);
}

// ─────────────────────────── commit token ───────────────────────────

function fillEntry(t: Totem, e: CommitMember): void {
  e.filled = true;
  e.incarnation = t.incarnation;
  e.oldRingId = { ...t.old.ringId };
  e.oldAru = t.old.aru;
  e.oldHighSeq = t.old.high;
  e.oldDelivered = t.old.delivered;
}

export function onCommitToken(t: Totem, c: CommitTokenMessage): void {
  const ids = c.memb.map((e) => e.nodeId);
  if (!ids.includes(t.me)) return;
  if (c.ringId.seq > t.maxRingSeq) t.maxRingSeq = c.ringId.seq;
  if (t.state === "gather") {
    if (c.round !== 1) return;
    // Older than our ring, or a stale copy of an attempt we started ourselves and abandoned.
    if (c.ringId.seq <= t.old.ringId.seq || c.ringId.rep === t.me) return;
    if (ids.join(",") !== proposed(t).join(",")) return;
    acceptCommit(t, c);
    return;
  }
  // Members that time out at different moments can end up in commit for different
  // attempts and never meet in gather again; the newest attempt for the same membership
  // wins (seeds 126788, 151504, found by the long run).
  if (
    t.state === "commit" &&
    t.commitRing &&
    c.round === 1 &&
    c.ringId.seq > t.commitRing.seq &&
    c.ringId.rep !== t.me &&
    ids.join(",") === proposed(t).join(",")
  ) {
    acceptCommit(t, c);
    return;
  }
  if (!t.commitRing || !sameRingId(c.ringId, t.commitRing)) return;
  if (c.hop <= t.lastCommitHop) return; // duplicate
  if (t.state === "commit" && c.memb.every((e) => e.filled)) {
    t.lastCommitHop = c.hop;
    t.cancelTimer("token_retransmit");
    t.lastSentToken = null;
    const isRep = c.ringId.rep === t.me;
    if (isRep && c.round === 1) {
      enterRecovery(t, c);
      forwardCommit(t, { ...c, round: 2 });
    } else if (!isRep && c.round === 2) {
      enterRecovery(t, c);
      forwardCommit(t, c);
    }
    return;
  }
  if (t.state === "recovery" && c.round === 2 && c.ringId.rep === t.me) {
    // The commit token went around twice: every member is in recovery. Start the ring.
    t.lastCommitHop = c.hop;
    t.cancelTimer("token_retransmit");
    t.lastSentToken = null;
    startRingToken(t);
  }
}

function acceptCommit(t: Totem, c: CommitTokenMessage): void {
  const token: CommitTokenMessage = { ...c, memb: c.memb.map((e) => ({ ...e })) };
  const mine = token.memb.find((e) => e.nodeId === t.me) as CommitMember;
  fillEntry(t, mine);
  t.state = "commit";
  t.commitRing = { ...c.ringId };
  t.lastAttemptSeq = Math.max(t.lastAttemptSeq, c.ringId.seq);
  t.lastCommitHop = c.hop;
  t.memberInc = new Map(token.memb.map((e) => [e.nodeId, e.incarnation]));
  // Our own entry's incarnation is ours by definition.
  t.memberInc.set(t.me, t.incarnation);
  t.cancelTimer("join");
  t.cancelTimer("send_join");
  t.cancelTimer("consensus");
  t.setTimer("token", t.timeouts.token);
  t.log("info", `commit: ring ${c.ringId.rep}.${c.ringId.seq}`);
  const ids = token.memb.map((e) => e.nodeId);
  if (ids.length === 1) {
    // A ring of one: both rotations are immediate.
    enterRecovery(t, { ...token, round: 2 });
    startRingToken(t);
    return;
  }
  forwardCommit(t, token);
}

function forwardCommit(t: Totem, c: CommitTokenMessage): void {
  const ids = c.memb.map((e) => e.nodeId);
  const next = t.successor(ids);
  const out: CommitTokenMessage = {
    ...c,
    from: t.me,
    incarnation: t.incarnation,
    hop: c.hop + 1,
    memb: c.memb.map((e) => ({ ...e })),
  };
  t.lastCommitHop = out.hop;
  t.lastSentToken = out;
  t.send(next, out);
  t.setTimer("token_retransmit", t.timeouts.token_retransmit);
}

function enterRecovery(t: Totem, c: CommitTokenMessage): void {
  const ids = c.memb.map((e) => e.nodeId);
  t.memberInc = new Map(c.memb.map((e) => [e.nodeId, e.incarnation]));
  t.memberInc.set(t.me, t.incarnation);
  const cur = new RingLog({ ...c.ringId }, ids, false);
  t.cur = cur;
  t.state = "recovery";
  t.lastTokenSeq = -1;
  t.lastForward = null;
  t.myLastFcc = 0;
  t.idleRotations = 0;
  t.aruStuckRotations = 0;
  t.lastAruSeen = 0;
  if (c.ringId.seq > t.maxRingSeq) t.maxRingSeq = c.ringId.seq;
  // Members that come from our old ring, and what they hold of it together.
  const trans = c.memb.filter((e) => t.old.installed && sameRingId(e.oldRingId, t.old.ringId) && e.filled);
  t.transMembers = trans.map((e) => e.nodeId);
  if (!t.transMembers.includes(t.me)) t.transMembers.push(t.me);
  t.transMembers.sort((a, b) => a - b);
  let low = t.old.aru;
  let high = t.old.high;
  for (const e of trans) {
    if (e.oldAru < low) low = e.oldAru;
    if (e.oldHighSeq > high) high = e.oldHighSeq;
  }
  t.oldTargetHigh = high;
  t.recoveryQueue = [];
  if (trans.length > 1) {
    for (let s = low + 1; s <= t.old.high; s++) {
      const e = t.old.buf.get(s);
      if (e && !e.encap) t.recoveryQueue.push(s);
    }
  }
  t.setTimer("token", t.timeouts.token);
  t.log(
    "info",
    `recovery: ring ${c.ringId.rep}.${c.ringId.seq}, old ring ${t.old.ringId.rep}.${t.old.ringId.seq} ` +
      `low ${low} high ${high}, ${t.recoveryQueue.length} to retransmit`,
  );
}

/** The representative creates the new ring's first regular token and visits it. */
function startRingToken(t: Totem): void {
  const cur = t.cur as RingLog;
  const token: TokenMessage = {
    type: "token",
    from: t.me,
    incarnation: t.incarnation,
    ringId: { ...cur.ringId },
    tokenSeq: 0,
    seq: 0,
    aru: 0,
    aruId: 0,
    rtr: [],
    fcc: 0,
    retransFlag: false,
    retransOwner: 0,
    install: false,
  };
  t.lastTokenSeq = 0;
  if (cur.members.length === 1) {
    installRing(t);
    t.deliverReady(cur);
  }
  t.visit(token);
}

/**
 * Installs the ring being recovered: delivers the transitional configuration, the old
 * ring's remaining messages (holes are messages of failed members that nobody has),
 * then the new regular configuration.
 */
export function installRing(t: Totem): void {
  const cur = t.cur as RingLog;
  const old = t.old;
  const trans = t.transMembers;
  if (old.installed) {
    t.upper.onConfigChange({
      kind: "transitional",
      ringId: old.ringId,
      members: [...trans],
      joined: [],
      left: old.members.filter((n) => !trans.includes(n)),
    });
    t.out.push({
      type: "config_change",
      change: {
        kind: "transitional",
        ringId: old.ringId,
        members: [...trans],
        joined: [],
        left: old.members.filter((n) => !trans.includes(n)),
      },
    });
    for (let s = old.delivered + 1; s <= t.oldTargetHigh; s++) {
      const e = old.buf.get(s);
      if (!e || e.encap) continue;
      t.deliverOne(old, s, e.sender, e.guarantee, e.payload, true);
    }
  }
  const change: ConfigChange = {
    kind: "regular",
    ringId: cur.ringId,
    members: [...cur.members],
    joined: cur.members.filter((n) => !trans.includes(n)),
    left: old.installed ? old.members.filter((n) => !trans.includes(n)) : [],
  };
  cur.installed = true;
  t.old = cur;
  t.state = "operational";
  t.recoveryQueue = [];
  t.commitRing = null;
  t.idleRotations = 0;
  t.aruStuckRotations = 0;
  t.log("info", `installed ring ${cur.ringId.rep}.${cur.ringId.seq} members ${cur.members.join(",")}`);
  for (const n of cur.members) t.excludedUntil.delete(n);
  t.out.push({ type: "config_change", change });
  t.upper.onConfigChange(change);
  if (cur.ringId.rep === t.me) t.setTimer("merge", t.timeouts.merge);
}
