// Cluster traffic protection: the cluster key (authkey), per-purpose keys derived with HKDF,
// AES-256-GCM packet sealing with an authenticated header (sender node id, incarnation,
// sequence, destination), and replay protection with a sliding window per sender incarnation.
//
// Every packet that fails any check is counted by reason, logged at a rate limit and dropped:
// decoding never throws and never hands out unauthenticated bytes.
//
// Packet layout (all integers big-endian):
//   0  "TD" magic          2  version (1)        3  kind (PacketKind)
//   4  link number         5  reserved (3 bytes, zero)
//   8  sender nodeid u32  12  destination nodeid u32 (0 = any)
//  16  incarnation u64    24  sequence u64
//  32  ciphertext ...     end-16  GCM tag
// The 32-byte header is the AAD. The key is derived per (sender, incarnation) from the packet
// key, so the nonce (the sequence number) never repeats under one key.

import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import {
  chmodSync,
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from "node:fs";
import { dirname } from "node:path";
import { ErrorCodes, TandemError } from "../core/errors.js";
import { type Logger, nullLogger } from "../core/log.js";

export const AUTHKEY_MIN = 128;
export const AUTHKEY_MAX = 4096;
export const AUTHKEY_DEFAULT_SIZE = 256;

export const HEADER_LEN = 32;
export const TAG_LEN = 16;
/** Largest UDP payload over IPv4; anything bigger is refused on both sides. */
export const MAX_PACKET = 65507;
const VERSION = 1;
const REPLAY_WINDOW = 1024;

export enum PacketKind {
  /** A membership-engine message (token, mcast, join, commit token...). */
  Totem = 1,
  /** Link monitoring probe. */
  Ping = 2,
  /** Answer to a Ping. */
  Pong = 3,
}

export type DropReason =
  | "truncated"
  | "oversized"
  | "garbage"
  | "unknown_sender"
  | "own_packet"
  | "misdirected"
  | "auth_failed"
  | "stale_incarnation"
  | "replayed"
  | "unlisted_address";

export const DROP_REASONS: DropReason[] = [
  "truncated",
  "oversized",
  "garbage",
  "unknown_sender",
  "own_packet",
  "misdirected",
  "auth_failed",
  "stale_incarnation",
  "replayed",
  "unlisted_address",
];

/** Reads and checks a cluster key file. */
export function readAuthkey(path: string): Buffer {
  let key: Buffer;
  try {
    key = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? "error";
    throw new TandemError(ErrorCodes.AUTHKEY_INVALID, `cannot read cluster key ${path}: ${code}`);
  }
  checkAuthkey(key, path);
  return key;
}

export function checkAuthkey(key: Buffer, what = "cluster key"): void {
  if (key.length < AUTHKEY_MIN || key.length > AUTHKEY_MAX)
    throw new TandemError(
      ErrorCodes.AUTHKEY_INVALID,
      `${what} must be ${AUTHKEY_MIN} to ${AUTHKEY_MAX} bytes long: got ${key.length}`,
    );
}

/** Writes a new random key atomically (temp file, fsync, rename) with mode 0400. */
export function writeAuthkey(path: string, size = AUTHKEY_DEFAULT_SIZE): Buffer {
  if (!Number.isInteger(size) || size < AUTHKEY_MIN || size > AUTHKEY_MAX)
    throw new TandemError(
      ErrorCodes.USAGE,
      `key size must be an integer from ${AUTHKEY_MIN} to ${AUTHKEY_MAX} bytes: got '${size}'`,
    );
  const key = randomBytes(size);
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(path), { recursive: true });
    const fd = openSync(tmp, "wx", 0o400);
    try {
      writeSync(fd, key);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    chmodSync(tmp, 0o400);
    renameSync(tmp, path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    throw new TandemError(ErrorCodes.IO, `cannot write cluster key ${path}: ${code}`);
  }
  return key;
}

/** Derives a 32-byte key for one purpose from the cluster key (HKDF-SHA256, salted by cluster name). */
export function deriveKey(authkey: Buffer, clusterName: string, purpose: string): Buffer {
  return Buffer.from(
    hkdfSync("sha256", authkey, Buffer.from(`tandem/${clusterName}`), `tandem/v1/${purpose}`, 32),
  );
}

export interface OpenedPacket {
  kind: PacketKind;
  link: number;
  sender: number;
  dest: number;
  incarnation: bigint;
  seq: bigint;
  payload: Buffer;
}

interface ReplayState {
  incarnation: bigint;
  highest: bigint;
  /** Bit i set = sequence (highest - i) seen, for i < REPLAY_WINDOW. */
  seen: Uint8Array;
}

/** Sliding-window replay check; `commit` records the sequence (only after authentication). */
export class ReplayWindow {
  private readonly perSender = new Map<number, ReplayState>();

  check(sender: number, incarnation: bigint, seq: bigint): "ok" | "stale_incarnation" | "replayed" {
    const st = this.perSender.get(sender);
    if (!st || incarnation > st.incarnation) return "ok";
    if (incarnation < st.incarnation) return "stale_incarnation";
    if (seq > st.highest) return "ok";
    const back = st.highest - seq;
    if (back >= BigInt(REPLAY_WINDOW)) return "replayed";
    const i = Number(back);
    return st.seen[i >> 3] & (1 << (i & 7)) ? "replayed" : "ok";
  }

  commit(sender: number, incarnation: bigint, seq: bigint): void {
    let st = this.perSender.get(sender);
    if (!st || incarnation > st.incarnation) {
      st = { incarnation, highest: seq, seen: new Uint8Array(REPLAY_WINDOW / 8) };
      st.seen[0] = 1;
      this.perSender.set(sender, st);
      return;
    }
    if (seq > st.highest) {
      const shift = seq - st.highest;
      if (shift >= BigInt(REPLAY_WINDOW)) st.seen.fill(0);
      else shiftBits(st.seen, Number(shift));
      st.highest = seq;
      st.seen[0] |= 1;
      return;
    }
    const i = Number(st.highest - seq);
    if (i < REPLAY_WINDOW) st.seen[i >> 3] |= 1 << (i & 7);
  }

  /** The incarnation currently accepted from a sender (undefined before the first packet). */
  incarnationOf(sender: number): bigint | undefined {
    return this.perSender.get(sender)?.incarnation;
  }
}

/** Shifts the bitmap towards older sequences by n bits (bit i moves to i + n). */
function shiftBits(bits: Uint8Array, n: number): void {
  const bytes = n >> 3;
  const rem = n & 7;
  for (let i = bits.length - 1; i >= 0; i--) {
    const src = i - bytes;
    const hi = src >= 0 ? bits[src] : 0;
    const lo = src - 1 >= 0 ? bits[src - 1] : 0;
    bits[i] = rem === 0 ? hi : ((hi << rem) | (lo >> (8 - rem))) & 0xff;
  }
}

export interface PacketCodecOptions {
  authkey: Buffer;
  clusterName: string;
  nodeid: number;
  /** This process's incarnation: must grow across restarts (default: wall-clock µs). */
  incarnation?: bigint;
  /** Node ids of the nodelist; packets from anyone else are dropped. */
  isKnownNode: (nodeid: number) => boolean;
  logger?: Logger;
  /** Monotonic ms, for the log rate limit. */
  now?: () => number;
  /** Minimum interval between two log lines for the same drop reason (ms). */
  logIntervalMs?: number;
}

/** Seals and opens cluster packets for one node. */
export class PacketCodec {
  readonly nodeid: number;
  readonly incarnation: bigint;
  private readonly packetKey: Buffer;
  private readonly sendKey: Buffer;
  private readonly keyCache = new Map<string, Buffer>();
  private readonly replay = new ReplayWindow();
  private seq = 0n;
  private readonly drops = new Map<DropReason, number>();
  private readonly lastLog = new Map<DropReason, { at: number; counted: number }>();
  accepted = 0;
  sent = 0;

  constructor(private readonly opts: PacketCodecOptions) {
    checkAuthkey(opts.authkey);
    this.nodeid = opts.nodeid;
    this.incarnation =
      opts.incarnation ?? BigInt(Date.now()) * 1000n + BigInt(Math.floor(Math.random() * 1000));
    this.packetKey = deriveKey(opts.authkey, opts.clusterName, "packet");
    this.sendKey = this.keyFor(this.nodeid, this.incarnation);
  }

  private keyFor(sender: number, incarnation: bigint): Buffer {
    const id = `${sender}:${incarnation}`;
    let k = this.keyCache.get(id);
    if (!k) {
      const info = Buffer.alloc(12);
      info.writeUInt32BE(sender, 0);
      info.writeBigUInt64BE(incarnation, 4);
      k = Buffer.from(hkdfSync("sha256", this.packetKey, Buffer.alloc(0), info, 32));
      if (this.keyCache.size > 256) this.keyCache.clear();
      this.keyCache.set(id, k);
    }
    return k;
  }

  /** Encrypts a payload for `dest` (0 = any node). */
  seal(kind: PacketKind, link: number, dest: number, payload: Uint8Array): Buffer {
    if (payload.length + HEADER_LEN + TAG_LEN > MAX_PACKET)
      throw new TandemError(ErrorCodes.INVARIANT, `packet payload of ${payload.length} bytes is too large`);
    this.seq += 1n;
    const header = Buffer.alloc(HEADER_LEN);
    header.write("TD", 0, "latin1");
    header[2] = VERSION;
    header[3] = kind;
    header[4] = link;
    header.writeUInt32BE(this.nodeid, 8);
    header.writeUInt32BE(dest, 12);
    header.writeBigUInt64BE(this.incarnation, 16);
    header.writeBigUInt64BE(this.seq, 24);
    const c = createCipheriv("aes-256-gcm", this.sendKey, nonce(this.seq));
    c.setAAD(header);
    const body = Buffer.concat([c.update(payload), c.final()]);
    this.sent++;
    return Buffer.concat([header, body, c.getAuthTag()]);
  }

  /** Opens a packet; returns null (counted, logged at a rate limit) on any failure. */
  open(buf: Buffer): OpenedPacket | null {
    if (buf.length > MAX_PACKET) return this.drop("oversized", buf.length);
    if (buf.length < HEADER_LEN + TAG_LEN) return this.drop("truncated", buf.length);
    if (buf[0] !== 0x54 || buf[1] !== 0x44 || buf[2] !== VERSION || buf[5] | buf[6] | buf[7])
      return this.drop("garbage", buf.length);
    const kind = buf[3];
    if (kind !== PacketKind.Totem && kind !== PacketKind.Ping && kind !== PacketKind.Pong)
      return this.drop("garbage", buf.length);
    const sender = buf.readUInt32BE(8);
    const dest = buf.readUInt32BE(12);
    if (sender === this.nodeid) return this.drop("own_packet", sender);
    if (!this.opts.isKnownNode(sender)) return this.drop("unknown_sender", sender);
    if (dest !== 0 && dest !== this.nodeid) return this.drop("misdirected", sender);
    const incarnation = buf.readBigUInt64BE(16);
    const seq = buf.readBigUInt64BE(24);
    const verdict = this.replay.check(sender, incarnation, seq);
    if (verdict !== "ok") return this.drop(verdict, sender);
    const header = buf.subarray(0, HEADER_LEN);
    let payload: Buffer;
    try {
      const d = createDecipheriv("aes-256-gcm", this.keyFor(sender, incarnation), nonce(seq));
      d.setAAD(header);
      d.setAuthTag(buf.subarray(buf.length - TAG_LEN));
      payload = Buffer.concat([d.update(buf.subarray(HEADER_LEN, buf.length - TAG_LEN)), d.final()]);
    } catch {
      return this.drop("auth_failed", sender);
    }
    this.replay.commit(sender, incarnation, seq);
    this.accepted++;
    return { kind, link: buf[4], sender, dest, incarnation, seq, payload };
  }

  /** Counts a packet dropped outside the codec (e.g. from an address not in the nodelist). */
  drop(reason: DropReason, detail: number): null {
    const n = (this.drops.get(reason) ?? 0) + 1;
    this.drops.set(reason, n);
    const now = this.opts.now ? this.opts.now() : performance.now();
    const last = this.lastLog.get(reason);
    const interval = this.opts.logIntervalMs ?? 10_000;
    if (!last || now - last.at >= interval) {
      const since = last ? n - last.counted : 1;
      (this.opts.logger ?? nullLogger).log("warning", `dropped packet: ${reason}`, {
        detail,
        sinceLastLog: since,
        total: n,
      });
      this.lastLog.set(reason, { at: now, counted: n });
    }
    return null;
  }

  /** Drop counters by reason (every reason present, zero when none). */
  dropCounts(): Record<DropReason, number> {
    const r = {} as Record<DropReason, number>;
    for (const k of DROP_REASONS) r[k] = this.drops.get(k) ?? 0;
    return r;
  }
}

function nonce(seq: bigint): Buffer {
  const n = Buffer.alloc(12);
  n.writeBigUInt64BE(seq, 4);
  return n;
}
