// A simulated cluster: real MembershipEngines on a virtual clock, connected by a seeded
// network model (per-link delay and jitter, loss, duplication, reordering through
// jitter, symmetric and asymmetric partitions, link flapping), with node crash and
// restart (fresh state, new incarnation), pause (like SIGSTOP) and clock skew. Every
// packet goes through the wire codec, as it would between processes.

import { makeConfig, simpleNodelist, type TotemOverrides } from "../membership/config.js";
import { MembershipEngine } from "../membership/engine.js";
import type {
  Effect,
  MembershipEvent,
  NodeEntry,
  NodeId,
  QuorumConfig,
  TimerName,
} from "../membership/types.js";
import { decodeMessage, encodeMessage } from "../membership/wire.js";
import { EventHeap } from "./heap.js";
import type { Prng } from "./prng.js";

export interface NetworkModel {
  /** Base one-way delay in ms, and uniform jitter added to it. */
  delay: number;
  jitter: number;
  loss: number;
  duplicate: number;
}

type SimEvent =
  | { kind: "packet"; to: NodeId; inc: number; bytes: Buffer; from: NodeId }
  | { kind: "timer"; node: NodeId; inc: number; name: TimerName; gen: number }
  | { kind: "action"; run: () => void };

export interface SimNode {
  id: NodeId;
  incarnation: number;
  engine: MembershipEngine | null;
  paused: boolean;
  backlog: SimEvent[];
  /** Timer speed factor (clock skew): a timer of d ms fires after d * skew. */
  skew: number;
  timerGen: Map<TimerName, number>;
  /** What survives a crash: the highest ring sequence number used (corosync's ringid file). */
  persistedRingSeq: number;
}

/** Observes every node's effects (checkers, traces). */
export type EffectObserver = (node: NodeId, incarnation: number, e: Effect, now: number) => void;

export class SimCluster {
  now = 0;
  readonly nodes = new Map<NodeId, SimNode>();
  private readonly heap = new EventHeap<SimEvent>();
  /** Directed links that drop everything: "a>b". */
  private readonly blocked = new Set<string>();
  readonly observers: EffectObserver[] = [];
  trace: string[] | null = null;
  packetsSent = 0;
  eventsRun = 0;
  private timerCounter = 0;
  /** A run that exceeds this many events is stopped and reported (a message storm). */
  eventLimit = Number.POSITIVE_INFINITY;

  constructor(
    readonly nodeCount: number,
    readonly rng: Prng,
    public net: NetworkModel,
    readonly opts: {
      totem?: TotemOverrides;
      quorum?: Partial<QuorumConfig>;
      nodes?: NodeEntry[];
      clusterName?: string;
    } = {},
  ) {
    for (let i = 1; i <= nodeCount; i++)
      this.nodes.set(i, {
        id: i,
        incarnation: 0,
        engine: null,
        paused: false,
        backlog: [],
        skew: 1,
        timerGen: new Map(),
        persistedRingSeq: 0,
      });
  }

  log(text: string): void {
    if (this.trace) this.trace.push(`${this.now.toFixed(3).padStart(10)} ${text}`);
  }

  // ───────── node lifecycle ─────────

  /** Starts (or restarts, with fresh state and a new incarnation) a node. */
  start(id: NodeId): void {
    const n = this.node(id);
    n.incarnation++;
    n.paused = false;
    n.backlog = [];
    n.timerGen = new Map();
    n.engine = new MembershipEngine(
      makeConfig({
        nodeId: id,
        nodes: this.opts.nodes ?? simpleNodelist(this.nodeCount),
        clusterName: this.opts.clusterName,
        incarnation: n.incarnation,
        ringSeq: n.persistedRingSeq,
        totem: this.opts.totem,
        quorum: this.opts.quorum,
      }),
    );
    this.log(`n${id} start incarnation ${n.incarnation}`);
    this.apply(n, n.engine.start(this.now));
  }

  crash(id: NodeId): void {
    const n = this.node(id);
    if (!n.engine) return;
    this.log(`n${id} crash`);
    n.engine = null;
    n.paused = false;
    n.backlog = [];
  }

  pause(id: NodeId): void {
    const n = this.node(id);
    if (!n.engine || n.paused) return;
    this.log(`n${id} pause`);
    n.paused = true;
  }

  resume(id: NodeId): void {
    const n = this.node(id);
    if (!n.paused) return;
    this.log(`n${id} resume (${n.backlog.length} queued events)`);
    n.paused = false;
    const backlog = n.backlog;
    n.backlog = [];
    for (const e of backlog) this.heap.push(this.now, e);
  }

  /** Something a local process does on node `id` (join a group, send...). */
  input(id: NodeId, ev: MembershipEvent): boolean {
    const n = this.node(id);
    if (!n.engine || n.paused) return false;
    this.apply(n, n.engine.handle(ev, this.now));
    return true;
  }

  node(id: NodeId): SimNode {
    const n = this.nodes.get(id);
    if (!n) throw new Error(`no node ${id}`);
    return n;
  }

  // ───────── network faults ─────────

  /** Cuts the given directed links (both directions when `symmetric`). */
  block(a: NodeId, b: NodeId, symmetric = true): void {
    this.blocked.add(`${a}>${b}`);
    if (symmetric) this.blocked.add(`${b}>${a}`);
  }

  unblock(a: NodeId, b: NodeId, symmetric = true): void {
    this.blocked.delete(`${a}>${b}`);
    if (symmetric) this.blocked.delete(`${b}>${a}`);
  }

  /** Splits the nodes into groups that cannot reach each other. */
  partition(groups: NodeId[][]): void {
    this.healAll();
    for (let i = 0; i < groups.length; i++)
      for (let j = 0; j < groups.length; j++)
        if (i !== j) for (const a of groups[i]) for (const b of groups[j]) this.blocked.add(`${a}>${b}`);
    this.log(`partition ${groups.map((g) => g.join(",")).join(" | ")}`);
  }

  healAll(): void {
    if (this.blocked.size > 0) this.log("heal all links");
    this.blocked.clear();
  }

  isBlocked(a: NodeId, b: NodeId): boolean {
    return this.blocked.has(`${a}>${b}`);
  }

  // ───────── the event loop ─────────

  at(time: number, run: () => void): void {
    this.heap.push(time, { kind: "action", run });
  }

  /** Runs events up to and including `until` (virtual ms). */
  runUntil(until: number, afterEach?: () => void): void {
    for (;;) {
      const top = this.heap.peek();
      if (!top || top.at > until) break;
      this.heap.pop();
      this.now = top.at;
      this.eventsRun++;
      if (this.eventsRun > this.eventLimit)
        throw new EventStorm(
          `more than ${this.eventLimit} events by t=${this.now.toFixed(3)}: a message storm`,
        );
      this.dispatch(top.item);
      if (afterEach) afterEach();
    }
    this.now = until;
  }

  private dispatch(e: SimEvent): void {
    if (e.kind === "action") {
      e.run();
      return;
    }
    const id = e.kind === "packet" ? e.to : e.node;
    const n = this.node(id);
    if (!n.engine || e.inc !== n.incarnation) return;
    if (n.paused) {
      n.backlog.push(e);
      return;
    }
    if (e.kind === "timer") {
      if (n.timerGen.get(e.name) !== e.gen) return;
      n.timerGen.delete(e.name);
      this.log(`n${id} timer ${e.name}`);
      this.apply(n, n.engine.handle({ type: "timer", name: e.name }, this.now));
      return;
    }
    const message = decodeMessage(e.bytes);
    if (this.trace) this.log(`n${id} <- n${e.from} ${describe(message)}`);
    this.apply(n, n.engine.handle({ type: "receive", message }, this.now));
  }

  private apply(n: SimNode, effects: Effect[]): void {
    for (const e of effects) {
      for (const o of this.observers) o(n.id, n.incarnation, e, this.now);
      switch (e.type) {
        case "send":
          if (e.to === "all") {
            const bytes = encodeMessage(e.message);
            for (const to of this.nodes.keys()) if (to !== n.id) this.transmit(n.id, to, bytes);
          } else this.transmit(n.id, e.to, encodeMessage(e.message));
          break;
        case "set_timer": {
          const gen = ++this.timerCounter;
          n.timerGen.set(e.name, gen);
          this.heap.push(this.now + e.after * n.skew, {
            kind: "timer",
            node: n.id,
            inc: n.incarnation,
            name: e.name,
            gen,
          });
          break;
        }
        case "cancel_timer":
          n.timerGen.delete(e.name);
          break;
        case "config_change":
          if (e.change.ringId.seq > n.persistedRingSeq) n.persistedRingSeq = e.change.ringId.seq;
          this.log(
            `n${n.id} ${e.change.kind} config ring ${e.change.ringId.rep}.${e.change.ringId.seq} ` +
              `members [${e.change.members}] joined [${e.change.joined}] left [${e.change.left}]`,
          );
          break;
        case "quorum_change":
          this.log(
            `n${n.id} quorum ${e.quorum.quorate ? "quorate" : "not quorate"} votes ${e.quorum.totalVotes}/${e.quorum.highestExpected}`,
          );
          break;
        case "log":
          this.log(`n${n.id} ${e.text}`);
          break;
        default:
          break;
      }
    }
  }

  private transmit(from: NodeId, to: NodeId, bytes: Buffer): void {
    this.packetsSent++;
    if (this.blocked.has(`${from}>${to}`)) return;
    const target = this.node(to);
    if (!target.engine) return;
    const net = this.net;
    if (net.loss > 0 && this.rng.chance(net.loss)) return;
    const copies = net.duplicate > 0 && this.rng.chance(net.duplicate) ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      const d = net.delay + this.rng.float() * net.jitter;
      this.heap.push(this.now + d, { kind: "packet", to, inc: target.incarnation, bytes, from });
    }
  }
}

export class EventStorm extends Error {}

function describe(m: ReturnType<typeof decodeMessage>): string {
  switch (m.type) {
    case "mcast":
      return `mcast ring ${m.ringId.rep}.${m.ringId.seq} seq ${m.seq} sender ${m.sender}${m.encap ? ` (recovery of ${m.encap.ringId.rep}.${m.encap.ringId.seq}:${m.encap.seq})` : ""}`;
    case "token":
      return `token ring ${m.ringId.rep}.${m.ringId.seq} seq ${m.seq} aru ${m.aru} rtr [${m.rtr.length}]${m.install ? " install" : ""}`;
    case "join":
      return `join proc [${m.procSet}] fail [${m.failSet}] ringseq ${m.ringSeq}`;
    case "commit":
      return `commit ring ${m.ringId.rep}.${m.ringId.seq} round ${m.round} memb [${m.memb.map((e) => e.nodeId)}]`;
    case "merge_detect":
      return `merge_detect ring ${m.ringId.rep}.${m.ringId.seq}`;
    case "token_hold_cancel":
      return `token_hold_cancel ring ${m.ringId.rep}.${m.ringId.seq}`;
  }
}
