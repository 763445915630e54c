import assert from "node:assert/strict";
import { test } from "node:test";
import { TandemError } from "../core/errors.js";
import { parseCib } from "./unpack.js";

const CIB = `<cib admin_epoch="1" epoch="5" num_updates="3" have-quorum="1">
 <configuration>
  <crm_config><cluster_property_set id="o"><nvpair id="o1" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>
  <nodes><node id="1" uname="n1"><instance_attributes id="n1a"><nvpair id="n1s" name="standby" value="on"/></instance_attributes></node></nodes>
  <resources>
   <group id="g"><primitive id="a" class="ocf" provider="heartbeat" type="IPaddr2">
     <operations><op id="a-m" name="monitor" interval="1min" timeout="20s"/></operations></primitive>
     <primitive id="b" class="lsb" type="httpd"/></group>
   <clone id="c"><primitive id="d" class="ocf" provider="pacemaker" type="Dummy"/></clone>
  </resources>
  <constraints>
   <rsc_location id="l1" rsc="g" node="n1" score="-INFINITY"/>
   <rsc_location id="l2" rsc="d"><rule id="r1" score="50"><expression id="e1" attribute="#uname" operation="eq" value="n1"/></rule></rsc_location>
   <rsc_colocation id="c1" rsc="d" with-rsc="g" score="INFINITY"/>
   <rsc_order id="o1" first="g" then="c" kind="Optional"/>
  </constraints>
 </configuration>
 <status><node_state id="1" uname="n1" in_ccm="true" crmd="online" join="member" expected="member">
  <transient_attributes id="t"><instance_attributes id="ti"><nvpair id="f" name="fail-count-a#monitor_60000" value="2"/></instance_attributes></transient_attributes>
  <lrm id="1"><lrm_resources><lrm_resource id="a" class="ocf" provider="heartbeat" type="IPaddr2">
   <lrm_rsc_op id="a_start_0" operation="start" interval="0" call-id="3" rc-code="0" op-status="0" transition-key="1:2:0:abc"/>
  </lrm_resource></lrm_resources></lrm></node_state></status>
</cib>`;

test("unpack: configuration and status into the typed model", () => {
  const cib = parseCib(CIB);
  assert.deepEqual(cib.version, { adminEpoch: 1, epoch: 5, numUpdates: 3 });
  assert.equal(cib.haveQuorum, true);
  assert.equal(cib.nodes[0].uname, "n1");
  assert.equal(cib.nodes[0].attributes[0].pairs[0].value, "on");
  const g = cib.resources[0];
  assert.equal(g.kind, "group");
  if (g.kind !== "group") return;
  assert.deepEqual(
    g.children.map((c) => c.id),
    ["a", "b"],
  );
  assert.equal(g.children[0].operations[0].interval, 60_000);
  assert.equal(g.children[0].operations[0].timeout, 20_000);
  assert.equal(cib.resources[1].kind, "clone");
  assert.equal(cib.constraints.locations[0].score, -1_000_000);
  assert.equal(cib.constraints.locations[1].rules[0].score, 50);
  assert.equal(cib.constraints.colocations[0].score, 1_000_000);
  assert.equal(cib.constraints.orders[0].kind, "Optional");
  const st = cib.status[0];
  assert.equal(st.transient["fail-count-a#monitor_60000"], "2");
  assert.equal(st.lrm[0].ops[0].callId, 3);
});

test("unpack: errors name the element and the reason", () => {
  const bad = CIB.replace('score="-INFINITY"', 'score="lots"');
  assert.throws(
    () => parseCib(bad),
    (e: unknown) => e instanceof TandemError && /rsc_location id="l1".*lots/.test(e.message),
  );
  const badInterval = CIB.replace('interval="1min"', 'interval="soon"');
  assert.throws(
    () => parseCib(badInterval),
    (e: unknown) => e instanceof TandemError && /a-m.*soon/.test(e.message),
  );
  assert.throws(() => parseCib("<nodes/>"), /root element is <nodes>/);
});
