// Focused scheduler semantics on small hand-written CIBs (the corpus test
// covers breadth; these pin down individual rules).

import assert from "node:assert/strict";
import { test } from "node:test";
import { parseCib } from "../cib/unpack.js";
import { schedule } from "./index.js";
import { nextFailureExpiry } from "./recheck.js";
import { formatSummary } from "./summary.js";

interface Rsc {
  id: string;
  meta?: Record<string, string>;
  monitorOnFail?: string;
  /** node -> list of [operation, interval, rc] */
  history?: Record<string, [string, number, number][]>;
}

function cib(opts: {
  props?: Record<string, string>;
  quorum?: boolean;
  nodes?: string[];
  rscs: Rsc[];
  constraints?: string;
  transient?: Record<string, Record<string, string>>;
}): string {
  const nodes = opts.nodes ?? ["n1", "n2"];
  const props = { "stonith-enabled": "false", ...(opts.props ?? {}) };
  const nv = (prefix: string, m: Record<string, string>) =>
    Object.entries(m)
      .map(([k, v], i) => `<nvpair id="${prefix}-${i}" name="${k}" value="${v}"/>`)
      .join("");
  const rscs = opts.rscs
    .map(
      (r) =>
        `<primitive id="${r.id}" class="ocf" provider="pacemaker" type="Dummy">${r.meta ? `<meta_attributes id="${r.id}-m">${nv(`${r.id}-m`, r.meta)}</meta_attributes>` : ""}<operations><op id="${r.id}-mon" name="monitor" interval="10s"${r.monitorOnFail ? ` on-fail="${r.monitorOnFail}"` : ""}/></operations></primitive>`,
    )
    .join("");
  let call = 1;
  const status = nodes
    .map((n, i) => {
      const lrm = opts.rscs
        .filter((r) => r.history?.[n])
        .map(
          (r) =>
            `<lrm_resource id="${r.id}" class="ocf" provider="pacemaker" type="Dummy">${r
              .history![n].map(([op, interval, rc]) => {
                const target = op === "monitor" && interval === 0 ? 7 : 0;
                return `<lrm_rsc_op id="${r.id}_${op}_${interval}" operation="${op}" interval="${interval}" call-id="${call++}" rc-code="${rc}" op-status="0" transition-key="1:1:${target}:x" last-rc-change="1000"/>`;
              })
              .join("")}</lrm_resource>`,
        )
        .join("");
      const t = opts.transient?.[n];
      const ta = t
        ? `<transient_attributes id="t${i}"><instance_attributes id="ti${i}">${nv(`t${i}`, t)}</instance_attributes></transient_attributes>`
        : "";
      return `<node_state id="${i + 1}" uname="${n}" in_ccm="true" crmd="online" join="member" expected="member">${ta}<lrm id="${i + 1}"><lrm_resources>${lrm}</lrm_resources></lrm></node_state>`;
    })
    .join("");
  return `<cib crm_feature_set="3.16.1" admin_epoch="0" epoch="1" num_updates="0" have-quorum="${opts.quorum === false ? "0" : "1"}"><configuration><crm_config><cluster_property_set id="o">${nv("o", props)}</cluster_property_set></crm_config><nodes>${nodes.map((n, i) => `<node id="${i + 1}" uname="${n}"/>`).join("")}</nodes><resources>${rscs}</resources><constraints>${opts.constraints ?? ""}</constraints></configuration><status>${status}</status></cib>`;
}

function summary(xml: string, now = 2000): string[] {
  return formatSummary(schedule(parseCib(xml), { now }).summary).map((l) => l.replace(/\s+/g, " ").trim());
}

const running = (node: string): Rsc["history"] => ({ [node]: [["start", 0, 0]] });

test("stickiness keeps a resource where it runs; without it, placement balances", () => {
  const base = {
    rscs: [
      { id: "a", history: running("n1") },
      { id: "b", history: running("n1") },
    ],
  };
  assert.deepEqual(summary(cib(base)), ["* Move b ( n1 -> n2 )"]);
  const sticky = { rscs: base.rscs.map((r) => ({ ...r, meta: { "resource-stickiness": "10" } })) };
  assert.deepEqual(summary(cib(sticky)), []);
});

test("fail counts: migration-threshold bans the node; failure-timeout expires the count", () => {
  const failing = {
    rscs: [{ id: "a", meta: { "migration-threshold": "2" }, history: running("n1") }],
    transient: { n1: { "fail-count-a#monitor_10000": "2", "last-failure-a#monitor_10000": "1000" } },
  };
  assert.deepEqual(summary(cib(failing)), ["* Move a ( n1 -> n2 )"]);
  const expiring = {
    ...failing,
    rscs: [{ ...failing.rscs[0], meta: { "migration-threshold": "2", "failure-timeout": "60s" } }],
  };
  assert.deepEqual(summary(cib(expiring), 1030), ["* Move a ( n1 -> n2 )"]);
  assert.deepEqual(summary(cib(expiring), 1100), []);
});

test("failure expiry is a recheck time: the count stops counting exactly then, not a second before", () => {
  const failing = {
    rscs: [{ id: "a", meta: { "migration-threshold": "2" }, history: running("n1") }],
    transient: { n1: { "fail-count-a#monitor_10000": "2", "last-failure-a#monitor_10000": "1000" } },
  };
  const expiry = (xml: string, now: number) => nextFailureExpiry(schedule(parseCib(xml), { now }).ws, now);
  // No failure-timeout: the failure never expires by itself.
  assert.equal(expiry(cib(failing), 1030), undefined);
  const expiring = {
    ...failing,
    rscs: [{ ...failing.rscs[0], meta: { "migration-threshold": "2", "failure-timeout": "60s" } }],
  };
  const at = expiry(cib(expiring), 1030);
  assert.equal(at, 1060);
  assert.deepEqual(summary(cib(expiring), (at ?? 0) - 1), ["* Move a ( n1 -> n2 )"]);
  assert.deepEqual(summary(cib(expiring), at), []);
  // Once expired there is nothing left to wait for.
  assert.equal(expiry(cib(expiring), 1060), undefined);
});

test("on-fail: restart (default) recovers in place, stop stops, standby empties the node", () => {
  const failedMonitor: Rsc["history"] = {
    n1: [
      ["start", 0, 0],
      ["monitor", 10000, 7],
    ],
  };
  assert.deepEqual(summary(cib({ rscs: [{ id: "a", history: failedMonitor }] })), ["* Recover a ( n1 )"]);
  assert.deepEqual(summary(cib({ rscs: [{ id: "a", history: failedMonitor, monitorOnFail: "stop" }] })), [
    "* Stop a ( n1 ) due to node availability",
  ]);
  assert.deepEqual(
    summary(
      cib({
        rscs: [
          { id: "a", history: failedMonitor, monitorOnFail: "standby" },
          { id: "b", history: running("n1") },
        ],
      }),
    ),
    ["* Recover a ( n1 -> n2 )", "* Move b ( n1 -> n2 )"],
  );
});

test("no-quorum-policy: stop stops everything, freeze keeps what runs, ignore carries on", () => {
  const rscs = [{ id: "a", history: running("n1") }, { id: "b" }];
  assert.deepEqual(summary(cib({ quorum: false, rscs })), [
    "* Stop a ( n1 ) due to no quorum",
    "* Start b ( n2 ) due to no quorum (blocked)",
  ]);
  assert.deepEqual(summary(cib({ quorum: false, props: { "no-quorum-policy": "freeze" }, rscs })), [
    "* Start b ( n2 ) due to quorum freeze (blocked)",
  ]);
  assert.deepEqual(summary(cib({ quorum: false, props: { "no-quorum-policy": "ignore" }, rscs })), [
    "* Start b ( n2 )",
  ]);
});

test("orders: a mandatory order restarts the dependent, and stops it when its first cannot run", () => {
  const order = `<rsc_order id="o" first="a" then="b" kind="Mandatory"/>`;
  const failed: Rsc["history"] = {
    n1: [
      ["start", 0, 0],
      ["monitor", 10000, 7],
    ],
  };
  assert.deepEqual(
    summary(
      cib({
        rscs: [
          { id: "a", history: failed },
          { id: "b", history: running("n1"), meta: { "resource-stickiness": "1" } },
        ],
        constraints: order,
      }),
    ),
    ["* Recover a ( n1 )", "* Restart b ( n1 ) due to required a start"],
  );
  const banned = `${order}<rsc_location id="l1" rsc="a" node="n1" score="-INFINITY"/><rsc_location id="l2" rsc="a" node="n2" score="-INFINITY"/>`;
  assert.deepEqual(
    summary(cib({ rscs: [{ id: "a" }, { id: "b", history: running("n1") }], constraints: banned })),
    ["* Stop b ( n1 ) due to unrunnable a start"],
  );
});

test("symmetric-cluster=false: only nodes a location constraint allows", () => {
  const xml = cib({
    props: { "symmetric-cluster": "false" },
    rscs: [{ id: "a" }, { id: "b" }],
    constraints: `<rsc_location id="l" rsc="a" node="n2" score="0"/>`,
  });
  assert.deepEqual(summary(xml), ["* Start a ( n2 )"]);
});
