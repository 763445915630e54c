// The daemon's pure layers (CIB replica + controller + the real scheduler) on the real
// membership engine (Totem, CPG, votequorum) in the deterministic network simulator of
// src/sim: the same wiring as node.ts (one CPG group "tandem" carries both the CIB and
// the controller messages), with simulated agents whose services outlive a daemon
// crash and a fencer that kills the victim. Seeded faults: daemon crashes, restarts,
// partitions. Checked after every simulator event: no primitive active on two nodes.
// At the end: every copy of the CIB identical, every resource running exactly once.

import assert from "node:assert/strict";
import { test } from "node:test";
import type { XmlElement } from "../core/xml.js";
import { child, elements } from "../core/xml.js";
import { CibReplica, digestOf, type ReplicaEffect, type ReplicaMessage } from "../cib/replica.js";
import type { CibOperation } from "../cib/store.js";
import { Controller } from "../controller/controller.js";
import { policyScheduler } from "../controller/policy.js";
import type {
  ControllerEffect,
  ControllerEvent,
  ControllerMessage,
  ExecRequest,
} from "../controller/types.js";
import type { Effect } from "../membership/types.js";
import { SimCluster } from "../sim/cluster.js";
import { Prng } from "../sim/prng.js";
import { GroupRounds, type GroupStep } from "./group-rounds.js";

type Envelope = { ch: "cib"; m: ReplicaMessage } | { ch: "crmd"; m: ControllerMessage };

interface App {
  id: number;
  replica: CibReplica;
  ctl: Controller;
  timers: Map<string, number>;
  quorate: boolean;
  up: boolean;
  rounds: GroupRounds;
}

const GROUP = "tandem";
/** TOTEM_SIM_TRACE=1: the controllers' memberships, log lines, agent calls and fences on stderr. */
const TRACE = process.env.TOTEM_SIM_TRACE === "1";

class TotemStack {
  readonly sim: SimCluster;
  readonly apps = new Map<number, App>();
  /** Services running per node (they outlive a daemon crash; fencing stops them). */
  readonly services = new Map<number, Set<string>>();
  readonly names: Map<number, string>;
  readonly logs: string[] = [];
  violation = "";
  private token = 0;
  private req = 1;

  constructor(
    readonly size: number,
    readonly rng: Prng,
  ) {
    this.sim = new SimCluster(size, rng.fork(), { delay: 0.5, jitter: 0.5, loss: 0, duplicate: 0 });
    this.names = new Map(Array.from({ length: size }, (_, i) => [i + 1, `n${i + 1}`]));
    for (const id of this.names.keys()) this.services.set(id, new Set());
    this.sim.observers.push((node, _inc, e) => this.observe(node, e));
  }

  private later(app: App, fn: () => void, after = 0): void {
    this.sim.at(this.sim.now + after, () => {
      if (this.apps.get(app.id) === app && app.up) fn();
    });
  }

  private observe(node: number, e: Effect): void {
    const app = this.apps.get(node);
    if (!app?.up) return;
    // As src/daemon/runtime-group.ts (group-rounds.ts).
    let steps: GroupStep[] = [];
    if (e.type === "cpg_deliver" && e.group === GROUP) steps = app.rounds.deliver(e.sender.nodeId, e.data);
    else if (e.type === "cpg_config_change" && e.group === GROUP)
      steps = app.rounds.cpg(e.members.map((m) => m.nodeId));
    else if (e.type === "config_change" && e.change.kind === "regular")
      steps = app.rounds.totem(
        `${e.change.ringId.rep}.${e.change.ringId.seq}`,
        e.change.members,
        e.change.left,
      );
    for (const st of steps) {
      if (st.type === "send")
        this.later(app, () =>
          this.sim.input(app.id, {
            type: "cpg_send",
            group: GROUP,
            pid: 1,
            data: st.data,
            guarantee: "agreed",
          }),
        );
      else if (st.type === "conf") {
        const { members, ring } = st;
        this.later(app, () => {
          this.replicaFx(app, app.replica.handle({ type: "confchange", members }));
          this.ctl(app, { type: "membership", members, ring, quorate: app.quorate, now: this.sim.now });
        });
      } else {
        const env = JSON.parse(st.data.toString("utf8")) as Envelope;
        const from = st.from;
        this.later(app, () => {
          if (env.ch === "cib")
            this.replicaFx(app, app.replica.handle({ type: "deliver", from, msg: env.m }));
          else this.ctl(app, { type: "deliver", from, msg: env.m, now: this.sim.now });
        });
      }
    }
    if (e.type === "quorum_change") {
      const q = e.quorum.quorate;
      this.later(app, () => {
        app.quorate = q;
        this.ctl(app, { type: "quorum", quorate: q, now: this.sim.now });
      });
    }
  }

  start(id: number): void {
    const old = this.apps.get(id);
    const app: App = {
      id,
      replica: new CibReplica({ nodeId: id, ...(old ? { initial: old.replica.cib } : {}) }),
      ctl: new Controller({ nodeId: id, nodes: this.names, scheduler: policyScheduler }),
      timers: new Map(),
      quorate: false,
      up: true,
      rounds: new GroupRounds(id),
    };
    this.apps.set(id, app);
    this.sim.start(id);
    this.sim.input(id, { type: "cpg_join", group: GROUP, pid: 1 });
  }

  crash(id: number): void {
    const app = this.apps.get(id);
    if (!app?.up) return;
    app.up = false;
    this.sim.crash(id);
  }

  request(id: number, op: CibOperation): void {
    const app = this.apps.get(id);
    if (!app?.up) return;
    this.replicaFx(
      app,
      app.replica.handle({ type: "request", reqId: this.req++, op, origin: { client: "test" } }),
    );
  }

  private send(app: App, env: Envelope): void {
    this.sim.input(app.id, {
      type: "cpg_send",
      group: GROUP,
      pid: 1,
      data: Buffer.from(JSON.stringify(env)),
      guarantee: env.ch === "cib" ? "safe" : "agreed",
    });
  }

  private replicaFx(app: App, fx: ReplicaEffect[]): void {
    for (const f of fx) {
      if (TRACE && f.type === "log") console.error(`${this.sim.now.toFixed(1)} n${app.id} ${f.msg}`);
      if (TRACE && f.type === "changed" && f.op && JSON.stringify(f.op).includes('"nodeId":"3"'))
        console.error(
          `${this.sim.now.toFixed(1)} n${app.id} applied from n${f.origin}: ${JSON.stringify(f.op).slice(0, 300)}`,
        );
      if (f.type === "broadcast") this.send(app, { ch: "cib", m: f.msg });
      else if (f.type === "changed" && !(f.cause === "op" && f.op?.op === "status"))
        this.ctl(app, {
          type: "cib",
          cib: f.cib,
          op: f.op,
          origin: f.origin,
          configChanged: f.configChanged,
          now: this.sim.now,
        });
      else if (f.type === "applied")
        this.ctl(app, {
          type: "cib",
          cib: f.cib,
          op: f.op,
          origin: f.origin,
          configChanged: false,
          now: this.sim.now,
        });
      else if (f.type === "log" && f.level === "crit") this.logs.push(`n${app.id} ${f.msg}`);
    }
  }

  private ctl(app: App, ev: ControllerEvent): void {
    if (TRACE && ev.type === "membership")
      console.error(
        `${this.sim.now.toFixed(1)} n${app.id} membership [${ev.members}] ring ${ev.ring} q=${ev.quorate}`,
      );
    for (const f of app.ctl.handle(ev) as ControllerEffect[]) {
      if (TRACE && f.type === "log" && f.level !== "debug")
        console.error(`${this.sim.now.toFixed(1)} n${app.id} ${f.msg}`);
      if (TRACE && f.type === "log" && / action\(s\)$/.test(f.msg))
        for (const ns of elements(child(app.replica.cib, "status")!, "node_state"))
          console.error(
            `   ${JSON.stringify(ns.attrs)} ${JSON.stringify(ns).match(/a_last_0[^}]*/)?.[0] ?? ""}`,
          );
      if (TRACE && (f.type === "exec" || f.type === "fence"))
        console.error(
          `${this.sim.now.toFixed(1)} n${app.id} ${f.type} ${f.type === "exec" ? `${f.req.rscId}_${f.req.action}` : f.target}`,
        );
      switch (f.type) {
        case "cib":
          this.replicaFx(
            app,
            app.replica.handle({ type: "request", reqId: this.req++, op: f.op, origin: { client: "crmd" } }),
          );
          break;
        case "send":
          this.send(app, { ch: "crmd", m: f.msg });
          break;
        case "exec":
          this.exec(app, f.req);
          break;
        case "fence":
          this.fence(app, f.target);
          break;
        case "set-timer": {
          const token = ++this.token;
          app.timers.set(f.name, token);
          this.later(
            app,
            () => {
              if (app.timers.get(f.name) !== token) return;
              app.timers.delete(f.name);
              this.ctl(app, { type: "timer", name: f.name, now: this.sim.now });
            },
            f.ms,
          );
          break;
        }
        case "cancel-timer":
          app.timers.delete(f.name);
          break;
        default:
          break;
      }
    }
  }

  private exec(app: App, req: ExecRequest): void {
    const run = this.services.get(app.id)!;
    let rc = 0;
    if (req.action === "start") run.add(req.rscId);
    else if (req.action === "stop") run.delete(req.rscId);
    else if (req.action === "monitor") rc = run.has(req.rscId) ? 0 : 7;
    this.check();
    const now = Math.floor(this.sim.now / 1000);
    this.later(
      app,
      () =>
        this.ctl(app, {
          type: "exec-result",
          now: this.sim.now,
          result: {
            callId: this.req++,
            rscId: req.rscId,
            agent: req.agent,
            action: req.action,
            intervalMs: req.intervalMs,
            rc,
            status: 0,
            exitReason: "",
            execTimeMs: 1,
            queueTimeMs: 0,
            lastRun: now,
            lastRcChange: now,
            opDigest: "",
            recurring: req.intervalMs > 0,
            changed: true,
            userData: req.userData,
          },
        }),
      2,
    );
  }

  private fence(app: App, target: string): void {
    const victim = [...this.names].find(([, n]) => n === target)?.[0];
    this.later(
      app,
      () => {
        if (victim !== undefined) {
          this.services.get(victim)!.clear();
          this.crash(victim); // fencing reboots the node: its daemon goes too
        }
        this.ctl(app, {
          type: "fence-result",
          target,
          ok: victim !== undefined,
          reason: "",
          now: this.sim.now,
        });
      },
      10,
    );
  }

  check(): void {
    const where = new Map<string, number[]>();
    for (const [id, run] of this.services) for (const r of run) where.set(r, [...(where.get(r) ?? []), id]);
    for (const [r, ids] of where)
      if (ids.length > 1 && !this.violation)
        this.violation = `${r} active on nodes ${ids.join(" and ")} at t=${this.sim.now.toFixed(0)}`;
  }

  cibOf(id: number): XmlElement {
    return this.apps.get(id)!.replica.cib;
  }
}

function runSeed(seed: number): void {
  const rng = new Prng(seed);
  const s = new TotemStack(3, rng);
  const fail = (what: string): never => {
    throw new Error(`totem-sim seed ${seed}: ${what}\n${s.logs.slice(-10).join("\n")}`);
  };
  for (const id of [1, 2, 3]) s.start(id);
  s.sim.runUntil(3_000, () => s.check());
  const prop = (name: string, value: string) =>
    s.request(1, {
      op: "modify",
      section: "crm_config",
      allowCreate: true,
      xml: `<cluster_property_set id="cib-bootstrap-options"><nvpair id="opt-${name}" name="${name}" value="${value}"/></cluster_property_set>`,
    });
  prop("stonith-enabled", "true");
  s.request(1, {
    op: "create",
    section: "resources",
    xml: '<primitive id="fence1" class="stonith" type="fence_sim"/>',
  });
  for (const r of ["a", "b"])
    s.request(1, {
      op: "create",
      section: "resources",
      xml: `<primitive id="${r}" class="ocf" provider="tandem" type="Dummy"><operations><op id="${r}-mon" name="monitor" interval="5s"/></operations></primitive>`,
    });
  s.sim.runUntil(8_000, () => s.check());
  let t = 8_000;
  const faults = 2 + rng.int(0, 4);
  for (let i = 0; i < faults; i++) {
    const up = [1, 2, 3].filter((id) => s.apps.get(id)?.up);
    const down = [1, 2, 3].filter((id) => !s.apps.get(id)?.up);
    const r = rng.float();
    if (r < 0.35 && up.length > 1) s.crash(rng.pick(up));
    else if (r < 0.6 && down.length > 0) s.start(rng.pick(down));
    else if (r < 0.8) {
      const alone = rng.int(1, 3);
      s.sim.partition([[alone], [1, 2, 3].filter((x) => x !== alone)]);
    } else s.sim.healAll();
    t += 2_000 + rng.int(0, 6_000);
    s.sim.runUntil(t, () => s.check());
    if (s.violation) fail(s.violation);
  }
  s.sim.healAll();
  for (const id of [1, 2, 3]) if (!s.apps.get(id)?.up) s.start(id);
  s.sim.runUntil(t + 40_000, () => s.check());
  if (s.violation) fail(s.violation);
  const copies = new Set([1, 2, 3].map((id) => digestOf(s.cibOf(id))));
  if (copies.size !== 1) fail(`${copies.size} different CIB copies after healing`);
  const res = child(child(s.cibOf(1), "configuration")!, "resources")!;
  for (const p of elements(res, "primitive")) {
    if (p.attrs.class === "stonith") continue;
    const on = [...s.services].filter(([, run]) => run.has(p.attrs.id)).map(([id]) => id);
    if (on.length !== 1) fail(`${p.attrs.id} runs on [${on}] after convergence`);
  }
}

const SEEDS = Number(process.env.TOTEM_SIM_SEEDS ?? 50);

test(`daemon layers on the simulated Totem engine: ${SEEDS} seeds of crashes, restarts and partitions with fencing`, () => {
  if (process.env.TOTEM_SIM_SEED) {
    runSeed(Number(process.env.TOTEM_SIM_SEED));
    return;
  }
  const failures: string[] = [];
  for (let seed = 1; seed <= SEEDS; seed++) {
    try {
      runSeed(seed);
    } catch (e) {
      failures.push((e as Error).message.split("\n")[0]);
      if (failures.length >= 5) break;
    }
  }
  assert.deepEqual(failures, [], `replay one with TOTEM_SIM_SEED=N:\n${failures.join("\n")}`);
});
