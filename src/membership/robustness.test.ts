// Property test: whatever well-formed but arbitrary protocol messages an engine
// receives (stale, forged fields, wrong rings, other states), it never throws and its
// effects still encode.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { SimCluster } from "../sim/cluster.js";
import { Prng } from "../sim/prng.js";
import type { ProtocolMessage } from "./types.js";
import { encodeMessage } from "./wire.js";

const node = fc.integer({ min: 1, max: 5 });
const seq = fc.oneof(fc.nat(40), fc.constant(2 ** 52));
const ring = fc.record({ rep: node, seq });
const header = { from: node, incarnation: fc.integer({ min: 0, max: 3 }) };
const message: fc.Arbitrary<ProtocolMessage> = fc.oneof(
  fc.record({
    type: fc.constant("mcast" as const),
    ...header,
    ringId: ring,
    seq,
    sender: node,
    guarantee: fc.constantFrom("agreed" as const, "safe" as const),
    payload: fc.uint8Array({ maxLength: 20 }).map((b) => Buffer.from(b)),
  }),
  fc.record({
    type: fc.constant("token" as const),
    ...header,
    ringId: ring,
    tokenSeq: seq,
    seq,
    aru: seq,
    aruId: fc.integer({ min: 0, max: 5 }),
    rtr: fc.array(seq, { maxLength: 5 }),
    fcc: fc.nat(100),
    retransFlag: fc.boolean(),
    retransOwner: fc.integer({ min: 0, max: 5 }),
    install: fc.boolean(),
  }),
  fc.record({
    type: fc.constant("join" as const),
    ...header,
    procSet: fc.uniqueArray(node, { maxLength: 5 }),
    failSet: fc.uniqueArray(node, { maxLength: 5 }),
    ringSeq: seq,
    maxRingSeq: seq,
  }),
  fc.record({
    type: fc.constant("commit" as const),
    ...header,
    ringId: ring,
    round: fc.constantFrom(1, 2),
    hop: seq,
    memb: fc.uniqueArray(node, { minLength: 1, maxLength: 5 }).chain((ids) =>
      fc.tuple(
        ...ids.map((id) =>
          fc.record({
            nodeId: fc.constant(id),
            incarnation: fc.integer({ min: 0, max: 3 }),
            filled: fc.boolean(),
            oldRingId: ring,
            oldAru: seq,
            oldHighSeq: seq,
            oldDelivered: seq,
          }),
        ),
      ),
    ),
  }),
  fc.record({ type: fc.constant("merge_detect" as const), ...header, ringId: ring }),
  fc.record({ type: fc.constant("token_hold_cancel" as const), ...header, ringId: ring }),
);

test("engines never throw on arbitrary well-formed messages", () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(message, fc.nat(300)), { minLength: 1, maxLength: 30 }),
      fc.nat(1000),
      (msgs, seed) => {
        const c = new SimCluster(3, new Prng(seed), { delay: 0.5, jitter: 0.5, loss: 0, duplicate: 0 });
        for (let i = 1; i <= 3; i++) c.start(i);
        c.runUntil(seed % 2000);
        for (const [m, dt] of msgs) {
          const target = (dt % 3) + 1;
          const engine = c.node(target).engine;
          if (!engine) continue;
          for (const e of engine.handle({ type: "receive", message: m }, c.now))
            if (e.type === "send") encodeMessage(e.message);
          c.runUntil(c.now + dt / 10);
        }
        c.runUntil(c.now + 3000);
        return true;
      },
    ),
    { numRuns: 150 },
  );
  assert.ok(true);
});
