import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { TandemError } from "../core/errors.js";
import { explainCommand } from "./explain.js";
import { captureIO } from "./io.js";

const CIB = `<cib admin_epoch="0" epoch="1" num_updates="0" have-quorum="1">
 <configuration>
  <crm_config><cluster_property_set id="o"><nvpair id="o1" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>
  <nodes><node id="1" uname="n1"/><node id="2" uname="n2"/><node id="3" uname="n3"/></nodes>
  <resources>
   <primitive id="ip" class="ocf" provider="heartbeat" type="IPaddr2"><meta_attributes id="ip-m"><nvpair id="ip-s" name="resource-stickiness" value="20"/></meta_attributes></primitive>
   <primitive id="web" class="ocf" provider="heartbeat" type="apache"/>
  </resources>
  <constraints>
   <rsc_location id="ip-prefers-n2" rsc="ip" node="n2" score="50"/>
   <rsc_location id="ip-avoids-n3" rsc="ip" node="n3" score="-INFINITY"/>
   <rsc_colocation id="web-with-ip" rsc="web" with-rsc="ip" score="INFINITY"/>
  </constraints>
 </configuration>
 <status>
  <node_state id="1" uname="n1" in_ccm="true" crmd="online" join="member" expected="member"><lrm id="1"><lrm_resources>
   <lrm_resource id="ip" class="ocf" provider="heartbeat" type="IPaddr2"><lrm_rsc_op id="ip_last_0" operation="start" interval="0" call-id="2" rc-code="0" op-status="0" transition-key="1:1:0:x"/></lrm_resource>
  </lrm_resources></lrm></node_state>
  <node_state id="2" uname="n2" in_ccm="true" crmd="online" join="member" expected="member"/>
  <node_state id="3" uname="n3" in_ccm="true" crmd="online" join="member" expected="member"/>
 </status>
</cib>`;

function cibFile(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "tandem-explain-"));
  const f = path.join(dir, "cib.xml");
  writeFileSync(f, CIB);
  return f;
}

test("explain: every contribution per node, the winner and the action", async () => {
  const cap = captureIO();
  const code = await explainCommand(["ip", "-x", cibFile()], cap.io);
  assert.equal(code, 0);
  const out = cap.stdout;
  assert.match(out, /Resource ip: primitive \(ocf:heartbeat:IPaddr2\), running on n1/);
  assert.match(out, /n2: 50 +<- chosen/);
  assert.match(out, /\+50 +location ip-prefers-n2/);
  assert.match(out, /n1: 20\n +\+20 +resource-stickiness/);
  assert.match(out, /n3: -INFINITY\n +-INFINITY +location ip-avoids-n3/);
  assert.match(out, /n2 won with score 50\.\nThe next best node was n1 with 20\./);
  assert.match(out, /Move +ip +\( n1 -> n2 \)/);
});

test("explain: a colocated dependent shows the colocation as the reason", async () => {
  const cap = captureIO();
  await explainCommand(["web", "-x", cibFile()], cap.io);
  assert.match(
    cap.stdout,
    /n1: -INFINITY\n +-INFINITY +colocation web-with-ip with ip \(must be with it, which is on n2\)/,
  );
  assert.match(cap.stdout, /n2: 0 +<- chosen/);
  assert.match(cap.stdout, /Start +web +\( +n2 \)/);
});

test("explain: unknown resource and missing input are one-line errors", async () => {
  const cap = captureIO();
  await assert.rejects(
    explainCommand(["nope", "-x", cibFile()], cap.io),
    (e: unknown) => e instanceof TandemError && /no resource 'nope'/.test(e.message),
  );
  await assert.rejects(explainCommand(["ip"], cap.io), /no input/);
  await assert.rejects(explainCommand(["ip", "-x", "/nonexistent/cib.xml"], cap.io), /cannot read/);
});
