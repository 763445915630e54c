// crm_resource --cleanup / --refresh planning (src/status/cleanup.ts) on the reference
// cluster with one failed monitor: cleanup touches only what failed (narrowed by -r, -N,
// -n, -I), refresh the whole history; malformed requests are refused.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TandemError } from "../core/errors.js";
import { planCleanup } from "./cleanup.js";
import { fromStatus } from "./live.js";
import { failedCib, refCib, statusOf } from "./test-status.js";

const at = "2026-11-28T04:33:32Z";
const failed = fromStatus(statusOf(failedCib(), at));
const clean = fromStatus(statusOf(refCib, at));

describe("crm_resource --cleanup plans", () => {
  it("no -r: only the resource that failed, on the node where it failed", () => {
    const p = planCleanup(failed, { refresh: false });
    assert.deepEqual(p.calls, [{ rsc: "webserver", node: "node1" }]);
    assert.deepEqual(p.lines, [
      "Cleaned up all resources on all nodes",
      "Waiting for 1 reply from the controller",
      "... got reply (done)",
    ]);
  });
  it("-r of a resource without failures: nothing is forgotten", () => {
    const p = planCleanup(failed, { refresh: false, rsc: "virtual_ip" });
    assert.deepEqual(p.calls, []);
    assert.deepEqual(p.lines, ["Cleaned up virtual_ip on node1", "Cleaned up virtual_ip on node2"]);
  });
  it("-r RSC -N NODE: the failure on another node is kept", () => {
    assert.deepEqual(planCleanup(failed, { refresh: false, rsc: "webserver", node: "node2" }).calls, []);
    assert.deepEqual(planCleanup(failed, { refresh: false, rsc: "webserver", node: "node1" }).calls, [
      { rsc: "webserver", node: "node1" },
    ]);
  });
  it("-n/-I select the failed operation (interval default 0, as crm_resource)", () => {
    const sel = (operation: string, intervalMs?: number) =>
      planCleanup(failed, { refresh: false, rsc: "webserver", operation, intervalMs }).calls.length;
    assert.equal(sel("monitor", 60_000), 1);
    assert.equal(sel("monitor"), 0);
    assert.equal(sel("start", 60_000), 0);
    assert.equal(
      planCleanup(failed, { refresh: false, operation: "monitor", intervalMs: 60_000 }).lines[0],
      "Cleaned up monitor (60000ms) failures of all resources on all nodes",
    );
  });
  it("nothing failed: no call at all", () => {
    assert.deepEqual(planCleanup(clean, { refresh: false }).calls, []);
  });
});

describe("crm_resource --refresh plans", () => {
  it("the whole history of every matching resource and node", () => {
    const all = planCleanup(clean, { refresh: true }).calls;
    assert.equal(all.length, 4); // two resources with history on two nodes
    assert.deepEqual(planCleanup(clean, { refresh: true, rsc: "virtual_ip", node: "node2" }).calls, [
      { rsc: "virtual_ip", node: "node2" },
    ]);
  });
});

describe("bad cleanup requests", () => {
  it("an interval without an operation, an operation with refresh", () => {
    assert.throws(
      () => planCleanup(failed, { refresh: false, intervalMs: 1000 }),
      (e: unknown) => e instanceof TandemError && /only be given together with an operation/.test(e.message),
    );
    assert.throws(
      () => planCleanup(failed, { refresh: true, operation: "monitor" }),
      (e: unknown) => e instanceof TandemError && /only be given with --cleanup/.test(e.message),
    );
  });
});
