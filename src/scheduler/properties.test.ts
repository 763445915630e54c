// Property tests on generated small CIBs (fast-check): the scheduler is
// deterministic, never places a resource where its score is -INFINITY, keeps
// mandatory (anti-)colocations, and applying a transition's result and
// scheduling again yields nothing more to do.

import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { parseCib, unpackCib } from "../cib/unpack.js";
import { INFINITY } from "../core/score.js";
import type { Colocation } from "./colocation.js";
import { actionKey } from "./graph.js";
import { schedule, unpackOnly } from "./index.js";
import { executeTransition } from "./simulate.js";

interface GenCib {
  nodes: { online: boolean; standby: boolean }[];
  rscs: { running: number | null; stickiness: number }[];
  groups: number[][];
  locations: { rsc: number; node: number; score: number }[];
  colocations: { rsc: number; with: number; score: number }[];
  orders: { first: number; after: number; optional: boolean }[];
}

const scoreArb = fc.oneof(fc.constantFrom(INFINITY, -INFINITY), fc.integer({ min: -200, max: 200 }));

const cibArb: fc.Arbitrary<GenCib> = fc
  .record({ nNodes: fc.integer({ min: 1, max: 4 }), nRscs: fc.integer({ min: 1, max: 6 }) })
  .chain(({ nNodes, nRscs }) =>
    fc.record({
      nodes: fc.array(fc.record({ online: fc.boolean(), standby: fc.boolean() }), {
        minLength: nNodes,
        maxLength: nNodes,
      }),
      rscs: fc.array(
        fc.record({
          running: fc.option(fc.integer({ min: 0, max: nNodes - 1 }), { nil: null }),
          stickiness: fc.constantFrom(0, 0, 10, 100),
        }),
        { minLength: nRscs, maxLength: nRscs },
      ),
      groups: fc.constantFrom<number[][]>([], nRscs >= 3 ? [[1, 2]] : [], nRscs >= 4 ? [[0, 3]] : []),
      locations: fc.array(
        fc.record({
          rsc: fc.integer({ min: 0, max: nRscs - 1 }),
          node: fc.integer({ min: 0, max: nNodes - 1 }),
          score: scoreArb,
        }),
        { maxLength: 5 },
      ),
      colocations: fc.array(
        fc.record({
          rsc: fc.integer({ min: 0, max: nRscs - 1 }),
          with: fc.integer({ min: 0, max: nRscs - 1 }),
          score: fc.oneof(fc.constantFrom(INFINITY, -INFINITY), fc.integer({ min: -100, max: 100 })),
        }),
        { maxLength: 3 },
      ),
      orders: fc.array(
        fc.record({
          first: fc.integer({ min: 0, max: nRscs - 1 }),
          after: fc.integer({ min: 0, max: nRscs - 1 }),
          optional: fc.boolean(),
        }),
        { maxLength: 2 },
      ),
    }),
  );

function toXml(g: GenCib): string {
  const inGroup = new Map<number, number>();
  g.groups.forEach((grp, gi) => {
    for (const r of grp) inGroup.set(r, gi);
  });
  const prim = (i: number) =>
    `<primitive id="r${i}" class="ocf" provider="pacemaker" type="Dummy"><meta_attributes id="r${i}-m"><nvpair id="r${i}-s" name="resource-stickiness" value="${g.rscs[i].stickiness}"/></meta_attributes><operations><op id="r${i}-mon" name="monitor" interval="10s"/></operations></primitive>`;
  const resources: string[] = [];
  g.rscs.forEach((_, i) => {
    if (!inGroup.has(i)) resources.push(prim(i));
  });
  g.groups.forEach((grp, gi) => {
    resources.push(`<group id="g${gi}">${grp.map(prim).join("")}</group>`);
  });
  const cons: string[] = [];
  g.locations.forEach((l, i) => {
    cons.push(`<rsc_location id="loc${i}" rsc="r${l.rsc}" node="n${l.node}" score="${l.score}"/>`);
  });
  const unit = (i: number) => (inGroup.has(i) ? `g${inGroup.get(i)}` : `r${i}`);
  g.colocations.forEach((c, i) => {
    if (unit(c.rsc) !== unit(c.with))
      cons.push(`<rsc_colocation id="col${i}" rsc="r${c.rsc}" with-rsc="r${c.with}" score="${c.score}"/>`);
  });
  g.orders.forEach((o, i) => {
    if (unit(o.first) !== unit(o.after))
      cons.push(
        `<rsc_order id="ord${i}" first="r${o.first}" then="r${o.after}" kind="${o.optional ? "Optional" : "Mandatory"}"/>`,
      );
  });
  const nodes = g.nodes
    .map(
      (n, i) =>
        `<node id="${i + 1}" uname="n${i}">${n.standby ? `<instance_attributes id="n${i}-a"><nvpair id="n${i}-sb" name="standby" value="on"/></instance_attributes>` : ""}</node>`,
    )
    .join("");
  const status = g.nodes
    .map((n, i) => {
      const state = n.online
        ? `in_ccm="true" crmd="online" join="member" expected="member"`
        : `in_ccm="false" crmd="offline" join="down" expected="down"`;
      const lrm = g.rscs
        .map((r, ri) =>
          r.running === i && n.online
            ? `<lrm_resource id="r${ri}" class="ocf" provider="pacemaker" type="Dummy"><lrm_rsc_op id="r${ri}_last_0" operation="start" interval="0" call-id="${ri + 2}" rc-code="0" op-status="0" transition-key="1:1:0:x"/></lrm_resource>`
            : "",
        )
        .join("");
      return `<node_state id="${i + 1}" uname="n${i}" ${state}><lrm id="${i + 1}"><lrm_resources>${lrm}</lrm_resources></lrm></node_state>`;
    })
    .join("");
  return `<cib admin_epoch="0" epoch="1" num_updates="0" have-quorum="1"><configuration><crm_config><cluster_property_set id="o"><nvpair id="o1" name="stonith-enabled" value="false"/></cluster_property_set></crm_config><nodes>${nodes}</nodes><resources>${resources.join("")}</resources><constraints>${cons.join("")}</constraints></configuration><status>${status}</status></cib>`;
}

function fingerprint(xml: string): string {
  const t = schedule(parseCib(xml), { now: 1000 });
  const placement = [...t.ws.byId.values()].map((r) => `${r.id}=${r.assigned}`).join(",");
  const actions = t.graph.order
    .map((i) => `${t.graph.actions[i].key}@${t.graph.actions[i].action.node}`)
    .join(",");
  return `${placement}|${actions}`;
}

const runs = { numRuns: 150 };

test("property: same input, same output", () => {
  fc.assert(
    fc.property(cibArb, (g) => {
      const xml = toXml(g);
      assert.equal(fingerprint(xml), fingerprint(xml));
    }),
    runs,
  );
});

test("property: never placed where the score is -INFINITY (or negative)", () => {
  fc.assert(
    fc.property(cibArb, (g) => {
      const t = schedule(parseCib(toXml(g)), { now: 1000 });
      for (const r of t.ws.primitives) {
        if (!r.assigned) continue;
        const unit = r.parent ?? r;
        const s = unit.allocation?.get(r.assigned)?.score ?? 0;
        assert.ok(s >= 0, `${r.id} placed on ${r.assigned} with score ${s}`);
        assert.ok(
          (r.scores.get(r.assigned)?.score ?? 0) > -INFINITY,
          `${r.id} placed on ${r.assigned} despite its own -INFINITY`,
        );
        assert.ok(t.ws.nodeByName.get(r.assigned)?.canRun, `${r.id} placed on unavailable ${r.assigned}`);
      }
    }),
    runs,
  );
});

/** Colocations on a cycle (A with B ... with A): the real Pacemaker may leave those violated. */
function inLoop(all: Colocation[], c: Colocation): boolean {
  const seen = new Set<unknown>();
  const stack = [c.primary];
  while (stack.length > 0) {
    const u = stack.pop();
    if (u === c.dependent) return true;
    if (seen.has(u)) continue;
    seen.add(u);
    for (const x of all) if (x.dependent === u) stack.push(x.primary);
  }
  return false;
}

test("property: mandatory colocations hold (outside colocation loops)", () => {
  fc.assert(
    fc.property(cibArb, (g) => {
      const t = schedule(parseCib(toXml(g)), { now: 1000 });
      for (const c of t.colocations.all) {
        // In a loop, one side is placed before the other's constraint can apply,
        // and Pacemaker 2.1.5 leaves it violated (checked with crm_simulate).
        if (inLoop(t.colocations.all, c)) continue;
        // A group member named as the dependent is placed on its own (after the
        // members before it): where that member runs.
        const dm =
          c.dependent.kind === "group"
            ? c.dependent.children.find((x) => x.id === c.dependentName)
            : undefined;
        const d = dm ? dm.assigned : c.dependent.assigned;
        // Placed with a group member: where that member runs.
        const m = c.primaryMember;
        const p = m && m.parent?.kind === "group" ? m.assigned : c.primary.assigned;
        if (c.score >= INFINITY && d !== null)
          assert.equal(d, p, `${c.id}: ${c.dependent.id} on ${d} but ${c.primary.id} on ${p}`);
        if (c.score <= -INFINITY && d !== null && p !== null) assert.notEqual(d, p, `${c.id}: both on ${d}`);
      }
    }),
    runs,
  );
});

test("property: transitions settle: each does what it meant, and the cluster is quiet within three", () => {
  fc.assert(
    fc.property(cibArb, (g) => {
      // Advisory colocations scaled down to ±1 can make Pacemaker itself move
      // resources back and forth on every run (checked with the real
      // crm_simulate); the property holds for mandatory ones. A stopped
      // resource also loses its stickiness, so a second transition may still
      // move things (Pacemaker does the same): we allow three.
      fc.pre(g.colocations.every((c) => Math.abs(c.score) >= INFINITY));
      let cib = parseCib(toXml(g));
      let left: string[] = [];
      for (let round = 0; round < 3; round++) {
        const t = schedule(cib, { now: 1000 });
        left = t.graph.actions
          .filter((a) => !a.action.pseudo)
          .map((a) => `${actionKey(a.action)} on ${a.action.node}`);
        if (left.length === 0) break;
        const executed = t.graph.order.map((i) => t.graph.actions[i].action);
        cib = unpackCib(executeTransition(cib, executed, new Map(t.ws.nodes.map((n) => [n.uname, n.attrs]))));
        // What runs after the transition is what the transition meant to run.
        const after = unpackOnly(cib, { now: 1000 });
        for (const r of t.ws.primitives) {
          const start = t.actions.byRsc.get(r)?.start;
          const meant = r.assigned && start?.runnable ? [r.assigned] : [];
          const running = after.byId.get(r.id)?.runningOn ?? [];
          if (r.managed && !r.blocked)
            assert.deepEqual(running, meant, `${r.id} runs on ${running} instead of ${meant}`);
        }
        left = [];
      }
      const last = schedule(cib, { now: 1000 });
      left = last.graph.actions
        .filter((a) => !a.action.pseudo)
        .map((a) => `${actionKey(a.action)} on ${a.action.node}`);
      assert.deepEqual(left, [], `still to do after three transitions: ${left.join(", ")}`);
    }),
    runs,
  );
});
