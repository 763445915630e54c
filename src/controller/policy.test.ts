// The controller driven by the real scheduler (src/scheduler) in the
// deterministic test cluster: placement follows constraints, failover,
// fencing before recovery, graceful shutdown.

import assert from "node:assert/strict";
import { test } from "node:test";
import { serializeXml } from "../core/xml.js";
import { policyScheduler } from "./policy.js";
import { SimCluster } from "./testkit.js";

function cluster(n: number, stonith: boolean): SimCluster {
  const c = new SimCluster(n, 50, policyScheduler);
  c.reconfigure();
  c.run();
  c.setProperty(1, "stonith-enabled", stonith ? "true" : "false");
  c.run();
  return c;
}

function create(c: SimCluster, section: string, xml: string): void {
  c.change(1, {
    type: "request",
    reqId: 10_000 + Math.floor(Math.random() * 1e6),
    op: { op: "create", section, xml },
  });
}

const dummy = (id: string) =>
  `<primitive id="${id}" class="ocf" provider="tandem" type="Dummy"><operations><op id="${id}-mon" name="monitor" interval="10s"/></operations></primitive>`;

test("real scheduler: a group with a location preference starts in order on the preferred node", () => {
  const c = cluster(3, false);
  create(c, "constraints", '<rsc_location id="loc-g" rsc="g" node="node2" score="50"/>');
  create(c, "resources", `<group id="g">${dummy("a")}${dummy("b")}</group>`);
  c.run();
  assert.deepEqual(c.placement().get("a"), ["node2"]);
  assert.deepEqual(c.placement().get("b"), ["node2"]);
  const text = serializeXml(c.cibOf(1));
  // b started after a: its start's call id on node2 is higher
  const callOf = (rsc: string) =>
    Number(new RegExp(`operation_key="${rsc}_start_0"[^>]*call-id="(\\d+)"`).exec(text)?.[1]);
  assert.ok(callOf("b") > callOf("a"), "group order");
  assert.ok(c.nodes.get(1)!.ctl.settled);
});

test("real scheduler: the node running a resource dies (no stonith) -> it runs elsewhere, once", () => {
  const c = cluster(3, false);
  create(c, "resources", dummy("d1"));
  c.run();
  const first = c.placement().get("d1")!;
  assert.equal(first.length, 1);
  const victim = [...c.nodes.values()].find((n) => n.uname === first[0])!;
  c.crash(victim.id);
  victim.running.clear(); // its services died with it
  c.run();
  const now = c.placement().get("d1")!;
  assert.equal(now.length, 1);
  assert.notEqual(now[0], first[0]);
});

test("real scheduler: with stonith the lost node is fenced before its resource starts elsewhere", () => {
  const c = cluster(3, true);
  create(c, "resources", '<primitive id="fence1" class="stonith" type="fence_tandem"/>');
  create(c, "resources", dummy("d1"));
  c.run();
  const first = c.placement().get("d1")!;
  assert.equal(first.length, 1);
  const victim = [...c.nodes.values()].find((n) => n.uname === first[0])!;
  c.crash(victim.id);
  c.run();
  assert.deepEqual(c.fenced, [victim.uname]);
  const now = c.placement().get("d1")!;
  assert.equal(now.length, 1, `active once: ${now}`);
  assert.notEqual(now[0], victim.uname);
});

test("real scheduler: graceful shutdown moves the resource first, then the node leaves unfenced", () => {
  const c = cluster(3, true);
  create(c, "resources", '<primitive id="fence1" class="stonith" type="fence_tandem"/>');
  create(c, "resources", dummy("d1"));
  c.run();
  const first = c.placement().get("d1")![0];
  const node = [...c.nodes.values()].find((n) => n.uname === first)!;
  c.shutdown(node.id);
  c.run();
  assert.equal(node.up, false, "left");
  assert.deepEqual(c.fenced, []);
  const now = c.placement().get("d1")!;
  assert.equal(now.length, 1);
  assert.notEqual(now[0], first);
});
