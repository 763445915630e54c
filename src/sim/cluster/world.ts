// The whole cluster in the deterministic simulator: N simulated nodes, each running the
// real pure layers as tandemd composes them (src/daemon/node.ts) — the membership engine
// with its process groups and votequorum (src/sim/cluster.ts runs it on the virtual clock
// and seeded network), the replicated CIB (src/cib/replica.ts), the controller
// (src/controller/controller.ts) with the real scheduler (src/controller/policy.ts) —
// plus what a real node has around them:
//  - the node's "OS": services started by the simulated agents live there, so they keep
//    running when the node's daemon crashes or is paused, until the node is fenced;
//  - a simulated executor: per-resource serialization, start/stop/monitor with seeded
//    delays and injected failures, recurring monitors that report the first result and
//    then only changes (as src/executor does);
//  - a simulated fence device: fencing kills the target's daemon and all its services
//    (it can be made to fail, and the controller retries);
//  - clients: CIB changes submitted at a node; acknowledged ones are recorded.
// Everything runs on the simulator's event heap, so a seed replays exactly.

import { CibReplica, type ReplicaEffect, type ReplicaMessage } from "../../cib/replica.js";
import type { CibOperation } from "../../cib/store.js";
import type { XmlElement } from "../../core/xml.js";
import { Controller } from "../../controller/controller.js";
import { policyScheduler } from "../../controller/policy.js";
import type {
  ControllerEffect,
  ControllerEvent,
  ControllerMessage,
  ExecRequest,
  SchedulerFn,
} from "../../controller/types.js";
import { GroupRounds, type GroupStep } from "../../daemon/group-rounds.js";
import type { Effect } from "../../membership/types.js";
import { SimCluster } from "../cluster.js";
import type { Prng } from "../prng.js";

type Envelope = { ch: "cib"; m: ReplicaMessage } | { ch: "crmd"; m: ControllerMessage };

export const GROUP = "tandem";

/** Agent behaviour knobs (virtual ms and probabilities), chosen per seed. */
export interface AgentModel {
  /** Start / stop / monitor take a uniform time in [min, max]. */
  startMs: [number, number];
  stopMs: [number, number];
  monitorMs: [number, number];
  /** Probability that a start fails (rc 1, nothing left running). */
  startFail: number;
  /** Probability that a fence operation fails (the controller retries). */
  fenceFail: number;
}

export const DEFAULT_AGENTS: AgentModel = {
  startMs: [1, 30],
  stopMs: [1, 30],
  monitorMs: [1, 5],
  startFail: 0,
  fenceFail: 0,
};

/** One simulated tandemd. A new one is made at every (re)start. */
interface Daemon {
  id: number;
  gen: number;
  replica: CibReplica;
  ctl: Controller;
  timers: Map<string, number>;
  quorate: boolean;
  /** The quorum as the daemon has processed it (in order with deliveries, held while paused). */
  quorateSeen: boolean;
  up: boolean;
  paused: boolean;
  /** Callbacks that came due while the daemon was paused (run at resume, in order). */
  backlog: (() => void)[];
  /** The executor: operations queued per resource, recurring monitors armed. */
  busy: Map<string, number>;
  recurring: Map<string, { req: ExecRequest; token: number; lastRc: number | null }>;
  /** Which configurations the daemon is told about (as src/daemon/runtime-group.ts). */
  rounds: GroupRounds;
}

/** A client change waiting for its acknowledgement. */
export interface ClientChange {
  key: string;
  node: number;
  op: CibOperation;
  /** How to find it in a CIB (an element id). */
  id: string;
  ackedAt?: number;
  /** The daemon generation that acknowledged it (merge reports come from that daemon). */
  ackGen?: number;
  /** The CIB's group membership at acknowledgement, and the daemons running then. */
  ackMembers?: number[];
  upAtAck?: number[];
  /** At some point after acknowledgement every member that acknowledged it was down at once. */
  allHoldersDown?: boolean;
  failed?: string;
}

export interface WorldOptions {
  nodes: number;
  agents?: AgentModel;
  scheduler?: SchedulerFn;
  network?: { delay: number; jitter: number; loss: number; duplicate: number };
  trace?: boolean;
  /**
   * Give the controller the quorum as it was before the batch of membership effects (the
   * membership event says "quorate" and the quorum loss follows as its own event). node.ts
   * does not do this; it reproduces a controller bug (docs/cluster-sim.md, seed 69).
   */
  staleQuorum?: boolean;
}

export class ClusterWorld {
  readonly sim: SimCluster;
  readonly daemons = new Map<number, Daemon>();
  /** Services (primitive ids) alive in each node's OS: they outlive the daemon, not a fence. */
  readonly os = new Map<number, Set<string>>();
  readonly names: Map<number, string>;
  readonly ids: number[];
  readonly crit: string[] = [];
  readonly changes: ClientChange[] = [];
  readonly agents: AgentModel;
  readonly scheduler: SchedulerFn;
  fences = 0;
  fenceFailures = 0;
  violation = "";
  private gens = 0;
  private token = 0;
  private callId = 1;
  private reqId = 1;
  private readonly pending = new Map<number, ClientChange>();
  private readonly view = new Map<number, number[]>();

  constructor(
    readonly opts: WorldOptions,
    readonly rng: Prng,
  ) {
    this.sim = new SimCluster(
      opts.nodes,
      rng.fork(),
      opts.network ?? { delay: 0.5, jitter: 0.5, loss: 0, duplicate: 0 },
    );
    if (opts.trace) this.sim.trace = [];
    this.ids = Array.from({ length: opts.nodes }, (_, i) => i + 1);
    this.names = new Map(this.ids.map((i) => [i, `n${i}`]));
    for (const id of this.ids) this.os.set(id, new Set());
    this.agents = opts.agents ?? DEFAULT_AGENTS;
    this.scheduler = opts.scheduler ?? policyScheduler;
    this.sim.observers.push((node, _inc, e) => this.observe(node, e));
  }

  log(text: string): void {
    this.sim.log(text);
  }

  get trace(): string[] {
    return this.sim.trace ?? [];
  }

  up(): number[] {
    return this.ids.filter((id) => this.daemons.get(id)?.up);
  }

  down(): number[] {
    return this.ids.filter((id) => !this.daemons.get(id)?.up);
  }

  dc(): number | undefined {
    return this.up().find((id) => this.daemons.get(id)!.ctl.isDc);
  }

  cibOf(id: number): XmlElement {
    return this.daemons.get(id)!.replica.cib;
  }

  /** Runs `fn` on daemon `d` after `after` ms unless it died meanwhile; held while it is paused. */
  private later(d: Daemon, fn: () => void, after = 0): void {
    this.sim.at(this.sim.now + after, () => {
      if (this.daemons.get(d.id) !== d || !d.up) return;
      if (d.paused) d.backlog.push(fn);
      else fn();
    });
  }

  private observe(node: number, e: Effect): void {
    const d = this.daemons.get(node);
    if (!d?.up) return;
    // The membership's current view (transitional or regular), as seen when a delivery happens.
    // (Set in order with the deliveries: a message delivered in a transitional configuration
    // sees that configuration.)
    if (e.type === "config_change") {
      const members = [...e.change.members];
      this.later(d, () => this.view.set(node, members));
    }
    // The group's configurations and deliveries go through the same logic as tandemd's
    // (src/daemon/group-rounds.ts: every ring a configuration, begun at one point of the
    // total order everywhere).
    let steps: GroupStep[] = [];
    if (e.type === "cpg_deliver" && e.group === GROUP) steps = d.rounds.deliver(e.sender.nodeId, e.data);
    else if (e.type === "cpg_config_change" && e.group === GROUP)
      steps = d.rounds.cpg(e.members.map((m) => m.nodeId));
    else if (e.type === "config_change" && e.change.kind === "regular")
      steps = d.rounds.totem(
        `${e.change.ringId.rep}.${e.change.ringId.seq}`,
        e.change.members,
        e.change.left,
      );
    for (const st of steps) {
      if (st.type === "send") this.later(d, () => this.sendRaw(d, st.data, "agreed"));
      else if (st.type === "conf") {
        const { members, ring } = st;
        this.later(d, () => {
          this.replicaFx(d, d.replica.handle({ type: "confchange", members, quorate: d.quorateSeen }));
          this.ctl(d, { type: "membership", members, ring, quorate: d.quorate, now: this.sim.now });
        });
      } else {
        const env = JSON.parse(st.data.toString("utf8")) as Envelope;
        const from = st.from;
        this.later(d, () => {
          if (env.ch === "cib") this.replicaFx(d, d.replica.handle({ type: "deliver", from, msg: env.m }));
          else this.ctl(d, { type: "deliver", from, msg: env.m, now: this.sim.now });
        });
      }
    }
    if (e.type === "quorum_change") {
      // The membership runtime's current quorum (node.ts asks the group for it at a
      // membership change); the controller also gets the change as its own event.
      const q = e.quorum.quorate;
      if (!this.opts.staleQuorum) d.quorate = q;
      this.later(d, () => {
        d.quorate = q;
        d.quorateSeen = q;
        this.replicaFx(d, d.replica.handle({ type: "quorum", quorate: q }));
        this.ctl(d, { type: "quorum", quorate: q, now: this.sim.now });
      });
    }
  }

  // ───────── node lifecycle and faults ─────────

  /** Starts (or restarts) tandemd on a node; the CIB comes from its disk (the last copy it had). */
  start(id: number): void {
    const old = this.daemons.get(id);
    if (old?.up) return;
    const d: Daemon = {
      id,
      gen: ++this.gens,
      replica: new CibReplica({ nodeId: id, ...(old ? { initial: old.replica.cib } : {}) }),
      ctl: new Controller({ nodeId: id, nodes: this.names, scheduler: this.scheduler }),
      timers: new Map(),
      quorate: false,
      quorateSeen: false,
      up: true,
      paused: false,
      backlog: [],
      busy: new Map(),
      recurring: new Map(),
      rounds: new GroupRounds(id),
    };
    this.daemons.set(id, d);
    this.log(`n${id} tandemd start (gen ${d.gen}); services running: [${[...this.os.get(id)!]}]`);
    this.sim.start(id);
    this.sim.input(id, { type: "cpg_join", group: GROUP, pid: 1 });
  }

  /** kill -9 of tandemd (membership included); the node's services keep running. */
  crash(id: number): void {
    const d = this.daemons.get(id);
    if (!d?.up) return;
    d.up = false;
    // A change whose every holder is now down has met more than a single crash.
    for (const c of this.changes)
      if (c.ackMembers && !c.allHoldersDown && c.ackMembers.every((m) => !this.daemons.get(m)?.up))
        c.allHoldersDown = true;
    this.log(`n${id} tandemd crash; services left running: [${[...this.os.get(id)!]}]`);
    this.sim.crash(id);
    for (const [rc, c] of this.pending) if (c.node === id) this.pending.delete(rc);
  }

  /** SIGSTOP of tandemd: nothing is processed; its services keep running. */
  pause(id: number): void {
    const d = this.daemons.get(id);
    if (!d?.up || d.paused) return;
    d.paused = true;
    this.sim.pause(id);
  }

  resume(id: number): void {
    const d = this.daemons.get(id);
    if (!d?.up || !d.paused) return;
    d.paused = false;
    this.sim.resume(id);
    const backlog = d.backlog;
    d.backlog = [];
    for (const fn of backlog) this.later(d, fn);
  }

  /** A service dies on its own (the next monitor finds it gone). */
  serviceDies(id: number, rsc: string): void {
    if (this.os.get(id)!.delete(rsc)) this.log(`n${id} service ${rsc} died`);
  }

  // ───────── clients ─────────

  /** Submits a CIB change at node `id`; returns false when that daemon is not running. */
  submit(id: number, key: string, elementId: string, op: CibOperation): boolean {
    const d = this.daemons.get(id);
    if (!d?.up || d.paused) return false;
    const c: ClientChange = { key, node: id, op, id: elementId };
    this.changes.push(c);
    const reqId = this.reqId++;
    this.pending.set(reqId, c);
    this.log(`n${id} client submits ${key}`);
    this.replicaFx(d, d.replica.handle({ type: "request", reqId, op, origin: { client: "sim-client" } }));
    return true;
  }

  acked(): ClientChange[] {
    return this.changes.filter((c) => c.ackedAt !== undefined);
  }

  // ───────── wiring (as src/daemon/node.ts) ─────────

  private send(d: Daemon, env: Envelope): void {
    this.sendRaw(d, Buffer.from(JSON.stringify(env)), env.ch === "cib" ? "safe" : "agreed");
  }

  private sendRaw(d: Daemon, data: Buffer, guarantee: "safe" | "agreed"): void {
    this.sim.input(d.id, { type: "cpg_send", group: GROUP, pid: 1, data, guarantee });
  }

  private replicaFx(d: Daemon, fx: ReplicaEffect[]): void {
    for (const f of fx) {
      if (f.type === "broadcast") this.send(d, { ch: "cib", m: f.msg });
      else if (f.type === "changed" && !(f.cause === "op" && f.op?.op === "status"))
        this.ctl(d, {
          type: "cib",
          cib: f.cib,
          op: f.op,
          origin: f.origin,
          configChanged: f.configChanged,
          now: this.sim.now,
        });
      else if (f.type === "applied") {
        this.ctl(d, {
          type: "cib",
          cib: f.cib,
          op: f.op,
          origin: f.origin,
          configChanged: false,
          now: this.sim.now,
        });
      } else if (f.type === "reply") {
        const c = this.pending.get(f.reqId);
        if (!c) continue;
        this.pending.delete(f.reqId);
        if (f.ok) {
          c.ackedAt = this.sim.now;
          c.ackGen = d.gen;
          c.ackMembers = [...(this.view.get(d.id) ?? [])];
          c.upAtAck = this.up();
          this.log(`n${d.id} client ack ${c.key} version ${f.version.epoch}.${f.version.numUpdates}`);
        } else {
          c.failed = f.message;
          this.log(`n${d.id} client error ${c.key}: ${f.message}`);
        }
      } else if (f.type === "log") {
        const fields = f.fields ? ` ${JSON.stringify(f.fields)}` : "";
        if (f.level === "crit") this.crit.push(`n${d.id} gen ${d.gen} ${f.msg}${fields}`);
        if (f.level !== "info") this.log(`n${d.id} cib ${f.level}: ${f.msg}${fields}`);
      }
    }
  }

  private ctl(d: Daemon, ev: ControllerEvent): void {
    for (const f of d.ctl.handle(ev) as ControllerEffect[]) {
      switch (f.type) {
        case "cib":
          this.replicaFx(
            d,
            d.replica.handle({ type: "request", reqId: this.reqId++, op: f.op, origin: { client: "crmd" } }),
          );
          break;
        case "send":
          this.send(d, { ch: "crmd", m: f.msg });
          break;
        case "exec":
          this.exec(d, f.req);
          break;
        case "cancel":
          for (const key of [...d.recurring.keys()])
            if (key.startsWith(`${f.rscId}\u0000`)) d.recurring.delete(key);
          break;
        case "fence":
          this.fence(d, f.target);
          break;
        case "set-timer": {
          const token = ++this.token;
          d.timers.set(f.name, token);
          this.later(
            d,
            () => {
              if (d.timers.get(f.name) !== token) return;
              d.timers.delete(f.name);
              this.ctl(d, { type: "timer", name: f.name, now: this.sim.now });
            },
            f.ms,
          );
          break;
        }
        case "cancel-timer":
          d.timers.delete(f.name);
          break;
        case "log":
          if (f.level === "crit") this.crit.push(`n${d.id} gen ${d.gen} ${f.msg}`);
          if (this.sim.trace && f.level !== "debug") this.log(`n${d.id} crmd ${f.level}: ${f.msg}`);
          break;
        default:
          break;
      }
    }
  }

  // ───────── the simulated executor and agents ─────────

  private span([lo, hi]: [number, number]): number {
    return lo + this.rng.float() * (hi - lo);
  }

  /** Runs one operation: serialized per resource; the agent's effect on the OS, then the result. */
  private exec(d: Daemon, req: ExecRequest): void {
    if (req.intervalMs > 0) {
      const key = `${req.rscId}\u0000${req.action}\u0000${req.intervalMs}`;
      const rec = { req, token: ++this.token, lastRc: null as number | null };
      d.recurring.set(key, rec);
      const tick = (first: boolean) => {
        if (d.recurring.get(key) !== rec) return;
        this.runOp(d, req, (rc) => {
          if (d.recurring.get(key) !== rec) return;
          const changed = rec.lastRc !== rc;
          rec.lastRc = rc;
          if (first || changed) this.report(d, req, rc, changed);
          this.later(d, () => tick(false), req.intervalMs);
        });
      };
      tick(true);
      return;
    }
    this.runOp(d, req, (rc) => this.report(d, req, rc, true));
  }

  private runOp(d: Daemon, req: ExecRequest, done: (rc: number) => void): void {
    const node = d.id;
    const run = this.os.get(node)!;
    const rsc = req.rscId;
    const ms =
      req.action === "start"
        ? this.span(this.agents.startMs)
        : req.action === "stop"
          ? this.span(this.agents.stopMs)
          : this.span(this.agents.monitorMs);
    // Per-resource serialization: the operation begins when the previous one on it ended.
    const begin = Math.max(this.sim.now, d.busy.get(rsc) ?? 0);
    const end = begin + ms;
    d.busy.set(rsc, end);
    this.sim.at(begin, () => {
      if (this.daemons.get(node) !== d || !d.up) return; // the daemon (and its agent children) died
      if (req.action === "start") {
        // The service counts as active from the moment its start begins.
        run.add(rsc);
        this.log(`n${node} agent start ${rsc}`);
        this.checkSafety();
      }
    });
    this.sim.at(end, () => {
      let rc = 0;
      if (req.action === "start") {
        if (this.daemons.get(node) !== d || !d.up) return;
        if (!run.has(rsc)) rc = 7;
        else if (this.rng.chance(this.agents.startFail)) {
          run.delete(rsc);
          rc = 1;
          this.log(`n${node} agent start ${rsc} fails`);
        }
      } else if (req.action === "stop") {
        // A stop that began completes even when the daemon died meanwhile; until then the service is up.
        run.delete(rsc);
        this.log(`n${node} agent stop ${rsc}`);
      } else if (req.action === "monitor") rc = run.has(rsc) ? 0 : 7;
      else rc = 3; // unimplemented action
      this.later(d, () => done(rc));
    });
  }

  private report(d: Daemon, req: ExecRequest, rc: number, changed: boolean): void {
    const now = Math.floor(this.sim.now / 1000);
    if (this.sim.trace)
      this.log(`n${d.id} agent result ${req.rscId}_${req.action}_${req.intervalMs} rc=${rc}`);
    this.ctl(d, {
      type: "exec-result",
      now: this.sim.now,
      result: {
        callId: this.callId++,
        rscId: req.rscId,
        agent: req.agent,
        action: req.action,
        intervalMs: req.intervalMs,
        rc,
        status: 0,
        exitReason: rc === 0 || rc === 7 ? "" : "simulated failure",
        execTimeMs: 1,
        queueTimeMs: 0,
        lastRun: now,
        lastRcChange: now,
        opDigest: "",
        recurring: req.intervalMs > 0,
        changed,
        userData: req.userData,
      },
    });
  }

  /** The fence device: kills the target's daemon and every service it runs (a power cycle). */
  private fence(d: Daemon, target: string): void {
    const victim = [...this.names].find(([, n]) => n === target)?.[0];
    this.later(
      d,
      () => {
        const ok = victim !== undefined && !this.rng.chance(this.agents.fenceFail);
        if (ok) {
          this.fences++;
          this.log(`n${d.id} fences ${target}: services killed [${[...this.os.get(victim!)!]}]`);
          this.os.get(victim!)!.clear();
          this.crash(victim!);
        } else {
          this.fenceFailures++;
          this.log(`n${d.id} fencing of ${target} failed`);
        }
        this.ctl(d, {
          type: "fence-result",
          target,
          ok,
          reason: ok ? "" : "simulated fence failure",
          now: this.sim.now,
        });
      },
      5 + this.rng.float() * 20,
    );
  }

  // ───────── invariants ─────────

  /** Where each service runs right now, from the nodes' OS. */
  running(): Map<string, number[]> {
    const where = new Map<string, number[]>();
    for (const [id, run] of this.os) for (const r of run) where.set(r, [...(where.get(r) ?? []), id]);
    return where;
  }

  /** No primitive active on two nodes (checked at every event when stonith is enabled). */
  checkSafety(): void {
    if (this.violation) return;
    for (const [r, ids] of this.running())
      if (ids.length > 1)
        this.violation = `${r} active on ${ids.map((i) => `n${i}`).join(" and ")} at t=${this.sim.now.toFixed(1)}`;
  }
}
