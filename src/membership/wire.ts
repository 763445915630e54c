// Binary codec of every membership protocol message and of the group payloads carried
// inside mcast messages. Pure functions. Decoding untrusted bytes never throws anything
// but WireDecodeError (bounds and enum values are checked field by field).
//
// Layout: "TM" magic, version u8, type u8, from u32, incarnation u53 (hi u32, lo u32),
// then the type's fields. Integers are big-endian; numbers that may exceed 2^32 (ring
// and message sequence numbers) are u53 as two u32s. Arrays carry a u16/u32 count.

import { ErrorCodes, TandemError } from "../core/errors.js";
import type {
  CommitMember,
  EncapsulatedMessage,
  GroupMessage,
  Guarantee,
  ProtocolMessage,
  RingId,
} from "./types.js";

export const WIRE_VERSION = 1;
/** Largest payload a single mcast message may carry (fragments are far smaller). */
export const MAX_PAYLOAD = 16 * 1024 * 1024;
/** Largest node set in a join or commit token (corosync supports 384 nodes). */
export const MAX_NODES = 1024;
/** Largest retransmission list on a token. */
export const MAX_RTR = 4096;
/** Longest group name (CPG_MAX_NAME_LENGTH is 128). */
export const MAX_GROUP_NAME = 128;

export class WireDecodeError extends TandemError {
  constructor(message: string) {
    super(ErrorCodes.WIRE_DECODE, `cannot decode packet: ${message}`);
    this.name = "WireDecodeError";
  }
}

const TYPE_CODES = { mcast: 1, token: 2, join: 3, commit: 4, merge_detect: 5, token_hold_cancel: 6 } as const;
const GROUP_CODES = {
  cpg_join: 1,
  cpg_leave: 2,
  cpg_data: 3,
  cpg_joinlist: 4,
  quorum_nodeinfo: 5,
} as const;

class Writer {
  private chunks: Buffer[] = [];
  private cur = Buffer.allocUnsafe(256);
  private pos = 0;
  private ensure(n: number): void {
    if (this.pos + n <= this.cur.length) return;
    this.chunks.push(this.cur.subarray(0, this.pos));
    this.cur = Buffer.allocUnsafe(Math.max(256, n));
    this.pos = 0;
  }
  u8(v: number): void {
    this.ensure(1);
    this.cur.writeUInt8(v, this.pos);
    this.pos += 1;
  }
  u16(v: number): void {
    this.ensure(2);
    this.cur.writeUInt16BE(v, this.pos);
    this.pos += 2;
  }
  u32(v: number): void {
    this.ensure(4);
    this.cur.writeUInt32BE(v >>> 0, this.pos);
    this.pos += 4;
  }
  u53(v: number): void {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`not a u53: ${v}`);
    this.u32(Math.floor(v / 0x100000000));
    this.u32(v % 0x100000000);
  }
  bytes(b: Buffer): void {
    this.u32(b.length);
    this.chunks.push(this.cur.subarray(0, this.pos));
    this.chunks.push(b);
    this.cur = Buffer.allocUnsafe(256);
    this.pos = 0;
  }
  str(s: string): void {
    const b = Buffer.from(s, "utf8");
    this.u16(b.length);
    this.ensure(b.length);
    b.copy(this.cur, this.pos);
    this.pos += b.length;
  }
  done(): Buffer {
    this.chunks.push(this.cur.subarray(0, this.pos));
    return Buffer.concat(this.chunks);
  }
}

class Reader {
  pos = 0;
  constructor(private readonly buf: Buffer) {}
  private need(n: number, what: string): void {
    if (this.pos + n > this.buf.length)
      throw new WireDecodeError(`truncated at byte ${this.pos} reading ${what}`);
  }
  u8(what: string): number {
    this.need(1, what);
    return this.buf.readUInt8(this.pos++);
  }
  u16(what: string): number {
    this.need(2, what);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  u32(what: string): number {
    this.need(4, what);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  u53(what: string): number {
    const hi = this.u32(what);
    const lo = this.u32(what);
    if (hi > 0x1fffff) throw new WireDecodeError(`${what} exceeds 2^53`);
    return hi * 0x100000000 + lo;
  }
  bool(what: string): boolean {
    const v = this.u8(what);
    if (v > 1) throw new WireDecodeError(`${what} is not a boolean: ${v}`);
    return v === 1;
  }
  bytes(what: string, max: number): Buffer {
    const n = this.u32(what);
    if (n > max) throw new WireDecodeError(`${what} length ${n} exceeds ${max}`);
    this.need(n, what);
    const b = Buffer.from(this.buf.subarray(this.pos, this.pos + n));
    this.pos += n;
    return b;
  }
  str(what: string, max: number): string {
    const n = this.u16(what);
    if (n > max) throw new WireDecodeError(`${what} length ${n} exceeds ${max}`);
    this.need(n, what);
    const s = this.buf.toString("utf8", this.pos, this.pos + n);
    this.pos += n;
    return s;
  }
  count(what: string, max: number): number {
    const n = this.u32(what);
    if (n > max) throw new WireDecodeError(`${what} count ${n} exceeds ${max}`);
    // Each element takes at least one byte: a count larger than the rest is a lie.
    if (n > this.buf.length - this.pos) throw new WireDecodeError(`${what} count ${n} truncated`);
    return n;
  }
  end(): void {
    if (this.pos !== this.buf.length)
      throw new WireDecodeError(`${this.buf.length - this.pos} trailing bytes`);
  }
}

function writeRing(w: Writer, r: RingId): void {
  w.u32(r.rep);
  w.u53(r.seq);
}
function readRing(r: Reader): RingId {
  return { rep: r.u32("ring rep"), seq: r.u53("ring seq") };
}
function writeGuarantee(w: Writer, g: Guarantee): void {
  w.u8(g === "safe" ? 1 : 0);
}
function readGuarantee(r: Reader): Guarantee {
  const g = r.u8("guarantee");
  if (g > 1) throw new WireDecodeError(`unknown guarantee ${g}`);
  return g === 1 ? "safe" : "agreed";
}
function writeIds(w: Writer, ids: number[]): void {
  w.u32(ids.length);
  for (const id of ids) w.u32(id);
}
function readIds(r: Reader, what: string, max: number): number[] {
  const n = r.count(what, max);
  const out: number[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = r.u32(what);
  return out;
}

/** Encodes a protocol message into one packet. */
export function encodeMessage(m: ProtocolMessage): Buffer {
  const w = new Writer();
  w.u8(0x54);
  w.u8(0x4d);
  w.u8(WIRE_VERSION);
  w.u8(TYPE_CODES[m.type]);
  w.u32(m.from);
  w.u53(m.incarnation);
  switch (m.type) {
    case "mcast":
      writeRing(w, m.ringId);
      w.u53(m.seq);
      w.u32(m.sender);
      writeGuarantee(w, m.guarantee);
      if (m.encap) {
        w.u8(1);
        writeRing(w, m.encap.ringId);
        w.u53(m.encap.seq);
        w.u32(m.encap.sender);
        writeGuarantee(w, m.encap.guarantee);
      } else w.u8(0);
      w.bytes(m.payload);
      break;
    case "token":
      writeRing(w, m.ringId);
      w.u53(m.tokenSeq);
      w.u53(m.seq);
      w.u53(m.aru);
      w.u32(m.aruId);
      w.u32(m.rtr.length);
      for (const s of m.rtr) w.u53(s);
      w.u32(m.fcc);
      w.u8(m.retransFlag ? 1 : 0);
      w.u32(m.retransOwner);
      w.u8(m.install ? 1 : 0);
      break;
    case "join":
      writeIds(w, m.procSet);
      writeIds(w, m.failSet);
      w.u53(m.ringSeq);
      w.u53(m.maxRingSeq);
      break;
    case "commit":
      writeRing(w, m.ringId);
      w.u8(m.round);
      w.u53(m.hop);
      w.u32(m.memb.length);
      for (const e of m.memb) {
        w.u32(e.nodeId);
        w.u53(e.incarnation);
        w.u8(e.filled ? 1 : 0);
        writeRing(w, e.oldRingId);
        w.u53(e.oldAru);
        w.u53(e.oldHighSeq);
        w.u53(e.oldDelivered);
      }
      break;
    case "merge_detect":
    case "token_hold_cancel":
      writeRing(w, m.ringId);
      break;
  }
  return w.done();
}

/** Decodes one packet; throws WireDecodeError (and nothing else) on bad input. */
export function decodeMessage(buf: Buffer): ProtocolMessage {
  try {
    return decodeUnchecked(buf);
  } catch (e) {
    if (e instanceof WireDecodeError) throw e;
    throw new WireDecodeError(String((e as Error)?.message ?? e));
  }
}

function decodeUnchecked(buf: Buffer): ProtocolMessage {
  const r = new Reader(buf);
  if (r.u8("magic") !== 0x54 || r.u8("magic") !== 0x4d) throw new WireDecodeError("bad magic");
  const version = r.u8("version");
  if (version !== WIRE_VERSION) throw new WireDecodeError(`unsupported version ${version}`);
  const code = r.u8("type");
  const from = r.u32("from");
  const incarnation = r.u53("incarnation");
  let m: ProtocolMessage;
  switch (code) {
    case TYPE_CODES.mcast: {
      const ringId = readRing(r);
      const seq = r.u53("seq");
      const sender = r.u32("sender");
      const guarantee = readGuarantee(r);
      let encap: EncapsulatedMessage | undefined;
      if (r.bool("encap flag")) {
        encap = {
          ringId: readRing(r),
          seq: r.u53("encap seq"),
          sender: r.u32("encap sender"),
          guarantee: readGuarantee(r),
        };
      }
      const payload = r.bytes("payload", MAX_PAYLOAD);
      m = { type: "mcast", from, incarnation, ringId, seq, sender, guarantee, payload };
      if (encap) m.encap = encap;
      break;
    }
    case TYPE_CODES.token: {
      const ringId = readRing(r);
      const tokenSeq = r.u53("token seq");
      const seq = r.u53("seq");
      const aru = r.u53("aru");
      const aruId = r.u32("aru id");
      const n = r.count("rtr", MAX_RTR);
      const rtr: number[] = new Array(n);
      for (let i = 0; i < n; i++) rtr[i] = r.u53("rtr");
      const fcc = r.u32("fcc");
      const retransFlag = r.bool("retrans flag");
      const retransOwner = r.u32("retrans owner");
      const install = r.bool("install flag");
      m = {
        type: "token",
        from,
        incarnation,
        ringId,
        tokenSeq,
        seq,
        aru,
        aruId,
        rtr,
        fcc,
        retransFlag,
        retransOwner,
        install,
      };
      break;
    }
    case TYPE_CODES.join:
      m = {
        type: "join",
        from,
        incarnation,
        procSet: readIds(r, "proc set", MAX_NODES),
        failSet: readIds(r, "fail set", MAX_NODES),
        ringSeq: r.u53("ring seq"),
        maxRingSeq: r.u53("max ring seq"),
      };
      break;
    case TYPE_CODES.commit: {
      const ringId = readRing(r);
      const round = r.u8("round");
      if (round !== 1 && round !== 2) throw new WireDecodeError(`bad commit round ${round}`);
      const hop = r.u53("hop");
      const n = r.count("commit members", MAX_NODES);
      const memb: CommitMember[] = [];
      for (let i = 0; i < n; i++) {
        memb.push({
          nodeId: r.u32("member id"),
          incarnation: r.u53("member incarnation"),
          filled: r.bool("filled"),
          oldRingId: readRing(r),
          oldAru: r.u53("old aru"),
          oldHighSeq: r.u53("old high seq"),
          oldDelivered: r.u53("old delivered"),
        });
      }
      m = { type: "commit", from, incarnation, ringId, round, hop, memb };
      break;
    }
    case TYPE_CODES.merge_detect:
      m = { type: "merge_detect", from, incarnation, ringId: readRing(r) };
      break;
    case TYPE_CODES.token_hold_cancel:
      m = { type: "token_hold_cancel", from, incarnation, ringId: readRing(r) };
      break;
    default:
      throw new WireDecodeError(`unknown message type ${code}`);
  }
  r.end();
  if (from === 0) throw new WireDecodeError("sender node id 0");
  return m;
}

/** Encodes a group-layer message (the payload of an mcast message). */
export function encodeGroupMessage(g: GroupMessage): Buffer {
  const w = new Writer();
  w.u8(GROUP_CODES[g.type]);
  switch (g.type) {
    case "cpg_join":
    case "cpg_leave":
      w.str(g.group);
      w.u32(g.pid);
      break;
    case "cpg_data":
      w.str(g.group);
      w.u32(g.pid);
      w.u53(g.msgId);
      w.u32(g.fragIndex);
      w.u32(g.fragCount);
      w.bytes(g.data);
      break;
    case "cpg_joinlist":
      w.u32(g.groups.length);
      for (const e of g.groups) {
        w.str(e.group);
        w.u32(e.pid);
      }
      break;
    case "quorum_nodeinfo":
      w.u32(g.votes);
      w.u32(g.expectedVotes);
      w.u8(g.quorate ? 1 : 0);
      w.u8(g.waitForAllStatus ? 1 : 0);
      break;
  }
  return w.done();
}

/** Decodes a group-layer message; throws WireDecodeError (and nothing else) on bad input. */
export function decodeGroupMessage(buf: Buffer): GroupMessage {
  try {
    const r = new Reader(buf);
    const code = r.u8("group message type");
    let g: GroupMessage;
    switch (code) {
      case GROUP_CODES.cpg_join:
      case GROUP_CODES.cpg_leave:
        g = {
          type: code === GROUP_CODES.cpg_join ? "cpg_join" : "cpg_leave",
          group: r.str("group", MAX_GROUP_NAME),
          pid: r.u32("pid"),
        };
        break;
      case GROUP_CODES.cpg_data: {
        const group = r.str("group", MAX_GROUP_NAME);
        const pid = r.u32("pid");
        const msgId = r.u53("message id");
        const fragIndex = r.u32("fragment index");
        const fragCount = r.u32("fragment count");
        if (fragCount === 0 || fragIndex >= fragCount)
          throw new WireDecodeError(`bad fragment ${fragIndex}/${fragCount}`);
        const data = r.bytes("data", MAX_PAYLOAD);
        g = { type: "cpg_data", group, pid, msgId, fragIndex, fragCount, data };
        break;
      }
      case GROUP_CODES.cpg_joinlist: {
        const n = r.count("joinlist", 65536);
        const groups: { group: string; pid: number }[] = [];
        for (let i = 0; i < n; i++) groups.push({ group: r.str("group", MAX_GROUP_NAME), pid: r.u32("pid") });
        g = { type: "cpg_joinlist", groups };
        break;
      }
      case GROUP_CODES.quorum_nodeinfo:
        g = {
          type: "quorum_nodeinfo",
          votes: r.u32("votes"),
          expectedVotes: r.u32("expected votes"),
          quorate: r.bool("quorate"),
          waitForAllStatus: r.bool("wait_for_all status"),
        };
        break;
      default:
        throw new WireDecodeError(`unknown group message type ${code}`);
    }
    r.end();
    return g;
  } catch (e) {
    if (e instanceof WireDecodeError) throw e;
    throw new WireDecodeError(String((e as Error)?.message ?? e));
  }
}
