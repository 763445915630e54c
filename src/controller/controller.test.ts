import assert from "node:assert/strict";
import { test } from "node:test";
import { child, elements, parseXml, serializeXml } from "../core/xml.js";
import { applyOperation } from "../cib/store.js";
import { Controller } from "./controller.js";
import { policyScheduler } from "./policy.js";
import { SimCluster } from "./testkit.js";

function nodeState(c: SimCluster, viewer: number, nodeId: number) {
  const status = child(c.cibOf(viewer), "status")!;
  return elements(status, "node_state").find((n) => n.attrs.id === String(nodeId));
}

test("DC is the lowest member id, computed identically everywhere", () => {
  const c = new SimCluster(3);
  c.reconfigure();
  c.run();
  for (const n of c.nodes.values()) assert.equal(n.ctl.dc, 1);
  assert.ok(c.nodes.get(1)!.ctl.isDc);
  assert.equal(c.cibOf(3).attrs["dc-uuid"], "1");
});

test("join: every node's state and history lands in the status section; nodes are listed", () => {
  const c = new SimCluster(3);
  c.reconfigure();
  c.run();
  for (const id of [1, 2, 3]) {
    const ns = nodeState(c, 2, id)!;
    assert.equal(ns.attrs.crmd, "online");
    assert.equal(ns.attrs.join, "member");
    assert.ok(child(ns, "lrm"));
  }
  const nodes = elements(child(child(c.cibOf(1), "configuration")!, "nodes")!, "node").map(
    (n) => n.attrs.uname,
  );
  assert.deepEqual(nodes.sort(), ["node1", "node2", "node3"]);
  assert.equal(c.nodes.get(1)!.ctl.pendingJoins.length, 0);
});

test("a new resource is probed on every node before it is started once, then monitored", () => {
  const c = new SimCluster(3);
  c.reconfigure();
  c.run();
  c.createResource(2, "d1");
  c.run();
  assert.deepEqual(c.placement().get("d1"), ["node1"]);
  const text = serializeXml(c.cibOf(3));
  // probes recorded on all three nodes (rc 7 on the two where it is not running)
  // the probe entries stay where d1 is not running; on node1 the start replaced it
  assert.equal((text.match(/operation_key="d1_monitor_0"/g) ?? []).length, 2);
  assert.match(text, /<lrm_rsc_op id="d1_monitor_10000"[^>]*rc-code="0"/);
  assert.match(text, /<lrm_rsc_op id="d1_last_0"[^>]*operation="start"[^>]*on_node="node1"/);
  assert.equal((text.match(/operation="monitor"[^>]*rc-code="7"/g) ?? []).length, 2);
  // the lrm_rsc_op carries Pacemaker's bookkeeping fields
  for (const f of [
    "call-id",
    "rc-code",
    "op-status",
    "exec-time",
    "last-rc-change",
    "op-digest",
    "transition-key",
    "transition-magic",
  ])
    assert.match(text, new RegExp(`${f}="`), f);
  assert.ok(c.nodes.get(1)!.ctl.settled);
});

test("a service still running after a daemon restart is found by the probe, not started twice", () => {
  const c = new SimCluster(2);
  c.nodes.get(2)!.running.add("d1"); // left over from before
  c.reconfigure();
  c.run();
  c.createResource(1, "d1");
  c.run();
  assert.deepEqual(c.placement().get("d1"), ["node2"]);
  assert.ok(!c.logs.some((l) => /d1.*start/.test(l) && l.includes("failed")));
  const starts = serializeXml(c.cibOf(1)).match(/operation="start"/g) ?? [];
  assert.equal(starts.length, 0);
});

test("node loss with stonith: fenced first, then recovered elsewhere; history of the fenced node erased", () => {
  const c = new SimCluster(3);
  c.reconfigure();
  c.run();
  c.setProperty(1, "stonith-enabled", "true");
  c.createResource(1, "d1");
  c.run();
  c.crash(1); // the DC itself, running d1
  c.run();
  assert.deepEqual(c.fenced, ["node1"]);
  assert.deepEqual(c.placement().get("d1"), ["node2"]);
  assert.equal(c.nodes.get(2)!.ctl.isDc, true);
  const ns = nodeState(c, 2, 1)!;
  assert.equal(ns.attrs.crmd, "offline");
  assert.equal(ns.attrs.expected, "down");
  assert.doesNotMatch(serializeXml(ns), /lrm_rsc_op/);
  // fence recorded before the start: the fence log line precedes the transition that starts d1 on node2
  const fenceAt = c.logs.findIndex((l) => l.includes("node node1 was fenced"));
  assert.ok(fenceAt >= 0);
});

for (const before of [true, false])
  test(`a node fenced by someone else (result heard ${before ? "before" : "after"} its loss) is down cleanly, not fenced again`, () => {
    const c = new SimCluster(3);
    c.reconfigure();
    c.run();
    c.setProperty(1, "stonith-enabled", "true");
    c.createResource(1, "d1");
    c.run();
    assert.deepEqual(c.placement().get("d1"), ["node1"]);
    c.manualFence("node1", before); // the DC itself, running d1
    c.run();
    assert.deepEqual(c.fenced, [], "no second fencing");
    assert.deepEqual(c.placement().get("d1"), ["node2"]);
    const ns = nodeState(c, 2, 1)!;
    assert.equal(ns.attrs.expected, "down");
    assert.equal(ns.attrs.join, "down");
    assert.doesNotMatch(serializeXml(ns), /lrm_rsc_op/);
    assert.ok(c.nodes.get(2)!.ctl.settled);
  });

test("a failed fence is retried and shown; recovery waits for it", () => {
  const c = new SimCluster(3);
  c.reconfigure();
  c.run();
  c.setProperty(1, "stonith-enabled", "true");
  c.createResource(1, "d1");
  c.run();
  c.fenceFailures.set("node1", 2);
  c.crash(1);
  c.run(10_000);
  assert.equal(c.logs.filter((l) => l.includes("fencing of node node1 failed")).length, 2);
  assert.deepEqual(c.fenced, ["node1"]);
  assert.deepEqual(c.placement().get("d1"), ["node2"]);
});

test("without stonith a lost node's resources are recovered without fencing", () => {
  const c = new SimCluster(3);
  c.reconfigure();
  c.run();
  c.createResource(1, "d1");
  c.run();
  c.crash(1);
  c.run();
  assert.deepEqual(c.fenced, []);
  // the fake service is still up on the dead node (nobody fenced it) and now also on node2
  assert.deepEqual(c.placement().get("d1"), ["node1", "node2"]);
});

test("a failed start aborts the transition, counts a failure and moves the resource", () => {
  const c = new SimCluster(3);
  c.failStart.add("d1@node1");
  c.reconfigure();
  c.run();
  c.createResource(1, "d1");
  c.run();
  assert.deepEqual(c.placement().get("d1"), ["node2"]);
  assert.match(serializeXml(c.cibOf(3)), /name="fail-count-d1#start_0" value="INFINITY"/);
  assert.ok(c.logs.some((l) => /transition \d+ aborted/.test(l)));
});

test("graceful shutdown: resources move away first, then the node leaves as clean", () => {
  const c = new SimCluster(3);
  c.reconfigure();
  c.run();
  c.setProperty(1, "stonith-enabled", "true");
  c.createResource(1, "d1");
  c.run();
  assert.deepEqual(c.placement().get("d1"), ["node1"]);
  const n1 = c.nodes.get(1)!;
  c.shutdown(1);
  c.run();
  assert.equal(n1.up, false, "node1 left");
  assert.deepEqual(c.placement().get("d1"), ["node2"]);
  assert.deepEqual(c.fenced, [], "a clean leave is not fenced");
  assert.equal(nodeState(c, 2, 1)!.attrs.expected, "down");
});

test("graceful stop of the DC: it completes its transition (starts elsewhere confirmed) before leaving", () => {
  // the real scheduler: its do_shutdown of node1 is ready as soon as d1 stopped there
  const c = new SimCluster(2, 50, policyScheduler);
  c.twoNode = true;
  c.reconfigure();
  c.run();
  c.setProperty(1, "stonith-enabled", "false");
  c.run();
  c.createResource(1, "d1");
  c.run();
  assert.deepEqual(c.placement().get("d1"), ["node1"]);
  assert.ok(c.nodes.get(1)!.ctl.isDc);
  c.shutdown(1);
  c.run();
  assert.equal(c.nodes.get(1)!.up, false, "node1 left");
  assert.deepEqual(c.placement().get("d1"), ["node2"]);
  // node1's last copy of the CIB (frozen when it left) already holds the confirmed start on node2
  const atLeave = serializeXml(c.cibOf(1));
  const confirmed = (atLeave.match(/<lrm_rsc_op id="d1_last_0"[^>]*>/g) ?? []).filter((e) =>
    ['operation="start"', 'rc-code="0"', 'op-status="0"', 'on_node="node2"'].every((a) => e.includes(a)),
  );
  assert.equal(confirmed.length, 1, "the start on node2 was confirmed before node1 left");
  const complete = c.logs.findIndex((l) => /^node1 .*transition \d+ complete/.test(l));
  const left = c.logs.indexOf("node1 left gracefully");
  assert.ok(complete >= 0 && complete < left, "the DC's transition completed before it left");
  // the next DC found nothing left to do: exactly one start on node2
  assert.deepEqual(
    c.execLog.filter((e) => e.endsWith("d1_start_0")),
    ["node1 d1_start_0", "node2 d1_start_0"],
  );
  assert.ok(!c.logs.some((l) => /^node2 .*transition \d+:/.test(l)), "the next DC had nothing to do");
  assert.ok(c.nodes.get(2)!.ctl.settled);
});

test("graceful stop: shutdown-escalation bounds the wait; the node leaves anyway, logged", () => {
  const sim = new SimCluster(1);
  sim.reconfigure();
  sim.run();
  sim.setProperty(1, "shutdown-escalation", "3s");
  sim.run();
  const ctl = new Controller({
    nodeId: 1,
    nodes: new Map([[1, "node1"]]),
    // a start that never reports: the transition never completes
    scheduler: () => ({
      actions: [
        {
          id: 1,
          kind: "rsc",
          task: "start",
          node: "node1",
          rsc: { id: "x", agent: { class: "ocf", provider: "tandem", type: "Dummy" }, params: {} },
          intervalMs: 0,
          timeoutMs: 600_000,
          deps: [],
        },
      ],
    }),
  });
  ctl.handle({ type: "membership", members: [1], ring: "1.1", quorate: true, now: 0 });
  ctl.handle({ type: "cib", cib: sim.cibOf(1), configChanged: true, now: 1 });
  const fx = ctl.handle({ type: "shutdown", now: 10 });
  const timer = fx.find((f) => f.type === "set-timer" && f.name === "shutdown-escalation");
  assert.ok(timer && timer.type === "set-timer" && timer.ms === 3000, JSON.stringify(fx));
  const after = ctl.handle({ type: "timer", name: "shutdown-escalation", now: 3010 });
  assert.ok(
    after.some((f) => f.type === "log" && f.level === "warning" && /shutdown-escalation/.test(f.msg)),
  );
  assert.ok(after.some((f) => f.type === "shutdown-ready"));
  // once only
  assert.deepEqual(ctl.handle({ type: "timer", name: "shutdown-escalation", now: 3020 }), []);
});

test("an action whose result never comes times out and the graph is re-run", () => {
  let sent = 0;
  const ctl = new Controller({
    nodeId: 1,
    nodes: new Map([[1, "node1"]]),
    scheduler: () => ({
      actions: [
        {
          id: 1,
          kind: "rsc",
          task: "start",
          node: "node1",
          rsc: { id: "x", agent: { class: "ocf", provider: "tandem", type: "Dummy" }, params: {} },
          intervalMs: 0,
          timeoutMs: 1000,
          deps: [],
        },
      ],
    }),
  });
  ctl.handle({ type: "membership", members: [1], ring: "1.1", quorate: true, now: 0 });
  const cib = new SimCluster(1).cibOf(1);
  ctl.handle({
    type: "cib",
    cib,
    op: { op: "status", changes: [{ kind: "lrm-replace", nodeId: "1", uname: "node1", lrm: "<lrm/>" }] },
    origin: 1,
    configChanged: false,
    now: 1,
  });
  const fx = ctl.handle({ type: "timer", name: "schedule", now: 100 });
  sent += fx.filter((f) => f.type === "send").length;
  const timer = fx.find((f) => f.type === "set-timer" && f.name.startsWith("action:"));
  assert.ok(timer && timer.type === "set-timer" && timer.ms === 6000);
  const after = ctl.handle({ type: "timer", name: timer.name, now: 6100 });
  assert.ok(after.some((f) => f.type === "log" && /timed out/.test(f.msg)));
  assert.ok(after.some((f) => f.type === "set-timer" && f.name === "schedule"));
  assert.equal(sent, 1);
  assert.equal(ctl.currentTransition, undefined);
});

test("a failed recurring monitor counts a failure; the resource is stopped there and started elsewhere", () => {
  const c = new SimCluster(3);
  c.reconfigure();
  c.run();
  c.createResource(1, "d1");
  c.run();
  assert.deepEqual(c.placement().get("d1"), ["node1"]);
  c.serviceDies(1, "d1");
  c.run();
  assert.deepEqual(c.placement().get("d1"), ["node2"]);
  const text = serializeXml(c.cibOf(3));
  assert.match(text, /name="fail-count-d1#monitor_10000" value="1"/);
  assert.match(text, /id="d1_last_failure_0"[^>]*operation="monitor"[^>]*rc-code="7"/);
});

// (the restarted node's CIB comes from its disk: no status, it does not know d1 runs on node2)
function restartedAlone(): SimCluster {
  const c = new SimCluster(2, 50, policyScheduler);
  c.twoNode = true;
  c.reconfigure();
  c.run();
  c.setProperty(1, "stonith-enabled", "false");
  c.setProperty(1, "dc-deadtime", "5s");
  c.createResource(1, "d1");
  c.run();
  c.shutdown(1);
  c.run();
  assert.deepEqual(c.placement().get("d1"), ["node2"]);
  // node1 comes back while it cannot reach node2 yet: alone, it is its own DC
  c.partition([[1], [2]]);
  c.restart(1);
  return c;
}

test("dc-deadtime: a restarted node alone does not start what its peer runs before they merge", () => {
  const c = restartedAlone();
  c.run(3_000);
  assert.deepEqual(c.placement().get("d1"), ["node2"], "nothing started during dc-deadtime");
  assert.ok(c.logs.some((l) => /^node1 notice: dc-deadtime: waiting up to 5000 ms/.test(l)));
  c.partition(undefined);
  c.run();
  assert.deepEqual(c.placement().get("d1"), ["node2"]);
  assert.deepEqual(
    c.execLog.filter((e) => e.endsWith("d1_start_0")),
    ["node1 d1_start_0", "node2 d1_start_0"],
  );
  assert.ok(c.nodes.get(1)!.ctl.isDc && c.nodes.get(1)!.ctl.settled);
});

test("dc-deadtime: once it has passed, a node alone acts as DC", () => {
  const c = restartedAlone();
  const t0 = c.now;
  c.run(20_000);
  assert.ok(c.logs.some((l) => /^node1 notice: dc-deadtime passed without node\(s\) 2/.test(l)));
  const passed = c.logs.findIndex((l) => /^node1 notice: dc-deadtime passed/.test(l));
  const waited = c.logs.findIndex((l) => /^node1 notice: dc-deadtime: waiting/.test(l));
  const ran = (from: number, to: number) =>
    c.logs.slice(from, to).some((l) => /^node1 notice: transition \d+:/.test(l));
  assert.ok(waited >= 0 && !ran(waited, passed) && ran(passed, c.logs.length));
  assert.deepEqual(c.placement().get("d1"), ["node1", "node2"], "partitioned without fencing: both run it");
  assert.ok(c.now - t0 >= 5_000);
});

test("a lost node the CIB knows nothing of is recorded unclean (expected=member), not as a clean offline entry", () => {
  const nodes = new Map([
    [1, "node1"],
    [2, "node2"],
    [3, "node3"],
  ]);
  const ctl = new Controller({ nodeId: 1, nodes, scheduler: () => ({ actions: [] }) });
  ctl.handle({ type: "membership", members: [1, 2, 3], ring: "1.1", quorate: true, now: 0 });
  // the copy this DC holds (adopted at a merge) has a node_state for node2 only
  const cib = parseXml(
    '<cib epoch="1" num_updates="0" admin_epoch="0"><configuration><crm_config/><nodes/><resources/><constraints/></configuration><status><node_state id="2" uname="node2" in_ccm="true" crmd="online" join="member" expected="down"/></status></cib>',
  );
  ctl.handle({ type: "cib", cib, configChanged: false, now: 1 });
  const fx = ctl.handle({ type: "membership", members: [1], ring: "1.2", quorate: false, now: 2 });
  // applied to the copy this DC holds
  let after = cib;
  for (const f of fx) if (f.type === "cib") after = applyOperation(after, f.op, {}).cib;
  const of = (id: string) =>
    elements(child(after, "status")!, "node_state").find((n) => n.attrs.id === id)!.attrs;
  assert.deepEqual(
    { ...of("3"), uname: undefined },
    { id: "3", uname: undefined, in_ccm: "false", crmd: "offline", join: "down", expected: "member" },
  );
  // node2 has expected=down recorded (it was leaving cleanly): kept as it is
  assert.deepEqual(of("2"), {
    id: "2",
    uname: "node2",
    in_ccm: "false",
    crmd: "offline",
    join: "member",
    expected: "down",
  });
  // applied to a copy adopted at a merge that never saw node2 or node3 (totem-sim seed 12): unclean too
  let merged = parseXml(
    '<cib epoch="1" num_updates="0" admin_epoch="0"><configuration><crm_config/><nodes/><resources/><constraints/></configuration><status/></cib>',
  );
  for (const f of fx) if (f.type === "cib") merged = applyOperation(merged, f.op, {}).cib;
  const ofMerged = (id: string) =>
    elements(child(merged, "status")!, "node_state").find((n) => n.attrs.id === id)!.attrs;
  for (const id of ["2", "3"]) {
    assert.equal(ofMerged(id).expected, "member");
    assert.equal(ofMerged(id).join, "down");
    assert.equal(ofMerged(id).crmd, "offline");
  }
});

test("a lifetime constraint ends on time: the DC rechecks when the rule changes, not at cluster-recheck-interval", () => {
  const c = new SimCluster(2, 50, policyScheduler);
  c.twoNode = true;
  c.reconfigure();
  c.run();
  c.setProperty(1, "stonith-enabled", "false");
  c.run();
  c.createResource(1, "d1");
  c.run();
  const home = c.placement().get("d1")![0];
  const other = home === "node1" ? "node2" : "node1";
  // d1 prefers its node (with stickiness 0 an equal score would keep it where it runs).
  c.change(1, {
    type: "request",
    reqId: 9000,
    op: {
      op: "create",
      section: "constraints",
      xml: `<rsc_location id="loc-d1" rsc="d1" node="${home}" score="50"/>`,
    },
  });
  c.run();
  // `pcs resource move d1 OTHER lifetime=PT5S`: a location rule that holds until now + 5 s.
  const end = new Date(c.now + 5_000).toISOString();
  c.change(1, {
    type: "request",
    reqId: 9001,
    op: {
      op: "create",
      section: "constraints",
      xml: `<rsc_location id="cli-prefer-d1" rsc="d1" role="Started"><rule id="cli-prefer-rule-d1" score="INFINITY" boolean-op="and"><expression id="cli-prefer-expr-d1" attribute="#uname" operation="eq" value="${other}" type="string"/><date_expression id="cli-prefer-lifetime-end-d1" operation="lt" end="${end}"/></rule></rsc_location>`,
    },
  });
  const t0 = c.now;
  c.run(2_000);
  assert.deepEqual(c.placement().get("d1"), [other], "moved while the rule holds");
  // Nothing else happens: the recheck armed for the rule's end brings d1 home.
  c.run(10_000);
  assert.deepEqual(c.placement().get("d1"), [home], "back once the lifetime ended");
  assert.equal(c.execLog.filter((e) => e === `${home} d1_start_0`).length, 2, "started at home again");
  assert.ok(c.now - t0 < 15 * 60_000);
  assert.ok(c.nodes.get(1)!.ctl.settled);
});

test("a command is obeyed only in the configuration it was planned in (same DC, same members, new ring: refused)", () => {
  const nodes = new Map([
    [1, "node1"],
    [2, "node2"],
  ]);
  const startOnNode2 = {
    id: 1,
    kind: "rsc" as const,
    task: "start",
    node: "node2",
    rsc: { id: "x", agent: { class: "ocf", provider: "tandem", type: "Dummy" }, params: {} },
    intervalMs: 0,
    timeoutMs: 1000,
    deps: [],
  };
  const dc = new Controller({ nodeId: 1, nodes, scheduler: () => ({ actions: [startOnNode2] }) });
  const node2 = new Controller({ nodeId: 2, nodes, scheduler: () => ({ actions: [] }) });
  const cib = new SimCluster(2).cibOf(1);
  const join = (id: number) => ({
    type: "cib" as const,
    cib,
    op: {
      op: "status" as const,
      changes: [{ kind: "lrm-replace" as const, nodeId: String(id), uname: `node${id}`, lrm: "<lrm/>" }],
    },
    origin: id,
    configChanged: false,
    now: 1,
  });
  for (const c of [dc, node2])
    c.handle({ type: "membership", members: [1, 2], ring: "1.4", quorate: true, now: 0 });
  dc.handle(join(1));
  dc.handle(join(2));
  const planned = dc.handle({ type: "timer", name: "schedule", now: 60 });
  const send = planned.find((f) => f.type === "send" && f.msg.t === "exec");
  assert.ok(send && send.type === "send" && send.msg.t === "exec", JSON.stringify(planned));
  const exec = send.msg;
  assert.equal(exec.round, "1.4/1,2");
  // delivered in the configuration it was planned in: run
  assert.ok(node2.handle({ type: "deliver", from: 1, msg: exec, now: 61 }).some((f) => f.type === "exec"));
  // a new ring with the same members (node1 was paused, came back, is DC again): the DC drops its
  // transition, and the old command, delivered now, is refused
  const dropped = dc.handle({ type: "membership", members: [1, 2], ring: "1.8", quorate: true, now: 70 });
  assert.ok(
    dropped.some((f) => f.type === "log" && /transition 1 dropped: the membership changed/.test(f.msg)),
  );
  assert.equal(dc.currentTransition, undefined);
  node2.handle({ type: "membership", members: [1, 2], ring: "1.8", quorate: true, now: 70 });
  const late = node2.handle({ type: "deliver", from: 1, msg: exec, now: 71 });
  assert.ok(!late.some((f) => f.type === "exec"), JSON.stringify(late));
  assert.ok(
    late.some((f) => f.type === "log" && /planned in configuration 1\.4\/1,2, this is 1\.8\/1,2/.test(f.msg)),
  );
  // the DC plans again only after the new join: the new command carries the new configuration
  assert.deepEqual(dc.handle({ type: "timer", name: "schedule", now: 120 }), []);
  dc.handle(join(1));
  dc.handle(join(2));
  const again = dc.handle({ type: "timer", name: "schedule", now: 180 });
  const send2 = again.find((f) => f.type === "send" && f.msg.t === "exec");
  assert.ok(send2 && send2.type === "send" && send2.msg.t === "exec" && send2.msg.round === "1.8/1,2");
  assert.ok(
    node2.handle({ type: "deliver", from: 1, msg: send2.msg, now: 181 }).some((f) => f.type === "exec"),
  );
});

test("a fence still running when its transition is dropped is waited for, not run a second time", () => {
  const nodes = new Map([
    [1, "node1"],
    [2, "node2"],
    [3, "node3"],
  ]);
  const fence = {
    id: 1,
    kind: "fence" as const,
    task: "reboot",
    node: "node3",
    intervalMs: 0,
    timeoutMs: 1000,
    deps: [],
  };
  const dc = new Controller({ nodeId: 1, nodes, scheduler: () => ({ actions: [fence] }) });
  const cib = new SimCluster(3).cibOf(1);
  const joinAll = (members: number[]) => {
    for (const id of members)
      dc.handle({
        type: "cib",
        cib,
        op: {
          op: "status",
          changes: [{ kind: "lrm-replace", nodeId: String(id), uname: `node${id}`, lrm: "<lrm/>" }],
        },
        origin: id,
        configChanged: false,
        now: 1,
      });
  };
  dc.handle({ type: "membership", members: [1, 2], ring: "1.4", quorate: true, now: 0 });
  joinAll([1, 2]);
  const first = dc.handle({ type: "timer", name: "schedule", now: 60 });
  assert.equal(first.filter((f) => f.type === "fence").length, 1);
  dc.handle({ type: "membership", members: [1, 2], ring: "1.8", quorate: true, now: 70 });
  joinAll([1, 2]);
  const second = dc.handle({ type: "timer", name: "schedule", now: 130 });
  assert.equal(second.filter((f) => f.type === "fence").length, 0, JSON.stringify(second));
  assert.equal(dc.currentTransition?.actions, 1);
  // the first operation's result completes the new transition's fence action
  const res = dc.handle({ type: "fence-result", target: "node3", ok: true, reason: "", now: 200 });
  assert.ok(
    res.some((f) => f.type === "log" && /transition 2 complete/.test(f.msg)),
    JSON.stringify(res),
  );
});

test("a DC does not plan before the join with a new member is complete (its copy not yet synced): no startup fence of the peer", () => {
  // node1 (lowest id) restarted alone while node2 runs d1, with fencing on and Pacemaker's
  // default startup-fencing: its copy (from disk) knows nothing of node2's state.
  const c = new SimCluster(2, 50, policyScheduler);
  c.twoNode = true;
  c.reconfigure();
  c.run();
  c.setProperty(1, "stonith-enabled", "true");
  c.setProperty(1, "dc-deadtime", "5s");
  c.createResource(1, "d1");
  c.run();
  c.shutdown(1);
  c.run();
  assert.deepEqual(c.placement().get("d1"), ["node2"]);
  c.partition([[1], [2]]);
  const from = c.logs.length;
  c.restart(1);
  c.run(0); // node1's own join completes: it asks for a scheduler run (debounced)
  assert.ok(c.logs.slice(from).some((l) => /^node1 info: join complete: \[1\]/.test(l)));
  // the merge comes before that run is due, and the run comes due before the copies are synced
  c.partition(undefined);
  c.fire(1, "schedule");
  const planned = () => c.logs.slice(from).some((l) => /^node1 notice: transition \d+:/.test(l));
  assert.ok(!planned(), "node1 planned before the join");
  c.run();
  assert.deepEqual(c.fenced, [], "node2 fenced by the restarted node1");
  assert.deepEqual(c.placement().get("d1"), ["node2"]);
  assert.equal(c.execLog.filter((e) => e === "node2 d1_start_0").length, 1);
  assert.equal(c.execLog.filter((e) => e === "node2 d1_stop_0").length, 0);
  assert.ok(c.nodes.get(1)!.ctl.isDc && c.nodes.get(1)!.ctl.settled);
});
