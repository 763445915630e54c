import assert from "node:assert/strict";
import { test } from "node:test";
import type { TandemError } from "../core/errors.js";
import { child, elements, serializeXml, type XmlElement } from "../core/xml.js";
import { applyOperation, emptyCib, formatCibTime, querySection } from "./store.js";
import { formatVersion, readVersion } from "./versions.js";

const DUMMY = '<primitive id="d1" class="ocf" provider="tandem" type="Dummy"/>';

function resources(cib: XmlElement): string[] {
  return elements(querySection(cib, "resources")!).map((e) => e.attrs.id);
}

test("create adds to a section and bumps epoch; a second create of the same id fails", () => {
  const r = applyOperation(
    emptyCib(),
    { op: "create", section: "resources", xml: DUMMY },
    { node: "n1", time: 0 },
  );
  assert.equal(r.changed, true);
  assert.equal(r.configChanged, true);
  assert.equal(formatVersion(readVersion(r.cib)), "0.1.0");
  assert.equal(r.cib.attrs["update-origin"], "n1");
  assert.equal(r.cib.attrs["cib-last-written"], "Thu Jan 01 00:00:00 1970");
  assert.deepEqual(resources(r.cib), ["d1"]);
  assert.throws(
    () => applyOperation(r.cib, { op: "create", section: "resources", xml: DUMMY }),
    (e: TandemError) => e.code === "TANDEM_E_CIB_EXISTS",
  );
});

test("create without a section is refused unless the element is a section", () => {
  assert.throws(
    () => applyOperation(emptyCib(), { op: "create", xml: DUMMY }),
    (e: TandemError) => e.code === "TANDEM_E_USAGE",
  );
  const r = applyOperation(emptyCib(), { op: "create", xml: "<rsc_defaults/>" });
  assert.ok(querySection(r.cib, "rsc_defaults"));
});

test("modify merges attributes and children; missing object is ENXIO unless allowCreate", () => {
  let cib = applyOperation(emptyCib(), { op: "create", section: "resources", xml: DUMMY }).cib;
  cib = applyOperation(cib, {
    op: "modify",
    xml: '<primitive id="d1"><meta_attributes id="d1-meta"><nvpair id="d1-tr" name="target-role" value="Stopped"/></meta_attributes></primitive>',
  }).cib;
  const p = elements(querySection(cib, "resources")!)[0];
  assert.equal(p.attrs.type, "Dummy");
  assert.equal(child(child(p, "meta_attributes")!, "nvpair")!.attrs.value, "Stopped");
  cib = applyOperation(cib, { op: "modify", xml: '<nvpair id="d1-tr" value="Started"/>' }).cib;
  assert.match(serializeXml(cib), /id="d1-tr" name="target-role" value="Started"/);
  assert.equal(formatVersion(readVersion(cib)), "0.3.0");
  assert.throws(
    () => applyOperation(cib, { op: "modify", section: "resources", xml: '<primitive id="nope"/>' }),
    (e: TandemError) => e.code === "TANDEM_E_CIB_NOT_FOUND",
  );
  const created = applyOperation(cib, {
    op: "modify",
    section: "resources",
    xml: '<primitive id="d2" class="ocf" provider="tandem" type="Dummy"/>',
    allowCreate: true,
  });
  assert.deepEqual(resources(created.cib), ["d1", "d2"]);
});

test("replace a section or one object; delete matches tag and all given attributes", () => {
  let cib = applyOperation(emptyCib(), { op: "create", section: "resources", xml: DUMMY }).cib;
  cib = applyOperation(cib, {
    op: "replace",
    section: "resources",
    xml: '<resources><primitive id="a" class="ocf" provider="tandem" type="Dummy"/><primitive id="b" class="ocf" provider="tandem" type="Dummy"/></resources>',
  }).cib;
  assert.deepEqual(resources(cib), ["a", "b"]);
  cib = applyOperation(cib, {
    op: "replace",
    section: "resources",
    xml: '<primitive id="b" class="ocf" provider="tandem" type="Stateful"/>',
  }).cib;
  assert.equal(elements(querySection(cib, "resources")!)[1].attrs.type, "Stateful");
  // attributes must all match for delete
  const noop = applyOperation(cib, { op: "delete", xml: '<primitive id="a" type="Other"/>' });
  assert.equal(noop.changed, false);
  assert.equal(noop.cib, cib);
  cib = applyOperation(cib, { op: "delete", section: "resources", xml: '<primitive id="a"/>' }).cib;
  assert.deepEqual(resources(cib), ["b"]);
});

test("a failing operation applies nothing; duplicate ids rejected by validation", () => {
  const base = applyOperation(emptyCib(), { op: "create", section: "resources", xml: DUMMY }).cib;
  const before = serializeXml(base);
  assert.throws(
    () =>
      applyOperation(base, {
        op: "create",
        section: "constraints",
        xml: '<rsc_location id="d1" rsc="d1" node="n1" score="5"/>',
      }),
    (e: TandemError) => e.code === "TANDEM_E_CIB_DUPLICATE_ID",
  );
  assert.throws(
    () => applyOperation(base, { op: "create", section: "resources", xml: "<primitive" }),
    /XML syntax/,
  );
  assert.equal(serializeXml(base), before);
});

test("whole-CIB replace keeps status, refuses older data", () => {
  let cib = applyOperation(emptyCib(), { op: "create", section: "resources", xml: DUMMY }).cib;
  cib = applyOperation(cib, {
    op: "status",
    changes: [{ kind: "node-state", nodeId: "1", uname: "n1", attrs: { in_ccm: "true" } }],
  }).cib;
  assert.equal(formatVersion(readVersion(cib)), "0.1.1");
  const pushed = `<cib admin_epoch="0" epoch="5" num_updates="0"><configuration><crm_config/><nodes/><resources/><constraints/></configuration><status/></cib>`;
  const r = applyOperation(cib, { op: "replace", xml: pushed });
  assert.equal(formatVersion(readVersion(r.cib)), "0.6.0");
  assert.deepEqual(resources(r.cib), []);
  assert.equal(elements(child(r.cib, "status")!, "node_state").length, 1);
  assert.throws(
    () => applyOperation(r.cib, { op: "replace", xml: pushed.replace('epoch="5"', 'epoch="2"') }),
    (e: TandemError) => e.code === "TANDEM_E_CIB_OLD_DATA",
  );
});

test("status changes bump num_updates only: node_state, lrm history, attributes, forget", () => {
  let cib = emptyCib();
  const rsc = { id: "d1", class: "ocf", provider: "tandem", type: "Dummy" };
  cib = applyOperation(cib, {
    op: "status",
    changes: [
      { kind: "node-state", nodeId: "2", uname: "n2", attrs: { in_ccm: "true", crmd: "online" } },
      {
        kind: "lrm-op",
        nodeId: "2",
        uname: "n2",
        rsc,
        upsert: [{ id: "d1_last_0", operation: "start", "rc-code": "0" }],
      },
      { kind: "attr", nodeId: "2", uname: "n2", name: "fail-count-d1#monitor_10000", value: "1" },
      { kind: "cluster", dcUuid: "1", haveQuorum: true },
    ],
  }).cib;
  assert.equal(formatVersion(readVersion(cib)), "0.0.1");
  assert.equal(cib.attrs["dc-uuid"], "1");
  const text = serializeXml(cib);
  assert.match(text, /<lrm_rsc_op id="d1_last_0" operation="start" rc-code="0"\/>/);
  assert.match(text, /name="fail-count-d1#monitor_10000" value="1"/);
  // upsert replaces by id; remove drops by id
  cib = applyOperation(cib, {
    op: "status",
    changes: [
      {
        kind: "lrm-op",
        nodeId: "2",
        uname: "n2",
        rsc,
        upsert: [{ id: "d1_last_0", operation: "stop", "rc-code": "0" }],
      },
      { kind: "attr", nodeId: "2", uname: "n2", name: "fail-count-d1#monitor_10000" },
    ],
  }).cib;
  const t2 = serializeXml(cib);
  assert.match(t2, /operation="stop"/);
  assert.doesNotMatch(t2, /operation="start"/);
  assert.doesNotMatch(t2, /fail-count/);
  cib = applyOperation(cib, { op: "status", changes: [{ kind: "lrm-forget", nodeId: "2", rsc: "d1" }] }).cib;
  assert.doesNotMatch(serializeXml(cib), /lrm_resource /);
  // same value again: no change, no bump
  const same = applyOperation(cib, { op: "status", changes: [{ kind: "cluster", dcUuid: "1" }] });
  assert.equal(same.changed, false);
});

test("lrm-replace installs a node's reported history", () => {
  const lrm =
    '<lrm><lrm_resources><lrm_resource id="d1" class="ocf" provider="tandem" type="Dummy"><lrm_rsc_op id="d1_last_0" operation="monitor" rc-code="0"/></lrm_resource></lrm_resources></lrm>';
  const r = applyOperation(emptyCib(), {
    op: "status",
    changes: [{ kind: "lrm-replace", nodeId: "3", uname: "n3", lrm }],
  });
  assert.match(serializeXml(r.cib), /<lrm id="3">/);
});

test("formatCibTime matches Pacemaker's cib-last-written layout", () => {
  assert.equal(formatCibTime(Date.UTC(2026, 10, 28, 4, 32, 44)), "Sat Nov 28 04:32:44 2026");
});

test("node-state-list merges items when applied: concurrent writers keep both, newest first, capped", () => {
  const origin = { node: "n1", time: 0 };
  const op = (id: string, state: string, max = 3) => ({
    op: "status" as const,
    changes: [
      {
        kind: "node-state-list" as const,
        nodeId: "2",
        uname: "n2",
        attr: "history",
        item: { id, state },
        max,
      },
    ],
  });
  const list = (cib: XmlElement) => {
    const ns = elements(child(cib, "status")!, "node_state").find((n) => n.attrs.id === "2")!;
    return JSON.parse(ns.attrs.history) as { id: string; state: string }[];
  };
  // Two writers, each from its own copy: "a" pending, then "b" pending, then "a" done.
  let cib = applyOperation(emptyCib(), op("a", "pending"), origin).cib;
  cib = applyOperation(cib, op("b", "pending"), origin).cib;
  cib = applyOperation(cib, op("a", "success"), origin).cib;
  assert.deepEqual(list(cib), [
    { id: "a", state: "success" },
    { id: "b", state: "pending" },
  ]);
  // "b" done, from a writer that never saw "a" succeed: "a" keeps its success.
  cib = applyOperation(cib, op("b", "success"), origin).cib;
  assert.deepEqual(
    list(cib).map((x) => `${x.id}:${x.state}`),
    ["b:success", "a:success"],
  );
  for (const id of ["c", "d", "e"]) cib = applyOperation(cib, op(id, "pending"), origin).cib;
  assert.deepEqual(
    list(cib).map((x) => x.id),
    ["e", "d", "c"],
  );
});
