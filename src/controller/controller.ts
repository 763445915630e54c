// The controller of one node (pure: events in, effects out). Every node runs
// one; the DC is simply the lowest node id in the current membership (every
// member computes the same answer, no election round). The DC:
//  - on a new membership records lost nodes as down (node_state) and waits
//    until every member has reported its operation history (the join);
//  - runs the scheduler (debounced, through a timer effect) whenever the CIB
//    or the membership changes, and on cluster-recheck-interval;
//  - executes the transition graph: an action starts when all its
//    dependencies are confirmed; rsc actions go to the node's executor through
//    the group, fence actions to the fencer; an action is confirmed when its
//    result shows up in the CIB (lrm_rsc_op with the action's transition-key);
//    a failed or timed-out action aborts the graph (nothing new is started)
//    and the scheduler runs again once the actions in flight are done;
//  - records a successful fence (node down, history erased) before the
//    recovery that depends on it can be scheduled; a failed fence is logged
//    loudly and retried by the next transition;
//  - lets a node that asked for a graceful shutdown go once nothing is left
//    to do for it.
// The node-local part (executor results -> history) is LocalController.

import { parseDurationMs } from "../core/duration.js";
import { child, elements, type XmlElement } from "../core/xml.js";
import type { CibOperation, StatusChange } from "../cib/store.js";
import { isFailure, LocalController } from "./local.js";
import {
  type ControllerEffect,
  type ControllerEvent,
  type GraphAction,
  parseTransitionKey,
  type SchedulerFn,
  type TransitionGraph,
  transitionKey,
} from "./types.js";

export interface ControllerOptions {
  nodeId: number;
  /** Node names by id (from corosync.conf's nodelist). */
  nodes: Map<number, string>;
  scheduler: SchedulerFn;
  /** Delay between a change and the scheduler run (ms, default 50). */
  debounceMs?: number;
  /** How long the DC waits for members' histories before scheduling anyway (ms, default 10 s). */
  joinTimeoutMs?: number;
  /** Extra time on top of an action's timeout before the DC gives up on its result (ms, default 5 s). */
  actionGraceMs?: number;
  /** Pause before a new transition after a failed fence (ms, default 2 s). */
  fenceRetryMs?: number;
  /** How long a graceful stop may wait when the CIB sets no shutdown-escalation (ms, default 40 s). */
  shutdownEscalationMs?: number;
  /**
   * dc-deadtime when the CIB sets none (ms, default 0 = none): after start, the DC does not
   * schedule (start resources, fence peers) until every configured node is a member or this
   * much time has passed, whichever comes first. The daemon derives it from the Totem timeouts.
   */
  dcDeadtimeMs?: number;
}

type ActionState = "pending" | "running" | "done" | "failed";

interface Transition {
  id: number;
  graph: TransitionGraph;
  state: Map<number, ActionState>;
  aborted: boolean;
  reason?: string;
  /** Aborted while actions were still running: the re-plan waited for them already. */
  abortWaited?: boolean;
  /** This node (the DC) may leave once this transition has completed (its do_shutdown ran). */
  releaseSelf?: boolean;
}

/** Actions recorded as pending in the CIB before they are sent (what makes a resource possibly active). */
const PENDING_RECORDED = new Set(["start", "stop", "promote", "demote", "migrate_from"]);

const TIMER_SCHEDULE = "schedule";
const TIMER_JOIN = "join-timeout";
const TIMER_RECHECK = "recheck";
const TIMER_ESCALATION = "shutdown-escalation";
const TIMER_DEADTIME = "dc-deadtime";

function crmConfig(cib: XmlElement, name: string): string | undefined {
  const conf = child(cib, "configuration");
  const cc = conf && child(conf, "crm_config");
  if (!cc) return undefined;
  let v: string | undefined;
  for (const set of elements(cc, "cluster_property_set"))
    for (const p of elements(set, "nvpair")) if (p.attrs.name === name) v = p.attrs.value;
  return v;
}

export class Controller {
  readonly nodeId: number;
  readonly local: LocalController;
  private readonly opts: Required<Omit<ControllerOptions, "nodes" | "scheduler">> & {
    nodes: Map<number, string>;
    scheduler: SchedulerFn;
  };
  private members: number[] = [];
  /**
   * The configuration this node is in: its ring and members ("ring/1,2,3"), the same at every
   * member. The DC's commands carry the one they were planned in; a node obeys a command only
   * in that configuration, so a command queued in an earlier one — a paused DC's, or one sent
   * just before a membership change — is never run in a later one, even where its sender is
   * DC again (seed 4204).
   */
  private round = "";
  /** Fencing operations this node runs (target names): a new transition waits for them, it does not fence again. */
  private fencing = new Set<string>();
  private quorate = false;
  private cib: XmlElement | undefined;
  private awaitingJoin = new Set<number>();
  private transition: Transition | undefined;
  private transitionCounter = 0;
  private scheduleArmed = false;
  private lastGraphEmpty = false;
  private abortStreak = 0;
  private now = 0;
  /** Start-up (dc-deadtime): when the first membership came, whether the wait is over, logged. */
  private startedAt: number | undefined;
  private deadtimeOver = false;
  private deadtimeLogged = false;
  /** Members the fencer reported fenced: down cleanly when they leave, not unclean. */
  private readonly fencedMembers = new Set<number>();
  /** When the last scheduler run said a rule changes next (ms since the epoch). */
  private ruleChangeAt: number | undefined;

  constructor(opts: ControllerOptions) {
    this.nodeId = opts.nodeId;
    this.opts = {
      ...opts,
      debounceMs: opts.debounceMs ?? 50,
      joinTimeoutMs: opts.joinTimeoutMs ?? 10_000,
      actionGraceMs: opts.actionGraceMs ?? 5_000,
      fenceRetryMs: opts.fenceRetryMs ?? 2_000,
      shutdownEscalationMs: opts.shutdownEscalationMs ?? 40_000,
      dcDeadtimeMs: opts.dcDeadtimeMs ?? 0,
    };
    const uname = opts.nodes.get(opts.nodeId) ?? String(opts.nodeId);
    this.local = new LocalController(opts.nodeId, uname);
  }

  /** The DC's node id, or undefined while this node is in no membership. */
  get dc(): number | undefined {
    return this.members.length > 0 ? Math.min(...this.members) : undefined;
  }
  get isDc(): boolean {
    return this.dc === this.nodeId;
  }
  get currentTransition(): { id: number; actions: number; done: number; aborted: boolean } | undefined {
    const t = this.transition;
    if (!t) return undefined;
    return {
      id: t.id,
      actions: t.graph.actions.length,
      done: [...t.state.values()].filter((s) => s === "done").length,
      aborted: t.aborted,
    };
  }
  get pendingJoins(): number[] {
    return [...this.awaitingJoin].sort((a, b) => a - b);
  }

  private uname(id: number): string {
    return this.opts.nodes.get(id) ?? String(id);
  }
  private idOf(uname: string): number | undefined {
    for (const [id, n] of this.opts.nodes) if (n === uname) return id;
    const asNum = Number(uname);
    return Number.isInteger(asNum) ? asNum : undefined;
  }

  handle(ev: ControllerEvent): ControllerEffect[] {
    this.now = ev.now;
    switch (ev.type) {
      case "membership":
        return this.onMembership(ev.members, ev.ring, ev.quorate);
      case "quorum":
        if (ev.quorate === this.quorate) return [];
        this.quorate = ev.quorate;
        if (!this.isDc) return [];
        // The scheduler runs once this is in the CIB (see onCib), not before.
        return [
          { type: "cib", op: { op: "status", changes: [{ kind: "cluster", haveQuorum: ev.quorate }] } },
        ];
      case "cib":
        return this.onCib(ev.cib, ev.op, ev.origin);
      case "deliver": {
        // Only the DC of this configuration directs the nodes, and only with what it planned in
        // this configuration: a node that was paused or cut off may still believe it is DC, and
        // messages queued before a membership change are delivered after it (in a configuration
        // where their sender may be DC again).
        const m = ev.msg;
        if (m.t === "exec" || m.t === "cancel" || m.t === "shutdown-ok") {
          const why =
            ev.from !== this.dc
              ? `the DC is node ${this.dc ?? "none"}`
              : m.round !== this.round
                ? `planned in configuration ${m.round}, this is ${this.round}`
                : undefined;
          if (why !== undefined)
            return [
              {
                type: "log",
                level: m.node === this.nodeId ? "warning" : "debug",
                msg: `ignoring ${m.t} from node ${ev.from}: ${why}`,
              },
            ];
        }
        const fx = this.local.onMessage(ev.msg);
        return fx;
      }
      case "exec-result":
        return this.local.onResult(ev.result, ev.now);
      case "fence-result":
        return this.onFenceResult(ev.target, ev.ok, ev.reason);
      case "fence-notify":
        return this.onFenceNotify(ev.target, ev.action, ev.ok);
      case "timer":
        return this.onTimer(ev.name);
      case "shutdown": {
        if (this.local.isShuttingDown) return [];
        const configured = parseDurationMs(this.cib ? crmConfig(this.cib, "shutdown-escalation") : undefined);
        const ms = configured !== undefined && configured > 0 ? configured : this.opts.shutdownEscalationMs;
        return [...this.local.shutdown(ev.now), { type: "set-timer", name: TIMER_ESCALATION, ms }];
      }
    }
  }

  private onMembership(members: number[], ring: string, quorate: boolean): ControllerEffect[] {
    const wasDc = this.isDc;
    const before = new Set(this.members);
    this.members = [...new Set(members)].sort((a, b) => a - b);
    this.round = `${ring}/${this.members.join(",")}`;
    this.quorate = quorate;
    for (const n of this.members) if (!before.has(n)) this.fencedMembers.delete(n);
    const fx: ControllerEffect[] = [];
    fx.push(...this.checkDeadtime());
    // A transition belongs to the configuration it was planned in: its commands are refused in
    // any other, and what it assumed (who is up, what runs where) may be wrong now. It is
    // dropped; the DC plans again once the join has given it every member's history (actions
    // still running report through it: an activating one as pending, local.ts).
    fx.push(...this.discardTransition());
    if (!this.isDc) {
      for (const n of before) if (!this.members.includes(n)) this.fencedMembers.delete(n);
      fx.push(...this.local.join());
      if (wasDc) {
        fx.push({ type: "log", level: "notice", msg: `no longer the DC (node ${this.dc} is)` });
        fx.push({ type: "cancel-timer", name: TIMER_SCHEDULE }, { type: "cancel-timer", name: TIMER_JOIN });
        fx.push({ type: "cancel-timer", name: TIMER_RECHECK });
        this.scheduleArmed = false;
      }
      return fx;
    }
    if (!wasDc)
      fx.push({ type: "log", level: "notice", msg: `this node (${this.uname(this.nodeId)}) is now the DC` });
    const lost = [...before].filter((n) => !this.members.includes(n));
    const changes: StatusChange[] = [{ kind: "cluster", dcUuid: String(this.nodeId), haveQuorum: quorate }];
    // A lost node keeps join/expected as they were: expected=member with the node gone is what
    // makes it unclean (to be fenced) rather than cleanly shut down.
    // A node of which the copy knows nothing (no node_state, or one without `expected`: the copy
    // came from a side that never saw it) left while expected up as far as anyone here can
    // tell: recorded so (unclean), not as a bare offline entry the scheduler would read as a
    // clean shutdown. Which copy that is gets decided only when the write is applied — after the
    // members' copies were compared, and the winner may not be this node's (totem-sim seed 12) —
    // so the store decides it there (`unknownAttrs`, `non-members-down`).
    for (const n of lost) {
      if (this.fencedMembers.delete(n)) {
        // Fenced (by stonith_admin, or by itself) before its departure was seen: down cleanly.
        fx.push({ type: "log", level: "notice", msg: `node ${this.uname(n)} left after being fenced` });
        changes.push(...this.cleanDown(this.uname(n), String(n)));
        continue;
      }
      fx.push({ type: "log", level: "warning", msg: `node ${this.uname(n)} left the membership` });
      changes.push({
        kind: "node-state",
        nodeId: String(n),
        uname: this.uname(n),
        attrs: { in_ccm: "false", crmd: "offline" },
        unknownAttrs: { join: "down", expected: "member" },
      });
      // A node's transient attributes (fail counts, shutdown request...) leave with it, as attrd's do.
      changes.push({ kind: "attrs-clear", nodeId: String(n) });
    }
    // Nodes recorded as up that are not members (a DC restarted alone, a copy adopted at a merge) are down too.
    changes.push({ kind: "non-members-down", members: this.members.map(String) });
    // The DC's bookkeeping goes out before its own join report: when the join completes (the
    // DC has seen every report, its own included), the CIB says who is DC and whether we have quorum.
    fx.push({ type: "cib", op: { op: "status", changes } });
    fx.push(...this.local.join());
    this.awaitingJoin = new Set(this.members);
    fx.push({ type: "set-timer", name: TIMER_JOIN, ms: this.opts.joinTimeoutMs });
    return fx;
  }

  /** Drops the transition in progress (a new configuration): nothing more of it is sent or awaited. */
  private discardTransition(): ControllerEffect[] {
    const t = this.transition;
    if (!t) return [];
    this.transition = undefined;
    const fx: ControllerEffect[] = [];
    let running = 0;
    for (const a of t.graph.actions)
      if (t.state.get(a.id) === "running") {
        running++;
        fx.push({ type: "cancel-timer", name: `action:${t.id}:${a.id}` });
      }
    const done = [...t.state.values()].filter((s) => s === "done").length;
    fx.push({
      type: "log",
      level: "notice",
      msg: `transition ${t.id} dropped: the membership changed (${done}/${t.graph.actions.length} done, ${running} in flight)`,
    });
    return fx;
  }

  /** dc-deadtime: the first membership starts the clock; every configured node present ends it. */
  private checkDeadtime(): ControllerEffect[] {
    if (this.deadtimeOver) return [];
    this.startedAt ??= this.now;
    if (![...this.opts.nodes.keys()].every((n) => this.members.includes(n))) return [];
    this.deadtimeOver = true;
    return this.deadtimeLogged
      ? [
          { type: "cancel-timer", name: TIMER_DEADTIME },
          { type: "log", level: "info", msg: "dc-deadtime: every configured node is a member" },
        ]
      : [];
  }

  /**
   * A freshly started node does not act as DC (start resources, fence peers) before it could hear
   * the others: until every configured node is a member or dc-deadtime (the CIB's, else the
   * default) has passed. Returns the effects of waiting, or undefined when scheduling may go on.
   */
  private deadtimeWait(): ControllerEffect[] | undefined {
    if (this.deadtimeOver) return undefined;
    const configured = parseDurationMs(this.cib ? crmConfig(this.cib, "dc-deadtime") : undefined);
    const ms = configured ?? this.opts.dcDeadtimeMs;
    const left = (this.startedAt ?? this.now) + ms - this.now;
    if (left <= 0) {
      this.deadtimeOver = true;
      if (ms <= 0) return undefined;
      const missing = [...this.opts.nodes.keys()].filter((n) => !this.members.includes(n));
      return [
        {
          type: "log",
          level: "notice",
          msg: `dc-deadtime passed without node(s) ${missing.join(", ")}; acting as DC`,
        },
        ...this.runScheduler(),
      ];
    }
    const fx: ControllerEffect[] = [{ type: "set-timer", name: TIMER_DEADTIME, ms: left }];
    if (!this.deadtimeLogged) {
      this.deadtimeLogged = true;
      fx.push({
        type: "log",
        level: "notice",
        msg: `dc-deadtime: waiting up to ${ms} ms for the other nodes before acting as DC`,
      });
    }
    return fx;
  }

  private nodeStates(): XmlElement[] {
    const status = this.cib && child(this.cib, "status");
    return status ? elements(status, "node_state") : [];
  }

  private onCib(
    cib: XmlElement,
    op: CibOperation | undefined,
    origin: number | undefined,
  ): ControllerEffect[] {
    this.cib = cib;
    const fx = this.local.onCib(cib);
    if (!this.isDc) return fx;
    if (op?.op === "status" && origin !== undefined && this.awaitingJoin.has(origin)) {
      if (op.changes.some((c) => c.kind === "lrm-replace" && c.nodeId === String(origin))) {
        this.awaitingJoin.delete(origin);
        if (this.awaitingJoin.size === 0) {
          fx.push({ type: "cancel-timer", name: TIMER_JOIN });
          fx.push({ type: "log", level: "info", msg: `join complete: [${this.members.join(",")}]` });
          fx.push(...this.requestSchedule());
        }
        return fx;
      }
    }
    const t = this.transition;
    if (this.awaitingJoin.size > 0) {
      // Results of actions still in flight count even while the join runs.
      if (t && op?.op === "status") {
        this.confirmFromStatus(t, op, fx);
        fx.push(...this.advance());
      }
      return fx;
    }
    if (t) {
      const explained = op?.op === "status" && this.confirmFromStatus(t, op, fx);
      if (!explained && !t.aborted)
        this.abort(op?.op === "status" ? "status changed" : "configuration changed");
      fx.push(...this.advance());
      return fx;
    }
    // (Our own have-quorum writes land here too: the scheduler then runs on the new quorum state.)
    fx.push(...this.requestSchedule());
    return fx;
  }

  /** Marks actions confirmed or failed from lrm-op entries; true when every entry matched this transition. */
  private confirmFromStatus(
    t: Transition,
    op: Extract<CibOperation, { op: "status" }>,
    fx: ControllerEffect[],
  ): boolean {
    let allMine = true;
    for (const c of op.changes) {
      if (c.kind !== "lrm-op") {
        allMine = false;
        continue;
      }
      for (const entry of c.upsert ?? []) {
        if (entry.id.endsWith("_last_failure_0")) continue;
        const key = parseTransitionKey(entry["transition-key"]);
        if (!key || key.transition !== t.id || key.dc !== String(this.nodeId)) {
          allMine = false;
          continue;
        }
        if (entry["op-status"] === "-1") continue; // our own record of an action in flight
        const action = t.graph.actions.find((a) => a.id === key.action);
        if (!action || t.state.get(action.id) !== "running") continue;
        const rc = Number(entry["rc-code"]);
        const status = Number(entry["op-status"]);
        const failed = isFailure(action.task, action.intervalMs, rc, status, key.targetRc);
        t.state.set(action.id, failed ? "failed" : "done");
        fx.push({ type: "cancel-timer", name: `action:${t.id}:${action.id}` });
        if (failed) {
          allMine = false;
          fx.push({
            type: "log",
            level: "warning",
            msg: `transition ${t.id}: action ${action.id} (${action.rsc?.id}_${action.task}_${action.intervalMs} on ${action.node}) failed: rc=${rc} status=${status}`,
          });
          this.abort(`action ${action.id} failed`);
        } else if (rc !== key.targetRc) {
          // Not a failure, but not what the graph assumed (a probe that finds the resource
          // running): the rest of the graph may be wrong now, so nothing more of it starts.
          allMine = false;
          fx.push({
            type: "log",
            level: "notice",
            msg: `transition ${t.id}: ${action.rsc?.id}_${action.task}_${action.intervalMs} on ${action.node} returned rc=${rc}, expected ${key.targetRc}`,
          });
          this.abort(`unexpected result of action ${action.id}`);
        }
      }
    }
    return allMine;
  }

  private requestSchedule(delay = this.opts.debounceMs): ControllerEffect[] {
    if (this.scheduleArmed) return [];
    this.scheduleArmed = true;
    return [{ type: "set-timer", name: TIMER_SCHEDULE, ms: delay }];
  }

  private abort(reason: string): void {
    const t = this.transition;
    if (!t || t.aborted) return;
    t.aborted = true;
    t.reason = reason;
    t.abortWaited = [...t.state.values()].some((s) => s === "running");
  }

  private onTimer(name: string): ControllerEffect[] {
    if (name === TIMER_SCHEDULE) {
      this.scheduleArmed = false;
      // Never plan before the join of this configuration is complete: until then the CIB may not
      // hold every member's history (or even the cluster's copy: the members' reports are applied
      // only once the copies were compared and synced). The join's end asks for a run.
      if (!this.isDc || this.transition || this.awaitingJoin.size > 0) return [];
      return this.deadtimeWait() ?? this.runScheduler();
    }
    if (name === TIMER_DEADTIME)
      return this.isDc && !this.deadtimeOver && this.awaitingJoin.size === 0 ? this.requestSchedule(0) : [];
    if (name === TIMER_JOIN) {
      if (!this.isDc || this.awaitingJoin.size === 0) return [];
      const missing = this.pendingJoins;
      this.awaitingJoin.clear();
      return [
        {
          type: "log",
          level: "warning",
          msg: `join timed out waiting for node(s) ${missing.join(", ")}; scheduling without them`,
        },
        ...this.requestSchedule(),
      ];
    }
    if (name === TIMER_RECHECK) return this.isDc ? this.requestSchedule(0) : [];
    if (name === TIMER_ESCALATION) {
      const t = this.isDc ? this.currentTransition : undefined;
      const fx = this.local.escalate();
      if (fx.length === 0) return [];
      return [
        {
          type: "log",
          level: "warning",
          msg: `shutdown-escalation: the graceful stop did not complete in time; leaving anyway${t ? ` (transition ${t.id}: ${t.done}/${t.actions} actions done)` : ""}`,
        },
        ...fx,
      ];
    }
    const m = /^action:(\d+):(\d+)$/.exec(name);
    if (m && this.transition && this.transition.id === Number(m[1])) {
      const t = this.transition;
      const id = Number(m[2]);
      if (t.state.get(id) !== "running") return [];
      t.state.set(id, "failed");
      this.abort(`action ${id} timed out`);
      return [
        { type: "log", level: "error", msg: `transition ${t.id}: action ${id} timed out` },
        ...this.advance(),
      ];
    }
    return [];
  }

  private runScheduler(): ControllerEffect[] {
    if (!this.cib) return [];
    const fx: ControllerEffect[] = [{ type: "cancel-timer", name: TIMER_RECHECK }];
    let graph: TransitionGraph;
    try {
      graph = this.opts.scheduler(this.cib, this.now);
      this.ruleChangeAt = graph.recheckAtMs;
    } catch (e) {
      // A configuration the scheduler cannot handle: say so, keep what runs, wait for the next change.
      fx.push({ type: "log", level: "error", msg: `scheduler failed: ${(e as Error).message}` });
      return fx;
    }
    const id = ++this.transitionCounter;
    if (graph.actions.length === 0) {
      this.lastGraphEmpty = true;
      fx.push(...this.idle());
      return fx;
    }
    this.lastGraphEmpty = false;
    this.transition = {
      id,
      graph,
      state: new Map(graph.actions.map((a) => [a.id, "pending"])),
      aborted: false,
    };
    fx.push({ type: "log", level: "notice", msg: `transition ${id}: ${graph.actions.length} action(s)` });
    const label = (x: GraphAction) =>
      `${x.id}:${x.kind === "fence" ? "fence" : `${x.rsc?.id ?? ""}_${x.task}_${x.intervalMs}`}@${x.node ?? ""}`;
    fx.push({
      type: "log",
      level: "debug",
      msg: `transition ${id} graph: ${graph.actions.map((x) => `${label(x)}<-[${x.deps.join(",")}]`).join(" ")}`,
    });
    fx.push(...this.advance());
    return fx;
  }

  /** Nothing to do: release nodes waiting to shut down, arm the recheck timer. */
  private idle(): ControllerEffect[] {
    const fx: ControllerEffect[] = [];
    for (const ns of this.nodeStates()) {
      const n = Number(ns.attrs.id);
      if (!this.members.includes(n) || ns.attrs.expected === "down") continue;
      const ta = child(ns, "transient_attributes");
      const wants =
        ta && elements(ta).some((set) => elements(set, "nvpair").some((p) => p.attrs.name === "shutdown"));
      if (wants) fx.push({ type: "send", msg: { t: "shutdown-ok", node: n, round: this.round } });
    }
    const recheck =
      parseDurationMs(this.cib ? crmConfig(this.cib, "cluster-recheck-interval") : undefined) ?? 15 * 60_000;
    // Sooner when a rule changes its value before then (a lifetime's end), as Pacemaker 2.1 does.
    const untilRule =
      this.ruleChangeAt === undefined
        ? Number.POSITIVE_INFINITY
        : Math.max(1000, this.ruleChangeAt - this.now);
    const ms = Math.min(recheck > 0 ? recheck : Number.POSITIVE_INFINITY, untilRule);
    if (Number.isFinite(ms)) fx.push({ type: "set-timer", name: TIMER_RECHECK, ms });
    return fx;
  }

  /** Starts every action whose dependencies are done; finishes the transition when nothing is left. */
  private advance(): ControllerEffect[] {
    const t = this.transition;
    if (!t) return [];
    const fx: ControllerEffect[] = [];
    let progressed = true;
    while (progressed && !t.aborted) {
      progressed = false;
      for (const a of t.graph.actions) {
        if (t.state.get(a.id) !== "pending") continue;
        if (!a.deps.every((d) => t.state.get(d) === "done")) continue;
        const started = this.start(t, a, fx);
        if (started === "done") progressed = true;
      }
    }
    const states = [...t.state.values()];
    const running = states.some((s) => s === "running");
    const pending = states.some((s) => s === "pending");
    if (running) return fx;
    if (pending && !t.aborted) {
      // Stuck: a dependency failed or can never complete.
      this.abort("unrunnable actions");
    }
    const ok = !t.aborted && states.every((s) => s === "done");
    fx.push({
      type: "log",
      level: ok ? "info" : "notice",
      msg: `transition ${t.id} ${ok ? "complete" : `aborted (${t.reason})`}: ${states.filter((s) => s === "done").length}/${states.length} done`,
    });
    this.transition = undefined;
    if (t.releaseSelf && ok && this.local.isShuttingDown) {
      // The DC is leaving: its transition (the starts of its resources elsewhere included) is
      // complete, so the next DC has nothing left to do. An aborted one is re-planned first.
      fx.push({
        type: "log",
        level: "notice",
        msg: `transition ${t.id} complete: this node (the DC) may leave`,
      });
      fx.push({ type: "send", msg: { t: "shutdown-ok", node: this.nodeId, round: this.round } });
    }
    if (ok && t.graph.actions.every((a) => a.kind === "pseudo")) {
      // Only ordering points (a do_shutdown already answered...): nothing changed, nothing to re-check.
      this.abortStreak = 0;
      fx.push(...this.idle());
      return fx;
    }
    const failedFence = t.graph.actions.some((a) => a.kind === "fence" && t.state.get(a.id) === "failed");
    // Transitions that keep aborting back off (up to 5 s), so a stuck action cannot spin the DC.
    this.abortStreak = ok ? 0 : this.abortStreak + 1;
    // A first abort that had to wait for running actions (an agent's stop of seconds) is
    // re-planned at once: its cause is that long past, and its results are in the CIB already
    // (actions are confirmed from it); waiting the debounce again only lengthens a failover.
    const backoff =
      !ok && this.abortStreak === 1 && t.abortWaited
        ? 0
        : Math.min(5_000, this.opts.debounceMs * 2 ** Math.max(0, this.abortStreak - 2));
    fx.push(...this.requestSchedule(failedFence ? Math.max(this.opts.fenceRetryMs, backoff) : backoff));
    return fx;
  }

  private start(t: Transition, a: GraphAction, fx: ControllerEffect[]): "done" | "running" | "failed" {
    if (a.kind === "pseudo") {
      // The scheduler's do_shutdown: the node's resources are gone, it may leave.
      const target = a.task === "do_shutdown" && a.node !== undefined ? this.idOf(a.node) : undefined;
      // The DC itself leaves only when the whole transition is done (advance()): leaving now
      // would drop the rest of it (the starts elsewhere) and the next DC would plan it again.
      if (target === this.nodeId) t.releaseSelf = true;
      else if (target !== undefined && this.members.includes(target))
        fx.push({ type: "send", msg: { t: "shutdown-ok", node: target, round: this.round } });
      t.state.set(a.id, "done");
      return "done";
    }
    const targetRc = a.targetRc ?? 0;
    const key = transitionKey(a.id, t.id, targetRc, String(this.nodeId));
    if (a.kind === "fence") {
      // Never fence without quorum (unless no-quorum-policy=ignore), whatever the CIB said when
      // the graph was made: quorum can be lost while a transition runs.
      const policy = this.cib ? crmConfig(this.cib, "no-quorum-policy") : undefined;
      if (!this.quorate && policy !== "ignore") {
        t.state.set(a.id, "failed");
        this.abort(`no quorum to fence ${a.node}`);
        fx.push({
          type: "log",
          level: "warning",
          msg: `not fencing ${a.node}: this partition has no quorum`,
        });
        return "failed";
      }
      t.state.set(a.id, "running");
      const target = a.node ?? "";
      if (this.fencing.has(target))
        // Still running from a transition that was dropped: its result confirms this action.
        fx.push({ type: "log", level: "notice", msg: `waiting for the fencing of ${target} in progress` });
      else {
        this.fencing.add(target);
        fx.push({
          type: "log",
          level: "crit",
          msg: `fencing node ${target} (${a.task}) before recovering its resources`,
        });
        fx.push({ type: "fence", target, action: a.task, key });
      }
      fx.push({
        type: "set-timer",
        name: `action:${t.id}:${a.id}`,
        ms: a.timeoutMs + this.opts.actionGraceMs,
      });
      return "running";
    }
    const node = a.node === undefined ? undefined : this.idOf(a.node);
    if (node === undefined || !this.members.includes(node) || !a.rsc) {
      t.state.set(a.id, "failed");
      this.abort(`action ${a.id} targets node ${a.node}, which is not a member`);
      return "failed";
    }
    t.state.set(a.id, "running");
    if (PENDING_RECORDED.has(a.task)) {
      // record-pending: the CIB says the action may be running before it can be. If the node
      // dies before it reports, the scheduler still counts the resource as possibly active there
      // (and fences or stops it) instead of believing it never started.
      const opKey = `${a.rsc.id}_${a.task}_${a.intervalMs}`;
      fx.push({
        type: "cib",
        op: {
          op: "status",
          changes: [
            {
              kind: "lrm-op",
              nodeId: String(node),
              uname: a.node ?? String(node),
              rsc: { id: a.rsc.id, ...a.rsc.agent },
              upsert: [
                {
                  id: a.intervalMs > 0 ? opKey : `${a.rsc.id}_last_0`,
                  operation_key: opKey,
                  operation: a.task,
                  "crm-debug-origin": "do_update_resource",
                  "transition-key": key,
                  "transition-magic": `-1:193;${key}`,
                  "call-id": "-1",
                  "rc-code": "193",
                  "op-status": "-1",
                  interval: String(a.intervalMs),
                  "last-rc-change": String(Math.floor(this.now / 1000)),
                  "exec-time": "0",
                  "queue-time": "0",
                  ...(a.rsc.digest ? { "op-digest": a.rsc.digest } : {}),
                  on_node: a.node ?? String(node),
                },
              ],
            },
          ],
        },
      });
    }
    fx.push({
      type: "send",
      msg: {
        t: "exec",
        node,
        key,
        round: this.round,
        ...(a.rsc.digest ? { digest: a.rsc.digest } : {}),
        req: {
          rscId: a.rsc.id,
          agent: a.rsc.agent,
          action: a.task,
          intervalMs: a.intervalMs,
          timeoutMs: a.timeoutMs,
          params: a.rsc.params,
          ...(a.rsc.meta ? { meta: a.rsc.meta } : {}),
        },
      },
    });
    fx.push({ type: "set-timer", name: `action:${t.id}:${a.id}`, ms: a.timeoutMs + this.opts.actionGraceMs });
    return "running";
  }

  /** What a successful fencing makes of a node in the status section: down, no history, no attributes. */
  private cleanDown(target: string, nid: string): StatusChange[] {
    return [
      {
        kind: "node-state",
        nodeId: nid,
        uname: target,
        attrs: { in_ccm: "false", crmd: "offline", join: "down", expected: "down" },
      },
      { kind: "lrm-forget", nodeId: nid },
      { kind: "attrs-clear", nodeId: nid },
    ];
  }

  /**
   * A fencing result announced by the fencer (Pacemaker's fencing notification). A node fenced
   * by someone else is recorded down cleanly by the DC and not fenced again; a fence of it that
   * the current transition has not started yet is confirmed. One still a member (the result came
   * before its departure) is remembered, and its departure will be clean.
   */
  private onFenceNotify(target: string, action: string, ok: boolean): ControllerEffect[] {
    const id = this.idOf(target);
    if (!ok || action === "on" || id === undefined) return [];
    const t = this.transition;
    const ours = (state: ActionState) =>
      t?.graph.actions.find((x) => x.kind === "fence" && x.node === target && t.state.get(x.id) === state);
    // Our own fencing of it (in this transition or a dropped one): its fence-result does the rest.
    if (ours("running") || this.fencing.has(target)) return [];
    if (this.members.includes(id)) {
      this.fencedMembers.add(id);
      return [];
    }
    if (!this.isDc) return [];
    const ns = this.nodeStates().find((n) => n.attrs.id === String(id));
    const fx: ControllerEffect[] = [];
    if (!(ns?.attrs.expected === "down" && ns.attrs.join === "down" && ns.attrs.crmd !== "online")) {
      fx.push({
        type: "log",
        level: "notice",
        msg: `node ${target} was fenced (${action}): recorded as down`,
      });
      fx.push({ type: "cib", op: { op: "status", changes: this.cleanDown(target, String(id)) } });
    }
    const waiting = ours("pending");
    if (t && waiting) {
      t.state.set(waiting.id, "done");
      fx.push(...this.advance());
    }
    return fx;
  }

  private onFenceResult(target: string, ok: boolean, reason: string): ControllerEffect[] {
    this.fencing.delete(target);
    const t = this.transition;
    const fx: ControllerEffect[] = [];
    const a = t?.graph.actions.find(
      (x) => x.kind === "fence" && x.node === target && t.state.get(x.id) === "running",
    );
    if (ok) {
      const id = this.idOf(target);
      fx.push({ type: "log", level: "notice", msg: `node ${target} was fenced: its resources are stopped` });
      if (id !== undefined) {
        // Recorded before anything that depends on the fence can run: the CIB op is ordered first.
        fx.push({ type: "cib", op: { op: "status", changes: this.cleanDown(target, String(id)) } });
      }
    } else
      fx.push({
        type: "log",
        level: "crit",
        msg: `fencing of node ${target} failed (${reason}); will retry`,
      });
    if (t && a) {
      t.state.set(a.id, ok ? "done" : "failed");
      fx.push({ type: "cancel-timer", name: `action:${t.id}:${a.id}` });
      if (!ok) this.abort(`fencing of ${target} failed`);
      fx.push(...this.advance());
    }
    return fx;
  }

  /** Whether the last scheduler run found nothing to do (for tests and status). */
  get settled(): boolean {
    return this.lastGraphEmpty && !this.transition && !this.scheduleArmed;
  }
}
