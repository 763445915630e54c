// Test fixture (used only by tests): a small deterministic cluster of
// controllers and CIB replicas on a virtual clock with a totally ordered fake
// group, fake executors that keep resource state per node, a fake fencer, and
// a deliberately simple stand-in scheduler (probe everything unknown, then put
// each primitive on the lowest-id eligible node, sticky, fence unclean nodes
// first when stonith-enabled). The real scheduler replaces the stand-in in the
// daemon; this one only has to be predictable.

import { child, elements, serializeXml, type XmlElement } from "../core/xml.js";
import { CibReplica, type ReplicaEffect, type ReplicaMessage } from "../cib/replica.js";
import { Controller } from "./controller.js";
import type {
  ControllerEffect,
  ControllerMessage,
  ExecRequest,
  ExecResult,
  GraphAction,
  TransitionGraph,
} from "./types.js";

type GroupMsg = { ch: "cib"; m: ReplicaMessage } | { ch: "crmd"; m: ControllerMessage };

function prop(cib: XmlElement, name: string): string | undefined {
  const cc = child(child(cib, "configuration")!, "crm_config");
  for (const set of cc ? elements(cc, "cluster_property_set") : [])
    for (const p of elements(set, "nvpair")) if (p.attrs.name === name) return p.attrs.value;
  return undefined;
}

/** The stand-in scheduler. */
export function toyScheduler(cib: XmlElement): TransitionGraph {
  const status = child(cib, "status")!;
  const nodes = elements(child(child(cib, "configuration")!, "nodes")!, "node");
  const states = new Map(elements(status, "node_state").map((n) => [n.attrs.uname ?? n.attrs.id, n]));
  const online = (u: string) => {
    const s = states.get(u);
    return s?.attrs.crmd === "online" && s.attrs.in_ccm === "true" && s.attrs.join === "member";
  };
  const attrsOf = (u: string): Map<string, string> => {
    const m = new Map<string, string>();
    const ta = states.get(u) && child(states.get(u)!, "transient_attributes");
    for (const set of ta ? elements(ta) : [])
      for (const p of elements(set, "nvpair")) m.set(p.attrs.name, p.attrs.value);
    return m;
  };
  const stonith = prop(cib, "stonith-enabled") === "true";
  const actions: GraphAction[] = [];
  let next = 1;
  const add = (a: Omit<GraphAction, "id">) => {
    const full = { ...a, id: next++ };
    actions.push(full);
    return full.id;
  };
  // history: rsc -> node -> "active" | "stopped" | "failed"
  const fenceIds = new Map<string, number>();
  const unames = nodes.map((n) => n.attrs.uname);
  for (const u of unames) {
    const s = states.get(u);
    if (!s || online(u) || s.attrs.expected === "down" || !stonith) continue;
    const lrm = child(s, "lrm");
    const anyActive = lrm && serializeXml(lrm).includes('rc-code="0"');
    if (anyActive)
      fenceIds.set(
        u,
        add({ kind: "fence", task: "reboot", node: u, intervalMs: 0, timeoutMs: 60_000, deps: [] }),
      );
  }
  for (const p of elements(child(child(cib, "configuration")!, "resources")!, "primitive")) {
    const rsc = {
      id: p.attrs.id,
      agent: { class: p.attrs.class, provider: p.attrs.provider, type: p.attrs.type },
      params: {} as Record<string, string>,
    };
    const where = new Map<string, string>();
    const probes: number[] = [];
    for (const u of unames) {
      const lrm = states.get(u) && child(states.get(u)!, "lrm");
      const lr =
        lrm &&
        elements(child(lrm, "lrm_resources") ?? lrm, "lrm_resource").find((r) => r.attrs.id === p.attrs.id);
      const last = lr && elements(lr, "lrm_rsc_op").find((o) => o.attrs.id === `${p.attrs.id}_last_0`);
      if (last) {
        const rc = last.attrs["rc-code"];
        const op = last.attrs.operation;
        where.set(
          u,
          op === "stop" && rc === "0" ? "stopped" : rc === "0" ? "active" : rc === "7" ? "stopped" : "failed",
        );
      } else if (online(u))
        probes.push(
          add({
            kind: "rsc",
            task: "monitor",
            node: u,
            rsc,
            intervalMs: 0,
            timeoutMs: 20_000,
            targetRc: 7,
            deps: [],
          }),
        );
    }
    if (probes.length > 0) continue; // decide after the probes
    const eligible = unames.filter(
      (u) =>
        online(u) &&
        !attrsOf(u).has("shutdown") &&
        ![...attrsOf(u).keys()].some((k) => k.startsWith(`fail-count-${p.attrs.id}#`)),
    );
    const activeOn = unames.filter((u) => where.get(u) === "active" || where.get(u) === "failed");
    const onlineActive = activeOn.filter((u) => online(u));
    const sticky = onlineActive.find((u) => eligible.includes(u) && where.get(u) === "active");
    const target = sticky ?? eligible[0];
    const stops: number[] = [];
    for (const u of onlineActive)
      if (u !== target || where.get(u) === "failed")
        stops.push(
          add({ kind: "rsc", task: "stop", node: u, rsc, intervalMs: 0, timeoutMs: 20_000, deps: [] }),
        );
    // Active on a lost node: only safe to start elsewhere once that node is fenced (or without stonith, assumed stopped).
    const fenceDeps = activeOn
      .filter((u) => !online(u))
      .map((u) => fenceIds.get(u))
      .filter((x): x is number => x !== undefined);
    if (target && (sticky === undefined || stops.length > 0 || where.get(target) === "failed")) {
      const start = add({
        kind: "rsc",
        task: "start",
        node: target,
        rsc,
        intervalMs: 0,
        timeoutMs: 20_000,
        deps: [...stops, ...fenceDeps],
      });
      add({
        kind: "rsc",
        task: "monitor",
        node: target,
        rsc,
        intervalMs: 10_000,
        timeoutMs: 20_000,
        deps: [start],
      });
    }
  }
  return { actions };
}

interface SimNode {
  id: number;
  uname: string;
  replica: CibReplica;
  ctl: Controller;
  running: Set<string>;
  callId: number;
  up: boolean;
}

export class SimCluster {
  now = 1_000_000;
  readonly nodes = new Map<number, SimNode>();
  readonly logs: string[] = [];
  readonly fenced: string[] = [];
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
  ) {
    this.nodeNames = new Map(Array.from({ length: count }, (_, i) => [i + 1, `node${i + 1}`]));
    for (const [id, uname] of this.nodeNames) this.nodes.set(id, this.makeNode(id, uname));
  }

  private makeNode(id: number, uname: string): SimNode {
    return {
      id,
      uname,
      replica: new CibReplica({ nodeId: id }),
      ctl: new Controller({
        nodeId: id,
        nodes: this.nodeNames,
        scheduler: toyScheduler,
        debounceMs: this.debounceMs,
      }),
      running: new Set(),
      callId: 0,
      up: true,
    };
  }

  members(): number[] {
    return [...this.nodes.values()].filter((n) => n.up).map((n) => n.id);
  }

  /** Installs a new configuration of all up nodes (what the membership layer would do). */
  reconfigure(): void {
    const members = this.members();
    this.queue = this.queue.filter((q) => members.includes(q.from));
    for (const id of members) {
      this.replicaFx(id, this.nodes.get(id)!.replica.handle({ type: "confchange", members }));
      this.ctlFx(
        id,
        this.nodes.get(id)!.ctl.handle({
          type: "membership",
          members,
          quorate: members.length * 2 > this.nodes.size,
          now: this.now,
        }),
      );
    }
  }

  /** kill -9: the node's daemon is gone (its resources keep running: the fake services outlive it). */
  crash(id: number): void {
    const n = this.nodes.get(id)!;
    n.up = false;
    for (const k of [...this.timers.keys()]) if (k.startsWith(`${id}|`)) this.timers.delete(k);
    this.results = this.results.filter((r) => r.node !== id);
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
    this.change(id, {
      type: "request",
      reqId: this.reqId++,
      op: {
        op: "create",
        section: "resources",
        xml: `<primitive id="${rsc}" class="ocf" provider="tandem" type="Dummy"/>`,
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
        this.queue.push({ from: id, msg: { ch: "cib", m: f.msg }, to: this.members() });
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
      else if (f.type === "log") this.logs.push(`${n.uname} ${f.level}: ${f.msg}`);
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
          this.queue.push({ from: id, msg: { ch: "crmd", m: f.msg }, to: this.members() });
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
          this.logs.push(`${n.uname} left gracefully`);
          this.reconfigure();
          break;
      }
    }
  }

  private execute(n: SimNode, req: ExecRequest): ExecResult {
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

  /** Delivers everything due and fires timers until nothing is left or `untilMs` of virtual time passed. */
  run(untilMs = 60_000): void {
    const end = this.now + untilMs;
    for (let guard = 0; guard < 100_000; guard++) {
      if (this.queue.length > 0) {
        const q = this.queue.shift()!;
        for (const to of q.to) {
          if (!this.nodes.get(to)!.up) continue;
          const n = this.nodes.get(to)!;
          if (q.msg.ch === "cib")
            this.replicaFx(to, n.replica.handle({ type: "deliver", from: q.from, msg: q.msg.m }));
          else this.ctlFx(to, n.ctl.handle({ type: "deliver", from: q.from, msg: q.msg.m, now: this.now }));
        }
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
