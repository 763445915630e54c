// Invariant checkers run on every effect of every node during a simulation:
// agreed order (one message per ring position, increasing per node), no duplicates,
// no delivery outside the configuration, virtual synchrony (members that move together
// from one configuration to the next delivered the same messages in it), ring identity
// (one member list per ring id), quorum consistent with membership (two nodes whose
// configurations are disjoint are never both quorate, unless two_node), and at the end
// self-delivery and liveness (one common configuration of all live nodes).

import { ringKey } from "../membership/ringlog.js";
import type { Effect, NodeId } from "../membership/types.js";
import type { SimCluster } from "./cluster.js";

interface Life {
  node: NodeId;
  inc: number;
  regular: { key: string; members: Set<NodeId> } | null;
  transitional: boolean;
  lastSeq: Map<string, number>;
  hash: number;
  count: number;
  quorate: boolean;
  appDelivered: Set<string>;
  /** Ring positions delivered ("ring:seq") and rings installed, for the safe-delivery check. */
  positions: Set<string>;
  rings: Set<string>;
}

function fnv(h: number, x: number): number {
  return Math.imul(h ^ x, 16777619) >>> 0;
}

function digest(b: Buffer): number {
  let h = 2166136261;
  for (let i = 0; i < b.length; i++) h = fnv(h, b[i]);
  return fnv(h, b.length);
}

export class Checker {
  violation: string | null = null;
  private readonly lives = new Map<string, Life>();
  private readonly positions = new Map<string, string>();
  private readonly transitions = new Map<string, string>();
  private readonly rings = new Map<string, string>();
  /** Safe messages delivered in a regular configuration: position -> ring. */
  private readonly safeRegular = new Map<string, string>();
  /** Application messages sent, per node incarnation ("node:inc" -> ids). */
  readonly sent = new Map<string, string[]>();
  deliveries = 0;
  configChanges = 0;

  constructor(
    private readonly cluster: SimCluster,
    private readonly checkQuorumSplit: boolean,
  ) {}

  private life(node: NodeId, inc: number): Life {
    const k = `${node}:${inc}`;
    let l = this.lives.get(k);
    if (!l) {
      l = {
        node,
        inc,
        regular: null,
        transitional: false,
        lastSeq: new Map(),
        hash: 2166136261,
        count: 0,
        quorate: false,
        appDelivered: new Set(),
        positions: new Set(),
        rings: new Set(),
      };
      this.lives.set(k, l);
    }
    return l;
  }

  fail(text: string): void {
    if (!this.violation) this.violation = `t=${this.cluster.now.toFixed(3)} ${text}`;
  }

  recordSend(node: NodeId, inc: number, id: string): void {
    const k = `${node}:${inc}`;
    const list = this.sent.get(k) ?? [];
    list.push(id);
    this.sent.set(k, list);
  }

  observe = (node: NodeId, inc: number, e: Effect): void => {
    if (this.violation) return;
    const l = this.life(node, inc);
    switch (e.type) {
      case "deliver": {
        this.deliveries++;
        const key = ringKey(e.ringId);
        const where = `n${node} delivered ${key}:${e.seq}`;
        if (!l.regular || l.regular.key !== key) {
          this.fail(`${where} outside its configuration (${l.regular?.key ?? "none"})`);
          return;
        }
        if (e.transitional !== l.transitional) {
          this.fail(`${where} with transitional=${e.transitional} in the other kind of configuration`);
          return;
        }
        if (!l.regular.members.has(e.sender)) {
          this.fail(`${where} from n${e.sender}, not a member of the configuration`);
          return;
        }
        const last = l.lastSeq.get(key) ?? 0;
        if (e.seq <= last) {
          this.fail(`${where} after ${key}:${last} (duplicate or out of order)`);
          return;
        }
        l.lastSeq.set(key, e.seq);
        const id = `${e.sender}:${digest(e.payload)}`;
        const pos = `${key}:${e.seq}`;
        const prev = this.positions.get(pos);
        if (prev === undefined) this.positions.set(pos, id);
        else if (prev !== id) {
          this.fail(`${where}: a different message than another node at that position`);
          return;
        }
        l.hash = fnv(l.hash, e.seq);
        l.count++;
        l.positions.add(pos);
        if (e.guarantee === "safe" && !e.transitional) this.safeRegular.set(pos, key);
        break;
      }
      case "config_change": {
        this.configChanges++;
        const c = e.change;
        const key = ringKey(c.ringId);
        if (!c.members.includes(node)) {
          this.fail(`n${node} installed ${key} without itself`);
          return;
        }
        if (c.kind === "transitional") {
          if (!l.regular || l.regular.key !== key) {
            this.fail(`n${node} transitional configuration of ${key} it is not in`);
            return;
          }
          l.transitional = true;
          break;
        }
        const members = c.members.join(",");
        const known = this.rings.get(key);
        if (known === undefined) this.rings.set(key, members);
        else if (known !== members) {
          this.fail(`ring ${key} installed with members [${known}] and [${members}]`);
          return;
        }
        if (l.regular) {
          const t = `${l.regular.key}->${key}`;
          const d = `${l.count}:${l.hash}`;
          const prev = this.transitions.get(t);
          if (prev === undefined) this.transitions.set(t, d);
          else if (prev !== d) {
            this.fail(`virtual synchrony: n${node} moved ${t} having delivered ${d}, another member ${prev}`);
            return;
          }
        }
        l.regular = { key, members: new Set(c.members) };
        l.rings.add(key);
        l.transitional = false;
        l.hash = 2166136261;
        l.count = 0;
        break;
      }
      case "cpg_deliver": {
        const id = e.data.toString("latin1", 0, Math.min(64, e.data.length)).split("|")[0];
        if (l.appDelivered.has(id)) {
          this.fail(`n${node} delivered application message ${id} twice`);
          return;
        }
        l.appDelivered.add(id);
        break;
      }
      case "quorum_change": {
        const q = e.quorum;
        const members = l.regular ? [...l.regular.members].sort((a, b) => a - b).join(",") : "";
        if (l.regular && q.members.join(",") !== members) {
          this.fail(`n${node} quorum members [${q.members}] differ from configuration [${members}]`);
          return;
        }
        l.quorate = q.quorate;
        if (this.checkQuorumSplit && q.quorate) this.checkSplit(l);
        break;
      }
      default:
        break;
    }
  };

  private current(node: NodeId): Life | undefined {
    const n = this.cluster.nodes.get(node);
    if (!n?.engine) return undefined;
    return this.lives.get(`${node}:${n.incarnation}`);
  }

  private checkSplit(l: Life): void {
    if (!l.regular) return;
    for (const id of this.cluster.nodes.keys()) {
      if (id === l.node) continue;
      const o = this.current(id);
      if (!o?.regular || !o.quorate) continue;
      let overlap = false;
      for (const m of o.regular.members) if (l.regular.members.has(m)) overlap = true;
      if (!overlap) {
        this.fail(
          `split brain: n${l.node} [${[...l.regular.members]}] and n${id} [${[...o.regular.members]}] both quorate`,
        );
        return;
      }
    }
  }

  /** After faults stopped and the bound passed: one configuration of all live nodes. */
  checkConverged(expectQuorate: boolean): void {
    if (this.violation) return;
    const live = [...this.cluster.nodes.values()].filter((n) => n.engine && !n.paused);
    const ids = live
      .map((n) => n.id)
      .sort((a, b) => a - b)
      .join(",");
    let ring: string | null = null;
    for (const n of live) {
      const e = n.engine;
      if (!e) continue;
      const conf = e.configuration;
      if (e.state !== "operational" || !conf) {
        this.fail(`liveness: n${n.id} is in ${e.state} state`);
        return;
      }
      const key = ringKey(conf.ringId);
      if (conf.members.join(",") !== ids) {
        this.fail(`liveness: n${n.id} has members [${conf.members}], live nodes are [${ids}]`);
        return;
      }
      if (ring !== null && ring !== key) {
        this.fail(`liveness: rings ${ring} and ${key}`);
        return;
      }
      ring = key;
      if (expectQuorate && !e.quorumState.quorate) {
        this.fail(`liveness: n${n.id} not quorate`);
        return;
      }
    }
  }

  /**
   * A safe message delivered in a regular configuration was received by every member:
   * every member that installed that ring and is still running delivered it too.
   */
  checkSafeDelivery(): void {
    if (this.violation) return;
    for (const n of this.cluster.nodes.values()) {
      if (!n.engine) continue;
      const l = this.lives.get(`${n.id}:${n.incarnation}`);
      if (!l) continue;
      for (const [pos, ring] of this.safeRegular)
        if (l.rings.has(ring) && !l.positions.has(pos)) {
          this.fail(`safe delivery: ${pos} was delivered as safe but n${n.id}, a member, never delivered it`);
          return;
        }
    }
  }

  /** Every message a still-running node sent was delivered to itself. */
  checkSelfDelivery(): void {
    if (this.violation) return;
    for (const n of this.cluster.nodes.values()) {
      if (!n.engine) continue;
      const l = this.lives.get(`${n.id}:${n.incarnation}`);
      for (const id of this.sent.get(`${n.id}:${n.incarnation}`) ?? [])
        if (!l?.appDelivered.has(id)) {
          this.fail(`self-delivery: n${n.id} never delivered its message ${id}`);
          return;
        }
    }
  }
}
