// The membership engine of one node: Totem + process groups + votequorum behind one
// `handle(event, now) -> effects` entry point (etcd-raft shape). The caller (the
// transport runtime, or sim/) decodes packets, runs timers and performs the effects.

import { cmapEntries } from "./cmap.js";
import { ProcessGroups } from "./cpg.js";
import { Votequorum } from "./quorum.js";
import { Totem } from "./totem.js";
import type {
  CmapEntry,
  ConfigChange,
  Effect,
  MembershipConfig,
  MembershipEvent,
  NodeId,
  QuorumState,
  RingId,
  TotemState,
} from "./types.js";
import { encodeGroupMessage } from "./wire.js";

export class MembershipEngine {
  readonly totem: Totem;
  readonly groups: ProcessGroups;
  readonly quorum: Votequorum;
  /** Times each node joined a configuration this node installed (cmap join_count). */
  readonly joinCount = new Map<NodeId, number>();
  /** Nodes seen in some configuration and now gone (cmap status "left"). */
  readonly leftNodes = new Set<NodeId>();
  private regular: ConfigChange | null = null;
  private started = false;

  constructor(readonly config: MembershipConfig) {
    this.quorum = new Votequorum(config);
    this.groups = new ProcessGroups(config.nodeId, config.timeouts.netmtu, () => this.totem.out, {
      onNodeInfo: (sender, info) => {
        this.quorum.onNodeInfo(sender, info);
        this.emitQuorum();
      },
      onRegular: (change) => this.onRegular(change),
      nodeInfo: () => encodeGroupMessage({ type: "quorum_nodeinfo", ...this.quorum.myInfo() }),
    });
    this.totem = new Totem(config, this.groups);
  }

  /** Starts the node (enters gather, announces itself). */
  start(now: number): Effect[] {
    this.totem.now = now;
    if (!this.started) {
      this.started = true;
      this.totem.start();
    }
    return this.flush();
  }

  handle(ev: MembershipEvent, now: number): Effect[] {
    const t = this.totem;
    t.now = now;
    switch (ev.type) {
      case "receive":
        t.receive(ev.message);
        break;
      case "timer":
        if (ev.name === "lms_window") {
          this.quorum.lmsWindowExpired();
          this.emitQuorum();
        } else t.timer(ev.name);
        break;
      case "cpg_join":
        this.groups.join(ev.group, ev.pid);
        break;
      case "cpg_leave":
        this.groups.leave(ev.group, ev.pid);
        break;
      case "cpg_send":
        this.groups.send(ev.group, ev.pid, ev.data, ev.guarantee ?? "agreed");
        break;
      case "set_expected_votes":
        this.quorum.setExpectedVotes(ev.expectedVotes);
        this.emitQuorum();
        break;
    }
    if (this.groups.hasOutgoing()) t.kick();
    return this.flush();
  }

  private flush(): Effect[] {
    const out = this.totem.out;
    this.totem.out = [];
    return out;
  }

  private onRegular(change: ConfigChange): void {
    // The first configuration counts this node's own join (as corosync's join_count does).
    if (this.regular === null) this.joinCount.set(this.config.nodeId, 1);
    this.regular = change;
    for (const n of change.joined) {
      this.joinCount.set(n, (this.joinCount.get(n) ?? 0) + 1);
      this.leftNodes.delete(n);
    }
    for (const n of change.left) this.leftNodes.add(n);
    this.quorum.setMembers(change.members);
    this.emitQuorum(true);
    if (this.config.quorum.last_man_standing)
      this.totem.setTimer("lms_window", this.config.quorum.last_man_standing_window);
  }

  private emitQuorum(force = false): void {
    const q = this.quorum.update();
    if (q || force) this.totem.out.push({ type: "quorum_change", quorum: q ?? this.quorum.current });
  }

  // ───────── queries (cmap, tools, sim checkers) ─────────

  /** cmap keys this engine owns (runtime.members.*, runtime.totem.*, quorum...). */
  cmap(_now?: number): CmapEntry[] {
    return cmapEntries(this);
  }

  get state(): TotemState {
    return this.totem.state;
  }

  /** The installed regular configuration (null before the first one). */
  get configuration(): ConfigChange | null {
    return this.regular;
  }

  get ringId(): RingId {
    return this.totem.old.ringId;
  }

  get quorumState(): QuorumState {
    return this.quorum.current;
  }
}
