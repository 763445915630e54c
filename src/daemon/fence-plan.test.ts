// The fencer's decisions without processes: which levels apply to a target, where a device
// may run, which member executes a request; and three Fencer instances on an in-memory group
// with one shared CIB and fake agents: topology order (a reboot of a multi-device level as
// off-then-on), delegation, merging of identical requests, a DC request answered by a fresh
// success, a delegate that leaves.

import assert from "node:assert/strict";
import { test } from "node:test";
import { applyOperation } from "../cib/store.js";
import { createLogger } from "../core/log.js";
import { parseXml, type XmlElement } from "../core/xml.js";
import { readHistory } from "./fence-history.js";
import { chooseDelegate, deviceAllowedOn, fenceDevices, fencingLevels, planFor } from "./fence-plan.js";
import { type FenceAgentRequest, Fencer, type FencerMessage } from "./fencer.js";

const dev = (id: string, hosts = "n1 n2 n3") =>
  `<primitive id="${id}" class="stonith" type="fence_fake"><instance_attributes id="${id}-ia"><nvpair id="${id}-hl" name="pcmk_host_list" value="${hosts}"/><nvpair id="${id}-d" name="dev" value="${id}"/></instance_attributes></primitive>`;

function cibXml(opts: {
  devices: string;
  constraints?: string;
  levels?: string;
  nodes?: string;
}): XmlElement {
  return parseXml(
    `<cib epoch="1" num_updates="0" admin_epoch="0"><configuration><crm_config/><nodes>${opts.nodes ?? '<node id="1" uname="n1"/><node id="2" uname="n2"/><node id="3" uname="n3"/>'}</nodes><resources>${opts.devices}</resources><constraints>${opts.constraints ?? ""}</constraints>${opts.levels ? `<fencing-topology>${opts.levels}</fencing-topology>` : ""}</configuration><status/></cib>`,
  );
}

test("fencing levels by target, pattern and node attribute; device bans; the delegate", () => {
  const cib = cibXml({
    devices: dev("a") + dev("b") + dev("c"),
    nodes:
      '<node id="1" uname="n1"/><node id="2" uname="n2"/><node id="3" uname="n3"><instance_attributes id="n3-ia"><nvpair id="n3-rack" name="rack" value="r1"/></instance_attributes></node>',
    levels:
      '<fencing-level id="l2" target="n3" index="2" devices="b,c"/><fencing-level id="l1" target="n3" index="1" devices="a"/><fencing-level id="lp" target-pattern="^n[12]$" index="1" devices="c"/><fencing-level id="la" target-attribute="rack" target-value="r1" index="3" devices="c"/>',
    constraints: '<rsc_location id="ban-a" rsc="a" node="n1" score="-INFINITY"/>',
  });
  assert.deepEqual(fencingLevels(cib, "n3"), [
    { index: 1, devices: ["a"] },
    { index: 2, devices: ["b", "c"] },
    { index: 3, devices: ["c"] },
  ]);
  assert.deepEqual(fencingLevels(cib, "n1"), [{ index: 1, devices: ["c"] }]);
  assert.deepEqual(fencingLevels(cib, "n4"), []);
  assert.equal(deviceAllowedOn(cib, "a", "n1"), false);
  assert.equal(deviceAllowedOn(cib, "a", "n2"), true);
  const members = [1, 2, 3].map((id) => ({ id, name: `n${id}` }));
  const all = fenceDevices(cib);
  // Without topology: one step per capable device; with: one per level, devices resolved.
  const plain = planFor(cibXml({ devices: dev("a") + dev("b") }), "n3", all.slice(0, 2));
  assert.deepEqual(
    plain.steps.map((s) => s.devices.map((d) => d.id)),
    [["a"], ["b"]],
  );
  const topo = planFor(cib, "n3", all);
  assert.equal(topo.topology, true);
  assert.deepEqual(
    topo.steps.map((s) => s.devices.map((d) => d.id)),
    [["a"], ["b", "c"], ["c"]],
  );
  // n1 may run 2 of the 3 devices, n2 all 3: n2 executes even when n1 asks; never the target.
  assert.equal(chooseDelegate(cib, topo, "n3", members, "n1"), "n2");
  assert.equal(chooseDelegate(cib, plain, "n3", members, "n1"), "n2");
  const unbanned = cibXml({ devices: dev("a") + dev("b") });
  assert.equal(chooseDelegate(unbanned, plain, "n3", members, "n1"), "n1", "the asking node on a tie");
  assert.equal(chooseDelegate(unbanned, plain, "n1", members, "n1"), "n2", "not the target");
  assert.equal(chooseDelegate(unbanned, plain, "n3", [{ id: 3, name: "n3" }], "n3"), undefined);
  // A level naming a device that does not exist is kept, with the device missing.
  const missing = planFor(
    cibXml({ devices: dev("a"), levels: '<fencing-level id="x" target="n2" index="1" devices="a,zz"/>' }),
    "n2",
    [],
  );
  assert.deepEqual(missing.steps[0].missing, ["zz"]);
});

/** Three fencers on an in-memory group with one CIB; agents answer by device id. */
function trio(cibText: XmlElement, behaviour: Record<string, "ok" | "fail" | "slow">) {
  let cib = cibText;
  const calls: string[] = [];
  const nodes = new Map([
    [1, "n1"],
    [2, "n2"],
    [3, "n3"],
  ]);
  let members = [1, 2, 3];
  const fencers = new Map<number, Fencer>();
  const releases: (() => void)[] = [];
  for (const [id, uname] of nodes) {
    fencers.set(
      id,
      new Fencer({
        nodes,
        uname,
        cib: () => cib,
        submit: async (op) => {
          cib = applyOperation(cib, op).cib;
        },
        runAgent: async (req: FenceAgentRequest) => {
          const device = req.params.dev;
          calls.push(`${uname}:${device}:${req.action}`);
          const b = behaviour[device] ?? "ok";
          if (b === "slow") await new Promise<void>((r) => releases.push(r));
          return b === "fail"
            ? { rc: 1, status: 4, exitReason: `${device} cannot reach ${req.target}` }
            : { rc: 0, status: 0, exitReason: "" };
        },
        log: createLogger({ sink: () => {}, level: "crit" }),
        members: () => members,
        broadcast: (m: FencerMessage) =>
          queueMicrotask(() => {
            for (const [mid, f] of fencers) if (members.includes(mid)) f.onMessage(id, structuredClone(m));
          }),
      }),
    );
  }
  return {
    calls,
    fencer: (id: number) => fencers.get(id)!,
    history: (target: string) => readHistory(cib, target),
    setMembers(m: number[]) {
      members = m;
      for (const id of m) fencers.get(id)!.membership(m);
    },
    release: () => {
      for (const r of releases.splice(0)) r();
    },
  };
}

test("topology: level 1 fails, level 2's devices all run (reboot as off, then on); the history says success", async () => {
  const t = trio(
    cibXml({
      devices: dev("bad") + dev("p1") + dev("p2"),
      levels:
        '<fencing-level id="l1" target="n3" index="1" devices="bad"/><fencing-level id="l2" target="n3" index="2" devices="p1,p2"/>',
    }),
    { bad: "fail" },
  );
  const r = await t.fencer(1).fence("n3", "reboot", "stonith_admin.1");
  assert.deepEqual(r, { ok: true, device: "p1,p2", reason: "", noDevice: false });
  assert.deepEqual(t.calls, ["n1:bad:reboot", "n1:p1:off", "n1:p2:off", "n1:p1:on", "n1:p2:on"]);
  const h = t.history("n3");
  assert.equal(h.length, 1);
  assert.equal(h[0].state, "success");
  assert.equal(h[0].delegate, "n1");
  // Only the failing level: the operation fails with its reason, recorded.
  const t2 = trio(
    cibXml({ devices: dev("bad"), levels: '<fencing-level id="l1" target="n3" index="1" devices="bad"/>' }),
    { bad: "fail" },
  );
  const f = await t2.fencer(2).fence("n3", "off", "stonith_admin.2");
  assert.equal(f.ok, false);
  assert.equal(f.reason, "bad cannot reach n3");
  assert.equal(t2.history("n3")[0].state, "failed");
});

test("delegation: a device banned from the asking node runs on another member; the result reaches every fencer", async () => {
  const t = trio(
    cibXml({
      devices: dev("a"),
      constraints: '<rsc_location id="ban" rsc="a" node="n1" score="-INFINITY"/>',
    }),
    {},
  );
  const r = await t.fencer(1).fence("n3", "reboot", "stonith_admin.7");
  assert.equal(r.ok, true);
  assert.deepEqual(t.calls, ["n2:a:reboot"]);
  const [e] = t.history("n3");
  assert.deepEqual([e.state, e.origin, e.delegate, e.client], ["success", "n1", "n2", "stonith_admin.7"]);
  // The DC (n1) asks too, before n3 rejoined: answered by that success, nothing runs again.
  assert.equal(
    (await t.fencer(1).fence("n3", "reboot", "pacemaker-controld.1", undefined, { controller: true })).ok,
    true,
  );
  assert.equal(t.calls.length, 1);
  // A manual request is never answered that way; once n3 rejoined, neither is the DC's.
  t.setMembers([1, 2]);
  t.setMembers([1, 2, 3]);
  await t.fencer(1).fence("n3", "reboot", "pacemaker-controld.1", undefined, { controller: true });
  assert.equal(t.calls.length, 2);
  // Nobody but the target may run it: no device, nothing recorded.
  const solo = trio(cibXml({ devices: dev("a") }), {});
  solo.setMembers([3]);
  const none = await solo.fencer(3).fence("n3", "reboot", "x");
  assert.deepEqual([none.ok, none.noDevice, solo.calls.length], [false, true, 0]);
});

test("identical requests are merged; a delegate that leaves fails the request", async () => {
  const t = trio(cibXml({ devices: dev("s") }), { s: "slow" });
  const a = t.fencer(1).fence("n3", "reboot", "stonith_admin.1");
  await new Promise((r) => setTimeout(r, 10));
  const b = t.fencer(1).fence("n3", "reboot", "stonith_admin.2");
  // Another node's DC request while n1's operation is pending in the CIB: merged too.
  const c = t.fencer(2).fence("n3", "reboot", "pacemaker-controld.2", undefined, { controller: true });
  await new Promise((r) => setTimeout(r, 10));
  t.release();
  const rs = await Promise.all([a, b, c]);
  assert.deepEqual(
    rs.map((r) => r.ok),
    [true, true, true],
  );
  assert.deepEqual(t.calls, ["n1:s:reboot"]);

  const t2 = trio(
    cibXml({
      devices: dev("s"),
      constraints: '<rsc_location id="ban" rsc="s" node="n1" score="-INFINITY"/>',
    }),
    { s: "slow" },
  );
  const p = t2.fencer(1).fence("n3", "off", "stonith_admin.3");
  await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(t2.calls, ["n2:s:off"]);
  t2.setMembers([1, 3]); // n2, running the agent, is gone
  const lost = await p;
  assert.deepEqual([lost.ok, lost.reason], [false, "the delegate n2 left the cluster"]);
  t2.release();
});

test("pcmk_host_check: the agent's list (asked once a minute), its status, or none; the default from its meta-data", async () => {
  const calls: string[] = [];
  const devs = (id: string, extra = "") =>
    `<primitive id="${id}" class="stonith" type="fence_${id}"><instance_attributes id="${id}-ia">${extra}</instance_attributes></primitive>`;
  const cib = cibXml({
    devices:
      devs("lister") +
      devs("statusy", '<nvpair id="s-hc" name="pcmk_host_check" value="status"/>') +
      devs("plain"),
  });
  let now = 1_000_000;
  const f = new Fencer({
    nodes: new Map([
      [1, "n1"],
      [2, "n2"],
      [3, "n3"],
    ]),
    uname: "n1",
    cib: () => cib,
    submit: async () => {},
    wallClock: () => now,
    runAgent: async (req) => {
      calls.push(`${req.agent}:${req.action}${req.target ? `:${req.target}` : ""}`);
      if (req.action === "metadata")
        return {
          rc: 0,
          status: 0,
          exitReason: "",
          stdout: req.agent === "fence_lister" ? '<actions><action name="list"/></actions>' : "<actions/>",
        };
      if (req.action === "list") return { rc: 0, status: 0, exitReason: "", stdout: "n2,alias\nn3\n" };
      if (req.action === "status")
        return req.target === "n3"
          ? { rc: 7, status: 0, exitReason: "" }
          : { rc: 1, status: 4, exitReason: "?" };
      return { rc: 0, status: 0, exitReason: "" };
    },
    log: createLogger({ sink: () => {}, level: "crit" }),
  });
  const ids = async (target: string) => (await f.devicesFor(target)).map((d) => d.id);
  // lister: by its list; statusy: the agent knows n3 (off is fine), not n2; plain: no list or status, any.
  assert.deepEqual(await ids("n3"), ["lister", "statusy", "plain"]);
  assert.deepEqual(await ids("n2"), ["lister", "plain"]);
  assert.deepEqual(await ids("n1"), ["plain"]);
  assert.equal(calls.filter((c) => c === "fence_lister:list").length, 1, "the list is cached");
  assert.equal(calls.filter((c) => c.endsWith(":metadata")).length, 2, "meta-data once per agent");
  now += 61_000;
  await ids("n3");
  assert.equal(calls.filter((c) => c === "fence_lister:list").length, 2, "asked again after a minute");
});
