// The executor (Pacemaker's pacemaker-execd role): accepts action requests for
// resources, runs one action at a time per resource (others queue), repeats
// recurring monitors, cancels them on request or when the resource is stopped,
// and reports every outcome as an ExecResult to its listeners. It is the I/O
// edge: child processes and timers, with time taken from an injected Clock.

import { type Clock, RealClock, type TimerHandle } from "../core/clock.js";
import type { Logger } from "../core/log.js";
import {
  agentName,
  type ClassContext,
  prepareFenceAction,
  prepareInvocation,
  type Invocation,
} from "./classes.js";
import { opDigest } from "./digest.js";
import { isFailure } from "./lrm.js";
import { defaultAgentPaths, systemdRunning } from "./paths.js";
import { type RunningProcess, runProcess } from "./spawn.js";
import {
  AGENT_CLASSES,
  type AgentPaths,
  type ExecRequest,
  type ExecResult,
  OcfRc,
  OpStatus,
  type OpStatusCode,
  opStatusName,
  type ResultListener,
  rcName,
} from "./types.js";
import { ErrorCodes, TandemError } from "../core/errors.js";

export interface ExecutorOptions {
  /** Where agents are looked up (defaults: /usr/lib/ocf then tandem's agents/ocf, ...). */
  paths?: Partial<AgentPaths>;
  /** Monotonic clock and timers (default: the real clock). */
  clock?: Clock;
  /** Wall clock in ms since the epoch, for last-run/last-rc-change (default Date.now). */
  wallClock?: () => number;
  /** This node's name (OCF_RESKEY_CRM_meta_on_node). */
  nodeName?: string;
  /** Extra environment for every agent, e.g. { HA_RSCTMP, TANDEM_ROOT } of a lab node. */
  env?: Record<string, string>;
  /** Bytes kept of stdout and of stderr each (default 64 KiB). */
  maxOutputBytes?: number;
  /** Grace between SIGTERM and SIGKILL when an action times out (default 2000 ms). */
  killGraceMs?: number;
  /** Override systemd detection. */
  systemd?: boolean;
  /** At most this many agents at once on this node (Pacemaker's node-action-limit); 0 = no limit (default). */
  maxConcurrent?: number;
  logger?: Logger;
}

interface Recurring {
  req: ExecRequest;
  callId: number;
  timer?: TimerHandle;
  cancelled: boolean;
  last?: { rc: number; status: number };
}

interface Pending {
  req: ExecRequest;
  callId: number;
  enqueuedAt: number;
  recurring?: Recurring;
}

interface ResourceState {
  queue: Pending[];
  running?: { pending: Pending; proc?: RunningProcess };
  /** Recurring ops keyed by `${action}_${intervalMs}`. */
  recurring: Map<string, Recurring>;
}

export interface FenceRequest {
  /** Fence agent name, e.g. fence_tandem. */
  agent: string;
  /** off, on, reboot, status, monitor, list, metadata. */
  action: string;
  /** Device parameters (pcmk_* ones are not passed to the agent). */
  params: Record<string, string>;
  /** Node to fence (nodename= and port= on stdin). */
  target?: string;
  timeoutMs: number;
}

export interface FenceResult {
  rc: number;
  status: OpStatusCode;
  exitReason: string;
  stdout: string;
  stderr: string;
  execTimeMs: number;
}

const opKeyOf = (rscId: string, action: string, intervalMs: number): string =>
  `${rscId}_${action}_${intervalMs}`;

export class Executor {
  private readonly clock: Clock;
  private readonly wall: () => number;
  private readonly ctx: ClassContext;
  private readonly maxOutputBytes: number;
  private readonly killGraceMs: number;
  private readonly logger?: Logger;
  private readonly listeners = new Set<ResultListener>();
  private readonly rscs = new Map<string, ResourceState>();
  /** Last rc/status and last-rc-change per op key. */
  private readonly history = new Map<string, { rc: number; status: number; lastRcChange: number }>();
  /** stonith resources currently started (monitor of a stopped device says "not running"). */
  private readonly stonithStarted = new Set<string>();
  private nextCallId = 1;
  private closed = false;
  private readonly maxConcurrent: number;
  private runningCount = 0;
  /** Resources with queued work waiting for a free slot (maxConcurrent), in arrival order. */
  private readonly waiting: string[] = [];

  constructor(opts: ExecutorOptions = {}) {
    this.clock = opts.clock ?? new RealClock();
    this.wall = opts.wallClock ?? Date.now;
    this.ctx = {
      paths: defaultAgentPaths(opts.paths),
      env: opts.env ?? {},
      nodeName: opts.nodeName,
      systemd: opts.systemd ?? systemdRunning(),
    };
    this.maxOutputBytes = opts.maxOutputBytes ?? 64 * 1024;
    this.killGraceMs = opts.killGraceMs ?? 2000;
    this.maxConcurrent = Math.max(0, opts.maxConcurrent ?? 0);
    this.logger = opts.logger;
  }

  get paths(): AgentPaths {
    return this.ctx.paths;
  }

  get systemdAvailable(): boolean {
    return this.ctx.systemd;
  }

  /** Subscribe to results; returns the unsubscribe function. */
  onResult(listener: ResultListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Queue an action; returns its call id. Results arrive through onResult
   * (a recurring op reports after every run, with the same call id).
   * A recurring op with the same action and interval replaces the old one.
   * A stop first cancels the resource's recurring ops.
   */
  execute(req: ExecRequest): number {
    if (this.closed) throw new TandemError(ErrorCodes.INVARIANT, "executor is shut down");
    validateRequest(req);
    const callId = this.nextCallId++;
    const st = this.state(req.rscId);
    if (req.action === "stop") this.cancelAll(req.rscId);
    if (req.intervalMs > 0) {
      const key = `${req.action}_${req.intervalMs}`;
      const old = st.recurring.get(key);
      if (old) this.cancelRecurring(req.rscId, old, false);
      const rec: Recurring = { req, callId, cancelled: false };
      st.recurring.set(key, rec);
      const first = req.startDelayMs ?? 0;
      if (first > 0) rec.timer = this.clock.setTimer(first, () => this.enqueueRecurring(rec));
      else this.enqueue({ req, callId, enqueuedAt: this.clock.now(), recurring: rec });
    } else if ((req.startDelayMs ?? 0) > 0) {
      this.clock.setTimer(req.startDelayMs ?? 0, () =>
        this.enqueue({ req, callId, enqueuedAt: this.clock.now() }),
      );
    } else {
      this.enqueue({ req, callId, enqueuedAt: this.clock.now() });
    }
    return callId;
  }

  /** Run one action and wait for its (first) result. Throws like execute() for a malformed request. */
  run(req: ExecRequest): Promise<ExecResult> {
    return new Promise((resolve, reject) => {
      let id = -1;
      // Results can come synchronously from inside execute() (nothing to spawn, cancellations).
      const early: ExecResult[] = [];
      const off = this.onResult((r) => {
        if (id === -1) early.push(r);
        else if (r.callId === id) {
          off();
          resolve(r);
        }
      });
      try {
        id = this.execute(req);
      } catch (e) {
        off();
        reject(e);
        return;
      }
      const mine = early.find((r) => r.callId === id);
      if (mine) {
        off();
        resolve(mine);
      }
    });
  }

  /** Cancel a recurring op; a Cancelled result is reported. Returns false if there was none. */
  cancel(rscId: string, action: string, intervalMs: number): boolean {
    const rec = this.rscs.get(rscId)?.recurring.get(`${action}_${intervalMs}`);
    if (!rec) return false;
    this.cancelRecurring(rscId, rec, true);
    return true;
  }

  /** Cancel every recurring op of a resource. */
  cancelAll(rscId: string): number {
    const st = this.rscs.get(rscId);
    if (!st) return 0;
    const recs = [...st.recurring.values()];
    for (const r of recs) this.cancelRecurring(rscId, r, true);
    return recs.length;
  }

  /** Recurring ops currently scheduled, for status displays and tests. */
  recurringOps(rscId?: string): { rscId: string; action: string; intervalMs: number; callId: number }[] {
    const out: { rscId: string; action: string; intervalMs: number; callId: number }[] = [];
    for (const [id, st] of this.rscs)
      if (rscId === undefined || id === rscId)
        for (const r of st.recurring.values())
          out.push({ rscId: id, action: r.req.action, intervalMs: r.req.intervalMs, callId: r.callId });
    return out;
  }

  /** Whether any action is queued or running for the resource. */
  busy(rscId: string): boolean {
    const st = this.rscs.get(rscId);
    return !!st && (st.running !== undefined || st.queue.length > 0);
  }

  /** Run a fence agent action directly (the fencer's path), outside resource queues. */
  async fence(req: FenceRequest): Promise<FenceResult> {
    const inv = prepareFenceAction(req.agent, req.action, req.params, this.ctx, req.target);
    const t0 = this.clock.now();
    if (inv.kind === "result")
      return {
        rc: inv.rc,
        status: inv.status,
        exitReason: inv.exitReason,
        stdout: "",
        stderr: "",
        execTimeMs: 0,
      };
    const o = await runProcess(
      {
        file: inv.file,
        args: inv.args,
        env: inv.env,
        stdin: inv.stdin,
        timeoutMs: req.timeoutMs,
        killGraceMs: this.killGraceMs,
        maxOutputBytes: this.maxOutputBytes,
      },
      this.clock,
    ).done;
    const m = inv.map(o);
    return { ...m, stdout: o.stdout, stderr: o.stderr, execTimeMs: Math.round(this.clock.now() - t0) };
  }

  /** Cancel all recurring ops, drop queues, kill running agents' process groups; resolves when they have ended. */
  async shutdown(): Promise<void> {
    this.closed = true;
    const waits: Promise<unknown>[] = [];
    for (const [, st] of this.rscs) {
      for (const r of st.recurring.values()) {
        r.cancelled = true;
        if (r.timer) this.clock.clearTimer(r.timer);
      }
      st.recurring.clear();
      st.queue.length = 0;
      if (st.running?.proc) {
        st.running.proc.kill();
        waits.push(st.running.proc.done);
      }
    }
    await Promise.all(waits);
  }

  // ---- internals ----

  private state(rscId: string): ResourceState {
    let st = this.rscs.get(rscId);
    if (!st) {
      st = { queue: [], recurring: new Map() };
      this.rscs.set(rscId, st);
    }
    return st;
  }

  private enqueueRecurring(rec: Recurring): void {
    rec.timer = undefined;
    if (rec.cancelled || this.closed) return;
    this.enqueue({ req: rec.req, callId: rec.callId, enqueuedAt: this.clock.now(), recurring: rec });
  }

  private enqueue(p: Pending): void {
    if (this.closed) return;
    const st = this.state(p.req.rscId);
    st.queue.push(p);
    this.pump(p.req.rscId);
  }

  private cancelRecurring(rscId: string, rec: Recurring, report: boolean): void {
    const st = this.state(rscId);
    rec.cancelled = true;
    if (rec.timer) this.clock.clearTimer(rec.timer);
    rec.timer = undefined;
    st.recurring.delete(`${rec.req.action}_${rec.req.intervalMs}`);
    st.queue = st.queue.filter((p) => p.recurring !== rec);
    if (report) {
      const now = this.clock.now();
      this.emit(
        this.makeResult(
          rec.req,
          rec.callId,
          { rc: rec.last?.rc ?? OcfRc.OK, status: OpStatus.CANCELLED, exitReason: "" },
          { stdout: "", stderr: "", execTimeMs: 0, queueTimeMs: 0, now },
          true,
        ),
      );
    }
  }

  private pump(rscId: string): void {
    const st = this.state(rscId);
    if (st.running || st.queue.length === 0) return;
    if (this.maxConcurrent > 0 && this.runningCount >= this.maxConcurrent) {
      if (!this.waiting.includes(rscId)) this.waiting.push(rscId);
      return;
    }
    const p = st.queue.shift() as Pending;
    st.running = { pending: p };
    this.runningCount++;
    void this.runOne(st, p).finally(() => {
      st.running = undefined;
      this.runningCount--;
      this.pump(rscId);
      // A slot is free: the longest-waiting other resource goes next.
      while (
        this.waiting.length > 0 &&
        (this.maxConcurrent === 0 || this.runningCount < this.maxConcurrent)
      ) {
        const next = this.waiting.shift() as string;
        this.pump(next);
      }
    });
  }

  private async runOne(st: ResourceState, p: Pending): Promise<void> {
    const { req } = p;
    const startedAt = this.clock.now();
    const queueTimeMs = Math.max(0, Math.round(startedAt - p.enqueuedAt));
    let outcome: { rc: number; status: OpStatusCode; exitReason: string };
    let stdout = "";
    let stderr = "";
    let signal: string | undefined;
    const stonith = req.agent.class === "stonith";
    let inv: Invocation;
    if (stonith && req.action === "stop")
      inv = { kind: "result", rc: OcfRc.OK, status: OpStatus.DONE, exitReason: "" };
    else if (stonith && req.action === "monitor" && !this.stonithStarted.has(req.rscId))
      inv = { kind: "result", rc: OcfRc.NOT_RUNNING, status: OpStatus.DONE, exitReason: "" };
    else inv = prepareInvocation(req, this.ctx);
    if (inv.kind === "result") {
      outcome = { rc: inv.rc, status: inv.status, exitReason: inv.exitReason };
    } else {
      const proc = runProcess(
        {
          file: inv.file,
          args: inv.args,
          env: inv.env,
          stdin: inv.stdin,
          timeoutMs: req.timeoutMs,
          killGraceMs: this.killGraceMs,
          maxOutputBytes: this.maxOutputBytes,
        },
        this.clock,
      );
      if (st.running) st.running.proc = proc;
      const o = await proc.done;
      outcome = inv.map(o);
      stdout = o.stdout;
      stderr = o.stderr;
      if (o.signal) signal = o.signal;
      if (o.timedOut) {
        this.logger?.log(
          "warning",
          `${agentName(req.agent)} ${req.rscId} ${req.action} timed out after ${req.timeoutMs}ms`,
        );
        outcome.exitReason = `${req.action} timed out after ${req.timeoutMs}ms`;
      }
    }
    if (stonith && outcome.status === OpStatus.DONE) {
      if (req.action === "start" && outcome.rc === OcfRc.OK) this.stonithStarted.add(req.rscId);
      if (req.action === "stop") this.stonithStarted.delete(req.rscId);
    }
    const now = this.clock.now();
    const execTimeMs = Math.max(0, Math.round(now - startedAt));
    const rec = p.recurring;
    if (rec?.cancelled) return; // the cancellation was reported instead
    const result = this.makeResult(
      req,
      p.callId,
      outcome,
      { stdout, stderr, execTimeMs, queueTimeMs, now },
      false,
    );
    if (signal) result.signal = signal;
    if (rec) {
      result.changed = !rec.last || rec.last.rc !== result.rc || rec.last.status !== result.status;
      rec.last = { rc: result.rc, status: result.status };
      if (!this.closed) rec.timer = this.clock.setTimer(req.intervalMs, () => this.enqueueRecurring(rec));
    }
    this.emit(result);
  }

  private makeResult(
    req: ExecRequest,
    callId: number,
    o: { rc: number; status: OpStatusCode; exitReason: string },
    t: { stdout: string; stderr: string; execTimeMs: number; queueTimeMs: number; now: number },
    cancelled: boolean,
  ): ExecResult {
    const opKey = opKeyOf(req.rscId, req.action, req.intervalMs);
    const wallSec = Math.floor(this.wall() / 1000);
    const prev = this.history.get(opKey);
    let lastRcChange = wallSec;
    if (req.intervalMs > 0 && prev && prev.rc === o.rc && prev.status === o.status)
      lastRcChange = prev.lastRcChange;
    if (!cancelled) this.history.set(opKey, { rc: o.rc, status: o.status, lastRcChange });
    return {
      callId,
      rscId: req.rscId,
      agent: req.agent,
      action: req.action,
      intervalMs: req.intervalMs,
      opKey,
      rc: o.rc,
      status: o.status,
      exitReason: o.exitReason,
      stdout: t.stdout,
      stderr: t.stderr,
      execTimeMs: t.execTimeMs,
      queueTimeMs: t.queueTimeMs,
      lastRun: wallSec,
      lastRcChange: cancelled ? (prev?.lastRcChange ?? wallSec) : lastRcChange,
      opDigest: opDigest(req.params),
      recurring: req.intervalMs > 0,
      changed: true,
      userData: req.userData,
    };
  }

  /**
   * Results always reach listeners from a microtask, never from inside
   * execute()/cancel(): a caller that runs a state machine step and performs
   * its effects is never re-entered. Order is preserved (microtasks are FIFO).
   */
  private emit(r: ExecResult): void {
    queueMicrotask(() => this.deliver(r));
  }

  private deliver(r: ExecResult): void {
    // One line per outcome worth reading, in Pacemaker's words (recurring ops only when they change).
    if (this.logger && (!r.recurring || r.changed)) {
      const what = r.intervalMs > 0 ? `${r.action} (${r.intervalMs}ms)` : r.action;
      const ok = r.status === OpStatus.DONE && !isFailure(r);
      const status = r.status === OpStatus.DONE ? rcName(r.rc) : opStatusName(r.status);
      this.logger.log(
        ok || r.status === OpStatus.CANCELLED ? "info" : "warning",
        `Result of ${what} operation for ${r.rscId}${this.ctx.nodeName ? ` on ${this.ctx.nodeName}` : ""}: ${status}${r.exitReason ? ` (${r.exitReason})` : ""}`,
        { call: r.callId, rc: r.rc, status: r.status, exec_ms: r.execTimeMs, queue_ms: r.queueTimeMs },
      );
    }
    for (const l of [...this.listeners]) {
      try {
        l(r);
      } catch (e) {
        this.logger?.log("error", `result listener threw: ${(e as Error).message}`);
      }
    }
  }
}

/** Rejects malformed requests with one clear line (a bug in the caller, or bad CIB data). */
export function validateRequest(req: ExecRequest): void {
  const bad = (msg: string): never => {
    throw new TandemError(ErrorCodes.EXEC_BAD_REQUEST, msg);
  };
  if (typeof req.rscId !== "string" || req.rscId === "" || req.rscId.length > 255)
    bad(`bad resource id '${String(req.rscId)}'`);
  if (!AGENT_CLASSES.includes(req.agent?.class)) bad(`unknown agent class '${String(req.agent?.class)}'`);
  if (req.agent.class === "ocf" && !req.agent.provider) bad(`ocf agent '${req.agent.type}' needs a provider`);
  if (!/^[a-z][a-z0-9_-]*$/.test(req.action)) bad(`bad action name '${req.action}'`);
  if (!Number.isFinite(req.intervalMs) || req.intervalMs < 0)
    bad(`'interval' must be >= 0 ms: got '${req.intervalMs}'`);
  if (!Number.isFinite(req.timeoutMs) || req.timeoutMs <= 0)
    bad(`'timeout' must be a positive duration: got '${req.timeoutMs}ms'`);
  for (const k of Object.keys(req.params))
    if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(k)) bad(`bad parameter name '${k}'`);
  for (const k of Object.keys(req.meta ?? {}))
    if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(k)) bad(`bad meta attribute name '${k}'`);
}
