// The gap breakdown: executor result lines parsed into actions, and a window split into
// time covered by agent actions and idle time (property: the two always add up).

import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { breakdown, gapSteps, parseActionLine } from "./breakdown.js";

test("parses the executor's result lines of start/stop, not monitors", () => {
  const a = parseActionLine(
    '2026-11-28T08:11:09.735Z tandemd/executor info: Result of stop operation for webserver on node1: ok {"call":7,"rc":0,"status":0,"exec_ms":1261,"queue_ms":0}',
  );
  assert.deepEqual(a, {
    node: "node1",
    rsc: "webserver",
    op: "stop",
    t0: Date.parse("2026-11-28T08:11:09.735Z") - 1261,
    t1: Date.parse("2026-11-28T08:11:09.735Z"),
    rc: "ok",
  });
  assert.equal(
    parseActionLine(
      '2026-11-28T08:11:10.404Z tandemd/executor info: Result of monitor (30000ms) operation for virtual_ip on node2: ok {"call":12,"rc":0,"status":0,"exec_ms":234,"queue_ms":0}',
    ),
    undefined,
  );
  assert.equal(
    parseActionLine("2026-11-28T08:11:10.404Z tandemd notice: transition 3: 7 action(s)"),
    undefined,
  );
});

test("a window split into agent time and idle stretches", () => {
  const act = (t0: number, t1: number) => ({ node: "n", rsc: "r", op: "stop", t0, t1, rc: "ok" });
  // Gap 100..1000; actions 50..400 (clipped), 420..600, 500..700 (overlap), 750..1100.
  const b = breakdown([act(50, 400), act(420, 600), act(500, 700), act(750, 1100)], 100, 1000);
  assert.equal(b.agentsMs, 300 + 280 + 250);
  assert.equal(b.idleMs, 70);
  assert.deepEqual(b.idle, [
    { t0: 400, t1: 420 },
    { t0: 700, t1: 750 },
  ]);
});

test("property: agent time + idle time = the window, idle stretches lie outside every action", () => {
  const span = fc.tuple(fc.integer({ min: 0, max: 2000 }), fc.integer({ min: 0, max: 500 }));
  fc.assert(
    fc.property(
      fc.array(span, { maxLength: 8 }),
      fc.integer({ min: 0, max: 1000 }),
      fc.integer({ min: 0, max: 1500 }),
      (spans, from, len) => {
        const acts = spans.map(([t0, d]) => ({ node: "n", rsc: "r", op: "start", t0, t1: t0 + d, rc: "ok" }));
        const b = breakdown(acts, from, from + len);
        assert.equal(b.agentsMs + b.idleMs, len);
        // An action of zero length covers no time (that instant may sit inside an idle stretch).
        for (const i of b.idle)
          for (const a of acts.filter((x) => x.t1 > x.t0))
            assert.ok(a.t1 <= i.t0 || a.t0 >= i.t1, JSON.stringify({ i, a }));
        assert.equal(
          b.idle.reduce((s, i) => s + i.t1 - i.t0, 0),
          b.idleMs,
        );
      },
    ),
  );
});

test("the gap step by step: lead-in, actions, hops between them, tail", () => {
  const act = (node: string, rsc: string, op: string, t0: number, t1: number) => ({
    node,
    rsc,
    op,
    t0,
    t1,
    rc: "ok",
  });
  const acts = [
    act("node1", "virtual_ip", "stop", 1054, 1070),
    act("node1", "webserver", "stop", 1000, 1050),
    act("node2", "virtual_ip", "start", 1075, 1095),
    act("node2", "webserver", "start", 1103, 1245),
    act("node2", "webserver", "stop", 5000, 5100), // after the gap: left out
  ];
  assert.equal(
    gapSteps(acts, 1030, 1240),
    "-30 stop webserver@node1 50 +4 stop virtual_ip@node1 16 +5 start virtual_ip@node2 20 +8 start webserver@node2 142 | -5",
  );
  assert.equal(gapSteps([], 0, 120), "no agent ran | 120");
});
