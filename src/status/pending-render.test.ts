// Pending operations (record-pending) as crm_mon and pcs status show them: a start in
// flight is "Starting", a stop in flight "Stopping" (Pacemaker 2.1's wording), and a
// resource whose stop is in flight still counts as active on its node.

import assert from "node:assert/strict";
import { test } from "node:test";
import { parseCib } from "../cib/unpack.js";
import { unpackOnly } from "../scheduler/index.js";
import { fromStatus } from "./live.js";
import { renderMonText } from "./text.js";
import { refCib, statusOf } from "./test-status.js";

const at = "2026-11-28T04:33:32Z";
const START = /<lrm_rsc_op id="webserver_last_0" operation_key="webserver_start_0" operation="start"[^>]*\/>/;

/** The reference CIB with webserver's last operation on node1 replaced by a pending `task`. */
function pendingCib(task: string, dropMonitor = false): string {
  const key = `7:9:0:09dc1e0e-2915-41f3-9e13-47089fe6af0c`;
  const pending = `<lrm_rsc_op id="webserver_last_0" operation_key="webserver_${task}_0" operation="${task}" crm-debug-origin="do_update_resource" transition-key="${key}" transition-magic="-1:193;${key}" call-id="-1" rc-code="193" op-status="-1" interval="0" last-rc-change="1795840400" exec-time="0" queue-time="0" on_node="node1"/>`;
  assert.match(refCib, START);
  let cib = refCib.replace(START, pending);
  if (dropMonitor) cib = cib.replace(/<lrm_rsc_op id="webserver_monitor_60000"[^>]*\/>/, "");
  return cib;
}

function webserverLine(cib: string): string {
  const text = renderMonText(fromStatus(statusOf(cib, at)));
  return text.split("\n").find((l) => l.includes("webserver\t")) ?? "";
}

test("crm_mon: a pending start shows Starting, a pending stop Stopping; the rest unchanged", () => {
  assert.equal(webserverLine(refCib), "  * webserver\t(ocf:heartbeat:apache):\t Started node1");
  assert.equal(webserverLine(pendingCib("start")), "  * webserver\t(ocf:heartbeat:apache):\t Starting node1");
  assert.equal(webserverLine(pendingCib("stop")), "  * webserver\t(ocf:heartbeat:apache):\t Stopping node1");
  // Without a monitor in the history the stop in flight still leaves it active on node1.
  assert.equal(
    webserverLine(pendingCib("stop", true)),
    "  * webserver\t(ocf:heartbeat:apache):\t Stopping node1",
  );
  const text = renderMonText(fromStatus(statusOf(pendingCib("stop"), at)));
  assert.match(text, /\* virtual_ip\t\(ocf:heartbeat:IPaddr2\):\t Started node1\n/);
});

test("scheduler: a resource whose stop is in flight is active on that node", () => {
  const ws = unpackOnly(parseCib(pendingCib("stop", true)), { now: Date.parse(at) / 1000 });
  const r = ws.primitives.find((p) => p.id === "webserver")!;
  assert.deepEqual(r.runningOn, ["node1"]);
  assert.equal(r.history.get("node1")?.pending?.operation, "stop");
});
