// Test helpers of the status tools: the reference cluster's files, a `status` answer as
// tandemd gives it built from a CIB text, and the reference CIB with a failed monitor.

import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { StatusResult } from "../daemon/protocol.js";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const ref = (f: string) =>
  readFileSync(resolve(repoRoot, "../shared/reference/pacemaker-2.1.5", f), "utf8");
export const refCib = ref("cib.xml");

/** tandemd's `status` answer for the two reference nodes, with this CIB, at this time. */
export function statusOf(cib: string, at: string, over: Partial<StatusResult> = {}): StatusResult {
  return {
    clusterName: "cluster_web",
    nodeId: 1,
    nodeName: "node1",
    dcId: 1,
    dcName: "node1",
    quorate: true,
    nodes: [
      { id: 1, name: "node1", member: true },
      { id: 2, name: "node2", member: true },
    ],
    cibPhase: "ready",
    version: { adminEpoch: 0, epoch: 13, numUpdates: 4 },
    cib,
    now: Date.parse(at),
    ...over,
  };
}

/** The reference CIB with a failed monitor of webserver on node1 and a node attribute. */
export function failedCib(): string {
  return refCib
    .replace(
      '<nvpair id="status-1-.feature-set" name="#feature-set" value="3.16.1"/>',
      '<nvpair id="status-1-.feature-set" name="#feature-set" value="3.16.1"/><nvpair id="status-1-fc" name="fail-count-webserver#monitor_60000" value="1"/><nvpair id="status-1-lf" name="last-failure-webserver#monitor_60000" value="1795840400"/><nvpair id="status-1-pingd" name="pingd" value="1000"/>',
    )
    .replace(
      /(<lrm_rsc_op id="webserver_monitor_60000"[^>]*\/>)/,
      '$1<lrm_rsc_op id="webserver_last_failure_0" operation_key="webserver_monitor_60000" operation="monitor" transition-key="5:8:0:x" transition-magic="0:7;5:8:0:x" exit-reason="" on_node="node1" call-id="13" rc-code="7" op-status="0" interval="60000" last-rc-change="1795840400" exec-time="0" queue-time="0"/>',
    );
}
