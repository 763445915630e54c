// votequorum (votequorum(5)): votes per node, expected votes, and the options
// two_node (quorum of 1 in a cluster of two; implies wait_for_all), wait_for_all (not
// quorate until every node was seen at once), last_man_standing (expected votes lowered
// after a window of stable membership) and auto_tie_breaker (a 50/50 split is won by the
// half holding the tie-breaker node). Node information (votes, expected votes, state)
// is exchanged in order after every regular configuration.

import type { MembershipConfig, NodeId, QuorumState } from "./types.js";

export interface NodeInfo {
  votes: number;
  expectedVotes: number;
  quorate: boolean;
  waitForAllStatus: boolean;
}

export class Votequorum {
  members: NodeId[] = [];
  private readonly info = new Map<NodeId, NodeInfo>();
  /** Still waiting to see all nodes at once (wait_for_all). */
  waitForAllStatus: boolean;
  private expectedOverride = 0;
  private lmsExpected = 0;
  private readonly configured: number;
  private readonly votesOf = new Map<NodeId, number>();
  current: QuorumState;

  constructor(private readonly cfg: MembershipConfig) {
    for (const n of cfg.nodes) this.votesOf.set(n.nodeId, n.votes);
    this.configured =
      cfg.quorum.expected_votes > 0 ? cfg.quorum.expected_votes : cfg.nodes.reduce((a, n) => a + n.votes, 0);
    this.waitForAllStatus = cfg.quorum.wait_for_all;
    this.current = this.compute();
  }

  get enabled(): boolean {
    return this.cfg.quorum.provider === "corosync_votequorum";
  }

  myInfo(): NodeInfo {
    return {
      votes: this.votesOf.get(this.cfg.nodeId) ?? 1,
      expectedVotes: this.expectedVotes(),
      quorate: this.current.quorate,
      waitForAllStatus: this.waitForAllStatus,
    };
  }

  private expectedVotes(): number {
    return this.lmsExpected || this.expectedOverride || this.configured;
  }

  setMembers(members: NodeId[]): void {
    this.members = [...members];
    for (const n of [...this.info.keys()]) if (!members.includes(n)) this.info.delete(n);
  }

  onNodeInfo(node: NodeId, info: NodeInfo): void {
    if (!this.members.includes(node)) return;
    this.info.set(node, info);
  }

  setExpectedVotes(v: number): void {
    this.expectedOverride = v;
    this.lmsExpected = 0;
  }

  /** last_man_standing: the window passed with a stable membership. */
  lmsWindowExpired(): void {
    if (!this.cfg.quorum.last_man_standing || !this.current.quorate) return;
    const total = this.totalVotes();
    const floor = this.cfg.quorum.auto_tie_breaker ? 1 : 2;
    const target = Math.max(total, floor);
    if (target < this.expectedVotes()) this.lmsExpected = target;
  }

  private totalVotes(): number {
    let t = 0;
    for (const n of this.members) t += this.info.get(n)?.votes ?? this.votesOf.get(n) ?? 1;
    return t;
  }

  /** Recomputes; returns the new state when it differs from the last one. */
  update(): QuorumState | null {
    const next = this.compute();
    const changed = JSON.stringify(next) !== JSON.stringify(this.current);
    this.current = next;
    return changed ? next : null;
  }

  private compute(): QuorumState {
    const q = this.cfg.quorum;
    const expected = this.expectedVotes();
    let highest = expected;
    for (const n of this.members) {
      const i = this.info.get(n);
      if (i && i.expectedVotes > highest && !this.lmsExpected) highest = i.expectedVotes;
    }
    const total = this.totalVotes();
    const twoNode = q.two_node && highest === 2;
    const quorum = twoNode ? 1 : Math.floor(highest / 2) + 1;
    let quorate = total >= quorum;
    if (!quorate && q.auto_tie_breaker && total * 2 === highest && this.holdsTieBreaker()) quorate = true;
    if (this.waitForAllStatus) {
      let othersRunning = false;
      for (const n of this.members) {
        const i = this.info.get(n);
        if (n !== this.cfg.nodeId && i && i.quorate && !i.waitForAllStatus) othersRunning = true;
      }
      if (total >= highest || othersRunning) this.waitForAllStatus = false;
    }
    if (this.waitForAllStatus) quorate = false;
    if (!this.enabled) quorate = true;
    const flags: string[] = [];
    if (twoNode) flags.push("2Node");
    if (quorate) flags.push("Quorate");
    if (q.wait_for_all) flags.push("WaitForAll");
    if (q.last_man_standing) flags.push("LastManStanding");
    if (q.auto_tie_breaker) flags.push("AutoTieBreaker");
    return {
      quorate,
      members: [...this.members],
      totalVotes: total,
      expectedVotes: expected,
      highestExpected: highest,
      quorum,
      flags,
    };
  }

  private holdsTieBreaker(): boolean {
    const ids = this.cfg.nodes.map((n) => n.nodeId);
    const how = this.cfg.quorum.auto_tie_breaker_node;
    if (how === "lowest") return this.members.includes(Math.min(...ids));
    if (how === "highest") return this.members.includes(Math.max(...ids));
    const first = how.find((n) => ids.includes(n));
    return first !== undefined && this.members.includes(first);
  }
}
