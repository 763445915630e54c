// The fencer in tandemd: fencing on request (`fence.request`: stonith_admin -B/-F,
// pcs stonith fence) and for the DC's controller, and the fencing history
// (`fence.history`, stonith_admin -H, pcs stonith history). Devices are the
// stonith primitives of the live CIB, targets from pcmk_host_list, pcmk_host_map,
// else the agent's `list` action; fencing-topology levels are tried in order
// (fence-plan.ts). A request is executed by a delegate: a member other than the
// target on which the devices may run (the requesting node when it can), told
// through the process group ("fence" channel); the delegate runs the agents and
// announces the result to every node ("done"), which is how every controller
// learns of a fencing it did not order. An identical request while one is in
// flight is merged into it. Every operation is recorded in the replicated CIB
// status (fence-history.ts), so every node sees it and it survives a DC change.

import { ErrorCodes, TandemError } from "../core/errors.js";
import type { Logger } from "../core/log.js";
import type { XmlElement } from "../core/xml.js";
import type { CibOperation } from "../cib/store.js";
import type { IpcHandler } from "../transport/ipc.js";
import { type FenceHistoryEntry, readHistory, recordChange } from "./fence-history.js";
import {
  chooseDelegate,
  deviceAllowedOn,
  type FenceDevice,
  type FencePlan,
  deviceTimeoutMs,
  fenceDevices,
  planFor,
} from "./fence-plan.js";

export { type FenceDevice, fenceDevices } from "./fence-plan.js";

/** What fencers tell each other through the process group. */
export type FencerMessage =
  | { t: "exec"; delegate: string; entry: FenceHistoryEntry; timeoutMs?: number }
  | { t: "done"; entry: FenceHistoryEntry };

export interface FenceAgentRequest {
  agent: string;
  action: string;
  params: Record<string, string>;
  target?: string;
  timeoutMs: number;
}
export interface FenceAgentResult {
  rc: number;
  status: number;
  exitReason: string;
  stdout?: string;
}

export interface FencerOptions {
  /** Node names by id (the nodelist). */
  nodes: Map<number, string>;
  /** This node's name. */
  uname: string;
  cib: () => XmlElement;
  submit: (op: CibOperation, origin: { client?: string }) => Promise<unknown>;
  /** Runs one fence agent action (the executor's fence). */
  runAgent: (req: FenceAgentRequest) => Promise<FenceAgentResult>;
  log: Logger;
  wallClock?: () => number;
  /** Current members (node ids); default: this node only. */
  members?: () => number[];
  /** Sends a message to every node's fencer, this one included (agreed order); none: no delegation. */
  broadcast?: (m: FencerMessage) => void;
}

/** A pending entry of another node younger than this is taken as in flight (merged into). */
const IN_FLIGHT_MS = 120_000;
/** How long a device's `list` answer is used before the agent is asked again (ms), as Pacemaker's fencer caches it. */
const LIST_CACHE_MS = 60_000;
/** A successful fencing of a node that has not rejoined since answers a DC's request (ms). */
const RECENT_MS = 60_000;

/** Host names in a fence agent's `list` output ("name,alias" or "name" per line). */
export function parseAgentList(stdout: string): string[] {
  return stdout
    .split("\n")
    .map((l) => l.trim().split(/[,\s]/)[0])
    .filter(Boolean);
}

export interface FenceOutcome {
  ok: boolean;
  device?: string;
  reason: string;
  /** No device may fence the target (nothing was run). */
  noDevice: boolean;
}

export class Fencer {
  private readonly o: FencerOptions;
  private readonly wall: () => number;
  private seq = 0;
  /** Operations this node asked for, by target, until they end. */
  private readonly inflight = new Map<string, Promise<FenceOutcome>>();
  /** Waiting for the "done" of an entry id. */
  private readonly waiters = new Map<string, { delegate: string; done: (e: FenceHistoryEntry) => void }>();
  /** The last successful fencing heard of per target, until the target is a member again. */
  private readonly recent = new Map<string, { entry: FenceHistoryEntry; at: number }>();
  private lastMembers = new Set<number>();
  private readonly actionsCache = new Map<string, Promise<Set<string>>>();
  /** A device's `list` output (by its type and parameters) and when it was asked. */
  private readonly listCache = new Map<string, { at: number; hosts: string[] }>();

  constructor(opts: FencerOptions) {
    this.o = opts;
    this.wall = opts.wallClock ?? Date.now;
  }

  private nodeId(name: string): string | undefined {
    for (const [id, n] of this.o.nodes) if (n === name) return String(id);
    return undefined;
  }

  private memberList(): { id: number; name: string }[] {
    if (!this.o.broadcast)
      return [...this.o.nodes].filter(([, n]) => n === this.o.uname).map(([id, name]) => ({ id, name }));
    const ids = this.o.members?.() ?? [...this.o.nodes.keys()];
    return ids.map((id) => ({ id, name: this.o.nodes.get(id) ?? String(id) }));
  }

  /** The actions an agent's meta-data lists (asked once per agent type). */
  private async agentActions(agent: string): Promise<Set<string>> {
    let p = this.actionsCache.get(agent);
    if (!p) {
      p = this.o
        .runAgent({ agent, action: "metadata", params: {}, timeoutMs: 20_000 })
        .then((r) => new Set([...(r.stdout ?? "").matchAll(/<action\s+name="([^"]+)"/g)].map((m) => m[1])))
        .catch(() => new Set<string>());
      this.actionsCache.set(agent, p);
    }
    return p;
  }

  /**
   * Whether device `d` can fence `target`, by its pcmk_host_check (as Pacemaker's fencer): a
   * static list (pcmk_host_list / pcmk_host_map), the agent's `list` output, its `status` of the
   * target, or any node. Default: static when a list is configured, else dynamic when the agent
   * has a `list` action, else status when it has `status`, else any.
   */
  private async canFence(d: FenceDevice, target: string): Promise<boolean> {
    let check = (d.params.pcmk_host_check ?? "").toLowerCase();
    if (check === "") {
      if (d.targets) check = "static-list";
      else {
        const actions = await this.agentActions(d.type);
        check = actions.has("list") ? "dynamic-list" : actions.has("status") ? "status" : "none";
      }
    }
    if (check === "none") return true;
    if (check === "static-list") return (d.targets ?? []).includes(target);
    const action = check === "status" ? "status" : "list";
    const key = `${d.type}\0${JSON.stringify(d.params)}`;
    const cached = this.listCache.get(key);
    if (action === "list" && cached && this.wall() - cached.at < LIST_CACHE_MS)
      return cached.hosts.includes(target);
    try {
      const r = await this.o.runAgent({
        agent: d.type,
        action,
        params: d.params,
        ...(action === "status" ? { target } : {}),
        timeoutMs: 20_000,
      });
      if (action === "status") return r.status === 0 && (r.rc === 0 || r.rc === 7); // on, or off (exit 2)
      if (!(r.rc === 0 && r.status === 0)) return false;
      const hosts = parseAgentList(r.stdout ?? "");
      this.listCache.set(key, { at: this.wall(), hosts });
      return hosts.includes(target);
    } catch (e) {
      this.o.log.log("warning", `${d.id}: ${action} action failed: ${(e as Error).message}`);
      return false;
    }
  }

  /** Devices that may fence `target`, in configuration order. */
  async devicesFor(target: string): Promise<FenceDevice[]> {
    const out: FenceDevice[] = [];
    for (const d of fenceDevices(this.o.cib())) if (await this.canFence(d, target)) out.push(d);
    return out;
  }

  /** Writes one history entry to the replicated CIB (best effort: a failure is logged). */
  private async record(entry: FenceHistoryEntry): Promise<void> {
    const nodeId = this.nodeId(entry.target);
    if (nodeId === undefined) return;
    try {
      await this.o.submit(
        { op: "status", changes: [recordChange(nodeId, { ...entry })] },
        { client: "stonith-ng" },
      );
    } catch (e) {
      this.o.log.log("warning", `fencing history of ${entry.target} not recorded: ${(e as Error).message}`);
    }
  }

  private newEntry(target: string, action: string, client: string): FenceHistoryEntry {
    const now = this.wall();
    return {
      id: `${this.o.uname}-${now}-${++this.seq}`,
      target,
      action,
      state: "pending",
      origin: this.o.uname,
      client,
      started: now,
    };
  }

  /** The plan for `target` as this node sees it (devices able to fence it, topology levels). */
  private async plan(target: string): Promise<FencePlan> {
    return planFor(this.o.cib(), target, await this.devicesFor(target));
  }

  /**
   * Fences `target`: merged into an identical operation in flight, else executed by a delegate
   * chosen among the members; the result is recorded cluster-wide and announced to every node.
   */
  async fence(
    target: string,
    action: string,
    client: string,
    timeoutMs?: number,
    opts: { controller?: boolean } = {},
  ): Promise<FenceOutcome> {
    if (this.nodeId(target) === undefined)
      return { ok: false, reason: `unknown node '${target}'`, noDevice: true };
    const merged = this.merge(target, action, opts.controller === true);
    if (merged) return merged;
    const p = this.start(target, action, client, timeoutMs, opts.controller === true);
    this.inflight.set(`${target}\0${action}`, p);
    try {
      return await p;
    } finally {
      this.inflight.delete(`${target}\0${action}`);
    }
  }

  /** An identical operation in flight (here or elsewhere), or for the DC a fresh success. */
  private merge(target: string, action: string, controller: boolean): Promise<FenceOutcome> | undefined {
    const local = this.inflight.get(`${target}\0${action}`);
    if (local) {
      this.o.log.log("notice", `merging ${action} of ${target} with the identical operation in flight`);
      return local;
    }
    const now = this.wall();
    const pending = readHistory(this.o.cib(), target).find(
      (e) =>
        e.state === "pending" &&
        e.action === action &&
        now - e.started < IN_FLIGHT_MS &&
        !this.waiters.has(e.id) &&
        this.memberList().some((m) => m.name === (e.delegate ?? e.origin)),
    );
    if (pending) {
      this.o.log.log(
        "notice",
        `merging ${action} of ${target} with ${pending.origin}'s operation in flight (${pending.client})`,
      );
      return this.waitDone(
        pending.id,
        pending.delegate ?? pending.origin,
        IN_FLIGHT_MS - (now - pending.started),
      );
    }
    const r = this.recent.get(target);
    if (controller && r && r.entry.action !== "on" && now - r.at < RECENT_MS) {
      this.o.log.log(
        "notice",
        `${target} was fenced (${r.entry.action}) by ${r.entry.delegate ?? r.entry.origin} for ${r.entry.client} and has not rejoined: not fencing it again`,
      );
      return Promise.resolve({ ok: true, device: r.entry.device, reason: "", noDevice: false });
    }
    return undefined;
  }

  private async start(
    target: string,
    action: string,
    client: string,
    timeoutMs: number | undefined,
    controller: boolean,
  ): Promise<FenceOutcome> {
    const plan = await this.plan(target);
    if (plan.steps.length === 0)
      return { ok: false, reason: "no fence device can fence this node", noDevice: true };
    const delegate = chooseDelegate(this.o.cib(), plan, target, this.memberList(), this.o.uname);
    if (delegate === undefined)
      return {
        ok: false,
        reason: "no node other than the target may run a device that fences it",
        noDevice: true,
      };
    const entry = this.newEntry(target, action, client);
    entry.delegate = delegate;
    // The DC fencing by itself does not wait for the history (a node is down: every ms counts);
    // its records are still submitted in order, before the controller's own status update.
    const quick = controller && delegate === this.o.uname;
    const pending = this.record(entry);
    if (!quick) await pending;
    this.o.log.log(
      "notice",
      `fencing ${target} (${action}) on request of ${client}${delegate === this.o.uname ? "" : `, executed by ${delegate}`}`,
    );
    if (delegate === this.o.uname) return this.execute(entry, timeoutMs, quick);
    const wait = this.waitDone(entry.id, delegate, this.budget(plan, timeoutMs) + 15_000);
    this.o.broadcast?.({ t: "exec", delegate, entry, ...(timeoutMs ? { timeoutMs } : {}) });
    return wait;
  }

  private budget(plan: FencePlan, timeoutMs?: number): number {
    const per = timeoutMs ?? 60_000;
    return plan.steps.reduce((n, s) => n + Math.max(1, s.devices.length) * per, 0);
  }

  private waitDone(id: string, delegate: string, ms: number): Promise<FenceOutcome> {
    return new Promise((resolve) => {
      const timer = setTimeout(
        () => {
          this.waiters.delete(id);
          resolve({ ok: false, reason: "Timer expired", noDevice: false });
        },
        Math.max(1000, ms),
      );
      timer.unref?.();
      this.waiters.set(id, {
        delegate,
        done: (e) => {
          clearTimeout(timer);
          this.waiters.delete(id);
          resolve({
            ok: e.state === "success",
            device: e.device,
            reason: e.state === "success" ? "" : (e.reason ?? "failed"),
            noDevice: false,
          });
        },
      });
    });
  }

  /** Runs the plan for `entry` here (this node is its delegate); records and announces the result. */
  private async execute(entry: FenceHistoryEntry, timeoutMs?: number, quick = false): Promise<FenceOutcome> {
    const { target, action } = entry;
    const plan = await this.plan(target);
    const cib = this.o.cib();
    let reason = plan.steps.length === 0 ? "no fence device can fence this node" : "";
    let ok = false;
    for (const step of plan.steps) {
      const label = plan.topology ? `level ${step.index}` : step.devices[0]?.id;
      if (step.missing.length > 0 || step.devices.length === 0) {
        reason = `${label}: device(s) ${step.missing.join(",") || "none"} not registered`;
        continue;
      }
      const banned = step.devices.find((d) => !deviceAllowedOn(cib, d.id, this.o.uname));
      if (banned) {
        reason = `${banned.id} may not run on ${this.o.uname}`;
        continue;
      }
      entry.device = step.devices.map((d) => d.id).join(",");
      const r = await this.runStep(step.devices, target, action, timeoutMs);
      if (r.ok) {
        ok = true;
        if (plan.topology)
          this.o.log.log("notice", `${action} of ${target}: ${label} (${entry.device}) succeeded`);
        break;
      }
      reason = r.reason;
      if (plan.topology) this.o.log.log("warning", `${action} of ${target}: ${label} failed: ${reason}`);
    }
    entry.state = ok ? "success" : "failed";
    entry.delegate = this.o.uname;
    entry.completed = this.wall();
    if (!ok) entry.reason = reason;
    const recorded = this.record(entry);
    if (!quick) await recorded;
    if (ok)
      this.o.log.log(
        "notice",
        `node ${target} was fenced (${action}) by ${entry.device} on request of ${entry.client}`,
      );
    else this.o.log.log("error", `fencing of ${target} (${action}) failed: ${reason}`);
    const outcome: FenceOutcome = { ok, device: entry.device, reason: ok ? "" : reason, noDevice: false };
    if (this.o.broadcast) this.o.broadcast({ t: "done", entry: { ...entry } });
    else this.heard(entry);
    return outcome;
  }

  /**
   * One step: its single device runs the action; several devices (a topology level) must all
   * succeed, a reboot being done as off on each, then on on each (a failed on is only logged).
   */
  private async runStep(
    devices: FenceDevice[],
    target: string,
    action: string,
    timeoutMs?: number,
  ): Promise<{ ok: boolean; reason: string }> {
    const run = async (d: FenceDevice, act: string): Promise<string | undefined> => {
      try {
        const r = await this.o.runAgent({
          agent: d.type,
          action: act,
          params: d.params,
          target,
          timeoutMs: timeoutMs ?? deviceTimeoutMs(d, act, 60_000),
        });
        if (r.rc === 0 && r.status === 0) return undefined;
        return r.status === 2 ? "Timer expired" : r.exitReason || `${d.id} returned rc=${r.rc}`;
      } catch (e) {
        return (e as Error).message;
      }
    };
    const first = devices.length > 1 && action === "reboot" ? "off" : action;
    for (const d of devices) {
      const err = await run(d, first);
      if (err !== undefined) return { ok: false, reason: err };
    }
    if (first !== action)
      for (const d of devices) {
        const err = await run(d, "on");
        if (err !== undefined) this.o.log.log("warning", `${d.id}: on after off of ${target} failed: ${err}`);
      }
    return { ok: true, reason: "" };
  }

  /** A result heard of (announced by the delegate, or run here without a group). */
  private heard(entry: FenceHistoryEntry): void {
    if (entry.state === "success") this.recent.set(entry.target, { entry, at: this.wall() });
    this.waiters.get(entry.id)?.done(entry);
  }

  /** A fencer message from the process group. */
  onMessage(_from: number, m: FencerMessage): void {
    if (m.t === "exec") {
      if (m.delegate !== this.o.uname) return;
      void this.execute({ ...m.entry }, m.timeoutMs);
    } else if (m.t === "done") this.heard(m.entry);
  }

  /** The membership changed: a rejoined node is no longer "recently fenced"; a lost delegate fails its waiters. */
  membership(members: number[]): void {
    const now = new Set(members);
    for (const id of now)
      if (!this.lastMembers.has(id)) {
        const name = this.o.nodes.get(id);
        if (name !== undefined) this.recent.delete(name);
      }
    this.lastMembers = now;
    const names = new Set(members.map((id) => this.o.nodes.get(id)));
    for (const [id, w] of [...this.waiters])
      if (!names.has(w.delegate))
        w.done({
          id,
          target: "",
          action: "",
          state: "failed",
          origin: "",
          client: "",
          started: 0,
          reason: `the delegate ${w.delegate} left the cluster`,
        });
  }

  history(target?: string): FenceHistoryEntry[] {
    return readHistory(this.o.cib(), target);
  }

  /** The IPC calls `fence.request`, `fence.devices` and `fence.history` (see protocol.ts). */
  ipcHandlers(): Record<string, IpcHandler> {
    return {
      "fence.request": async (p) => {
        const q = (p ?? {}) as { target?: unknown; action?: unknown; timeoutMs?: unknown; client?: unknown };
        if (typeof q.target !== "string" || q.target === "")
          throw new TandemError(ErrorCodes.USAGE, "fence.request needs a target node");
        const action = q.action ?? "reboot";
        if (action !== "reboot" && action !== "off" && action !== "on")
          throw new TandemError(
            ErrorCodes.USAGE,
            `fence action must be reboot, off or on, not '${String(action)}'`,
          );
        const timeoutMs = typeof q.timeoutMs === "number" && q.timeoutMs > 0 ? q.timeoutMs : undefined;
        const client = typeof q.client === "string" && q.client ? q.client : "stonith_admin";
        return this.fence(q.target, action, client, timeoutMs);
      },
      "fence.devices": async (p) => {
        const t = (p as { target?: unknown } | null)?.target;
        if (typeof t !== "string" || t === "")
          throw new TandemError(ErrorCodes.USAGE, "fence.devices needs a target node");
        return { devices: (await this.devicesFor(t)).map((d) => d.id) };
      },
      "fence.history": (p) => {
        const t = (p as { target?: unknown } | null)?.target;
        return { entries: this.history(typeof t === "string" && t !== "*" ? t : undefined) };
      },
    };
  }
}
