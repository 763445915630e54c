// The replicated CIB (pure state machine, events in, effects out).
//
// Every change is an operation broadcast through the process group; every
// member applies every operation in the group's total order, so all copies go
// through the same versions. The originating member answers its client only
// when its own operation comes back, which the daemon sends with safe delivery
// (every member has it), so an acknowledged change survives any single crash.
//
// On a configuration change (a member joins, leaves, or two partitions merge)
// operations are held back while the members compare copies: each broadcasts
// its version and digest; the copy with the highest (admin_epoch, epoch,
// num_updates) wins (ties: the lowest node id), as in Pacemaker; its owner
// broadcasts it whole and every member adopts it. A member whose own changes
// are overwritten says so (a crit log effect listing them): nothing is
// dropped silently.

import { createHash } from "node:crypto";
import { ErrorCodes, TandemError } from "../core/errors.js";
import { parseXml, serializeXml, type XmlElement } from "../core/xml.js";
import {
  applyOperation,
  basicValidator,
  type ChangeOrigin,
  type CibOperation,
  type CibValidator,
  emptyCib,
} from "./store.js";
import { type CibVersion, compareVersions, formatVersion, readVersion } from "./versions.js";

export type ReplicaMessage =
  | { t: "op"; origin: number; reqId: number | null; op: CibOperation; meta: ChangeOrigin }
  | { t: "version"; node: number; round: string; version: CibVersion; digest: string }
  /** The winner's copy, and the ids of the configuration changes it contains (most recent last). */
  | { t: "sync"; node: number; round: string; cib: string; log?: string[] };

export type ReplicaEvent =
  /** A client (or the controller) asks for a change; reqId is echoed in the reply. */
  | { type: "request"; reqId: number; op: CibOperation; origin?: ChangeOrigin }
  /** A group message delivered in total order. */
  | { type: "deliver"; from: number; msg: ReplicaMessage }
  /** A new regular configuration of the group (sorted or not; includes this node). */
  | { type: "confchange"; members: number[] };

export type ReplicaEffect =
  | { type: "broadcast"; msg: ReplicaMessage }
  | { type: "reply"; reqId: number; ok: true; version: CibVersion; changed: boolean }
  | { type: "reply"; reqId: number; ok: false; code: string; message: string }
  /** The local copy changed: persist (when configChanged), notify subscribers and the controller. */
  | {
      type: "changed";
      cib: XmlElement;
      version: CibVersion;
      configChanged: boolean;
      cause: "op" | "sync";
      op?: CibOperation;
      /** The node that made the change (cause "op"). */
      origin?: number;
    }
  /** A status operation was applied (even when it changed nothing): the controller tracks joins by it. */
  | { type: "applied"; op: CibOperation; origin: number; cib: XmlElement }
  | {
      type: "log";
      level: "info" | "notice" | "warning" | "crit";
      msg: string;
      fields?: Record<string, unknown>;
    };

export type ReplicaPhase = "offline" | "syncing" | "ready";

export interface ReplicaOptions {
  nodeId: number;
  /** The copy loaded from disk, if any (status is ignored: it is rebuilt by the cluster). */
  initial?: XmlElement;
  validate?: CibValidator;
}

/** How many configuration changes each copy remembers for merge reports. */
const CONFIG_LOG_MAX = 256;

export function digestOf(cib: XmlElement): string {
  return createHash("sha256")
    .update(serializeXml(cib, { indent: "" }))
    .digest("hex");
}

function describeOp(op: CibOperation): string {
  if (op.op === "status") return `status update (${op.changes.map((c) => c.kind).join(", ")})`;
  const head = op.xml.length > 120 ? `${op.xml.slice(0, 117)}...` : op.xml;
  return `${op.op}${op.section ? ` -o ${op.section}` : ""} ${head}`;
}

export class CibReplica {
  readonly nodeId: number;
  private copy: XmlElement;
  private phase: ReplicaPhase = "offline";
  private members: number[] = [];
  private round = "";
  private versions = new Map<number, { version: CibVersion; digest: string }>();
  /** Operations delivered while syncing: applied, in order, once the copies agree. */
  private held: { from: number; msg: Extract<ReplicaMessage, { t: "op" }> }[] = [];
  /** Requests made before this node was in any configuration. */
  private unsent: ReplicaMessage[] = [];
  /**
   * Clients' configuration changes in this copy, by id (origin:reqId:time), most recent last,
   * bounded. A merge that adopts another copy reports every change of ours its log lacks.
   */
  private configLog: { id: string; version: string; what: string }[] = [];
  private readonly validate: CibValidator;

  constructor(opts: ReplicaOptions) {
    this.nodeId = opts.nodeId;
    this.validate = opts.validate ?? basicValidator;
    this.copy = opts.initial ? withEmptyStatus(opts.initial) : emptyCib();
  }

  get cib(): XmlElement {
    return this.copy;
  }
  get version(): CibVersion {
    return readVersion(this.copy);
  }
  get state(): ReplicaPhase {
    return this.phase;
  }
  get membership(): readonly number[] {
    return this.members;
  }

  handle(ev: ReplicaEvent): ReplicaEffect[] {
    switch (ev.type) {
      case "request":
        return this.onRequest(ev.reqId, ev.op, ev.origin ?? {});
      case "deliver":
        return this.onDeliver(ev.from, ev.msg);
      case "confchange":
        return this.onConfChange(ev.members);
    }
  }

  private onRequest(reqId: number, op: CibOperation, origin: ChangeOrigin): ReplicaEffect[] {
    // Refuse what cannot possibly apply before bothering the group (same code path as delivery).
    try {
      applyOperation(this.copy, op, origin, this.validate);
    } catch (e) {
      if (!(e instanceof TandemError) || e.code === ErrorCodes.INVARIANT) throw e;
      // A create/modify may only fail here because of this copy's content; that is what
      // every member would find too (they apply the same ops in the same order) unless
      // other ops are in flight, so an early refusal is a correct answer for the client.
      return [{ type: "reply", reqId, ok: false, code: e.code, message: e.message }];
    }
    const msg: ReplicaMessage = { t: "op", origin: this.nodeId, reqId, op, meta: origin };
    if (this.phase === "offline") {
      this.unsent.push(msg);
      return [];
    }
    return [{ type: "broadcast", msg }];
  }

  private onConfChange(members: number[]): ReplicaEffect[] {
    const sorted = [...new Set(members)].sort((a, b) => a - b);
    if (!sorted.includes(this.nodeId))
      throw new TandemError(
        ErrorCodes.INVARIANT,
        `invariant violated: confchange without this node ${this.nodeId}`,
      );
    const fx: ReplicaEffect[] = [];
    this.members = sorted;
    this.round = sorted.join(",");
    this.versions.clear();
    this.phase = "syncing";
    fx.push({
      type: "log",
      level: "info",
      msg: `CIB: new membership [${this.round}], comparing copies (local ${formatVersion(this.version)})`,
    });
    fx.push({
      type: "broadcast",
      msg: {
        t: "version",
        node: this.nodeId,
        round: this.round,
        version: this.version,
        digest: digestOf(this.copy),
      },
    });
    for (const m of this.unsent) fx.push({ type: "broadcast", msg: m });
    this.unsent = [];
    return fx;
  }

  private onDeliver(from: number, msg: ReplicaMessage): ReplicaEffect[] {
    switch (msg.t) {
      case "op":
        if (this.phase !== "ready") {
          this.held.push({ from, msg });
          return [];
        }
        return this.applyDelivered(msg);
      case "version":
        return this.onVersion(msg);
      case "sync":
        return this.onSync(msg);
    }
  }

  private onVersion(msg: Extract<ReplicaMessage, { t: "version" }>): ReplicaEffect[] {
    if (this.phase !== "syncing" || msg.round !== this.round || !this.members.includes(msg.node)) return [];
    this.versions.set(msg.node, { version: msg.version, digest: msg.digest });
    if (this.versions.size < this.members.length) return [];
    const digests = new Set([...this.versions.values()].map((v) => v.digest));
    if (digests.size === 1) return this.finishSync([]);
    const winner = this.winner();
    if (winner === this.nodeId)
      return [
        {
          type: "broadcast",
          msg: {
            t: "sync",
            node: this.nodeId,
            round: this.round,
            cib: serializeXml(this.copy, { indent: "" }),
            log: this.configLog.map((e) => e.id),
          },
        },
      ];
    return [];
  }

  /** Highest version wins; among equal versions the lowest node id. */
  private winner(): number {
    let best = this.members[0];
    for (const m of this.members) {
      const c = compareVersions(this.versions.get(m)!.version, this.versions.get(best)!.version);
      if (c > 0) best = m;
    }
    return best;
  }

  private onSync(msg: Extract<ReplicaMessage, { t: "sync" }>): ReplicaEffect[] {
    if (this.phase !== "syncing" || msg.round !== this.round || this.versions.size < this.members.length)
      return [];
    if (msg.node !== this.winner()) return [];
    const fx: ReplicaEffect[] = [];
    const theirs = parseXml(msg.cib, { source: `CIB sync from node ${msg.node}` });
    this.validate(theirs);
    const mine = this.copy;
    if (digestOf(theirs) !== digestOf(mine)) {
      const v = readVersion(theirs);
      fx.push({
        type: "log",
        level: "notice",
        msg: `CIB: adopting node ${msg.node}'s copy ${formatVersion(v)} (local was ${formatVersion(readVersion(mine))})`,
      });
      const kept = new Set(msg.log ?? []);
      const lost = this.configLog.filter((e) => !kept.has(e.id));
      if (lost.length > 0 && msg.node !== this.nodeId)
        fx.push({
          type: "log",
          level: "crit",
          msg: `CIB: ${lost.length} configuration change(s) made in this partition were discarded by the merge with node ${msg.node}'s newer copy ${formatVersion(v)}`,
          fields: { discarded: lost.map((e) => ({ version: e.version, what: e.what })) },
        });
      this.copy = theirs;
      const ours = new Map(this.configLog.map((e) => [e.id, e]));
      this.configLog = (msg.log ?? []).map((id) => ours.get(id) ?? { id, version: "", what: "" });
      fx.push({
        type: "changed",
        cib: theirs,
        version: v,
        configChanged: digestOf(withEmptyStatus(theirs)) !== digestOf(withEmptyStatus(mine)),
        cause: "sync",
      });
    }
    return this.finishSync(fx);
  }

  private finishSync(fx: ReplicaEffect[]): ReplicaEffect[] {
    this.phase = "ready";
    fx.push({
      type: "log",
      level: "info",
      msg: `CIB: copies agree at ${formatVersion(this.version)} among [${this.round}]`,
    });
    const held = this.held;
    this.held = [];
    for (const h of held) fx.push(...this.applyDelivered(h.msg));
    return fx;
  }

  private applyDelivered(msg: Extract<ReplicaMessage, { t: "op" }>): ReplicaEffect[] {
    const mine = msg.origin === this.nodeId && msg.reqId !== null;
    try {
      const r = applyOperation(this.copy, msg.op, msg.meta, this.validate);
      const fx: ReplicaEffect[] = [];
      if (r.changed) {
        this.copy = r.cib;
        const v = readVersion(r.cib);
        // The controller's own configuration writes (a node listing itself in <nodes>) are made
        // again by every join, so losing them in a merge loses nothing; a client's change is reported.
        if (r.configChanged && msg.meta.client !== "crmd") {
          this.configLog.push({
            id: `${msg.origin}:${msg.reqId}:${msg.meta.time ?? ""}`,
            version: formatVersion(v),
            what: describeOp(msg.op),
          });
          if (this.configLog.length > CONFIG_LOG_MAX) this.configLog.shift();
        }
        fx.push({
          type: "changed",
          cib: r.cib,
          version: v,
          configChanged: r.configChanged,
          cause: "op",
          origin: msg.origin,
          op: msg.op,
        });
      }
      if (msg.op.op === "status")
        fx.push({ type: "applied", op: msg.op, origin: msg.origin, cib: this.copy });
      if (mine)
        fx.push({ type: "reply", reqId: msg.reqId!, ok: true, version: this.version, changed: r.changed });
      return fx;
    } catch (e) {
      if (!(e instanceof TandemError) || e.code === ErrorCodes.INVARIANT) throw e;
      return mine ? [{ type: "reply", reqId: msg.reqId!, ok: false, code: e.code, message: e.message }] : [];
    }
  }

  /** Leaving the group (shutdown, or the group layer lost us): hold everything until the next confchange. */
  leave(): void {
    this.phase = "offline";
    this.members = [];
    this.round = "";
  }
}

function withEmptyStatus(cib: XmlElement): XmlElement {
  const children = cib.children.filter((c) => !(c.type === "element" && c.name === "status"));
  return {
    ...cib,
    attrs: { ...cib.attrs },
    children: [...children, { type: "element", name: "status", attrs: {}, children: [] }],
  };
}
