// The membership runtime: drives the pure membership engine (membership/) with real time and
// the UDP transport. Effects become I/O (send -> sealed UDP packets, set/cancel_timer -> real
// timers, deliveries and configuration changes -> callbacks); packets and timer expiries
// become events. This is the small API the daemon uses: start/stop, CPG join/leave/send with
// delivery and configuration-change callbacks, quorum state, cmap keys, and IPC handlers for
// corosync-cmapctl / -quorumtool / -cfgtool.

import { ErrorCodes, TandemError } from "../core/errors.js";
import { type Logger, nullLogger } from "../core/log.js";
import { makeConfig } from "../membership/config.js";
import type {
  ConfigChange,
  Effect,
  Guarantee,
  GroupMember,
  MembershipConfig,
  MembershipEvent,
  CmapEntry as MembershipCmapEntry,
  ProtocolMessage,
  QuorumState,
  TimerName,
  TotemTimeouts,
} from "../membership/types.js";
import { decodeMessage, encodeMessage } from "../membership/wire.js";
import type { ClusterConfig } from "./cluster-config.js";
import { PacketCodec } from "./crypto.js";
import type { IpcHandler } from "./ipc.js";
import type { CfgStatus, CmapEntry, QuorumStatus } from "./ipc-schema.js";
import { defaultPingTiming, type FaultRule } from "./links.js";
import { formatRingId } from "./tools-format.js";
import { UdpTransport } from "./udp.js";

/** What the runtime needs of the pure engine (membership/): events in, effects out. */
export interface EngineLike {
  start(now: number): Effect[];
  handle(event: MembershipEvent, now: number): Effect[];
  /** cmap keys the engine owns (runtime.totem.*...); they override the runtime's own. */
  cmap?(now: number): MembershipCmapEntry[];
}

export type EngineFactory = (config: MembershipConfig) => EngineLike;

export interface CpgDeliverEvent {
  group: string;
  sender: GroupMember;
  data: Buffer;
}
export interface CpgConfChangeEvent {
  group: string;
  members: GroupMember[];
  joined: GroupMember[];
  left: GroupMember[];
  failed: GroupMember[];
}

export interface RuntimeOptions {
  cluster: ClusterConfig;
  nodeid: number;
  authkey: Buffer;
  engine: EngineFactory;
  logger?: Logger;
  /** Overrides of the link monitor (defaults derive from the token timeout). */
  pingIntervalMs?: number;
  pingTimeoutMs?: number;
}

const TIMEOUT_KEYS: Array<keyof TotemTimeouts> = [
  "token",
  "token_coefficient",
  "token_retransmit",
  "token_retransmits_before_loss_const",
  "hold",
  "consensus",
  "join",
  "merge",
  "send_join",
  "fail_recv_const",
  "seqno_unchanged_const",
  "max_messages",
  "window_size",
];

/** The membership engine's start configuration for node `nodeid` of a parsed corosync.conf. */
export function membershipConfigFor(
  cluster: ClusterConfig,
  nodeid: number,
  incarnation: number,
): MembershipConfig {
  const totem: Partial<TotemTimeouts> = {};
  for (const k of TIMEOUT_KEYS) {
    const v = cluster.totem[k as keyof ClusterConfig["totem"]];
    if (v !== undefined) totem[k] = v;
  }
  const q = cluster.quorum;
  const atb = q.autoTieBreakerNode.trim();
  return makeConfig({
    nodeId: nodeid,
    incarnation,
    clusterName: cluster.clusterName,
    nodes: cluster.nodes.map((n) => ({
      nodeId: n.nodeid,
      name: n.name,
      addrs: cluster.links.map((l) => n.addrs[l]),
      votes: n.votes,
    })),
    totem,
    quorum: {
      provider: "corosync_votequorum",
      expected_votes: q.expectedVotes ?? 0,
      two_node: q.twoNode,
      wait_for_all: q.waitForAll,
      last_man_standing: q.lastManStanding,
      last_man_standing_window: q.lastManStandingWindow,
      auto_tie_breaker: q.autoTieBreaker,
      auto_tie_breaker_node:
        atb === "lowest" || atb === "highest" ? atb : atb.split(/\s+/).filter(Boolean).map(Number),
    },
    configVersion: cluster.configVersion,
  });
}

export class MembershipRuntime {
  readonly config: MembershipConfig;
  readonly codec: PacketCodec;
  readonly transport: UdpTransport;
  private readonly engine: EngineLike;
  private readonly timers = new Map<TimerName, NodeJS.Timeout>();
  private readonly log: Logger;
  private readonly queue: MembershipEvent[] = [];
  private running = false;
  private stopped = false;
  private draining = false;
  /** The latest join waiting to go out (see apply: joins are coalesced). */
  private pendingJoin: ProtocolMessage | undefined;
  private joinFlushQueued = false;
  private readonly t0 = performance.now();
  /** Decode failures and sender mismatches (packets that authenticated but made no sense). */
  readonly badMessages = { undecodable: 0, senderMismatch: 0 };

  private lastRegular: ConfigChange | undefined;
  private quorumState: QuorumState | undefined;
  private readonly confListeners = new Set<(c: ConfigChange) => void>();
  private readonly quorumListeners = new Set<(q: QuorumState) => void>();
  private readonly deliverListeners = new Set<(e: CpgDeliverEvent) => void>();
  private readonly cpgConfListeners = new Set<(e: CpgConfChangeEvent) => void>();
  private readonly groupMembers = new Map<string, GroupMember[]>();
  /** runtime.members.N.*: join count and whether the node is in the configuration. */
  private readonly memberInfo = new Map<number, { joinCount: number; joined: boolean }>();

  constructor(private readonly opts: RuntimeOptions) {
    this.log = opts.logger ?? nullLogger;
    if (!opts.cluster.nodes.some((n) => n.nodeid === opts.nodeid))
      throw new TandemError(ErrorCodes.TRANSPORT, `node id ${opts.nodeid} is not in the nodelist`);
    // Incarnation: wall-clock ms at start, so it grows across restarts of this node.
    const incarnation = Date.now();
    this.config = membershipConfigFor(opts.cluster, opts.nodeid, incarnation);
    this.codec = new PacketCodec({
      authkey: opts.authkey,
      clusterName: opts.cluster.clusterName,
      nodeid: opts.nodeid,
      incarnation: BigInt(incarnation),
      isKnownNode: (id) => opts.cluster.nodes.some((n) => n.nodeid === id),
      logger: this.log.child("crypto"),
    });
    const token = this.config.timeouts.token;
    const ping = opts.cluster.linkPing[opts.cluster.links[0]] ?? {};
    const pingDefault = defaultPingTiming(token, opts.cluster.nodes.length, opts.cluster.links.length);
    this.transport = new UdpTransport({
      cluster: opts.cluster,
      nodeid: opts.nodeid,
      codec: this.codec,
      logger: this.log.child("link"),
      onMessage: (sender, payload) => this.onPacket(sender, payload),
      pingIntervalMs: opts.pingIntervalMs ?? ping.interval ?? pingDefault.intervalMs,
      pingTimeoutMs: opts.pingTimeoutMs ?? ping.timeout ?? pingDefault.timeoutMs,
    });
    this.engine = opts.engine(this.config);
  }

  private now(): number {
    return performance.now() - this.t0;
  }

  async start(): Promise<void> {
    await this.transport.start();
    this.running = true;
    this.apply(this.engine.start(this.now()));
    this.drain();
  }

  stop(): void {
    this.stopped = true;
    this.running = false;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.transport.stop();
  }

  private flushJoin(): void {
    this.joinFlushQueued = false;
    const j = this.pendingJoin;
    if (!j || this.stopped) return;
    this.pendingJoin = undefined;
    this.transport.send("all", encodeMessage(j));
  }

  private onPacket(sender: number, payload: Buffer): void {
    if (!this.running) return;
    let message: ReturnType<typeof decodeMessage>;
    try {
      message = decodeMessage(payload);
    } catch {
      this.badMessages.undecodable++;
      this.codec.drop("garbage", sender);
      return;
    }
    if (message.from !== sender) {
      this.badMessages.senderMismatch++;
      this.codec.drop("misdirected", sender);
      return;
    }
    this.submit({ type: "receive", message });
  }

  /** Queues an event and runs the engine until no event is left (no re-entrancy). */
  private submit(ev: MembershipEvent): void {
    if (this.stopped) return;
    this.queue.push(ev);
    this.drain();
  }

  private drain(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.queue.length > 0 && !this.stopped) {
        const ev = this.queue.shift()!;
        this.apply(this.engine.handle(ev, this.now()));
      }
    } finally {
      this.draining = false;
    }
  }

  private apply(effects: Effect[]): void {
    for (const e of effects) {
      switch (e.type) {
        case "send":
          if (e.message.type === "join" && e.to === "all") {
            // Joins are coalesced until the packets already read have been handled: a later
            // join of this node carries everything an earlier one did (its current sets).
            // When n nodes start together each discovery changed the sets and broadcast a
            // join: n x (n-1) x (n-1) packets, 30,000 at 32 nodes, more than two cores could
            // handle within a consensus period, and 32 processes never formed a ring.
            this.pendingJoin = e.message;
            if (!this.joinFlushQueued) {
              this.joinFlushQueued = true;
              setImmediate(() => this.flushJoin());
            }
            break;
          }
          this.flushJoin(); // keep this node's packets in the order the engine sent them
          this.transport.send(e.to, encodeMessage(e.message));
          break;
        case "set_timer": {
          const old = this.timers.get(e.name);
          if (old) clearTimeout(old);
          const name = e.name;
          const handle: NodeJS.Timeout = setTimeout(
            () => {
              // The expiry is handled after the packets already waiting have been read (the
              // check phase follows the poll phase): when the process got no CPU for a while,
              // the token that arrived meanwhile must count before "token" can mean a loss.
              // A timer set again or cancelled in between is stale and dropped.
              setImmediate(() => {
                if (this.timers.get(name) !== handle) return;
                this.timers.delete(name);
                this.submit({ type: "timer", name });
              });
            },
            Math.max(0, e.after),
          );
          this.timers.set(name, handle);
          break;
        }
        case "cancel_timer": {
          const t = this.timers.get(e.name);
          if (t) clearTimeout(t);
          this.timers.delete(e.name);
          break;
        }
        case "deliver":
          break;
        case "config_change":
          if (e.change.kind === "regular") {
            this.lastRegular = e.change;
            for (const n of e.change.joined) {
              const m = this.memberInfo.get(n) ?? { joinCount: 0, joined: false };
              m.joinCount++;
              m.joined = true;
              this.memberInfo.set(n, m);
            }
            for (const n of e.change.left) {
              const m = this.memberInfo.get(n);
              if (m) m.joined = false;
            }
          }
          this.log.log(
            "notice",
            `${e.change.kind} configuration ${formatRingId(e.change.ringId.rep, e.change.ringId.seq)}: members [${e.change.members.join(" ")}]` +
              ` joined [${e.change.joined.join(" ")}] left [${e.change.left.join(" ")}]`,
          );
          for (const l of this.confListeners) l(e.change);
          break;
        case "cpg_deliver":
          for (const l of this.deliverListeners) l({ group: e.group, sender: e.sender, data: e.data });
          break;
        case "cpg_config_change":
          this.groupMembers.set(e.group, e.members);
          for (const l of this.cpgConfListeners)
            l({ group: e.group, members: e.members, joined: e.joined, left: e.left, failed: e.failed });
          break;
        case "quorum_change":
          this.quorumState = e.quorum;
          this.log.log(
            "notice",
            `quorum: ${e.quorum.quorate ? "quorate" : "not quorate"}, members [${e.quorum.members.join(" ")}]`,
          );
          for (const l of this.quorumListeners) l(e.quorum);
          break;
        case "log":
          this.log.log(e.level, e.text);
          break;
      }
    }
  }

  // ───────────────────────── API for the daemon ─────────────────────────

  cpgJoin(group: string, pid = process.pid): void {
    this.submit({ type: "cpg_join", group, pid });
  }
  cpgLeave(group: string, pid = process.pid): void {
    this.submit({ type: "cpg_leave", group, pid });
  }
  cpgSend(group: string, data: Buffer, guarantee: Guarantee = "agreed", pid = process.pid): void {
    this.submit({ type: "cpg_send", group, pid, data, guarantee });
  }
  onCpgDeliver(fn: (e: CpgDeliverEvent) => void): () => void {
    this.deliverListeners.add(fn);
    return () => this.deliverListeners.delete(fn);
  }
  onCpgConfChange(fn: (e: CpgConfChangeEvent) => void): () => void {
    this.cpgConfListeners.add(fn);
    return () => this.cpgConfListeners.delete(fn);
  }
  onConfigChange(fn: (c: ConfigChange) => void): () => void {
    this.confListeners.add(fn);
    return () => this.confListeners.delete(fn);
  }
  onQuorumChange(fn: (q: QuorumState) => void): () => void {
    this.quorumListeners.add(fn);
    return () => this.quorumListeners.delete(fn);
  }
  /** The last regular configuration installed (undefined before the first ring forms). */
  configuration(): ConfigChange | undefined {
    return this.lastRegular;
  }
  quorum(): QuorumState | undefined {
    return this.quorumState;
  }
  groupMembersOf(group: string): GroupMember[] {
    return this.groupMembers.get(group) ?? [];
  }
  setFaults(rules: FaultRule[]): void {
    this.transport.faults.set(rules);
  }

  /** Every cmap key: the engine's, plus configuration and transport keys it does not own. */
  cmap(): CmapEntry[] {
    const out = new Map<string, CmapEntry>();
    const add = (key: string, type: CmapEntry["type"], value: string | number) =>
      out.set(key, { key, type, value });
    const c = this.opts.cluster;
    // totem.*: the options of the file, as corosync loads them (numbers as u32).
    add("totem.cluster_name", "str", c.clusterName);
    add("totem.transport", "str", c.transport);
    for (const [k, v] of Object.entries(c.totemOptions ?? {})) {
      const numeric = /^[0-9]+$/.test(v) && k !== "cluster_name" && k !== "cluster_uuid";
      add(`totem.${k}`, numeric ? "u32" : "str", numeric ? Number(v) : v);
    }
    // runtime.config.totem.*: the timeouts in force (defaults and derived values included).
    const t = this.config.timeouts;
    for (const k of [
      "consensus",
      "fail_recv_const",
      "hold",
      "join",
      "max_messages",
      "merge",
      "send_join",
      "seqno_unchanged_const",
      "token",
      "token_retransmit",
      "token_retransmits_before_loss_const",
      "window_size",
    ] as const)
      add(`runtime.config.totem.${k}`, "u32", t[k]);
    add("runtime.config.totem.block_unlisted_ips", "u32", 1);
    for (const l of c.links) {
      add(
        `runtime.config.totem.interface.${l}.knet_ping_interval`,
        "u32",
        this.transport.monitor.opts.pingIntervalMs,
      );
      add(
        `runtime.config.totem.interface.${l}.knet_ping_timeout`,
        "u32",
        this.transport.monitor.opts.timeoutMs,
      );
    }
    for (const l of c.links)
      add(
        `totem.interface.${l}.bindnetaddr`,
        "str",
        c.nodes.find((n) => n.nodeid === this.opts.nodeid)!.addrs[l],
      );
    c.nodes.forEach((n, i) => {
      add(`nodelist.node.${i}.nodeid`, "u32", n.nodeid);
      add(`nodelist.node.${i}.name`, "str", n.name);
      for (const l of c.links) add(`nodelist.node.${i}.ring${l}_addr`, "str", n.addrs[l]);
    });
    add(
      "nodelist.local_node_pos",
      "u32",
      c.nodes.findIndex((n) => n.nodeid === this.opts.nodeid),
    );
    add("quorum.provider", "str", c.quorum.provider);
    if (c.quorum.twoNode) add("quorum.two_node", "u8", 1);
    add("runtime.votequorum.this_node_id", "u32", this.opts.nodeid);
    const drops = this.codec.dropCounts();
    for (const [k, v] of Object.entries(drops)) add(`stats.tandem.packets.dropped.${k}`, "u64", v);
    add("stats.tandem.packets.accepted", "u64", this.codec.accepted);
    add("stats.tandem.packets.sent", "u64", this.codec.sent);
    for (const ls of this.transport.linkStatus())
      for (const p of ls.peers) {
        add(`stats.knet.node${p.nodeid}.link${ls.link}.connected`, "u8", p.up ? 1 : 0);
        const st = this.transport.monitor.get(p.nodeid, ls.link);
        if (st && st.rttMs >= 0)
          add(`stats.knet.node${p.nodeid}.link${ls.link}.latency_ave`, "u32", Math.round(st.rttMs * 1000));
        if (st) add(`stats.knet.node${p.nodeid}.link${ls.link}.down_count`, "u32", st.downCount);
      }
    for (const [id, m] of this.memberInfo) {
      const n = c.nodes.find((x) => x.nodeid === id);
      const ip = c.links.map((l) => `r(${l}) ip(${n?.addrs[l] ?? "?"}) `).join("");
      add(`runtime.members.${id}.config_version`, "u64", this.config.configVersion);
      add(`runtime.members.${id}.ip`, "str", ip);
      add(`runtime.members.${id}.join_count`, "u32", m.joinCount);
      add(`runtime.members.${id}.status`, "str", m.joined ? "joined" : "left");
    }
    for (const e of this.engine.cmap?.(this.now()) ?? []) out.set(e.key, e);
    return [...out.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  quorumStatus(): QuorumStatus {
    const q = this.quorumState;
    const conf = this.lastRegular;
    const members = q?.members ?? conf?.members ?? [this.opts.nodeid];
    const byId = new Map(this.opts.cluster.nodes.map((n) => [n.nodeid, n]));
    return {
      date: Date.now(),
      provider: this.opts.cluster.quorum.provider,
      nodeid: this.opts.nodeid,
      ringId: conf ? formatRingId(conf.ringId.rep, conf.ringId.seq) : formatRingId(this.opts.nodeid, 0),
      quorate: q?.quorate ?? false,
      expectedVotes: q?.expectedVotes ?? 0,
      highestExpected: q?.highestExpected ?? 0,
      totalVotes: q?.totalVotes ?? 0,
      quorum: q?.quorum ?? 0,
      flags: q?.flags ?? [],
      members: members.map((id) => ({
        nodeid: id,
        votes: byId.get(id)?.votes ?? 1,
        name: byId.get(id)?.name ?? String(id),
      })),
    };
  }

  cfgStatus(): CfgStatus {
    return {
      nodeid: this.opts.nodeid,
      transport: this.opts.cluster.transport,
      links: this.transport.linkStatus().map((l) => ({
        link: l.link,
        kind: "udp",
        addr: l.addr,
        peers: [
          { nodeid: this.opts.nodeid, status: "localhost" },
          ...l.peers.map((p) => ({ nodeid: p.nodeid, status: p.up ? "connected" : "disconnected" })),
        ],
      })),
    };
  }

  /** IPC methods of the membership schema, for the daemon's (or node-main's) socket. */
  ipcHandlers(): Record<string, IpcHandler> {
    return {
      "cmap.list": () => this.cmap(),
      "quorum.status": () => this.quorumStatus(),
      "cfg.status": () => this.cfgStatus(),
      // Fault injection (the lab's `link`/`isolate` faults), as node-main serves it.
      "node.faults": (p) => {
        this.setFaults((p as { rules: FaultRule[] }).rules);
        return null;
      },
      "quorum.setExpectedVotes": (p) => {
        const v = (p as { expectedVotes?: unknown } | undefined)?.expectedVotes;
        if (typeof v !== "number" || !Number.isInteger(v) || v < 1)
          throw new TandemError(
            ErrorCodes.USAGE,
            `expected votes must be a positive integer: got '${String(v)}'`,
          );
        this.submit({ type: "set_expected_votes", expectedVotes: v });
        return null;
      },
    };
  }
}
