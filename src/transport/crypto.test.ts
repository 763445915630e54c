import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import fc from "fast-check";
import { TandemError } from "../core/errors.js";
import {
  HEADER_LEN,
  MAX_PACKET,
  PacketCodec,
  PacketKind,
  ReplayWindow,
  readAuthkey,
  TAG_LEN,
  writeAuthkey,
} from "./crypto.js";

const key = randomBytes(256);
const known = (id: number) => id >= 1 && id <= 5;

function pair(opts: { keyB?: Buffer; clusterB?: string } = {}) {
  const lines: string[] = [];
  const logger = { log: (_l: string, m: string) => lines.push(m), child: () => logger };
  const a = new PacketCodec({
    authkey: key,
    clusterName: "c",
    nodeid: 1,
    incarnation: 100n,
    isKnownNode: known,
  });
  const b = new PacketCodec({
    authkey: opts.keyB ?? key,
    clusterName: opts.clusterB ?? "c",
    nodeid: 2,
    isKnownNode: known,
    logger,
  });
  return { a, b, lines };
}

test("seal/open round trip carries header fields and payload", () => {
  const { a, b } = pair();
  const p = a.seal(PacketKind.Totem, 3, 2, Buffer.from("hello"));
  const o = b.open(p);
  assert.ok(o);
  assert.equal(o.payload.toString(), "hello");
  assert.equal(o.sender, 1);
  assert.equal(o.link, 3);
  assert.equal(o.kind, PacketKind.Totem);
  assert.equal(o.incarnation, 100n);
  assert.equal(o.seq, 1n);
  assert.equal(b.accepted, 1);
  // the payload is not visible in clear
  assert.ok(!p.includes(Buffer.from("hello")));
});

test("wrong key, other cluster, tampering, replay, truncation, garbage: dropped and counted", () => {
  const { a, b, lines } = pair({ keyB: randomBytes(256) });
  assert.equal(b.open(a.seal(PacketKind.Totem, 0, 2, Buffer.from("x"))), null);
  assert.equal(b.dropCounts().auth_failed, 1);
  const other = pair({ clusterB: "other" });
  assert.equal(other.b.open(other.a.seal(PacketKind.Totem, 0, 2, Buffer.from("x"))), null);
  assert.equal(other.b.dropCounts().auth_failed, 1);

  const ok = pair();
  const p = ok.a.seal(PacketKind.Totem, 0, 0, Buffer.from("payload"));
  const flipped = Buffer.from(p);
  flipped[HEADER_LEN + 1] ^= 1;
  assert.equal(ok.b.open(flipped), null);
  const hdr = Buffer.from(p);
  hdr[4] = 7; // link number is authenticated
  assert.equal(ok.b.open(hdr), null);
  assert.equal(ok.b.dropCounts().auth_failed, 2);
  assert.ok(ok.b.open(p));
  assert.equal(ok.b.open(p), null);
  assert.equal(ok.b.dropCounts().replayed, 1);
  assert.equal(ok.b.open(p.subarray(0, HEADER_LEN + TAG_LEN - 1)), null);
  assert.equal(ok.b.dropCounts().truncated, 1);
  assert.equal(ok.b.open(Buffer.alloc(MAX_PACKET + 1)), null);
  assert.equal(ok.b.dropCounts().oversized, 1);
  assert.equal(ok.b.open(randomBytes(100)), null);
  assert.equal(ok.b.dropCounts().garbage, 1);
  // addressed to node 3: node 2 drops it
  assert.equal(ok.b.open(ok.a.seal(PacketKind.Totem, 0, 3, Buffer.alloc(1))), null);
  assert.equal(ok.b.dropCounts().misdirected, 1);
  // log lines are rate-limited per reason: one line for repeated auth failures
  for (let i = 0; i < 50; i++) b.open(a.seal(PacketKind.Totem, 0, 2, Buffer.from("x")));
  assert.equal(b.dropCounts().auth_failed, 51);
  assert.equal(lines.filter((l) => l.includes("auth_failed")).length, 1);
});

test("unknown senders and stale incarnations are refused", () => {
  const b = new PacketCodec({ authkey: key, clusterName: "c", nodeid: 2, isKnownNode: known });
  const stranger = new PacketCodec({ authkey: key, clusterName: "c", nodeid: 9, isKnownNode: known });
  assert.equal(b.open(stranger.seal(PacketKind.Totem, 0, 0, Buffer.alloc(1))), null);
  assert.equal(b.dropCounts().unknown_sender, 1);
  const old = new PacketCodec({
    authkey: key,
    clusterName: "c",
    nodeid: 1,
    incarnation: 5n,
    isKnownNode: known,
  });
  const fresh = new PacketCodec({
    authkey: key,
    clusterName: "c",
    nodeid: 1,
    incarnation: 6n,
    isKnownNode: known,
  });
  const oldPkt = old.seal(PacketKind.Totem, 0, 0, Buffer.alloc(1));
  assert.ok(b.open(fresh.seal(PacketKind.Totem, 0, 0, Buffer.alloc(1))));
  assert.equal(b.open(oldPkt), null);
  assert.equal(b.dropCounts().stale_incarnation, 1);
});

test("replay window: out-of-order within the window accepted once, too old refused", () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: 3000 }), { maxLength: 300 }), (seqs) => {
      const w = new ReplayWindow();
      const seen = new Set<number>();
      let highest = 0;
      for (const s of seqs) {
        const v = w.check(1, 1n, BigInt(s));
        const expectOk = !seen.has(s) && (s > highest || highest - s < 1024);
        assert.equal(v === "ok", expectOk, `seq ${s} highest ${highest}`);
        if (v === "ok") {
          w.commit(1, 1n, BigInt(s));
          seen.add(s);
          highest = Math.max(highest, s);
        }
      }
    }),
    { numRuns: 300 },
  );
});

test("fuzz: mutated and random packets never throw and are never accepted", () => {
  const { a, b } = pair();
  const base = a.seal(PacketKind.Totem, 0, 2, Buffer.from("some payload bytes"));
  fc.assert(
    fc.property(
      fc.oneof(
        fc.uint8Array({ maxLength: 200 }).map((u) => Buffer.from(u)),
        fc
          .array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 1, max: 255 })), {
            minLength: 1,
            maxLength: 4,
          })
          .map((muts) => {
            const p = Buffer.from(base);
            for (const [i, x] of muts) p[i] ^= x;
            return p;
          }),
        fc.nat(base.length - 1).map((n) => base.subarray(0, n)),
      ),
      (pkt) => {
        assert.equal(b.open(pkt), null);
      },
    ),
    { numRuns: 3000 },
  );
  assert.equal(b.accepted, 0);
  assert.ok(b.open(base)); // the untouched packet is still good
});

test("authkey file: written 0400 with the requested size, size checked on read", () => {
  const dir = mkdtempSync(join(tmpdir(), "tandem-key-"));
  try {
    const p = join(dir, "etc", "authkey");
    const k = writeAuthkey(p);
    assert.equal(k.length, 256);
    assert.equal(statSync(p).mode & 0o777, 0o400);
    assert.deepEqual(readAuthkey(p), k);
    writeAuthkey(p, 4096); // overwriting a 0400 key works, as with corosync-keygen
    assert.equal(readFileSync(p).length, 4096);
    assert.throws(() => writeAuthkey(p, 100), /128 to 4096 bytes: got '100'/);
    const small = join(dir, "small");
    writeFileSync(small, Buffer.alloc(64));
    assert.throws(
      () => readAuthkey(small),
      (e) => e instanceof TandemError && /got 64/.test(e.message),
    );
    assert.throws(() => readAuthkey(join(dir, "none")), /cannot read cluster key .*ENOENT/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
