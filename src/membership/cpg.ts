// Closed process groups (what corosync's CPG gives Pacemaker) on top of Totem: named
// groups of (node, pid) members changed by totally ordered join/leave messages, ordered
// delivery of application messages of any size (fragmented to the netmtu and
// reassembled), and configuration-change callbacks with joined/left/failed lists.
// Membership of groups across a ring change is resynchronised by joinlists.

import type { Outgoing, TotemUpper } from "./totem.js";
import type { ConfigChange, Effect, GroupMember, GroupMessage, Guarantee, NodeId, RingId } from "./types.js";
import { decodeGroupMessage, encodeGroupMessage, WireDecodeError } from "./wire.js";

/** Bytes of a packet taken by headers (crypto, totem, group): what a fragment may not use. */
export const FRAGMENT_OVERHEAD = 200;

type Queued =
  | { kind: "raw"; payload: Buffer; guarantee: Guarantee }
  | {
      kind: "data";
      group: string;
      pid: number;
      data: Buffer;
      guarantee: Guarantee;
      msgId: number;
      next: number;
      count: number;
    };

function memberKey(m: GroupMember): string {
  return `${m.nodeId}:${m.pid}`;
}

function byNodePid(a: GroupMember, b: GroupMember): number {
  return a.nodeId - b.nodeId || a.pid - b.pid;
}

export interface GroupHooks {
  /** votequorum information from another node arrived in order. */
  onNodeInfo(sender: NodeId, info: Extract<GroupMessage, { type: "quorum_nodeinfo" }>): void;
  /** The regular configuration changed (after the group layer handled it). */
  onRegular(change: ConfigChange): void;
  /** What to send right after a regular configuration (votequorum's node info). */
  nodeInfo(): Buffer;
}

export class ProcessGroups implements TotemUpper {
  private queue: Queued[] = [];
  private nextMsgId = 1;
  readonly groups = new Map<string, GroupMember[]>();
  private partial = new Map<string, { msgId: number; next: number; parts: Buffer[] }>();
  /** Local processes that asked to join (pid by group), so joinlists can be sent. */
  private readonly local = new Map<string, Set<number>>();
  readonly fragSize: number;
  decodeErrors = 0;

  constructor(
    private readonly me: NodeId,
    netmtu: number,
    private readonly out: () => Effect[],
    private readonly hooks: GroupHooks,
  ) {
    this.fragSize = Math.max(64, netmtu - FRAGMENT_OVERHEAD);
  }

  // ───────── requests from local processes ─────────

  join(group: string, pid: number): void {
    let s = this.local.get(group);
    if (!s) this.local.set(group, (s = new Set()));
    s.add(pid);
    this.enqueueRaw({ type: "cpg_join", group, pid });
  }

  leave(group: string, pid: number): void {
    this.local.get(group)?.delete(pid);
    this.enqueueRaw({ type: "cpg_leave", group, pid });
  }

  send(group: string, pid: number, data: Buffer, guarantee: Guarantee): void {
    const count = Math.max(1, Math.ceil(data.length / this.fragSize));
    this.queue.push({
      kind: "data",
      group,
      pid,
      data,
      guarantee,
      msgId: this.nextMsgId++,
      next: 0,
      count,
    });
  }

  private enqueueRaw(g: GroupMessage, front = false): void {
    const item: Queued = { kind: "raw", payload: encodeGroupMessage(g), guarantee: "agreed" };
    if (front) this.queue.unshift(item);
    else this.queue.push(item);
  }

  queuedMessages(): number {
    return this.queue.length;
  }

  // ───────── TotemUpper ─────────

  hasOutgoing(): boolean {
    return this.queue.length > 0;
  }

  takeOutgoing(n: number): Outgoing[] {
    const res: Outgoing[] = [];
    while (res.length < n && this.queue.length > 0) {
      const q = this.queue[0];
      if (q.kind === "raw") {
        res.push({ payload: q.payload, guarantee: q.guarantee });
        this.queue.shift();
        continue;
      }
      const start = q.next * this.fragSize;
      const g: GroupMessage = {
        type: "cpg_data",
        group: q.group,
        pid: q.pid,
        msgId: q.msgId,
        fragIndex: q.next,
        fragCount: q.count,
        data: q.data.subarray(start, start + this.fragSize),
      };
      res.push({ payload: encodeGroupMessage(g), guarantee: q.guarantee });
      q.next++;
      if (q.next >= q.count) this.queue.shift();
    }
    return res;
  }

  onRingLost(): void {
    // A message cut by the ring change is sent again whole (receivers drop partial ones).
    const q = this.queue[0];
    if (q && q.kind === "data" && q.next > 0) {
      q.next = 0;
      q.msgId = this.nextMsgId++;
    }
  }

  onDeliver(sender: NodeId, payload: Buffer, _ringId: RingId, _transitional: boolean): void {
    let g: GroupMessage;
    try {
      g = decodeGroupMessage(payload);
    } catch (e) {
      if (!(e instanceof WireDecodeError)) throw e;
      this.decodeErrors++;
      return;
    }
    switch (g.type) {
      case "cpg_join":
        this.addMember(g.group, { nodeId: sender, pid: g.pid });
        break;
      case "cpg_leave":
        this.removeMember(g.group, { nodeId: sender, pid: g.pid });
        break;
      case "cpg_joinlist":
        for (const e of g.groups) this.addMember(e.group, { nodeId: sender, pid: e.pid });
        break;
      case "quorum_nodeinfo":
        this.hooks.onNodeInfo(sender, g);
        break;
      case "cpg_data":
        this.onData(sender, g);
        break;
    }
  }

  private onData(sender: NodeId, g: Extract<GroupMessage, { type: "cpg_data" }>): void {
    const from = { nodeId: sender, pid: g.pid };
    const key = `${sender}:${g.pid}:${g.group}`;
    let data: Buffer;
    if (g.fragCount === 1) {
      this.partial.delete(key);
      data = g.data;
    } else {
      let p = this.partial.get(key);
      if (g.fragIndex === 0) {
        p = { msgId: g.msgId, next: 0, parts: [] };
        this.partial.set(key, p);
      }
      if (!p || p.msgId !== g.msgId || p.next !== g.fragIndex) {
        this.partial.delete(key);
        return;
      }
      p.parts.push(g.data);
      p.next++;
      if (p.next < g.fragCount) return;
      this.partial.delete(key);
      data = Buffer.concat(p.parts);
    }
    const members = this.groups.get(g.group);
    if (!members?.some((m) => m.nodeId === sender && m.pid === g.pid)) return;
    this.out().push({ type: "cpg_deliver", group: g.group, sender: from, data });
  }

  onConfigChange(change: ConfigChange): void {
    if (change.kind !== "regular") return;
    this.partial.clear();
    const left = new Set(change.left);
    const present = new Set(change.members);
    for (const [group, members] of [...this.groups]) {
      const failed = members.filter((m) => left.has(m.nodeId) || !present.has(m.nodeId));
      if (failed.length === 0) continue;
      const rest = members.filter((m) => !failed.includes(m));
      this.setGroup(group, rest);
      this.out().push({
        type: "cpg_config_change",
        group,
        members: rest,
        joined: [],
        left: [],
        failed,
      });
    }
    if (change.joined.length > 0) {
      const groups: { group: string; pid: number }[] = [];
      for (const [group, pids] of this.local) for (const pid of pids) groups.push({ group, pid });
      if (groups.length > 0) this.enqueueRaw({ type: "cpg_joinlist", groups }, true);
    }
    this.queue.unshift({ kind: "raw", payload: this.hooks.nodeInfo(), guarantee: "agreed" });
    this.hooks.onRegular(change);
  }

  private setGroup(group: string, members: GroupMember[]): void {
    if (members.length === 0) this.groups.delete(group);
    else this.groups.set(group, members);
  }

  private addMember(group: string, m: GroupMember): void {
    const members = this.groups.get(group) ?? [];
    if (members.some((x) => memberKey(x) === memberKey(m))) return;
    const next = [...members, m].sort(byNodePid);
    this.setGroup(group, next);
    this.out().push({ type: "cpg_config_change", group, members: next, joined: [m], left: [], failed: [] });
  }

  private removeMember(group: string, m: GroupMember): void {
    const members = this.groups.get(group) ?? [];
    if (!members.some((x) => memberKey(x) === memberKey(m))) return;
    const next = members.filter((x) => memberKey(x) !== memberKey(m));
    this.setGroup(group, next);
    this.out().push({ type: "cpg_config_change", group, members: next, joined: [], left: [m], failed: [] });
  }

  /** Local processes that joined, by group (for the runtime and cmap). */
  localMembers(): Map<string, Set<number>> {
    return this.local;
  }

  /** Whether `me` is the node this layer runs on (for tests). */
  get nodeId(): NodeId {
    return this.me;
  }
}
