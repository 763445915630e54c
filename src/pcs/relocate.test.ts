// pcs resource relocate's planning (src/pcs/relocate.ts): optimal nodes computed with every
// resource-stickiness removed; only resources away from their optimal node are moved;
// bad resource ids refused; the live commands refuse -f as pcs does.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { elements, parseXml, serializeXml, walkElements } from "../core/xml.js";
import { relocationPlan, toMove, withoutStickiness } from "./relocate.js";
import { fileCluster, reference } from "./test-support.js";

/** The reference cluster (both resources on node1) with stickiness 100 and a preference for node2. */
function stuckCib(pref = 50): string {
  return reference("cib.xml")
    .replace(
      '<rsc_location id="location-webserver-node1-50" rsc="webserver" node="node1" score="50"/>',
      `<rsc_location id="location-webserver-node2" rsc="webserver" node="node2" score="${pref}"/>`,
    )
    .replace(
      "</constraints>",
      '</constraints><rsc_defaults><meta_attributes id="rsc-defaults"><nvpair id="rsc-defaults-stick" name="resource-stickiness" value="100"/></meta_attributes></rsc_defaults>',
    );
}
const now = Math.floor(Date.parse("2026-11-28T05:00:00Z") / 1000);

describe("relocate planning", () => {
  it("stickiness keeps the resources on node1; without it they belong on node2", () => {
    const cib = parseXml(stuckCib());
    const { items, actual } = relocationPlan(cib, now, []);
    assert.equal(actual.ws.primitives.find((p) => p.id === "webserver")?.assigned, "node1");
    assert.deepEqual(items, [
      { rsc: "virtual_ip", current: ["node1"], optimal: "node2" },
      { rsc: "webserver", current: ["node1"], optimal: "node2" },
    ]);
    assert.deepEqual(
      toMove(items).map((m) => m.rsc),
      ["virtual_ip", "webserver"],
    );
    // only the named ones
    assert.deepEqual(
      relocationPlan(cib, now, ["webserver"]).items.map((i) => i.rsc),
      ["webserver"],
    );
  });
  it("nothing to move when the resources already are on their best node", () => {
    const cib = parseXml(reference("cib.xml"));
    assert.deepEqual(toMove(relocationPlan(cib, now, []).items), []);
  });
  it("withoutStickiness removes defaults and per-resource stickiness, leaves the input alone", () => {
    const xml = stuckCib().replace(
      '<primitive id="webserver"',
      '<primitive id="webserver"><meta_attributes id="ws-meta"><nvpair id="ws-stick" name="resource-stickiness" value="500"/></meta_attributes></primitive><primitive id="unused"',
    );
    const cib = parseXml(xml);
    const free = withoutStickiness(cib);
    const sticky = (e: typeof cib) =>
      [...walkElements(e)].filter((n) => n.name === "nvpair" && n.attrs.name === "resource-stickiness")
        .length;
    assert.equal(sticky(cib), 2);
    assert.equal(sticky(free), 0);
    assert.equal(serializeXml(cib), serializeXml(parseXml(xml)));
    assert.ok(elements(free).length > 0);
  });
  it("refuses unknown ids, clones and group members", () => {
    const cib = parseXml(stuckCib());
    assert.throws(() => relocationPlan(cib, now, ["nosuch"]), /Resource 'nosuch' does not exist/);
    const grouped = parseXml(
      stuckCib().replace(
        /<primitive id="virtual_ip"[\s\S]*?<\/primitive>/,
        (p) => `<group id="g">${p}</group>`,
      ),
    );
    assert.throws(
      () => relocationPlan(grouped, now, ["virtual_ip"]),
      /Unable to relocate 'virtual_ip': it is a member of 'g', relocate that instead/,
    );
    assert.deepEqual(
      relocationPlan(grouped, now, ["g"]).items.map((i) => i.rsc),
      ["g"],
    );
  });
});

describe("relocate on a file", () => {
  it("-f is refused as pcs refuses it; a wrong subcommand prints the usage", async (t) => {
    const c = fileCluster(t);
    assert.equal(
      await c.fails("resource relocate show"),
      "Error: Specified option '-f' is not supported in this command\n",
    );
    assert.match(await c.fails("resource relocate frob"), /^\nUsage: pcs resource relocate/);
  });
});
