// The receive buffer of one ring: messages by sequence number, the all-received-up-to
// point (aru), the highest received, what was delivered, and what is known safe.

import type { EncapsulatedMessage, Guarantee, NodeId, RingId } from "./types.js";

export interface LogEntry {
  sender: NodeId;
  guarantee: Guarantee;
  payload: Buffer;
  /** Recovery placeholder: an old-ring message carried on this ring; never delivered here. */
  encap?: EncapsulatedMessage;
}

export class RingLog {
  readonly buf = new Map<number, LogEntry>();
  /** Every message <= aru is in buf (or was delivered and discarded). */
  aru = 0;
  high = 0;
  delivered = 0;
  /** Messages <= safeUpTo were received by every member. */
  safeUpTo = 0;
  /** Entries <= gcUpTo were discarded (delivered and safe). */
  private gcUpTo = 0;
  readonly memberSet: Set<NodeId>;

  constructor(
    readonly ringId: RingId,
    readonly members: NodeId[],
    /** Whether this node installed the ring (a fresh node's placeholder ring is not). */
    public installed: boolean,
  ) {
    this.memberSet = new Set(members);
  }

  has(seq: number): boolean {
    return seq <= this.gcUpTo || this.buf.has(seq);
  }

  /** Stores a message; false when it is a duplicate. */
  add(seq: number, e: LogEntry): boolean {
    if (seq <= this.gcUpTo || this.buf.has(seq)) return false;
    this.buf.set(seq, e);
    if (seq > this.high) this.high = seq;
    while (this.buf.has(this.aru + 1)) this.aru++;
    return true;
  }

  /** Drops what every member has and this node delivered. */
  collect(): void {
    const upTo = Math.min(this.delivered, this.safeUpTo);
    for (let s = this.gcUpTo + 1; s <= upTo; s++) this.buf.delete(s);
    if (upTo > this.gcUpTo) this.gcUpTo = upTo;
  }
}

export function ringKey(r: RingId): string {
  return `${r.rep}.${r.seq}`;
}

export function sameRing(a: RingId, b: RingId): boolean {
  return a.rep === b.rep && a.seq === b.seq;
}

/** corosync's printed form: `rep.seq` in hex (e.g. `1.9`). */
export function formatRingId(r: RingId): string {
  return `${r.rep.toString(16)}.${r.seq.toString(16)}`;
}
