// The group configurations the daemon's pure layers see, and when (pure: no I/O).
// Used by src/daemon/runtime-group.ts and the simulator harnesses (src/sim/cluster,
// src/daemon/totem-sim.test.ts): events of the membership layer in, steps out, in order.
//
// Two things the process group (CPG) does not give by itself:
//
// 1. Every new Totem ring is a new configuration, even with the same group members (a paused
//    node that came back, a partition healed into the same group view). CPG reports a change
//    only when its member list changes, and messages queued in the old ring are delivered in
//    the new one as if nothing had happened — a paused DC's exec of a transition it planned
//    before the pause (cluster-sim seed 4204). A configuration is (ring id, members).
//
// 2. All members see a configuration begin at the same point of the total order (virtual
//    synchrony). After a ring change CPG rebuilds each node's group view from the members'
//    join lists, delivered one by one between other messages, starting from each node's own
//    old view: two partitions that merge see different member lists for a while (seed 127:
//    n1, alone before, delivered its own change while its view was still [1] — and applied
//    and acknowledged it — while n3 and n4, whose view already had n1, dropped it as sent for
//    another round). So at every new ring each node sends a sync message naming the ring,
//    after its join list; a node's new configuration begins when the sync messages of every
//    member of the ring have been delivered — one point of the total order, the same at every
//    member, where every view is complete and equal. Messages delivered in between are held
//    and delivered right after the new configuration (the pure layers drop what was meant for
//    an earlier one, the same way everywhere). Changes of the group inside a ring (a daemon
//    joining or leaving) are announced when delivered, as before.
//    A ring member that never sends its sync (a daemon that left the group and is about to
//    stop) holds the new configuration back until the ring changes again (its departure).

export type GroupStep =
  /** Send this message to the group (agreed order). */
  | { type: "send"; data: Buffer }
  /** A new configuration: its members (sorted, this node among them) and ring. */
  | { type: "conf"; members: number[]; ring: string }
  /** A message for the daemon's layers. */
  | { type: "deliver"; from: number; data: Buffer };

const SYNC_PREFIX = '{"ch":"sync"';

/** The group message that marks a node's arrival in a ring (the envelopes' JSON form). */
export function syncMessage(ring: string): Buffer {
  return Buffer.from(`${SYNC_PREFIX},"ring":${JSON.stringify(ring)}}`, "utf8");
}

function syncRing(data: Buffer): string | undefined {
  if (data.length < SYNC_PREFIX.length || data.toString("utf8", 0, SYNC_PREFIX.length) !== SYNC_PREFIX)
    return undefined;
  try {
    const ring = (JSON.parse(data.toString("utf8")) as { ring?: unknown }).ring;
    return typeof ring === "string" ? ring : undefined;
  } catch {
    return undefined;
  }
}

export class GroupRounds {
  private ring = "";
  /** The ring's members whose sync message has not been delivered yet. */
  private waiting = new Set<number>();
  private settled = false;
  private view: number[] = [];
  private held: { from: number; data: Buffer }[] = [];
  private last = "";
  /** This node's sync for the current ring waits for its own join to the group (at start). */
  private syncDue = false;

  constructor(private readonly self: number) {}

  /** Whether the current ring's configuration has begun (every member's sync delivered). */
  get inSync(): boolean {
    return this.settled;
  }

  /** A regular Totem configuration was installed. */
  totem(ring: string, ringMembers: readonly number[], left: readonly number[] = []): GroupStep[] {
    this.ring = ring;
    this.waiting = new Set(ringMembers);
    this.settled = false;
    // The process group drops the members that are gone (or left and came back: they rejoin
    // through their join list) right after; the same here.
    const present = new Set(ringMembers);
    const gone = new Set(left);
    this.view = this.view.filter((m) => present.has(m) && !gone.has(m));
    // Sent after this node's join to the group (or the group drops it): at start the first ring
    // may come before the daemon's join has gone out.
    this.syncDue = !this.view.includes(this.self);
    return this.syncDue ? [] : [{ type: "send", data: syncMessage(ring) }];
  }

  /** The process group's member list changed. */
  cpg(members: readonly number[]): GroupStep[] {
    this.view = [...new Set(members)].sort((a, b) => a - b);
    const steps: GroupStep[] = [];
    if (this.syncDue && this.view.includes(this.self)) {
      this.syncDue = false;
      steps.push({ type: "send", data: syncMessage(this.ring) });
    }
    if (this.settled) steps.push(...this.announce());
    return steps;
  }

  /** A group message was delivered. */
  deliver(from: number, data: Buffer): GroupStep[] {
    const ring = syncRing(data);
    if (ring !== undefined) {
      // A sync of an earlier ring (sent just before it broke) means nothing any more.
      if (ring !== this.ring || this.settled) return [];
      this.waiting.delete(from);
      if (this.waiting.size > 0) return [];
      this.settled = true;
      const steps = this.announce();
      for (const h of this.held) steps.push({ type: "deliver", from: h.from, data: h.data });
      this.held = [];
      return steps;
    }
    if (!this.settled) {
      this.held.push({ from, data });
      return [];
    }
    return [{ type: "deliver", from, data }];
  }

  private announce(): GroupStep[] {
    // Not in the group (yet, or any more): nothing to tell this node's layers.
    if (!this.view.includes(this.self)) return [];
    const key = `${this.ring}/${this.view.join(",")}`;
    if (key === this.last) return [];
    this.last = key;
    return [{ type: "conf", members: [...this.view], ring: this.ring }];
  }
}
