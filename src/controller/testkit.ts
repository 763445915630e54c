// Test fixture (used only by tests): a small deterministic cluster of
// controllers and CIB replicas on a virtual clock with a totally ordered fake
// group, fake executors that keep resource state per node and a fake fencer,
// scheduled by the interim placement or the real scheduler (policyScheduler).

import type { XmlElement } from "../core/xml.js";
import { CibReplica, type ReplicaEffect, type ReplicaMessage } from "../cib/replica.js";
import { Controller } from "./controller.js";
import { interimScheduler } from "./interim-scheduler.js";
import type { ControllerEffect, ControllerMessage, ExecRequest, ExecResult, SchedulerFn } from "./types.js";

type GroupMsg = { ch: "cib"; m: ReplicaMessage } | { ch: "crmd"; m: ControllerMessage };

interface SimNode {
  id: number;
  uname: string;
  replica: CibReplica;
  ctl: Controller;
  running: Set<string>;
  recurring: Map<string, ExecRequest>;
  callId: number;
  up: boolean;
}

export class SimCluster {
  now = 1_000_000;
  readonly nodes = new Map<number, SimNode>();
  readonly logs: string[] = [];
  readonly fenced: string[] = [];
  /** Every agent action executed, in order: "node2 d1_start_0". */
  readonly execLog: string[] = [];
  /** Fence attempts that fail before one succeeds, per target. */
  fenceFailures = new Map<string, number>();
  /** rsc ids whose start fails on a node: "rsc@node". */
  readonly failStart = new Set<string>();
  private queue: { from: number; msg: GroupMsg; to: number[] }[] = [];
  private timers = new Map<string, number>(); // "node|name" -> due
  private results: { node: number; r: ExecResult }[] = [];
  private fences: { by: number; target: string }[] = [];
  /** Replica request ids. */
  private reqId = 1;
  readonly nodeNames: Map<number, string>;

  constructor(
    count: number,
    readonly debounceMs = 50,
    private readonly scheduler: SchedulerFn = interimScheduler,
  ) {
    this.nodeNames = new Map(Array.from({ length: count }, (_, i) => [i + 1, `node${i + 1}`]));
    for (const [id, uname] of this.nodeNames) this.nodes.set(id, this.makeNode(id, uname));
  }

  /** votequorum two_node: one node of two keeps quorum. */
  twoNode = false;
  /** Called after every step of run() (invariant checkers). */
  onStep: (() => void) | undefined;
  /** Resources whose create was acknowledged to the client. */
  readonly ackedCreates = new Set<string>();
  /** Which node acknowledged each create, and how many times that node had restarted by then. */
  readonly ackedBy = new Map<string, { node: number; restarts: number }>();
  /** Daemon restarts per node. */
  readonly restarts = new Map<number, number>();
  private readonly createReqs = new Map<number, string>();

  private makeNode(id: number, uname: string, disk?: XmlElement): SimNode {
    return {
      id,
      uname,
      replica: new CibReplica({ nodeId: id, ...(disk ? { initial: disk } : {}) }),
      ctl: new Controller({
        nodeId: id,
        nodes: this.nodeNames,
        scheduler: this.scheduler,
        debounceMs: this.debounceMs,
      }),
      running: new Set(),
      recurring: new Map(),
      callId: 0,
      up: true,
    };
  }

  /** Every node that runs a daemon. */
  members(): number[] {
    return [...this.nodes.values()].filter((n) => n.up).map((n) => n.id);
  }

  /** Network partitions (node id groups); undefined = everyone can talk to everyone. */
  private partitions: number[][] | undefined;
  /** The membership each node was last given (to tell nodes only about changes they see). */
  private lastConf = new Map<number, string>();
  private rings = 0;

  /** The members of node `id`'s configuration: up nodes it can reach. */
  membersOf(id: number): number[] {
    const part = this.partitions?.find((p) => p.includes(id));
    return this.members().filter((m) => part === undefined || part.includes(m));
  }

  /** Cuts the network into these groups (nodes not listed are alone), or heals it (undefined). */
  partition(parts: number[][] | undefined): void {
    this.partitions = parts;
    this.reconfigure();
  }

  /** Installs the configurations the membership layer would form now, on the nodes whose changed. */
  reconfigure(): void {
    const up = this.members();
    // Every configuration installed by this call is a new ring (one per partition).
    this.rings++;
    // Messages of a departed sender are lost; the others are delivered in the old configuration,
    // before the new one is installed (extended virtual synchrony, as the membership layer gives).
    this.queue = this.queue.filter((q) => up.includes(q.from));
    this.flushGroup();
    for (const id of up) {
      const members = this.membersOf(id);
      const key = members.join(",");
      if (this.lastConf.get(id) === key) continue;
      this.lastConf.set(id, key);
      this.replicaFx(id, this.nodes.get(id)!.replica.handle({ type: "confchange", members }));
      this.ctlFx(
        id,
        this.nodes.get(id)!.ctl.handle({
          type: "membership",
          members,
          ring: `${members[0]}.${this.rings}`,
          quorate: this.twoNode ? members.length > 0 : members.length * 2 > this.nodes.size,
          now: this.now,
        }),
      );
    }
  }

  /** kill -9: the node's daemon is gone (its resources keep running: the fake services outlive it). */
  crash(id: number): void {
    const n = this.nodes.get(id)!;
    n.up = false;
    this.lastConf.delete(id);
    for (const k of [...this.timers.keys()]) if (k.startsWith(`${id}|`)) this.timers.delete(k);
    this.results = this.results.filter((r) => r.node !== id);
    for (const q of this.queue) q.to = q.to.filter((t) => t !== id);
    this.reconfigure();
  }

  /**
   * Someone else's fencer fenced `target` (stonith_admin): its services and daemon end, and every
   * live controller hears the result, before the membership loss or after it.
   */
  manualFence(target: string, resultBeforeLoss: boolean): void {
    const victim = [...this.nodes.values()].find((x) => x.uname === target)!;
    const notify = () => {
      for (const n of this.nodes.values())
        if (n.up)
          this.ctlFx(
            n.id,
            n.ctl.handle({ type: "fence-notify", target, action: "reboot", ok: true, now: this.now }),
          );
    };
    if (resultBeforeLoss) notify();
    victim.running.clear();
    this.crash(victim.id);
    if (!resultBeforeLoss) notify();
  }

  /** The daemon of a crashed node starts again: CIB configuration from its disk, services as they are. */
  restart(id: number): void {
    const old = this.nodes.get(id)!;
    if (old.up) return;
    this.restarts.set(id, (this.restarts.get(id) ?? 0) + 1);
    const n = this.makeNode(id, old.uname, old.replica.cib);
    n.running = old.running;
    this.nodes.set(id, n);
    this.reconfigure();
  }

  /** Graceful stop of node `id` (pcs cluster stop). */
  shutdown(id: number): void {
    this.ctlFx(id, this.nodes.get(id)!.ctl.handle({ type: "shutdown", now: this.now }));
  }

  /** A cluster-wide change from a client on node `id`. */
  change(id: number, op: Parameters<CibReplica["handle"]>[0] & { type: "request" }): void {
    this.replicaFx(id, this.nodes.get(id)!.replica.handle(op));
  }
  createResource(id: number, rsc: string): void {
    const reqId = this.reqId++;
    this.createReqs.set(reqId, rsc);
    this.change(id, {
      type: "request",
      reqId,
      op: {
        op: "create",
        section: "resources",
        xml: `<primitive id="${rsc}" class="ocf" provider="tandem" type="Dummy"><operations><op id="${rsc}-monitor" name="monitor" interval="10s"/></operations></primitive>`,
      },
    });
  }
  setProperty(id: number, name: string, value: string): void {
    this.change(id, {
      type: "request",
      reqId: this.reqId++,
      op: {
        op: "modify",
        section: "crm_config",
        allowCreate: true,
        xml: `<cluster_property_set id="cib-bootstrap-options"><nvpair id="cib-bootstrap-options-${name}" name="${name}" value="${value}"/></cluster_property_set>`,
      },
    });
  }

  private replicaFx(id: number, fx: ReplicaEffect[]): void {
    const n = this.nodes.get(id)!;
    for (const f of fx) {
      if (f.type === "broadcast")
        this.queue.push({ from: id, msg: { ch: "cib", m: f.msg }, to: this.membersOf(id) });
      else if (f.type === "changed" && !(f.cause === "op" && f.op?.op === "status"))
        this.ctlFx(
          id,
          n.ctl.handle({
            type: "cib",
            cib: f.cib,
            op: f.op,
            origin: f.origin,
            configChanged: f.configChanged,
            now: this.now,
          }),
        );
      else if (f.type === "applied")
        this.ctlFx(
          id,
          n.ctl.handle({
            type: "cib",
            cib: f.cib,
            op: f.op,
            origin: f.origin,
            configChanged: false,
            now: this.now,
          }),
        );
      else if (f.type === "log")
        this.logs.push(`${n.uname} ${f.level}: ${f.msg}${f.fields ? ` ${JSON.stringify(f.fields)}` : ""}`);
      else if (f.type === "reply" && f.ok && this.createReqs.has(f.reqId)) {
        const rsc = this.createReqs.get(f.reqId)!;
        this.ackedCreates.add(rsc);
        this.ackedBy.set(rsc, { node: id, restarts: this.restarts.get(id) ?? 0 });
      }
    }
  }

  private ctlFx(id: number, fx: ControllerEffect[]): void {
    const n = this.nodes.get(id)!;
    for (const f of fx) {
      switch (f.type) {
        case "cib":
          this.replicaFx(
            id,
            n.replica.handle({
              type: "request",
              reqId: this.reqId++,
              op: f.op,
              origin: { node: n.uname, client: "crmd" },
            }),
          );
          break;
        case "send":
          this.queue.push({ from: id, msg: { ch: "crmd", m: f.msg }, to: this.membersOf(id) });
          break;
        case "exec":
          this.results.push({ node: id, r: this.execute(n, f.req) });
          break;
        case "cancel":
          break;
        case "fence":
          this.fences.push({ by: id, target: f.target });
          break;
        case "set-timer":
          this.timers.set(`${id}|${f.name}`, this.now + f.ms);
          break;
        case "cancel-timer":
          this.timers.delete(`${id}|${f.name}`);
          break;
        case "log":
          this.logs.push(`${n.uname} ${f.level}: ${f.msg}`);
          break;
        case "shutdown-ready":
          n.up = false;
          this.lastConf.delete(id);
          this.logs.push(`${n.uname} left gracefully`);
          // A message being delivered reaches every member of the configuration it was sent
          // in before the next configuration is installed (virtual synchrony).
          if (this.delivering) this.leftWhileDelivering = true;
          else this.reconfigure();
          break;
      }
    }
  }

  /** The service dies on that node: its recurring monitor reports "not running". */
  serviceDies(id: number, rsc: string): void {
    const n = this.nodes.get(id)!;
    n.running.delete(rsc);
    const req = n.recurring.get(rsc);
    if (!req) throw new Error(`no recurring monitor for ${rsc} on node ${id}`);
    const r = this.execute(n, req);
    this.results.push({ node: id, r: { ...r, rc: 7, changed: true } });
  }

  private execute(n: SimNode, req: ExecRequest): ExecResult {
    this.execLog.push(`${n.uname} ${req.rscId}_${req.action}_${req.intervalMs}`);
    if (req.intervalMs > 0) n.recurring.set(req.rscId, req);
    if (req.action === "stop") n.recurring.delete(req.rscId);
    let rc = 0;
    if (req.action === "start") {
      if (this.failStart.has(`${req.rscId}@${n.uname}`)) rc = 1;
      else n.running.add(req.rscId);
    } else if (req.action === "stop") n.running.delete(req.rscId);
    else if (req.action === "monitor") rc = n.running.has(req.rscId) ? 0 : 7;
    return {
      callId: ++n.callId,
      rscId: req.rscId,
      agent: req.agent,
      action: req.action,
      intervalMs: req.intervalMs,
      rc,
      status: 0,
      exitReason: "",
      execTimeMs: 5,
      queueTimeMs: 0,
      lastRun: Math.floor(this.now / 1000),
      lastRcChange: Math.floor(this.now / 1000),
      opDigest: "d41d8cd98f00b204e9800998ecf8427e",
      recurring: req.intervalMs > 0,
      changed: true,
      userData: req.userData,
    };
  }

  /** Delivers every queued group message (and what those deliveries send in turn). */
  private flushGroup(): void {
    for (let guard = 0; this.queue.length > 0; guard++) {
      if (guard > 100_000) throw new Error("SimCluster: group messages never stop");
      this.deliverOne();
    }
  }

  private delivering = false;
  private leftWhileDelivering = false;

  private deliverOne(): void {
    const q = this.queue.shift()!;
    this.delivering = true;
    for (const to of q.to) {
      const n = this.nodes.get(to)!;
      if (!n.up) continue;
      if (q.msg.ch === "cib")
        this.replicaFx(to, n.replica.handle({ type: "deliver", from: q.from, msg: q.msg.m }));
      else this.ctlFx(to, n.ctl.handle({ type: "deliver", from: q.from, msg: q.msg.m, now: this.now }));
    }
    this.delivering = false;
    if (this.leftWhileDelivering) {
      this.leftWhileDelivering = false;
      this.reconfigure();
    }
  }

  /** Fires node `id`'s timer `name` now, ahead of anything queued (a timer that comes due first). */
  fire(id: number, name: string): void {
    this.timers.delete(`${id}|${name}`);
    this.ctlFx(id, this.nodes.get(id)!.ctl.handle({ type: "timer", name, now: this.now }));
  }

  /** Delivers everything due and fires timers until nothing is left or `untilMs` of virtual time passed. */
  run(untilMs = 60_000): void {
    const end = this.now + untilMs;
    for (let guard = 0; guard < 100_000; guard++) {
      this.onStep?.();
      if (this.queue.length > 0) {
        this.deliverOne();
        continue;
      }
      if (this.results.length > 0) {
        const { node, r } = this.results.shift()!;
        if (this.nodes.get(node)!.up)
          this.ctlFx(
            node,
            this.nodes.get(node)!.ctl.handle({ type: "exec-result", result: r, now: this.now }),
          );
        continue;
      }
      if (this.fences.length > 0) {
        const { by, target } = this.fences.shift()!;
        const left = this.fenceFailures.get(target) ?? 0;
        const ok = left === 0;
        if (!ok) this.fenceFailures.set(target, left - 1);
        else {
          this.fenced.push(target);
          const victim = [...this.nodes.values()].find((x) => x.uname === target)!;
          victim.running.clear();
          if (victim.up) this.crash(victim.id); // fencing reboots the node: its daemon goes too
        }
        if (this.nodes.get(by)!.up)
          this.ctlFx(
            by,
            this.nodes.get(by)!.ctl.handle({
              type: "fence-result",
              target,
              ok,
              reason: ok ? "" : "agent failed",
              now: this.now,
            }),
          );
        continue;
      }
      let nextKey: string | undefined;
      let due = Number.POSITIVE_INFINITY;
      for (const [k, t] of this.timers) if (t < due || (t === due && k < nextKey!)) [nextKey, due] = [k, t];
      if (!nextKey || due > end) {
        this.now = Math.max(this.now, Math.min(end, due === Number.POSITIVE_INFINITY ? end : due));
        return;
      }
      this.timers.delete(nextKey);
      this.now = due;
      const [id, name] = [Number(nextKey.split("|")[0]), nextKey.slice(nextKey.indexOf("|") + 1)];
      if (this.nodes.get(id)!.up)
        this.ctlFx(id, this.nodes.get(id)!.ctl.handle({ type: "timer", name, now: this.now }));
    }
    throw new Error("SimCluster.run: no quiescence after 100000 steps");
  }

  /** Where each resource actually runs (by the fake services). */
  placement(): Map<string, string[]> {
    const m = new Map<string, string[]>();
    for (const n of this.nodes.values())
      for (const r of n.running) m.set(r, [...(m.get(r) ?? []), n.uname].sort());
    return m;
  }

  cibOf(id: number): XmlElement {
    return this.nodes.get(id)!.replica.cib;
  }
}
