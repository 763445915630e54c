// crm_resource --why's lines (Pacemaker 2.1.5's wording) on the reference cluster and
// on variants of it (target-role Stopped, unmanaged), with and without -r / -N, and
// tandem's explanation after them for one resource.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fromStatus, type LiveStatus } from "./live.js";
import { refCib, statusOf } from "./test-status.js";
import { whyLines } from "./why.js";

const at = "2026-11-28T04:33:32Z";
const live = (cib = refCib) => fromStatus(statusOf(cib, at));
const rsc = (s: LiveStatus, id: string) => s.ws.resources.find((r) => r.id === id);
const withMeta = (name: string, value: string) =>
  refCib.replace(
    '<meta_attributes id="webserver-meta_attributes"/>',
    `<meta_attributes id="webserver-meta_attributes"><nvpair id="ws-m" name="${name}" value="${value}"/></meta_attributes>`,
  );

describe("crm_resource --why", () => {
  it("-r RSC: running, then tandem's explanation of its placement", () => {
    const s = live();
    const lines = whyLines(s, rsc(s, "webserver"), undefined, { explain: true });
    assert.equal(lines[0], "Resource webserver is running");
    assert.equal(lines[1], "");
    assert.equal(lines[2], "Resource webserver: primitive (ocf:heartbeat:apache), running on node1.");
    const text = lines.join("\n");
    assert.match(text, /\n {2}node1: 50 {3}<- chosen\n {12}\+50 {2}location location-webserver-node1-50\n/);
    assert.match(text, /colocation colocation-webserver-virtual_ip-INFINITY with virtual_ip/);
    assert.match(text, /\nWhat the transition does:\n {2}\(nothing: it stays as it is\)$/);
    assert.deepEqual(whyLines(s, rsc(s, "webserver"), undefined, { explain: false }), [
      "Resource webserver is running",
    ]);
  });
  it("-r RSC -N NODE", () => {
    const s = live();
    const w = rsc(s, "webserver");
    assert.deepEqual(whyLines(s, w, "node2", { explain: false }), [
      "Resource webserver is not running on host node2",
    ]);
    assert.deepEqual(whyLines(s, w, "node1", { explain: false }), [
      "Resource webserver is running on host node1",
    ]);
  });
  it("target-role Stopped: the configuration check, and the stop in the explanation", () => {
    const s = live(withMeta("target-role", "Stopped"));
    const lines = whyLines(s, rsc(s, "webserver"), undefined, { explain: true });
    assert.deepEqual(lines.slice(0, 2), [
      "Resource webserver is running",
      "Configuration specifies 'webserver' should remain stopped",
    ]);
    assert.match(lines.join("\n"), /\nWhat the transition does:\n {2}\* Stop {7}webserver/);
  });
  it("unmanaged", () => {
    const s = live(withMeta("is-managed", "false"));
    assert.deepEqual(whyLines(s, rsc(s, "webserver"), undefined, { explain: false }), [
      "Resource webserver is running",
      "Configuration prevents cluster from stopping or starting unmanaged 'webserver'",
    ]);
  });
  it("-N NODE without -r: the resources running there; no arguments: every resource", () => {
    const s = live();
    assert.deepEqual(whyLines(s, undefined, "node1", { explain: true }), [
      "Resource virtual_ip is running on host node1",
      "Resource webserver is running on host node1",
    ]);
    assert.deepEqual(whyLines(s, undefined, "node2", { explain: true }), []);
    assert.deepEqual(whyLines(s, undefined, undefined, { explain: true }), [
      "Resource virtual_ip is running",
      "Resource webserver is running",
    ]);
  });
});
