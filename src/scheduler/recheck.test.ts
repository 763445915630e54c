// nextRuleChange: the earliest future time a date expression of the configuration flips.

import assert from "node:assert/strict";
import { test } from "node:test";
import { evaluateRule } from "../cib/rules.js";
import { parseCib } from "../cib/unpack.js";
import { nextRuleChange } from "./recheck.js";

const T0 = Date.UTC(2026, 10, 28, 12, 0, 0) / 1000;
const iso = (s: number) => new Date(s * 1000).toISOString();

function cib(rules: string, status = ""): string {
  return `<cib validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0"><configuration><crm_config/><nodes><node id="1" uname="n1"/><node id="2" uname="n2"/></nodes><resources><primitive id="d1" class="ocf" provider="tandem" type="Dummy"/></resources><constraints>${rules}</constraints></configuration><status>${status}</status></cib>`;
}

function loc(id: string, expr: string): string {
  return `<rsc_location id="${id}" rsc="d1"><rule id="${id}-r" score="INFINITY" boolean-op="and"><expression id="${id}-e" attribute="#uname" operation="eq" value="n2"/>${expr}</rule></rsc_location>`;
}

test("nextRuleChange: lt/gt/in_range boundaries, the earliest future one, none when nothing changes", () => {
  const lifetime = loc("cli-prefer-d1", `<date_expression id="de1" operation="lt" end="${iso(T0 + 5)}"/>`);
  assert.equal(nextRuleChange(parseCib(cib(lifetime)), T0), T0 + 5);
  // Past the end: the rule never changes again.
  assert.equal(nextRuleChange(parseCib(cib(lifetime)), T0 + 5), undefined);
  const gt = loc("g", `<date_expression id="de2" operation="gt" start="${iso(T0 + 60)}"/>`);
  assert.equal(nextRuleChange(parseCib(cib(gt)), T0), T0 + 61);
  const range = loc(
    "r",
    `<date_expression id="de3" operation="in_range" start="${iso(T0 + 100)}" end="${iso(T0 + 200)}"/>`,
  );
  assert.equal(nextRuleChange(parseCib(cib(range)), T0), T0 + 100);
  assert.equal(nextRuleChange(parseCib(cib(range)), T0 + 150), T0 + 201);
  // The earliest of several.
  assert.equal(nextRuleChange(parseCib(cib(range + gt + lifetime)), T0), T0 + 5);
  assert.equal(nextRuleChange(parseCib(cib(range + gt)), T0 + 70), T0 + 100);
  assert.equal(nextRuleChange(parseCib(cib("")), T0), undefined);
  // Rules elsewhere count too: a cluster property set valid until a date.
  const props = cib("").replace(
    "<crm_config/>",
    `<crm_config><cluster_property_set id="night"><rule id="night-r"><date_expression id="de4" operation="lt" end="${iso(T0 + 30)}"/></rule><nvpair id="night-s" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>`,
  );
  assert.equal(nextRuleChange(parseCib(props), T0), T0 + 30);
  // A date in the status section (a crm_resource -u line of a log...) is not configuration.
  assert.equal(
    nextRuleChange(
      parseCib(
        cib(
          "",
          `<node_state id="1" uname="n1"><date_expression id="x" operation="lt" end="${iso(T0 + 3)}"/></node_state>`,
        ),
      ),
      T0,
    ),
    undefined,
  );
});

test("nextRuleChange: at the time it gives, the rule's value has changed (and not one second before)", () => {
  for (const expr of [
    `<date_expression id="a" operation="lt" end="${iso(T0 + 7)}"/>`,
    `<date_expression id="a" operation="gt" start="${iso(T0 + 7)}"/>`,
    `<date_expression id="a" operation="in_range" start="${iso(T0 + 7)}"/>`,
    `<date_expression id="a" operation="in_range" start="${iso(T0 - 9)}" end="${iso(T0 + 7)}"/>`,
  ]) {
    const c = parseCib(cib(loc("l", expr)));
    const at = nextRuleChange(c, T0)!;
    const rule = (c.constraints.locations[0] as { rules: Parameters<typeof evaluateRule>[0][] }).rules[0];
    const attrs = { nodeAttrs: { "#uname": "n2" } };
    const before = evaluateRule(rule, { ...attrs, now: at - 1 });
    assert.equal(evaluateRule(rule, { ...attrs, now: T0 }), before, expr);
    assert.notEqual(evaluateRule(rule, { ...attrs, now: at }), before, expr);
  }
});
