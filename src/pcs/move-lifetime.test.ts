// Move/ban with a lifetime (pcs `lifetime=`, crm_resource `--lifetime`): the constraint
// crm_resource writes (a rule `#uname eq NODE` and `date lt END`), valid against the
// schema, honoured by the scheduler until END and ignored after it; `clear --expired`
// removes only ended ones; a bad lifetime is refused with nothing changed.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { unpackCib } from "../cib/unpack.js";
import { parseXml } from "../core/xml.js";
import { schedule } from "../scheduler/index.js";
import {
  cliBan,
  cliPrefer,
  formatRuleDate,
  isExpired,
  lifetimeEnd,
  parseRuleDate,
} from "./cli-constraint.js";
import { fileCluster } from "./test-support.js";

const placement = (xml: string, nowMs: number, id: string) =>
  schedule(unpackCib(parseXml(xml)), { now: Math.floor(nowMs / 1000) }).ws.primitives.find((p) => p.id === id)
    ?.assigned;

describe("lifetime ends", () => {
  it("ISO 8601 durations from now, written as crm_resource writes dates", () => {
    const now = Date.parse("2026-11-28T08:00:00.400Z");
    assert.equal(lifetimeEnd("PT10M", now), "2026-11-28 08:10:00Z");
    assert.equal(lifetimeEnd("P1DT2H", now), "2026-11-29 10:00:00Z");
    assert.equal(lifetimeEnd("30m", now), undefined);
    assert.equal(lifetimeEnd("P", now), undefined);
    assert.equal(parseRuleDate("2026-11-28 08:10:00Z"), Date.parse("2026-11-28T08:10:00Z"));
    assert.equal(parseRuleDate("2026-11-28 09:10:00 +01:00"), Date.parse("2026-11-28T08:10:00Z"));
    assert.equal(formatRuleDate(Date.parse("2026-01-02T03:04:05.999Z")), "2026-01-02 03:04:05Z");
  });
  it("the constraints' shape", () => {
    const p = cliPrefer("web", "node2", "2026-11-28 08:10:00Z");
    assert.equal(p.attrs.id, "cli-prefer-web");
    assert.equal(p.attrs.node, undefined);
    const ban = cliBan("web", "node1", "2026-11-28 08:10:00Z");
    assert.ok(isExpired(ban, Date.parse("2026-11-28T08:10:00Z")));
    assert.ok(!isExpired(ban, Date.parse("2026-11-28T08:09:59Z")));
    assert.ok(!isExpired(cliBan("web", "node1"), Date.now()));
  });
});

describe("pcs resource move-with-constraint / ban lifetime=", () => {
  it("writes crm_resource's rule; the scheduler follows it until the end, not after", async (t) => {
    const c = fileCluster(t);
    const before = Date.now();
    const out = await c.ok("resource move-with-constraint webserver node2 lifetime=PT1H");
    const m = /^Migration will take effect until: (\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ)\n$/.exec(out);
    assert.ok(m, out);
    const end = parseRuleDate(m[1])!;
    assert.ok(end >= before + 3_600_000 - 1000 && end <= Date.now() + 3_600_000);
    const xml = c.read();
    const flat = xml.replace(/>\s+</g, "><");
    assert.ok(
      flat.includes(
        `<rsc_location id="cli-prefer-webserver" rsc="webserver" role="Started"><rule id="cli-prefer-rule-webserver" score="INFINITY" boolean-op="and"><expression id="cli-prefer-expr-webserver" attribute="#uname" operation="eq" value="node2" type="string"/><date_expression id="cli-prefer-lifetime-end-webserver" operation="lt" end="${m[1]}"/></rule></rsc_location>`,
      ),
      xml,
    );
    // webserver is colocated with virtual_ip; the preference pulls it to node2 while it lasts.
    assert.equal(placement(xml, end - 60_000, "webserver"), "node2");
    assert.equal(placement(xml, end + 60_000, "webserver"), "node1");
    // a ban with a lifetime: the same shape with -INFINITY
    const ban = await c.ok("resource ban virtual_ip node1 lifetime=PT30M");
    assert.match(ban, /^Warning: Creating location constraint 'cli-ban-virtual_ip-on-node1' /);
    assert.match(ban, /\nMigration will take effect until: .+Z\n$/);
    assert.match(
      c.read().replace(/>\s+</g, "><"),
      /<rsc_location id="cli-ban-virtual_ip-on-node1" rsc="virtual_ip" role="Started"><rule id="cli-ban-virtual_ip-on-node1-rule" score="-INFINITY" boolean-op="and"><expression id="cli-ban-virtual_ip-on-node1-expr" attribute="#uname" operation="eq" value="node1" type="string"\/><date_expression id="cli-ban-virtual_ip-on-node1-lifetime" operation="lt" end="[^"]+"\/><\/rule><\/rsc_location>/,
    );
    // clear with a node finds the node in the rule
    assert.equal(
      await c.ok("resource clear virtual_ip node1"),
      "Removing constraint: cli-ban-virtual_ip-on-node1\n",
    );
  });
  it("clear --expired removes only the constraints whose lifetime ended", async (t) => {
    const past = "2020-01-01 00:00:00Z";
    const xml = (await import("./test-support.js"))
      .reference("cib.xml")
      .replace(
        "<constraints>",
        `<constraints><rsc_location id="cli-prefer-webserver" rsc="webserver" role="Started"><rule id="cli-prefer-rule-webserver" score="INFINITY" boolean-op="and"><expression id="cli-prefer-expr-webserver" attribute="#uname" operation="eq" value="node2" type="string"/><date_expression id="cli-prefer-lifetime-end-webserver" operation="lt" end="${past}"/></rule></rsc_location><rsc_location id="cli-ban-webserver-on-node2" rsc="webserver" role="Started" node="node2" score="-INFINITY"/>`,
      );
    const c = fileCluster(t, xml);
    assert.equal(
      await c.ok("resource clear webserver --expired"),
      "Removing constraint: cli-prefer-webserver\n",
    );
    assert.match(c.read(), /cli-ban-webserver-on-node2/);
    assert.doesNotMatch(c.read(), /cli-prefer-webserver/);
    assert.equal(await c.ok("resource clear webserver --expired"), "");
  });
  it("a lifetime that is not an ISO 8601 duration, or given twice: refused, CIB unchanged", async (t) => {
    const c = fileCluster(t);
    assert.equal(
      await c.fails("resource move-with-constraint webserver node2 lifetime=30m"),
      "Error: Invalid duration specified: 30m\nPlease refer to https://en.wikipedia.org/wiki/ISO_8601#Durations for examples of valid durations\n",
    );
    assert.match(
      await c.fails("resource ban webserver node2 lifetime=P1D lifetime=P2D"),
      /^\nUsage: pcs resource ban\.\.\.\n {4}ban <resource id> /,
    );
    assert.match(
      await c.fails("resource move-with-constraint nosuch node2 lifetime=P1D"),
      /Resource 'nosuch' not found/,
    );
  });
});
