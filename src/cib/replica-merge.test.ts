// The replica's merge rules under partitions with quorum: the quorate generation decides
// before versions do, operations of a round whose copies never agreed are refused, and a
// merge of copies that disagree about a node outside the membership distrusts its status.

import assert from "node:assert/strict";
import { test } from "node:test";
import { child, elements, serializeXml } from "../core/xml.js";
import { CibReplica, digestOf, type ReplicaEffect, type ReplicaMessage } from "./replica.js";
import { type CibOperation, querySection } from "./store.js";

/** A closed process group with partitions; quorum = more than half of all nodes. */
class Group {
  readonly replicas = new Map<number, CibReplica>();
  readonly replies = new Map<number, Extract<ReplicaEffect, { type: "reply" }>[]>();
  readonly logs: string[] = [];
  queue: { from: number; msg: ReplicaMessage; to: number[] }[] = [];
  partitions: number[][] = [];

  constructor(readonly total: number) {}

  add(id: number, replica = new CibReplica({ nodeId: id })): CibReplica {
    this.replicas.set(id, replica);
    this.replies.set(id, []);
    return replica;
  }
  partitionOf(id: number): number[] {
    return this.partitions.find((p) => p.includes(id)) ?? [id];
  }
  /** New partitions; `flush` false keeps queued messages (they arrive in the new configuration). */
  setPartitions(parts: number[][], flush = true): void {
    if (flush) this.run();
    const old = new Map([...this.replicas.keys()].map((id) => [id, this.partitionOf(id).join(",")]));
    this.partitions = parts;
    if (!flush) for (const q of this.queue) q.to = this.partitionOf(q.from);
    for (const p of parts)
      for (const id of p)
        if (old.get(id) !== p.join(",") || this.replicas.get(id)!.state === "offline")
          this.fx(
            id,
            this.replicas
              .get(id)!
              .handle({ type: "confchange", members: p, quorate: p.length * 2 > this.total }),
          );
  }
  fx(id: number, fx: ReplicaEffect[]): void {
    for (const f of fx) {
      if (f.type === "broadcast") this.queue.push({ from: id, msg: f.msg, to: this.partitionOf(id) });
      else if (f.type === "reply") this.replies.get(id)!.push(f);
      else if (f.type === "log") this.logs.push(`n${id} ${f.level}: ${f.msg}`);
    }
  }
  request(id: number, reqId: number, op: CibOperation): void {
    this.fx(id, this.replicas.get(id)!.handle({ type: "request", reqId, op }));
  }
  run(): void {
    while (this.queue.length > 0) {
      const q = this.queue.shift()!;
      for (const to of q.to)
        this.fx(to, this.replicas.get(to)!.handle({ type: "deliver", from: q.from, msg: q.msg }));
    }
  }
}

const create = (id: string): CibOperation => ({
  op: "create",
  section: "resources",
  xml: `<primitive id="${id}" class="ocf" provider="tandem" type="Dummy"/>`,
});
const status = (node: number, attrs: Record<string, string>): CibOperation => ({
  op: "status",
  changes: [{ kind: "node-state", nodeId: String(node), uname: `n${node}`, attrs }],
});
const ids = (r: CibReplica) => elements(querySection(r.cib, "resources")!).map((e) => e.attrs.id);
const nodeState = (r: CibReplica, id: number) =>
  elements(child(r.cib, "status")!, "node_state").find((n) => n.attrs.id === String(id));

test("a node restarted alone cannot outvote the quorate side by writing status (acknowledged change kept)", () => {
  const g = new Group(3);
  for (const id of [1, 2, 3]) g.add(id);
  g.setPartitions([[1, 2, 3]]);
  g.run();
  g.request(1, 1, create("a"));
  g.run();
  // n3 goes down; [1,2] (quorate) acknowledge b
  const disk = g.replicas.get(3)!.cib;
  g.setPartitions([[1, 2], [3]]);
  g.request(1, 2, create("b"));
  g.run();
  assert.ok(g.replies.get(1)!.some((r) => r.reqId === 2 && r.ok));
  // n3 restarts alone from its disk (same epoch after its own change) and writes a lot of status
  g.add(3, new CibReplica({ nodeId: 3, initial: disk }));
  g.setPartitions([[1, 2], [3]]);
  g.run();
  g.request(3, 3, create("c"));
  for (let i = 0; i < 5; i++)
    g.request(3, 10 + i, status(3, { in_ccm: "true", crmd: i % 2 ? "online" : "offline" }));
  g.run();
  const v3 = g.replicas.get(3)!.version;
  const v1 = g.replicas.get(1)!.version;
  assert.ok(v3.epoch === v1.epoch && v3.numUpdates > v1.numUpdates, "n3's version is the higher one");
  g.setPartitions([[1, 2, 3]]);
  g.run();
  for (const id of [1, 2, 3]) assert.deepEqual(ids(g.replicas.get(id)!), ["a", "b"]);
  // n3's own change made without quorum is the one discarded, and reported
  assert.ok(g.logs.some((l) => l.startsWith("n3 crit:") && /discarded/.test(l)));
  assert.ok(g.replicas.get(1)!.quorateGeneration > 0);
});

test("between two partitions without quorum the highest version still wins (Pacemaker's rule)", () => {
  const g = new Group(4);
  for (const id of [1, 2, 3, 4]) g.add(id);
  g.setPartitions([[1, 2, 3, 4]]);
  g.run();
  g.setPartitions([
    [1, 2],
    [3, 4],
  ]);
  g.request(3, 1, create("x"));
  g.request(3, 2, create("y"));
  g.request(1, 3, create("z"));
  g.run();
  g.setPartitions([[1, 2, 3, 4]]);
  g.run();
  for (const id of [1, 2, 3, 4]) assert.deepEqual(ids(g.replicas.get(id)!), ["x", "y"]);
  assert.ok(g.logs.some((l) => l.startsWith("n1 crit:")));
});

test("an operation held in a round whose copies never agreed is sent again in the next round, not applied on top of its merge", () => {
  const g = new Group(3);
  for (const id of [1, 2, 3]) g.add(id);
  g.setPartitions([[1, 2, 3]]);
  g.run();
  // [1,2] form; n1's change is delivered while they still compare copies, then n3 comes back
  g.setPartitions([[1, 2], [3]]);
  g.request(3, 5, create("on-3"));
  const versions = g.queue.filter((q) => q.from !== 3);
  g.queue = g.queue.filter((q) => q.from === 3);
  g.run();
  g.queue = versions.slice(0, 1); // only n1's version message arrives in [1,2]
  g.request(1, 6, create("held"));
  g.run();
  assert.equal(g.replicas.get(1)!.state, "syncing");
  g.setPartitions([[1, 2, 3]]);
  g.run();
  const digests = new Set([1, 2, 3].map((id) => digestOf(g.replicas.get(id)!.cib)));
  assert.equal(digests.size, 1, "one copy everywhere");
  for (const id of [1, 2, 3]) assert.deepEqual(ids(g.replicas.get(id)!), ["on-3", "held"]);
  const r = g.replies.get(1)!.filter((x) => x.reqId === 6);
  assert.equal(r.length, 1, "one answer");
  assert.ok(r[0].ok, "acknowledged once applied in the new round");
});

test("an operation arriving in a later round of the same members is dropped and sent again by its originator", () => {
  const g = new Group(3);
  for (const id of [1, 2, 3]) g.add(id);
  g.setPartitions([[1, 2, 3]]);
  g.run();
  g.request(2, 1, create("late"));
  const late = g.queue.pop()!;
  g.setPartitions([[1, 2], [3]]);
  g.setPartitions([[1, 2, 3]]);
  g.run();
  g.queue.push({ ...late, to: [1, 2, 3] });
  g.run();
  for (const id of [1, 2, 3]) assert.deepEqual(ids(g.replicas.get(id)!), ["late"]);
  const digests = new Set([1, 2, 3].map((id) => digestOf(g.replicas.get(id)!.cib)));
  assert.equal(digests.size, 1);
  const r = g.replies.get(2)!.filter((x) => x.reqId === 1);
  assert.equal(r.length, 1);
  assert.ok(r[0].ok);
});

test("a merge of copies that disagree about a node outside the membership makes that node unclean, history unknown", () => {
  const g = new Group(4);
  for (const id of [1, 2, 3, 4]) g.add(id);
  g.setPartitions([[1, 2, 3, 4]]);
  g.run();
  g.request(1, 1, status(4, { in_ccm: "true", crmd: "online", join: "member", expected: "member" }));
  g.run();
  // [1] alone sees n4 leave cleanly; [2,3,4] see it running a resource
  g.setPartitions([[1], [2, 3, 4]]);
  g.request(1, 2, status(4, { in_ccm: "false", crmd: "offline", join: "down", expected: "down" }));
  g.request(2, 3, {
    op: "status",
    changes: [
      {
        kind: "lrm-op",
        nodeId: "4",
        uname: "n4",
        rsc: { id: "a", class: "ocf", provider: "tandem", type: "Dummy" },
        upsert: [{ id: "a_last_0", operation: "start", "rc-code": "0", "op-status": "0", "call-id": "3" }],
      },
    ],
  });
  g.run();
  // n4 is cut off as the others merge
  g.setPartitions([[1, 2, 3], [4]]);
  g.run();
  const copies = new Set([1, 2, 3].map((id) => digestOf(g.replicas.get(id)!.cib)));
  assert.equal(copies.size, 1);
  const ns = nodeState(g.replicas.get(1)!, 4)!;
  assert.equal(ns.attrs.expected, "member");
  assert.equal(ns.attrs.in_ccm, "false");
  assert.equal(child(ns, "lrm"), undefined, `history erased: ${serializeXml(ns)}`);
  assert.ok(g.logs.some((l) => /disagree about node\(s\) 4/.test(l)));
});

test("a merge where only one side knows a node keeps what that side knows", () => {
  const g = new Group(3);
  for (const id of [1, 2, 3]) g.add(id);
  g.setPartitions([[1, 2, 3]]);
  g.run();
  g.request(1, 1, status(3, { in_ccm: "false", crmd: "offline", join: "down", expected: "down" }));
  g.run();
  // n2 restarts with an empty status (its disk) and rejoins while n3 stays away
  g.setPartitions([[1], [3]]);
  g.add(2, new CibReplica({ nodeId: 2, initial: g.replicas.get(2)!.cib }));
  g.setPartitions([[1, 2], [3]]);
  g.run();
  assert.equal(nodeState(g.replicas.get(2)!, 3)!.attrs.expected, "down");
  assert.ok(!g.logs.some((l) => /disagree/.test(l)));
});

test("a controller write of a membership that has passed is dropped, not sent again", () => {
  const g = new Group(3);
  for (const id of [1, 2, 3]) g.add(id);
  g.setPartitions([[1, 2, 3]]);
  g.run();
  // n3 is lost: [1,2] compare copies; the DC's "n3 left" is held, then n3 is back at once
  g.setPartitions([[1, 2], [3]]);
  g.queue = g.queue.filter((q) => q.from !== 2); // n2's version message never arrives
  g.run();
  g.fx(
    1,
    g.replicas.get(1)!.handle({
      type: "request",
      reqId: 9,
      op: status(3, { in_ccm: "false", crmd: "offline" }),
      origin: { client: "crmd" },
    }),
  );
  g.run();
  g.setPartitions([[1, 2, 3]]);
  g.request(3, 10, status(3, { in_ccm: "true", crmd: "online", join: "member", expected: "member" }));
  g.run();
  for (const id of [1, 2, 3]) assert.equal(nodeState(g.replicas.get(id)!, 3)!.attrs.crmd, "online");
  const r = g.replies.get(1)!.find((x) => x.reqId === 9);
  assert.ok(r && !r.ok, "the controller is told its write was not applied");
});
