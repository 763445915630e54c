// One node's daemon core: wires the pure CIB replica and controller to real
// I/O — the process group, the executor, the fencer, timers, the CIB on disk
// and the IPC handlers. Effects of the pure layers become I/O here and nowhere
// else; every input (delivery, timer, agent result, IPC request) becomes an
// event. An invariant failure in a pure layer is logged loudly and the daemon
// exits: it never limps on.

import { ErrorCodes, TandemError } from "../core/errors.js";
import type { Logger } from "../core/log.js";
import { child, elements, serializeXml, type XmlElement } from "../core/xml.js";
import { type CibDiff, diffCib } from "../cib/diff.js";
import type { CibDiskStore } from "../cib/persist.js";
import { CibReplica, type ReplicaEffect, type ReplicaMessage } from "../cib/replica.js";
import { type CibOperation, type CibValidator, querySection, type StatusChange } from "../cib/store.js";
import { readVersion } from "../cib/versions.js";
import { Controller } from "../controller/controller.js";
import type {
  ControllerEffect,
  ControllerEvent,
  ControllerMessage,
  ExecRequest,
  ExecResult,
  SchedulerFn,
} from "../controller/types.js";
import type { IpcContext, IpcHandler } from "../transport/ipc.js";
import type { FencerMessage } from "./fencer.js";
import type { ClusterGroup } from "./group.js";
import type { CibMethods, StatusResult, VersionInfo } from "./protocol.js";

/** What the daemon needs of the executor (src/executor/executor.ts fits). */
export interface ExecutorPort {
  execute(req: ExecRequest): number;
  cancelAll(rscId: string): number;
  onResult(fn: (r: ExecResult) => void): () => void;
  fence(req: {
    agent: string;
    action: string;
    params: Record<string, string>;
    target?: string;
    timeoutMs: number;
  }): Promise<{ rc: number; status: number; exitReason: string }>;
  shutdown(): Promise<void>;
}

/** What the daemon needs of the fencer (src/daemon/fencer.ts fits). */
export interface FencingPort {
  onMessage(from: number, m: FencerMessage): void;
  membership(members: number[]): void;
  fence(
    target: string,
    action: string,
    client: string,
    timeoutMs?: number,
    opts?: { controller?: boolean },
  ): Promise<{ ok: boolean; reason: string }>;
}

export interface NodeDaemonOptions {
  nodeId: number;
  clusterName: string;
  /** Node names by id (corosync.conf nodelist). */
  nodes: Map<number, string>;
  group: ClusterGroup;
  executor: ExecutorPort;
  scheduler: SchedulerFn;
  disk?: CibDiskStore;
  /** Configuration loaded from disk at start. */
  initialCib?: XmlElement;
  validate?: CibValidator;
  log: Logger;
  wallClock?: () => number;
  debounceMs?: number;
  /** How long a CIB change may wait for safe delivery before the client is told (ms, default 30 s). */
  requestTimeoutMs?: number;
  /** Bound of a graceful stop when the CIB sets no shutdown-escalation (ms, default 40 s). */
  shutdownEscalationMs?: number;
  /** dc-deadtime when the CIB sets none (ms; main derives it from the Totem timeouts). */
  dcDeadtimeMs?: number;
  /** The fencer: the DC's fencing goes through it (delegation, topology, history); none: the executor directly. */
  fencing?: () => FencingPort | undefined;
  /** Called when the daemon must end (graceful shutdown done: 0; invariant failure: 70). */
  onExit: (code: number) => void;
}

type GroupEnvelope =
  | { ch: "cib"; m: ReplicaMessage }
  | { ch: "crmd"; m: ControllerMessage }
  | { ch: "fence"; m: FencerMessage };

interface PendingRequest {
  resolve: (r: { version: VersionInfo; changed: boolean }) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

function versionInfo(cib: XmlElement): VersionInfo {
  return readVersion(cib);
}

export class NodeDaemon {
  readonly replica: CibReplica;
  readonly controller: Controller;
  private readonly o: NodeDaemonOptions;
  private readonly log: Logger;
  private readonly wall: () => number;
  private nextReq = 1;
  private readonly pending = new Map<number, PendingRequest>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly subscribers = new Set<IpcContext>();
  private members: number[] = [];
  private quorate = false;
  private stopped = false;
  private lastChange: number | undefined;
  private lastChangeBy: { node?: string; client?: string } | undefined;
  private shutdownWaiters: Array<() => void> = [];
  /** The copy subscribers last heard about (diffs are made against it). */
  private published: XmlElement | undefined;

  constructor(opts: NodeDaemonOptions) {
    this.o = opts;
    this.log = opts.log;
    this.wall = opts.wallClock ?? Date.now;
    this.replica = new CibReplica({ nodeId: opts.nodeId, initial: opts.initialCib, validate: opts.validate });
    this.controller = new Controller({
      nodeId: opts.nodeId,
      nodes: opts.nodes,
      scheduler: opts.scheduler,
      debounceMs: opts.debounceMs,
      shutdownEscalationMs: opts.shutdownEscalationMs,
      dcDeadtimeMs: opts.dcDeadtimeMs,
    });
  }

  private get uname(): string {
    return this.o.nodes.get(this.o.nodeId) ?? String(this.o.nodeId);
  }

  async start(): Promise<void> {
    const g = this.o.group;
    g.onDeliver((sender, data) => this.guard(() => this.onGroupMessage(sender, data)));
    g.onConfChange((members, ring) => this.guard(() => this.onConfChange(members, ring)));
    g.onQuorum((q) =>
      this.guard(() => {
        this.quorate = q;
        this.replicaFx(this.replica.handle({ type: "quorum", quorate: q }));
        if (this.members.length > 0) this.toController({ type: "quorum", quorate: q, now: this.wall() });
      }),
    );
    this.o.executor.onResult((r) =>
      this.guard(() => this.toController({ type: "exec-result", result: r, now: this.wall() })),
    );
    await g.start();
    this.log.log(
      "notice",
      `tandemd node ${this.uname} (id ${this.o.nodeId}) started in cluster ${this.o.clusterName}`,
    );
  }

  /** Runs a step of the pure layers; an invariant failure ends the daemon. */
  private guard(fn: () => void): void {
    if (this.stopped) return;
    try {
      fn();
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      this.log.log(
        "crit",
        `fatal: ${msg}; exiting`,
        e instanceof Error && e.stack ? { stack: e.stack } : undefined,
      );
      this.stopped = true;
      this.o.onExit(70);
    }
  }

  private onConfChange(members: number[], ring: string): void {
    this.members = [...members].sort((a, b) => a - b);
    this.quorate = this.o.group.quorate();
    this.log.log("notice", `membership: [${this.members.map((m) => this.o.nodes.get(m) ?? m).join(", ")}]`);
    this.replicaFx(this.replica.handle({ type: "confchange", members: this.members, quorate: this.quorate }));
    this.o.fencing?.()?.membership(this.members);
    this.toController({
      type: "membership",
      members: this.members,
      ring,
      quorate: this.quorate,
      now: this.wall(),
    });
  }

  private onGroupMessage(sender: number, data: Buffer): void {
    let env: GroupEnvelope;
    try {
      env = JSON.parse(data.toString("utf8")) as GroupEnvelope;
    } catch {
      this.log.log("warning", `undecodable group message from node ${sender} dropped`);
      return;
    }
    if (env.ch === "cib") this.replicaFx(this.replica.handle({ type: "deliver", from: sender, msg: env.m }));
    else if (env.ch === "crmd") {
      this.toController({ type: "deliver", from: sender, msg: env.m, now: this.wall() });
    } else if (env.ch === "fence") {
      this.o.fencing?.()?.onMessage(sender, env.m);
      // Every controller hears of every fencing result, as Pacemaker's do from the fencer.
      if (env.m.t === "done" && env.m.entry.state !== "pending")
        this.toController({
          type: "fence-notify",
          target: env.m.entry.target,
          action: env.m.entry.action,
          ok: env.m.entry.state === "success",
          now: this.wall(),
        });
    }
  }

  /** Sends a fencer message to every node's fencer (this one included). */
  broadcastFence(m: FencerMessage): void {
    if (!this.stopped) this.send({ ch: "fence", m });
  }

  /** The current members (node ids). */
  get memberIds(): number[] {
    return [...this.members];
  }

  private send(env: GroupEnvelope): void {
    this.o.group.send(Buffer.from(JSON.stringify(env), "utf8"), env.ch === "cib" ? "safe" : "agreed");
  }

  private replicaFx(fx: ReplicaEffect[]): void {
    for (const f of fx) {
      switch (f.type) {
        case "broadcast":
          this.send({ ch: "cib", m: f.msg });
          break;
        case "reply": {
          const p = this.pending.get(f.reqId);
          if (!p) break;
          this.pending.delete(f.reqId);
          clearTimeout(p.timer);
          if (f.ok) p.resolve({ version: f.version, changed: f.changed });
          else {
            const code = Object.values(ErrorCodes).find((c) => c === f.code) ?? ErrorCodes.CIB_INVALID;
            p.reject(new TandemError(code, f.message));
          }
          break;
        }
        case "changed": {
          if (f.configChanged && this.o.disk) {
            try {
              this.o.disk.save(f.cib);
            } catch (e) {
              this.log.log("error", (e as Error).message);
            }
          }
          this.lastChange = this.wall();
          if (f.op && f.op.op !== "status") {
            this.lastChangeBy = { node: f.cib.attrs["update-origin"], client: f.cib.attrs["update-client"] };
          }
          if (this.subscribers.size > 0) {
            // One diff for every subscriber; a diff that cannot be made is replaced by "query again".
            let diff: CibDiff | undefined;
            try {
              diff = this.published ? diffCib(this.published, f.cib) : undefined;
            } catch {
              diff = undefined;
            }
            for (const s of this.subscribers)
              s.push("cib.changed", {
                version: f.version,
                configChanged: f.configChanged,
                origin: f.origin,
                cause: f.cause,
                ...(diff ? { diff } : {}),
              });
          }
          this.published = f.cib;
          // Status operations reach the controller through "applied" (also when they change nothing).
          if (!(f.cause === "op" && f.op?.op === "status"))
            this.toController({
              type: "cib",
              cib: f.cib,
              op: f.op,
              origin: f.origin,
              configChanged: f.configChanged,
              now: this.wall(),
            });
          break;
        }
        case "applied":
          this.toController({
            type: "cib",
            cib: f.cib,
            op: f.op,
            origin: f.origin,
            configChanged: false,
            now: this.wall(),
          });
          break;
        case "log":
          this.log.log(f.level, f.msg, f.fields);
          break;
      }
    }
  }

  /** Submits an operation to the replicated CIB; resolves when it is applied everywhere. */
  submit(
    op: CibOperation,
    origin: { client?: string; user?: string } = {},
  ): Promise<{ version: VersionInfo; changed: boolean }> {
    return new Promise((resolve, reject) => {
      const reqId = this.nextReq++;
      const timeoutMs = this.o.requestTimeoutMs ?? 30_000;
      const timer = setTimeout(() => {
        this.pending.delete(reqId);
        reject(
          new TandemError(
            ErrorCodes.CIB_TIMEOUT,
            `the CIB change was not confirmed by the cluster within ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      this.pending.set(reqId, { resolve, reject, timer });
      this.guard(() =>
        this.replicaFx(
          this.replica.handle({
            type: "request",
            reqId,
            op,
            origin: { node: this.uname, time: this.wall(), ...origin },
          }),
        ),
      );
    });
  }

  private toController(ev: ControllerEvent): void {
    this.controllerFx(this.controller.handle(ev));
  }

  private controllerFx(fx: ControllerEffect[]): void {
    for (const f of fx) {
      switch (f.type) {
        case "cib":
          this.submit(f.op, { client: "crmd" }).catch((e: Error) => {
            if (!this.stopped) this.log.log("warning", `controller CIB update failed: ${e.message}`);
          });
          break;
        case "send":
          this.send({ ch: "crmd", m: f.msg });
          break;
        case "exec":
          try {
            this.o.executor.execute(f.req);
          } catch (e) {
            // Refused before it ran (unknown agent, bad request): a hard error result, so the DC
            // reacts now instead of waiting for the action's timeout.
            const msg = (e as Error).message;
            this.log.log("error", `cannot run ${f.req.rscId} ${f.req.action}: ${msg}`);
            const now = this.wall();
            const req = f.req;
            queueMicrotask(() =>
              this.guard(() =>
                this.toController({
                  type: "exec-result",
                  now,
                  result: {
                    callId: 0,
                    rscId: req.rscId,
                    agent: req.agent,
                    action: req.action,
                    intervalMs: req.intervalMs,
                    rc: 1,
                    status: 5,
                    exitReason: msg,
                    execTimeMs: 0,
                    queueTimeMs: 0,
                    lastRun: Math.floor(now / 1000),
                    lastRcChange: Math.floor(now / 1000),
                    opDigest: "",
                    recurring: false,
                    changed: true,
                    userData: req.userData,
                  },
                }),
              ),
            );
          }
          break;
        case "cancel":
          this.o.executor.cancelAll(f.rscId);
          break;
        case "fence":
          void this.fence(f.target, f.action);
          break;
        case "set-timer": {
          const old = this.timers.get(f.name);
          if (old) clearTimeout(old);
          const t = setTimeout(() => {
            this.timers.delete(f.name);
            this.guard(() => this.toController({ type: "timer", name: f.name, now: this.wall() }));
          }, f.ms);
          t.unref?.();
          this.timers.set(f.name, t);
          break;
        }
        case "cancel-timer": {
          const t = this.timers.get(f.name);
          if (t) clearTimeout(t);
          this.timers.delete(f.name);
          break;
        }
        case "log":
          this.log.log(f.level, f.msg);
          break;
        case "shutdown-ready":
          void this.finishShutdown();
          break;
      }
    }
  }

  /** Fences `target` with the first stonith device that may (pcmk_host_list / pcmk_host_map, else any). */
  private async fence(target: string, action: string): Promise<void> {
    const port = this.o.fencing?.();
    if (port) {
      let r: { ok: boolean; reason: string };
      try {
        r = await port.fence(target, action, `pacemaker-controld.${process.pid}`, undefined, {
          controller: true,
        });
      } catch (e) {
        r = { ok: false, reason: (e as Error).message };
      }
      this.guard(() =>
        this.toController({ type: "fence-result", target, ok: r.ok, reason: r.reason, now: this.wall() }),
      );
      return;
    }
    const devices = this.stonithDevices().filter(
      (d) => d.targets === undefined || d.targets.includes(target),
    );
    let ok = false;
    let reason = devices.length === 0 ? "no fence device can fence this node" : "";
    for (const d of devices) {
      try {
        const r = await this.o.executor.fence({
          agent: d.type,
          action,
          params: d.params,
          target,
          timeoutMs: d.timeoutMs,
        });
        if (r.rc === 0 && r.status === 0) {
          ok = true;
          break;
        }
        reason = `${d.id}: rc=${r.rc}${r.exitReason ? ` (${r.exitReason})` : ""}`;
      } catch (e) {
        reason = `${d.id}: ${(e as Error).message}`;
      }
    }
    this.guard(() => this.toController({ type: "fence-result", target, ok, reason, now: this.wall() }));
  }

  private stonithDevices(): {
    id: string;
    type: string;
    params: Record<string, string>;
    targets?: string[];
    timeoutMs: number;
  }[] {
    const res = querySection(this.replica.cib, "resources");
    if (!res) return [];
    const out = [];
    for (const p of elements(res, "primitive")) {
      if (p.attrs.class !== "stonith") continue;
      const params: Record<string, string> = {};
      for (const ia of elements(p, "instance_attributes"))
        for (const nv of elements(ia, "nvpair")) params[nv.attrs.name] = nv.attrs.value;
      let targets: string[] | undefined;
      if (params.pcmk_host_list) targets = params.pcmk_host_list.split(/[\s,]+/).filter(Boolean);
      else if (params.pcmk_host_map)
        targets = params.pcmk_host_map
          .split(/[;\s,]+/)
          .map((e) => e.split(":")[0])
          .filter(Boolean);
      out.push({ id: p.attrs.id, type: p.attrs.type, params, targets, timeoutMs: 60_000 });
    }
    return out;
  }

  /** Graceful shutdown: resources move away first (the DC decides), then leave and exit 0. */
  shutdown(): Promise<void> {
    return new Promise((resolve) => {
      this.shutdownWaiters.push(resolve);
      if (this.controller.local.isShuttingDown) return;
      this.guard(() => this.toController({ type: "shutdown", now: this.wall() }));
    });
  }

  private async finishShutdown(): Promise<void> {
    this.log.log("notice", "shutdown: nothing left running here; leaving the cluster");
    await this.stop();
    for (const w of this.shutdownWaiters) w();
    this.o.onExit(0);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new TandemError(ErrorCodes.CIB_TIMEOUT, "the daemon is stopping"));
    }
    this.pending.clear();
    await this.o.group.stop();
    await this.o.executor.shutdown();
  }

  status(): StatusResult {
    const cib = this.replica.cib;
    const dc = this.controller.dc;
    return {
      clusterName: this.o.clusterName,
      nodeId: this.o.nodeId,
      nodeName: this.uname,
      ...(dc !== undefined ? { dcId: dc, dcName: this.o.nodes.get(dc) ?? String(dc) } : {}),
      quorate: this.quorate,
      nodes: [...this.o.nodes]
        .sort(([a], [b]) => a - b)
        .map(([id, name]) => ({ id, name, member: this.members.includes(id) })),
      cibPhase: this.replica.state,
      version: versionInfo(cib),
      cib: serializeXml(cib),
      ...(this.controller.currentTransition ? { transition: this.controller.currentTransition } : {}),
      now: this.wall(),
      ...(this.lastChange !== undefined ? { lastChange: this.lastChange } : {}),
      ...(this.lastChangeBy ? { lastChangeBy: this.lastChangeBy } : {}),
    };
  }

  private nodeIdByName(name: string): number | undefined {
    for (const [id, n] of this.o.nodes) if (n === name || String(id) === name) return id;
    return undefined;
  }

  ipcHandlers(): Record<string, IpcHandler> {
    const h: {
      [M in keyof CibMethods]: (
        p: CibMethods[M]["params"],
        ctx: IpcContext,
      ) => Promise<CibMethods[M]["result"]> | CibMethods[M]["result"];
    } = {
      "cib.query": (p) => {
        const section = (p as { section?: string } | null)?.section;
        const el = querySection(this.replica.cib, section);
        if (!el)
          throw new TandemError(ErrorCodes.CIB_NOT_FOUND, `section '${section}' does not exist in the CIB`);
        return { xml: serializeXml(el), version: versionInfo(this.replica.cib) };
      },
      "cib.apply": async (p) => {
        if (
          !p ||
          typeof p !== "object" ||
          !p.op ||
          typeof p.op.xml !== "string" ||
          !["replace", "create", "modify", "delete"].includes(p.op.op)
        )
          throw new TandemError(
            ErrorCodes.IPC_PROTOCOL,
            "cib.apply needs {op: {op: replace|create|modify|delete, xml, section?}}",
          );
        return this.submit(p.op, { client: p.client ?? "cibadmin", user: p.user });
      },
      "cib.subscribe": (_p, ctx) => {
        this.published ??= this.replica.cib;
        this.subscribers.add(ctx);
        ctx.onClose(() => this.subscribers.delete(ctx));
        return { version: versionInfo(this.published), xml: serializeXml(this.published) };
      },
      "attr.update": async (p) => {
        const id = this.nodeIdByName(p?.node ?? "");
        if (id === undefined) throw new TandemError(ErrorCodes.USAGE, `unknown node '${p?.node}'`);
        if (typeof p.name !== "string" || p.name === "")
          throw new TandemError(ErrorCodes.USAGE, "attribute name missing");
        const change: StatusChange = {
          kind: "attr",
          nodeId: String(id),
          uname: this.o.nodes.get(id) ?? String(id),
          name: p.name,
          ...(p.value !== undefined ? { value: String(p.value) } : {}),
        };
        return this.submit({ op: "status", changes: [change] }, { client: "attrd" });
      },
      "resource.cleanup": async (p) =>
        this.cleanup(p?.rsc, p?.node, p?.operation && `${p.operation}_${p.interval ?? 0}`),
      status: () => this.status(),
      "node.shutdown": () => {
        void this.shutdown();
        return { accepted: true };
      },
    };
    return h as unknown as Record<string, IpcHandler>;
  }

  /** crm_resource --cleanup: forget history and fail counts so the resource is probed again. */
  private async cleanup(
    rsc: string | undefined,
    node: string | undefined,
    opKey?: string,
  ): Promise<{ cleaned: { rsc: string; node: string }[] }> {
    const targets = node === undefined ? [...this.o.nodes.keys()] : [this.nodeIdByName(node)];
    if (targets.some((t) => t === undefined))
      throw new TandemError(ErrorCodes.USAGE, `unknown node '${node}'`);
    const status = child(this.replica.cib, "status");
    const changes: StatusChange[] = [];
    const cleaned: { rsc: string; node: string }[] = [];
    for (const id of targets as number[]) {
      const ns = status && elements(status, "node_state").find((n) => n.attrs.id === String(id));
      if (!ns) continue;
      const uname = this.o.nodes.get(id) ?? String(id);
      const lrm = child(ns, "lrm");
      const rscs = lrm && child(lrm, "lrm_resources");
      for (const r of rscs ? elements(rscs, "lrm_resource") : [])
        if (rsc === undefined || r.attrs.id === rsc) {
          changes.push({ kind: "lrm-forget", nodeId: String(id), rsc: r.attrs.id });
          cleaned.push({ rsc: r.attrs.id, node: uname });
        }
      const ta = child(ns, "transient_attributes");
      for (const set of ta ? elements(ta) : [])
        for (const nv of elements(set, "nvpair")) {
          const m = /^(?:fail-count|last-failure)-(.+)#(.+)$/.exec(nv.attrs.name ?? "");
          if (m && (rsc === undefined || m[1] === rsc) && (!opKey || m[2] === opKey))
            changes.push({ kind: "attr", nodeId: String(id), uname, name: nv.attrs.name });
        }
      this.send({ ch: "crmd", m: { t: "forget", node: id, ...(rsc !== undefined ? { rscId: rsc } : {}) } });
    }
    if (changes.length > 0) await this.submit({ op: "status", changes }, { client: "crm_resource" });
    return { cleaned };
  }
}
