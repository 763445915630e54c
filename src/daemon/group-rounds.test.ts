import assert from "node:assert/strict";
import { test } from "node:test";
import { GroupRounds, type GroupStep, syncMessage } from "./group-rounds.js";

const data = (s: string) => Buffer.from(JSON.stringify({ ch: "cib", m: s }));
/** What the daemon's layers see: configurations and deliveries (the sync sends left out). */
const seen = (steps: GroupStep[]) =>
  steps.flatMap((s) =>
    s.type === "conf"
      ? [`conf ${s.ring} [${s.members}]`]
      : s.type === "deliver"
        ? [`deliver ${s.from} ${JSON.parse(s.data.toString()).m}`]
        : [],
  );

/** A node settled alone in its own ring with the given group view. */
function settled(self: number, ring: string, members: number[]): GroupRounds {
  const g = new GroupRounds(self);
  g.totem(ring, members);
  g.cpg(members);
  for (const m of members) g.deliver(m, syncMessage(ring));
  assert.ok(g.inSync);
  return g;
}

test("a merge: both sides see the new configuration begin at the same point, whatever their old views (seed 127)", () => {
  const n1 = settled(1, "1.28", [1]);
  const n3 = settled(3, "3.28", [3, 4]);
  const out1: GroupStep[] = [];
  const out3: GroupStep[] = [];
  // ring 1.32 = [1,3,4]: each sends its sync (after its join list)
  assert.deepEqual(
    n1.totem("1.32", [1, 3, 4]).map((s) => s.type),
    ["send"],
  );
  n3.totem("1.32", [1, 3, 4]);
  // One total order, delivered at both. The process group's view changes as join lists
  // arrive, from each node's own old view: n1 sees 3 and 4 join, n3 sees 1 join.
  // n1's join list
  out3.push(...n3.cpg([1, 3, 4]));
  // n1's own change r1, sent before it saw the ring change
  out1.push(...n1.deliver(1, data("r1")));
  out3.push(...n3.deliver(1, data("r1")));
  out1.push(...n1.deliver(1, syncMessage("1.32")));
  out3.push(...n3.deliver(1, syncMessage("1.32")));
  // n3's and n4's join lists, then their syncs
  out1.push(...n1.cpg([1, 3]));
  out1.push(...n1.cpg([1, 3, 4]));
  for (const m of [3, 4]) {
    out1.push(...n1.deliver(m, syncMessage("1.32")));
    out3.push(...n3.deliver(m, syncMessage("1.32")));
  }
  out1.push(...n1.deliver(4, data("after")));
  out3.push(...n3.deliver(4, data("after")));
  const expected = ["conf 1.32 [1,3,4]", "deliver 1 r1", "deliver 4 after"];
  assert.deepEqual(seen(out1), expected);
  assert.deepEqual(seen(out3), expected);
});

test("a new ring with the same group members is a new configuration; a sync of an earlier ring is ignored", () => {
  const g = settled(2, "1.4", [1, 2]);
  g.totem("1.8", [1, 2]);
  const steps = [
    ...g.deliver(1, syncMessage("1.4")),
    ...g.deliver(1, data("queued before the pause")),
    ...g.deliver(1, syncMessage("1.8")),
    ...g.deliver(2, syncMessage("1.8")),
  ];
  assert.deepEqual(seen(steps), ["conf 1.8 [1,2]", "deliver 1 queued before the pause"]);
  // changes inside a ring are announced at once; the same configuration twice is not
  assert.deepEqual(seen(g.cpg([2])), ["conf 1.8 [2]"]);
  assert.deepEqual(seen(g.cpg([2])), []);
  assert.deepEqual(seen(g.deliver(2, data("x"))), ["deliver 2 x"]);
});

test("a ring that changes before every sync arrived: its messages wait for the next configuration", () => {
  const g = settled(1, "1.4", [1, 2, 3]);
  g.totem("1.8", [1, 2, 3]);
  const steps = [...g.deliver(1, syncMessage("1.8")), ...g.deliver(2, data("m"))];
  assert.deepEqual(seen(steps), []);
  assert.equal(g.inSync, false);
  // node 3 is gone before its sync: a new ring without it
  const next = [
    ...g.totem("1.12", [1, 2], [3]),
    ...g.cpg([1, 2]),
    ...g.deliver(3, syncMessage("1.8")),
    ...g.deliver(1, syncMessage("1.12")),
    ...g.deliver(2, syncMessage("1.12")),
  ];
  assert.deepEqual(seen(next), ["conf 1.12 [1,2]", "deliver 2 m"]);
});

test("a starting node sends its sync only after its own join (the group would drop it), and is told nothing before", () => {
  const g = new GroupRounds(3);
  assert.deepEqual(g.totem("1.4", [1, 2, 3]), []);
  const steps = [...g.cpg([1, 2]), ...g.deliver(1, syncMessage("1.4")), ...g.deliver(2, syncMessage("1.4"))];
  assert.deepEqual(steps, []);
  const joined = g.cpg([1, 2, 3]);
  assert.deepEqual(
    joined.map((s) => (s.type === "send" ? s.data.toString() : s.type)),
    ['{"ch":"sync","ring":"1.4"}'],
  );
  assert.deepEqual(seen(g.deliver(3, syncMessage("1.4"))), ["conf 1.4 [1,2,3]"]);
});
