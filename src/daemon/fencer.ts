// The fencer's user-facing half in tandemd: fencing on request (`fence.request`,
// stonith_admin -B/-F, pcs stonith fence) and the fencing history
// (`fence.history`, stonith_admin -H, pcs stonith history). Device selection is
// the cluster's: stonith primitives of the live CIB, targets from pcmk_host_list,
// pcmk_host_map, else the agent's `list` action. Every operation, manual or
// ordered by the DC's scheduler, is recorded in the replicated CIB status
// (fence-history.ts), so every node sees it and it survives a DC change.

import { ErrorCodes, TandemError } from "../core/errors.js";
import type { Logger } from "../core/log.js";
import { elements, type XmlElement } from "../core/xml.js";
import { type CibOperation, querySection } from "../cib/store.js";
import type { IpcHandler } from "../transport/ipc.js";
import { type FenceHistoryEntry, readHistory, recordChange } from "./fence-history.js";

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
}

export interface FenceDevice {
  id: string;
  type: string;
  params: Record<string, string>;
  /** From pcmk_host_list / pcmk_host_map; undefined: ask the agent (list action). */
  targets?: string[];
}

/** The enabled stonith primitives of a CIB with the targets their configuration names. */
export function fenceDevices(cib: XmlElement): FenceDevice[] {
  const res = querySection(cib, "resources");
  const out: FenceDevice[] = [];
  const walk = (e: XmlElement) => {
    for (const p of elements(e)) {
      if (p.name !== "primitive") {
        walk(p);
        continue;
      }
      if (p.attrs.class !== "stonith") continue;
      // A disabled device is not registered with the fencer (as in Pacemaker).
      const disabled = elements(p, "meta_attributes").some((m) =>
        elements(m, "nvpair").some(
          (nv) => nv.attrs.name === "target-role" && (nv.attrs.value ?? "").toLowerCase() === "stopped",
        ),
      );
      if (disabled) continue;
      const params: Record<string, string> = {};
      for (const ia of elements(p, "instance_attributes"))
        for (const nv of elements(ia, "nvpair")) params[nv.attrs.name] = nv.attrs.value ?? "";
      let targets: string[] | undefined;
      if (params.pcmk_host_list !== undefined)
        targets = params.pcmk_host_list.split(/[\s,;]+/).filter(Boolean);
      else if (params.pcmk_host_map !== undefined)
        targets = params.pcmk_host_map
          .split(/[;\s,]+/)
          .map((kv) => kv.split(":")[0])
          .filter(Boolean);
      out.push({ id: p.attrs.id, type: p.attrs.type, params, targets });
    }
  };
  if (res) walk(res);
  return out;
}

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

  constructor(opts: FencerOptions) {
    this.o = opts;
    this.wall = opts.wallClock ?? Date.now;
  }

  private nodeId(name: string): string | undefined {
    for (const [id, n] of this.o.nodes) if (n === name) return String(id);
    return undefined;
  }

  /** Devices that may fence `target`, in configuration order (asks agents without a host list). */
  async devicesFor(target: string): Promise<FenceDevice[]> {
    const out: FenceDevice[] = [];
    for (const d of fenceDevices(this.o.cib())) {
      if (d.targets) {
        if (d.targets.includes(target)) out.push(d);
        continue;
      }
      try {
        const r = await this.o.runAgent({
          agent: d.type,
          action: "list",
          params: d.params,
          timeoutMs: 20_000,
        });
        if (r.rc === 0 && r.status === 0 && parseAgentList(r.stdout ?? "").includes(target)) out.push(d);
      } catch (e) {
        this.o.log.log("warning", `${d.id}: list action failed: ${(e as Error).message}`);
      }
    }
    return out;
  }

  /** Writes one history entry to the replicated CIB (best effort: a failure is logged). */
  private async record(entry: FenceHistoryEntry): Promise<void> {
    const nodeId = this.nodeId(entry.target);
    if (nodeId === undefined) return;
    try {
      await this.o.submit({ op: "status", changes: [recordChange(nodeId, entry)] }, { client: "stonith-ng" });
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

  /** Fences `target` on request: tries each device that may, records the result cluster-wide. */
  async fence(target: string, action: string, client: string, timeoutMs?: number): Promise<FenceOutcome> {
    if (this.nodeId(target) === undefined)
      return { ok: false, reason: `unknown node '${target}'`, noDevice: true };
    const devices = await this.devicesFor(target);
    if (devices.length === 0)
      return { ok: false, reason: "no fence device can fence this node", noDevice: true };
    const entry = this.newEntry(target, action, client);
    await this.record(entry);
    this.o.log.log("notice", `fencing ${target} (${action}) on request of ${client}`);
    let reason = "";
    for (const d of devices) {
      entry.device = d.id;
      try {
        const r = await this.o.runAgent({
          agent: d.type,
          action,
          params: d.params,
          target,
          timeoutMs: timeoutMs ?? 60_000,
        });
        if (r.rc === 0 && r.status === 0) {
          await this.finish(entry, "success");
          this.o.log.log(
            "notice",
            `node ${target} was fenced (${action}) by ${d.id} on request of ${client}`,
          );
          return { ok: true, device: d.id, reason: "", noDevice: false };
        }
        reason = r.status === 2 ? "Timer expired" : r.exitReason || `${d.id} returned rc=${r.rc}`;
      } catch (e) {
        reason = (e as Error).message;
      }
    }
    entry.reason = reason;
    await this.finish(entry, "failed");
    this.o.log.log("error", `fencing of ${target} (${action}) failed: ${reason}`);
    return { ok: false, device: entry.device, reason, noDevice: false };
  }

  private async finish(entry: FenceHistoryEntry, state: "success" | "failed"): Promise<void> {
    entry.state = state;
    entry.delegate = this.o.uname;
    entry.completed = this.wall();
    await this.record(entry);
  }

  /**
   * The executor's fence as the DC's controller uses it, recording each device attempt in the
   * history (client pacemaker-controld.PID, as in Pacemaker).
   */
  async automatic(req: FenceAgentRequest): Promise<FenceAgentResult> {
    const target = req.target ?? "";
    const dev = fenceDevices(this.o.cib()).find(
      (d) => d.type === req.agent && JSON.stringify(d.params) === JSON.stringify(req.params),
    );
    const entry = this.newEntry(target, req.action, `pacemaker-controld.${process.pid}`);
    if (dev) entry.device = dev.id;
    void this.record(entry);
    let r: FenceAgentResult;
    try {
      r = await this.o.runAgent(req);
    } catch (e) {
      entry.reason = (e as Error).message;
      void this.finish(entry, "failed");
      throw e;
    }
    if (!(r.rc === 0 && r.status === 0)) entry.reason = r.exitReason || `rc=${r.rc}`;
    void this.finish(entry, r.rc === 0 && r.status === 0 ? "success" : "failed");
    return r;
  }

  history(target?: string): FenceHistoryEntry[] {
    return readHistory(this.o.cib(), target);
  }

  /** The IPC calls `fence.request` and `fence.history` (see protocol.ts). */
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
