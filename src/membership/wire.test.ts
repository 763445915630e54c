// Round trips of every protocol message, and fuzzing of the decoders: random or
// mutated bytes must never throw anything but WireDecodeError.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import type { GroupMessage, ProtocolMessage } from "./types.js";
import {
  decodeGroupMessage,
  decodeMessage,
  encodeGroupMessage,
  encodeMessage,
  WireDecodeError,
} from "./wire.js";

const ring = { rep: 3, seq: 2 ** 40 + 7 };
const samples: ProtocolMessage[] = [
  {
    type: "mcast",
    from: 1,
    incarnation: 5,
    ringId: ring,
    seq: 9,
    sender: 1,
    guarantee: "safe",
    payload: Buffer.from("hello"),
  },
  {
    type: "mcast",
    from: 2,
    incarnation: 1,
    ringId: ring,
    seq: 10,
    sender: 4,
    guarantee: "agreed",
    encap: { ringId: { rep: 1, seq: 4 }, seq: 3, sender: 7, guarantee: "agreed" },
    payload: Buffer.alloc(0),
  },
  {
    type: "token",
    from: 1,
    incarnation: 2 ** 50,
    ringId: ring,
    tokenSeq: 100,
    seq: 50,
    aru: 48,
    aruId: 2,
    rtr: [49, 50],
    fcc: 3,
    retransFlag: true,
    retransOwner: 2,
    install: false,
  },
  {
    type: "join",
    from: 4,
    incarnation: 1,
    procSet: [1, 2, 4],
    failSet: [3],
    ringSeq: 8,
    maxRingSeq: 12,
  },
  {
    type: "commit",
    from: 1,
    incarnation: 1,
    ringId: ring,
    round: 2,
    hop: 3,
    memb: [
      {
        nodeId: 1,
        incarnation: 1,
        filled: true,
        oldRingId: { rep: 1, seq: 4 },
        oldAru: 3,
        oldHighSeq: 5,
        oldDelivered: 3,
      },
    ],
  },
  { type: "merge_detect", from: 9, incarnation: 3, ringId: ring },
  { type: "token_hold_cancel", from: 2, incarnation: 5, ringId: ring },
];

const groupSamples: GroupMessage[] = [
  { type: "cpg_join", group: "crmd", pid: 42 },
  { type: "cpg_leave", group: "crmd", pid: 42 },
  {
    type: "cpg_data",
    group: "cib",
    pid: 1,
    msgId: 77,
    fragIndex: 1,
    fragCount: 3,
    data: Buffer.from([1, 2, 3]),
  },
  { type: "cpg_joinlist", groups: [{ group: "a", pid: 1 }] },
  { type: "quorum_nodeinfo", votes: 1, expectedVotes: 3, quorate: true, waitForAllStatus: false },
];

test("every protocol message round-trips", () => {
  for (const m of samples) assert.deepEqual(decodeMessage(encodeMessage(m)), m);
  for (const g of groupSamples) assert.deepEqual(decodeGroupMessage(encodeGroupMessage(g)), g);
});

test("truncated packets are decode errors", () => {
  for (const m of samples) {
    const b = encodeMessage(m);
    for (let n = 0; n < b.length; n++) assert.throws(() => decodeMessage(b.subarray(0, n)), WireDecodeError);
    assert.throws(() => decodeMessage(Buffer.concat([b, Buffer.from([0])])), WireDecodeError);
  }
});

function onlyDecodeErrors(f: () => unknown): boolean {
  try {
    f();
    return true;
  } catch (e) {
    return e instanceof WireDecodeError;
  }
}

test("fuzz: random bytes never throw anything but WireDecodeError", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      const b = Buffer.from(bytes);
      return onlyDecodeErrors(() => decodeMessage(b)) && onlyDecodeErrors(() => decodeGroupMessage(b));
    }),
    { numRuns: 3000 },
  );
});

test("fuzz: mutated valid packets never throw anything but WireDecodeError", () => {
  const encoded = [...samples.map(encodeMessage)];
  const groups = groupSamples.map(encodeGroupMessage);
  fc.assert(
    fc.property(
      fc.nat(encoded.length - 1),
      fc.nat(groups.length - 1),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
      (i, j, edits) => {
        const b = Buffer.from(encoded[i]);
        const g = Buffer.from(groups[j]);
        for (const [pos, v] of edits) {
          b[pos % b.length] = v;
          g[pos % g.length] = v;
        }
        return onlyDecodeErrors(() => decodeMessage(b)) && onlyDecodeErrors(() => decodeGroupMessage(g));
      },
    ),
    { numRuns: 3000 },
  );
});
