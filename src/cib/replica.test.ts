import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { elements, serializeXml } from "../core/xml.js";
import { CibReplica, digestOf, type ReplicaEffect, type ReplicaMessage } from "./replica.js";
import { querySection } from "./store.js";
import { formatVersion } from "./versions.js";

/**
 * A fake closed process group: partitions of nodes, each with its own total order.
 * A broadcast is delivered to every member of the sender's partition, in one global
 * order per partition (what CPG gives), when `run()` drains the queue.
 */
class FakeGroup {
  readonly replicas = new Map<number, CibReplica>();
  readonly replies = new Map<number, ReplicaEffect[]>();
  readonly logs: { node: number; fx: Extract<ReplicaEffect, { type: "log" }> }[] = [];
  private queue: { from: number; msg: ReplicaMessage; to: number[] }[] = [];
  partitions: number[][] = [];

  add(id: number, replica = new CibReplica({ nodeId: id })): CibReplica {
    this.replicas.set(id, replica);
    this.replies.set(id, []);
    return replica;
  }
  partitionOf(id: number): number[] {
    return this.partitions.find((p) => p.includes(id)) ?? [id];
  }
  /** Installs new partitions and delivers a confchange to every node whose partition changed. */
  setPartitions(parts: number[][]): void {
    const old = new Map([...this.replicas.keys()].map((id) => [id, this.partitionOf(id).join(",")]));
    this.partitions = parts;
    // Messages queued in an old configuration are delivered there before the change (EVS).
    this.queue = this.queue.filter((q) => q.to.every((t) => this.partitionOf(t).join(",") === old.get(t)));
    for (const p of parts)
      for (const id of p)
        if (old.get(id) !== p.join(",") || this.replicas.get(id)!.state === "offline")
          this.effects(id, this.replicas.get(id)!.handle({ type: "confchange", members: p }));
  }
  effects(id: number, fx: ReplicaEffect[]): void {
    for (const f of fx) {
      if (f.type === "broadcast") this.queue.push({ from: id, msg: f.msg, to: this.partitionOf(id) });
      else if (f.type === "reply") this.replies.get(id)!.push(f);
      else if (f.type === "log") this.logs.push({ node: id, fx: f });
    }
  }
  request(id: number, reqId: number, xml: string, op: "create" | "modify" | "delete" = "create"): void {
    this.effects(
      id,
      this.replicas.get(id)!.handle({ type: "request", reqId, op: { op, section: "resources", xml } }),
    );
  }
  run(): void {
    while (this.queue.length > 0) {
      const q = this.queue.shift()!;
      for (const to of q.to)
        this.effects(to, this.replicas.get(to)!.handle({ type: "deliver", from: q.from, msg: q.msg }));
    }
  }
}

const prim = (id: string) => `<primitive id="${id}" class="ocf" provider="tandem" type="Dummy"/>`;
const ids = (r: CibReplica) => elements(querySection(r.cib, "resources")!).map((e) => e.attrs.id);

test("three members apply every change in the same order and acknowledge after delivery", () => {
  const g = new FakeGroup();
  for (const id of [1, 2, 3]) g.add(id);
  g.setPartitions([[1, 2, 3]]);
  g.run();
  g.request(2, 7, prim("a"));
  g.request(3, 8, prim("b"));
  assert.equal(g.replies.get(2)!.length, 0, "no ack before delivery");
  g.run();
  for (const id of [1, 2, 3]) {
    assert.deepEqual(ids(g.replicas.get(id)!), ["a", "b"]);
    assert.equal(formatVersion(g.replicas.get(id)!.version), "0.2.0");
  }
  const ack = g.replies.get(2)![0];
  assert.equal(ack.type === "reply" && ack.ok && ack.reqId, 7);
});

test("a conflicting change loses deterministically and only its client is told", () => {
  const g = new FakeGroup();
  for (const id of [1, 2]) g.add(id);
  g.setPartitions([[1, 2]]);
  g.run();
  g.request(1, 1, prim("x"));
  g.request(2, 2, prim("x"));
  g.run();
  const r1 = g.replies.get(1)![0];
  const r2 = g.replies.get(2)![0];
  assert.ok(r1.type === "reply" && r1.ok);
  assert.ok(r2.type === "reply" && !r2.ok && r2.code === "TANDEM_E_CIB_EXISTS");
  assert.equal(digestOf(g.replicas.get(1)!.cib), digestOf(g.replicas.get(2)!.cib));
});

test("an invalid request is refused at once and never broadcast", () => {
  const g = new FakeGroup();
  g.add(1);
  g.setPartitions([[1]]);
  g.run();
  g.request(1, 5, "<primitive id=");
  const r = g.replies.get(1)![0];
  assert.ok(r.type === "reply" && !r.ok && r.code === "TANDEM_E_XML_SYNTAX");
  assert.equal(formatVersion(g.replicas.get(1)!.version), "0.0.0");
});

test("a member joining with an older copy receives the newest one", () => {
  const g = new FakeGroup();
  g.add(1);
  g.add(2);
  g.setPartitions([[1], [2]]);
  g.run();
  g.request(2, 1, prim("only-on-2"));
  g.run();
  g.setPartitions([[1, 2]]);
  g.run();
  assert.deepEqual(ids(g.replicas.get(1)!), ["only-on-2"]);
  assert.equal(digestOf(g.replicas.get(1)!.cib), digestOf(g.replicas.get(2)!.cib));
  // node 1 made no changes of its own: nothing discarded to report
  assert.ok(!g.logs.some((l) => l.fx.level === "crit"));
});

test("after a partition heals the highest version wins and the loser's changes are reported", () => {
  const g = new FakeGroup();
  for (const id of [1, 2, 3]) g.add(id);
  g.setPartitions([[1, 2, 3]]);
  g.run();
  g.setPartitions([[1], [2, 3]]);
  g.run();
  g.request(1, 1, prim("lonely"));
  g.request(2, 2, prim("m1"));
  g.run();
  g.request(3, 3, prim("m2"));
  g.run();
  g.setPartitions([[1, 2, 3]]);
  g.run();
  for (const id of [1, 2, 3]) assert.deepEqual(ids(g.replicas.get(id)!), ["m1", "m2"]);
  const crit = g.logs.filter((l) => l.fx.level === "crit");
  assert.equal(crit.length, 1);
  assert.equal(crit[0].node, 1);
  assert.match(JSON.stringify(crit[0].fx.fields), /lonely/);
});

test("operations delivered while copies are compared are applied after the sync, not lost", () => {
  const g = new FakeGroup();
  g.add(1);
  g.add(2);
  g.setPartitions([[1], [2]]);
  g.run();
  g.request(2, 1, prim("base"));
  g.run();
  g.setPartitions([[1, 2]]);
  // a request sent right after the confchange, before the sync finished
  g.request(1, 9, prim("during"));
  g.run();
  for (const id of [1, 2]) assert.deepEqual(ids(g.replicas.get(id)!), ["base", "during"]);
  const ack = g.replies.get(1)!.find((r) => r.type === "reply" && r.reqId === 9);
  assert.ok(ack && ack.type === "reply" && ack.ok);
});

test("requests made before joining any configuration are sent on the first confchange", () => {
  const g = new FakeGroup();
  g.add(1);
  g.request(1, 3, prim("early"));
  assert.equal(g.replies.get(1)!.length, 0);
  g.setPartitions([[1]]);
  g.run();
  assert.deepEqual(ids(g.replicas.get(1)!), ["early"]);
});

test("property: random partitions and changes always converge to one copy after healing", () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.record({
          kind: fc.constantFrom("req", "req", "req", "split", "heal"),
          node: fc.integer({ min: 1, max: 4 }),
          rsc: fc.integer({ min: 0, max: 6 }),
          op: fc.constantFrom<"create" | "delete">("create", "delete"),
          cut: fc.integer({ min: 1, max: 3 }),
        }),
        { maxLength: 40 },
      ),
      (steps) => {
        const g = new FakeGroup();
        for (const id of [1, 2, 3, 4]) g.add(id);
        g.setPartitions([[1, 2, 3, 4]]);
        g.run();
        let req = 0;
        for (const s of steps) {
          if (s.kind === "req") g.request(s.node, ++req, prim(`r${s.rsc}`), s.op);
          else if (s.kind === "split")
            g.setPartitions([[1, 2, 3, 4].slice(0, s.cut), [1, 2, 3, 4].slice(s.cut)]);
          else g.setPartitions([[1, 2, 3, 4]]);
          if (s.rsc % 2 === 0) g.run();
        }
        g.setPartitions([[1, 2, 3, 4]]);
        g.run();
        const d = new Set([...g.replicas.values()].map((r) => digestOf(r.cib)));
        assert.equal(d.size, 1);
        for (const r of g.replicas.values()) assert.equal(r.state, "ready");
        // every request got exactly one answer
        const answered = [...g.replies.values()].flat().length;
        return answered <= req;
      },
    ),
    { numRuns: 200 },
  );
});

test("the initial copy from disk keeps its configuration and version, not its status", () => {
  const r = new CibReplica({ nodeId: 1 });
  const fx = r.handle({
    type: "request",
    reqId: 1,
    op: { op: "create", section: "resources", xml: prim("a") },
  });
  assert.equal(fx.length, 0);
  const withStatus = new CibReplica({ nodeId: 2, initial: r.cib });
  assert.match(serializeXml(withStatus.cib), /<status\/>/);
});
