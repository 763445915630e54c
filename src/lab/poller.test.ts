// The failover analysis on poll records: the gap, failed requests, double answers.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { analyzeSwitch, median, type Sample } from "./poller.js";

const ok = (t0: number, t1: number, node: string): Sample => ({ t0, t1, ok: true, node });
const bad = (t0: number, t1: number): Sample => ({ t0, t1, ok: false, error: "ECONNREFUSED" });

describe("analyzeSwitch", () => {
  it("measures from the end of the last old answer to the end of the first new one", () => {
    const s = [
      ok(0, 2, "node1"),
      ok(20, 23, "node1"),
      bad(40, 41),
      bad(60, 61),
      ok(80, 85, "node2"),
      ok(100, 102, "node2"),
    ];
    const r = analyzeSwitch(s, "node1", 10);
    assert.equal(r.to, "node2");
    assert.equal(r.lastOldEnd, 23);
    assert.equal(r.firstNewEnd, 85);
    assert.equal(r.gapMs, 62);
    assert.equal(r.failedRequests, 2);
    assert.equal(r.doubleAnswers, 0);
  });

  it("counts old-node answers to requests sent after the new node answered", () => {
    const s = [ok(0, 2, "node1"), ok(20, 25, "node2"), ok(40, 42, "node1"), ok(60, 62, "node2")];
    const r = analyzeSwitch(s, "node1", 10);
    assert.equal(r.to, "node2");
    assert.equal(r.doubleAnswers, 1);
  });

  it("no switch: to is null", () => {
    const s = [ok(0, 2, "node1"), bad(20, 270), ok(40, 42, "node1")];
    assert.equal(analyzeSwitch(s, "node1", 10).to, null);
  });

  it("a service restarted in place ends the outage when allowed", () => {
    const s = [ok(0, 2, "node1"), bad(20, 21), ok(40, 42, "node1")];
    const r = analyzeSwitch(s, "node1", 10, true);
    assert.equal(r.to, "node1");
    assert.equal(r.gapMs, 40);
  });

  it("property: the gap is never negative and failed requests are counted once", () => {
    const sample = fc.record({
      t0: fc.integer({ min: 0, max: 5000 }),
      d: fc.integer({ min: 0, max: 300 }),
      who: fc.constantFrom("node1", "node2", ""),
    });
    fc.assert(
      fc.property(fc.array(sample, { maxLength: 80 }), fc.integer({ min: 0, max: 5000 }), (xs, tFault) => {
        const s: Sample[] = xs.map((x) =>
          x.who === "" ? bad(x.t0, x.t0 + x.d) : ok(x.t0, x.t0 + x.d, x.who),
        );
        const r = analyzeSwitch(s, "node1", tFault);
        if (r.gapMs !== undefined) assert.ok(r.gapMs >= 0);
        assert.ok(r.failedRequests <= s.filter((x) => !x.ok).length);
        if (r.to !== null) assert.equal(r.to, "node2");
      }),
    );
  });

  it("median", () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 2, 3]), 2.5);
  });
});
