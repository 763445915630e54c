// Which group configurations the daemon's pure layers are told about (pure: no I/O).
// The process group (CPG) reports a configuration change only when its member list
// changes; a new Totem ring with the same group members (a paused node that came back,
// a partition that healed into the same group view) passes silently. Messages queued in
// the old ring are then delivered in the new one as if nothing had happened — a paused
// DC's exec of a transition it planned before the pause (cluster-sim seed 4204). So the
// daemon is told of every new ring too: a configuration is (ring id, group members), and
// each one is announced once, in order with the deliveries. The controller names its
// rounds by it (a command planned in one configuration is refused in any other), and the
// CIB replica compares copies again (src/cib/replica.ts).
// Used by src/daemon/runtime-group.ts and the whole-cluster simulator (src/sim/cluster).

export interface GroupConfiguration {
  /** Sorted node ids of the group's members (this node among them). */
  members: number[];
  /** The Totem ring the configuration belongs to ("rep.seq"). */
  ring: string;
}

export class GroupRounds {
  private ring = "";
  private group: number[] = [];
  private last = "";

  constructor(private readonly self: number) {}

  /**
   * A regular Totem configuration was installed: the group keeps the members that are still
   * in the ring and did not leave it in between (the process group drops the others right
   * after, with the same result; one that left and came back rejoins through the group).
   */
  totem(
    ring: string,
    ringMembers: readonly number[],
    left: readonly number[] = [],
  ): GroupConfiguration | undefined {
    this.ring = ring;
    const present = new Set(ringMembers);
    const gone = new Set(left);
    return this.announce(this.group.filter((m) => present.has(m) && !gone.has(m)));
  }

  /** The process group's member list changed. */
  cpg(members: readonly number[]): GroupConfiguration | undefined {
    return this.announce([...new Set(members)].sort((a, b) => a - b));
  }

  private announce(members: number[]): GroupConfiguration | undefined {
    this.group = members;
    // Not in the group (yet, or any more): nothing to tell this node's layers.
    if (!members.includes(this.self)) return undefined;
    const key = `${this.ring}/${members.join(",")}`;
    if (key === this.last) return undefined;
    this.last = key;
    return { members, ring: this.ring };
  }
}
