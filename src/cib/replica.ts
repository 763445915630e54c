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
import { child, cloneElement, elements, parseXml, serializeXml, type XmlElement } from "../core/xml.js";
import {
  applyOperation,
  basicValidator,
  type ChangeOrigin,
  type CibOperation,
  type CibValidator,
  emptyCib,
} from "./store.js";
import {
  bumpVersion,
  type CibVersion,
  compareVersions,
  formatVersion,
  readVersion,
  writeVersion,
} from "./versions.js";

export type ReplicaMessage =
  | {
      t: "op";
      origin: number;
      reqId: number | null;
      op: CibOperation;
      meta: ChangeOrigin;
      /** The sender's round (membership) and its round number when it sent the operation. */
      round?: string;
      seq?: number;
      /** The sender's number for this sending (it tracks its operations in flight by it). */
      lid?: number;
    }
  | {
      t: "version";
      node: number;
      round: string;
      version: CibVersion;
      digest: string;
      /** The copy's quorate generation (see CibReplica.qgen; absent: 0). */
      qgen?: number;
      /** The sender's round number (it counts its configuration changes): tells rounds of the same members apart. */
      seq?: number;
      /** Digest of each node_state this copy holds for a node outside the round, by node id. */
      others?: Record<string, string>;
    }
  /** The winner's copy, and the ids of the configuration changes it contains (most recent last). */
  | { t: "sync"; node: number; round: string; cib: string; log?: string[]; seq?: number };

export type ReplicaEvent =
  /** A client (or the controller) asks for a change; reqId is echoed in the reply. */
  | { type: "request"; reqId: number; op: CibOperation; origin?: ChangeOrigin }
  /** A group message delivered in total order. */
  | { type: "deliver"; from: number; msg: ReplicaMessage }
  /**
   * A new regular configuration of the group (sorted or not; includes this node), and
   * whether this partition has quorum (absent: quorate).
   */
  | { type: "confchange"; members: number[]; quorate?: boolean }
  /** The partition's quorum changed without a configuration change. */
  | { type: "quorum"; quorate: boolean };

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
  private versions = new Map<
    number,
    { version: CibVersion; digest: string; qgen: number; seq?: number; others: Record<string, string> }
  >();
  /** This node's round number: one more at every configuration change. */
  private seq = 0;
  private quorate = true;
  /**
   * Quorate generation: how recent the quorate configuration is that last agreed on this copy.
   * Every round of comparison that completes with quorum sets it to one more than the highest
   * generation its members bring, so it grows along the cluster's quorate history (two quorate
   * partitions share a member). A copy loaded from disk has 0 (the cluster may have moved on
   * while this node was down); a partition without quorum keeps its generation. At a merge the
   * copy of the highest generation wins before versions are compared: a node that restarted
   * alone, or sat in a minority, cannot outvote what the quorate side acknowledged by writing
   * status (num_updates) or configuration there. Among equal generations the highest
   * (admin_epoch, epoch, num_updates) wins, as in Pacemaker.
   */
  private qgen = 0;
  /** Operations delivered while syncing: applied, in order, once the copies agree. */
  private held: { from: number; msg: Extract<ReplicaMessage, { t: "op" }> }[] = [];
  /** Requests made before this node was in any configuration. */
  private unsent: Extract<ReplicaMessage, { t: "op" }>[] = [];
  /** This node's operations sent and not delivered back yet, in sending order (by `lid`). */
  private inflight = new Map<number, Extract<ReplicaMessage, { t: "op" }>>();
  private lid = 0;
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
  /** See `qgen`. */
  get quorateGeneration(): number {
    return this.qgen;
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
        return this.onConfChange(ev.members, ev.quorate ?? true);
      case "quorum":
        this.quorate = ev.quorate;
        return [];
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
    const msg: Extract<ReplicaMessage, { t: "op" }> = {
      t: "op",
      origin: this.nodeId,
      reqId,
      op,
      meta: origin,
    };
    if (this.phase === "offline") {
      this.unsent.push(msg);
      return [];
    }
    return [this.send(msg)];
  }

  /** Broadcasts one of this node's operations, tagged with the current round, and tracks it. */
  private send(plain: Extract<ReplicaMessage, { t: "op" }>): ReplicaEffect {
    const lid = ++this.lid;
    this.inflight.set(lid, plain);
    return { type: "broadcast", msg: { ...plain, round: this.round, seq: this.seq, lid } };
  }

  private onConfChange(members: number[], quorate: boolean): ReplicaEffect[] {
    const sorted = [...new Set(members)].sort((a, b) => a - b);
    if (!sorted.includes(this.nodeId))
      throw new TandemError(
        ErrorCodes.INVARIANT,
        `invariant violated: confchange without this node ${this.nodeId}`,
      );
    const fx: ReplicaEffect[] = [];
    // Operations held in a round whose copies never agreed: nobody applied them, and the new
    // round's comparison would not count them. Applying them after the new round's sync would
    // put them on top of a copy that never saw them on the other side of the merge (a copy left
    // apart for good). Dropped instead. The same for this node's operations still in flight:
    // they will arrive in the new configuration, where every member drops them. This node
    // sends its own again in the new round, in their order, after its version message.
    const again = [
      ...this.held.filter((h) => h.msg.origin === this.nodeId).map((h) => h.msg),
      ...this.inflight.values(),
    ];
    this.held = [];
    this.inflight.clear();
    this.members = sorted;
    this.round = sorted.join(",");
    this.quorate = quorate;
    this.seq++;
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
        qgen: this.qgen,
        seq: this.seq,
        others: nonMemberStates(this.copy, sorted),
      },
    });
    for (const m of again) fx.push(...this.resend(m));
    for (const m of this.unsent) fx.push(this.send(m));
    this.unsent = [];
    return fx;
  }

  private onDeliver(from: number, msg: ReplicaMessage): ReplicaEffect[] {
    switch (msg.t) {
      case "op":
        // An operation sent in another round than the one this copy is in (the sender had not
        // seen the membership change yet, or this node has not): the copies it was meant for
        // are being compared again, so applying it here would put it on top of a copy the
        // other side never had. Every member of one round makes the same choice.
        // (Rounds of the same members are told apart by the sender's round number, which its
        // version message of this round announced before any operation of the round.)
        if (msg.origin === this.nodeId && msg.lid !== undefined) this.inflight.delete(msg.lid);
        if (msg.round !== undefined && (msg.round !== this.round || !this.sameRound(msg.origin, msg.seq)))
          return [];
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
    this.versions.set(msg.node, {
      version: msg.version,
      digest: msg.digest,
      qgen: msg.qgen ?? 0,
      seq: msg.seq,
      others: msg.others ?? {},
    });
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
            seq: this.seq,
          },
        },
      ];
    return [];
  }

  /**
   * The highest quorate generation wins; then the highest version; among equal versions the
   * lowest node id.
   */
  private winner(): number {
    let best = this.members[0];
    for (const m of this.members) {
      const a = this.versions.get(m)!;
      const b = this.versions.get(best)!;
      const c = a.qgen - b.qgen || compareVersions(a.version, b.version);
      if (c > 0) best = m;
    }
    return best;
  }

  private onSync(msg: Extract<ReplicaMessage, { t: "sync" }>): ReplicaEffect[] {
    if (this.phase !== "syncing" || msg.round !== this.round || this.versions.size < this.members.length)
      return [];
    if (msg.node !== this.winner() || !this.sameRound(msg.node, msg.seq)) return [];
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
    fx.push(...this.distrustNonMembers());
    this.phase = "ready";
    const top = Math.max(...[...this.versions.values()].map((v) => v.qgen));
    this.qgen = this.quorate ? top + 1 : top;
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

  /**
   * After a merge of copies that disagree about a node outside the round (one side saw it
   * running resources, the other saw it leave, or never saw it), nobody here has first-hand
   * knowledge of it: its status, whichever copy won, is not trusted. It becomes a node that
   * left while expected up, with no known resource history (Pacemaker's unclean node: with
   * fencing on it is fenced before anything that may run there is started elsewhere). Copies
   * that hold nothing about a node (a daemon that restarted) do not count as disagreeing.
   * Every member computes the same from the same version messages, so copies stay identical.
   */
  private distrustNonMembers(): ReplicaEffect[] {
    const seen = new Map<string, Set<string>>();
    for (const v of this.versions.values())
      for (const [id, d] of Object.entries(v.others)) {
        const set = seen.get(id) ?? new Set<string>();
        set.add(d);
        seen.set(id, set);
      }
    const doubtful = [...seen].filter(([, ds]) => ds.size > 1).map(([id]) => id);
    if (doubtful.length === 0) return [];
    const next = cloneElement(this.copy);
    const status = child(next, "status");
    if (!status) return [];
    for (const id of doubtful) {
      const ns = elements(status, "node_state").find((n) => n.attrs.id === id);
      const attrs = {
        ...(ns?.attrs ?? { id, uname: id }),
        in_ccm: "false",
        crmd: "offline",
        join: "down",
        expected: "member",
      };
      const fresh: XmlElement = { type: "element", name: "node_state", attrs, children: [] };
      if (ns) status.children[status.children.indexOf(ns)] = fresh;
      else status.children.push(fresh);
    }
    writeVersion(next, bumpVersion(readVersion(next), "status"));
    this.copy = next;
    return [
      {
        type: "log",
        level: "warning",
        msg: `CIB: the merged copies disagree about node(s) ${doubtful.join(", ")} outside the membership: their status is unknown (unclean, to be fenced)`,
      },
      { type: "changed", cib: next, version: readVersion(next), configChanged: false, cause: "sync" },
    ];
  }

  /** A message from `node` numbered `seq` was sent in the round whose version this copy counted. */
  private sameRound(node: number, seq: number | undefined): boolean {
    return seq === undefined || this.versions.get(node)?.seq === seq;
  }

  /**
   * One of this node's operations that was not applied in the round it was sent for (nobody
   * applied it there: held operations wait for the round's sync, and one arriving in another
   * round is dropped by every member of that round) is sent again in the current round; its
   * client is answered when that copy comes back. (If some member outside the round applied
   * it in the old one, the merge decides which copy counts; applying it again is harmless for
   * writes that set values, and a create then reports that the element exists.)
   */
  private resend(msg: Extract<ReplicaMessage, { t: "op" }>): ReplicaEffect[] {
    if (msg.origin !== this.nodeId) return [];
    // The controller's writes are facts about the membership they were made in ("n2 left",
    // a join report): applied in a later one they would undo newer facts (a member recorded
    // as gone). They are dropped; the controller makes them again for the new membership
    // (every membership change redoes the join and the DC's bookkeeping).
    // (A node's records of its own operations' results are no such facts: they are sent
    // again, in order, so the DC that waits for them is not left waiting for a timeout.)
    const ownResults =
      msg.op.op === "status" &&
      msg.op.changes.every((c) => c.kind === "lrm-op" && c.nodeId === String(this.nodeId));
    if (msg.meta.client === "crmd" && !ownResults)
      return msg.reqId === null
        ? []
        : [
            {
              type: "reply",
              reqId: msg.reqId,
              ok: false,
              code: ErrorCodes.CIB_TIMEOUT,
              message: "the cluster membership changed before the controller's update could be applied",
            },
          ];
    const { round: _r, seq: _s, lid: _l, ...plain } = msg;
    if (this.phase === "offline") {
      this.unsent.push(plain);
      return [];
    }
    return [this.send(plain)];
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

/** Digests of the node_state elements of nodes that are not in `members`, by node id. */
function nonMemberStates(cib: XmlElement, members: number[]): Record<string, string> {
  const status = child(cib, "status");
  const out: Record<string, string> = {};
  for (const ns of status ? elements(status, "node_state") : []) {
    const id = ns.attrs.id;
    if (id === undefined || members.includes(Number(id))) continue;
    out[id] = createHash("sha256")
      .update(serializeXml(ns, { indent: "" }))
      .digest("hex")
      .slice(0, 16);
  }
  return out;
}

function withEmptyStatus(cib: XmlElement): XmlElement {
  const children = cib.children.filter((c) => !(c.type === "element" && c.name === "status"));
  return {
    ...cib,
    attrs: { ...cib.attrs },
    children: [...children, { type: "element", name: "status", attrs: {}, children: [] }],
  };
}
