import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { ErrorCodes, TandemError } from "../core/errors.js";
import { el, parseXml, type XmlElement, type XmlNode } from "../core/xml.js";
import { assertValidCib, errorsOf, findingToJson, validateCib } from "./validate.js";
import {
  bumpVersion,
  compareVersions,
  formatVersion,
  parseVersion,
  readVersion,
  winningCopy,
  writeVersion,
} from "./versions.js";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const baseCib = readFileSync(resolve(repoRoot, "../shared/reference/pacemaker-2.1.5/cib.xml"), "utf8");

function findings(from?: string, to?: string) {
  let text = baseCib;
  if (from !== undefined) {
    assert.ok(text.includes(from), `setup: '${from}' not in cib.xml`);
    text = text.replace(from, to ?? "");
  }
  return validateCib(parseXml(text));
}
function onlyError(from: string, to: string) {
  const errs = errorsOf(findings(from, to));
  assert.equal(errs.length, 1, `expected one error, got: ${errs.map((e) => e.message).join(" | ")}`);
  return errs[0];
}

test("the reference CIB is valid (only notices)", () => {
  const all = findings();
  assert.deepEqual(
    all.filter((f) => f.severity !== "notice"),
    [],
  );
  assert.deepEqual(
    assertValidCib(parseXml(baseCib)).map((f) => f.severity),
    ["notice", "notice"],
  );
});

test("each structural problem names the element, its id and the reason", () => {
  const cases: [string, string, string, RegExp][] = [
    [
      'id="virtual_ip-instance_attributes-cidr_netmask"',
      'id="webserver"',
      ErrorCodes.CIB_DUPLICATE_ID,
      /^primitive 'webserver': id 'webserver' is already used by a nvpair/,
    ],
    [
      'class="ocf" type="apache" provider="heartbeat"',
      'class="ocf" type="apache"',
      ErrorCodes.CIB_INVALID,
      /^primitive 'webserver': class 'ocf' requires attribute 'provider'/,
    ],
    [
      'class="ocf" type="apache"',
      'class="lsb" type="apache"',
      ErrorCodes.CIB_INVALID,
      /provider' is only allowed with class 'ocf'/,
    ],
    [
      'class="ocf" type="apache" provider="heartbeat"',
      'class="upstartish" type="apache"',
      ErrorCodes.UNKNOWN_AGENT_CLASS,
      /unknown resource agent class 'upstartish'/,
    ],
    [
      'node="node1" score="50"',
      'node="node1" score="fifty"',
      ErrorCodes.BAD_SCORE,
      /^rsc_location 'location-webserver-node1-50': 'score' must be/,
    ],
    [
      'score="INFINITY" id="colocation',
      'score="infinity" id="colocation',
      ErrorCodes.BAD_SCORE,
      /in capitals/,
    ],
    [
      'interval="1min"',
      'interval="every minute"',
      ErrorCodes.BAD_DURATION,
      /^op 'webserver-monitor-interval-1min': 'interval' is not a valid duration/,
    ],
    [
      'timeout="20s" id="virtual_ip-stop',
      'timeout="20 secs" id="virtual_ip-stop',
      ErrorCodes.BAD_DURATION,
      /'timeout'/,
    ],
    [
      'then-action="start" id',
      'then-action="start" kind="Sometimes" id',
      ErrorCodes.CIB_INVALID,
      /'kind' must be one of Optional, Mandatory, Serialize: got 'Sometimes'/,
    ],
    [
      'then-action="start" id',
      'then-action="start" symmetrical="yes" id',
      ErrorCodes.CIB_INVALID,
      /'symmetrical' must be true or false/,
    ],
    [
      'with-rsc="virtual_ip"',
      'with-rsc="nosuch"',
      ErrorCodes.CIB_DANGLING_REF,
      /'with-rsc' refers to 'nosuch', which does not exist/,
    ],
    [
      'first="virtual_ip"',
      'first="ghost"',
      ErrorCodes.CIB_DANGLING_REF,
      /^rsc_order 'order-virtual_ip-webserver-mandatory': 'first' refers to 'ghost'/,
    ],
    [
      '<meta_attributes id="webserver-meta_attributes"/>',
      '<meta_attributes id-ref="nope"/>',
      ErrorCodes.CIB_DANGLING_REF,
      /'id-ref' refers to 'nope'/,
    ],
    ["<nodes>", "<nodes><frob/>", ErrorCodes.CIB_INVALID, /^<frob> in <nodes>: not allowed/],
    [
      '<node id="1" uname="node1"/>',
      '<node id="1"/>',
      ErrorCodes.CIB_INVALID,
      /^node '1': attribute 'uname' is required/,
    ],
    ['epoch="13"', 'epoch="-1"', ErrorCodes.CIB_INVALID, /'epoch' must be a non-negative integer/],
    [
      "<constraints>",
      '<constraints><rsc_order id="o" first="webserver"/>',
      ErrorCodes.CIB_INVALID,
      /rsc_order 'o': attribute 'then' is required/,
    ],
    [
      '<rsc_location id="location-webserver-node1-50" rsc="webserver" node="node1" score="50"/>',
      '<rsc_location id="l" rsc="webserver"><rule id="r" score="10"><date_expression id="d" operation="gt" end="2030-01-01"/></rule></rsc_location>',
      ErrorCodes.CIB_INVALID,
      /^date_expression 'd': operation 'gt' needs 'start'/,
    ],
  ];
  for (const [from, to, code, msg] of cases) {
    const f = onlyError(from, to);
    assert.equal(f.code, code, `${to}: ${f.message}`);
    assert.match(f.message, msg);
  }
});

test("nesting: groups hold primitives, clones wrap exactly one primitive or group", () => {
  const wrap = (open: string, close: string) =>
    errorsOf(
      validateCib(
        parseXml(
          baseCib
            .replace('<primitive id="virtual_ip"', `${open}<primitive id="virtual_ip"`)
            .replace("</resources>", `${close}</resources>`),
        ),
      ),
    );
  assert.deepEqual(wrap('<group id="g">', "</group>"), []);
  assert.deepEqual(wrap('<clone id="c"><group id="g">', "</group></clone>"), []);
  const clone2 = wrap('<clone id="c">', "</clone>");
  assert.equal(clone2.length, 1);
  assert.match(
    clone2[0].message,
    /^primitive 'webserver': not allowed in clone 'c' \(a clone wraps exactly one/,
  );
  const groupInGroup = wrap('<group id="g"><group id="h">', "</group></group>");
  assert.match(
    groupInGroup[0].message,
    /group 'h': not allowed in group 'g' \(a group can contain only primitives\)/,
  );
  const empty = errorsOf(findings("<resources>", '<resources><group id="e"/>'));
  assert.match(empty[0].message, /group 'e': a group needs at least one primitive/);
});

test("configuration checks: stonith, options, target-role, references to non-resources", () => {
  const ston = errorsOf(
    findings('name="stonith-enabled" value="false"', 'name="stonith-enabled" value="true"'),
  );
  assert.deepEqual(
    ston.map((f) => f.pacemaker.text),
    [
      "Resource start-up disabled since no STONITH resources have been defined",
      "Either configure some or disable STONITH with the stonith-enabled option",
      "NOTE: Clusters with shared data need STONITH to ensure data integrity",
    ],
  );
  // a stonith device anywhere satisfies it
  const withDevice = baseCib
    .replace('name="stonith-enabled" value="false"', 'name="stonith-enabled" value="true"')
    .replace("<resources>", '<resources><primitive id="fence" class="stonith" type="fence_xvm"/>');
  assert.deepEqual(errorsOf(validateCib(parseXml(withDevice))), []);
  assert.match(
    onlyError('value="ignore"', 'value="sometimes"').message,
    /cluster option 'no-quorum-policy' has an invalid value 'sometimes'/,
  );
  assert.match(
    onlyError(
      '<meta_attributes id="webserver-meta_attributes"/>',
      '<meta_attributes id="m"><nvpair id="t" name="target-role" value="Up"/></meta_attributes>',
    ).message,
    /^primitive 'webserver': target-role 'Up' is not a role/,
  );
  assert.match(
    onlyError('with-rsc="virtual_ip"', 'with-rsc="virtual_ip-instance_attributes"').message,
    /which is a <instance_attributes>, not a resource or tag/,
  );
  // a location on a node Pacemaker has never heard of is allowed
  assert.deepEqual(
    errorsOf(findings('rsc="webserver" node="node1"', 'rsc="webserver" node="elsewhere"')),
    [],
  );
  const dupOp = onlyError(
    '<op name="monitor" interval="1min" id="webserver-monitor-interval-1min"/>',
    '<op name="monitor" interval="1min" id="webserver-monitor-interval-1min"/><op name="monitor" interval="PT60S" id="m2"/>',
  );
  assert.match(dupOp.message, /op 'm2' of primitive 'webserver': same name and interval/);
});

test("findings are plain data; assertValidCib throws one clear line", () => {
  const f = findings('with-rsc="virtual_ip"', 'with-rsc="nosuch"');
  const json = JSON.parse(JSON.stringify(f.map(findingToJson)));
  assert.equal(json[0].id, "colocation-webserver-virtual_ip-INFINITY");
  assert.equal(json[0].element, "rsc_colocation");
  assert.throws(
    () => assertValidCib(parseXml(baseCib.replace('with-rsc="virtual_ip"', 'with-rsc="nosuch"'))),
    (e: unknown) =>
      e instanceof TandemError &&
      e.code === ErrorCodes.CIB_DANGLING_REF &&
      !e.message.includes("\n") &&
      /^invalid CIB: rsc_colocation/.test(e.message),
  );
  assert.equal(validateCib(parseXml("<status/>"))[0].message, "the root element is <status>, expected <cib>");
});

test("versions: read, compare, bump, winner", () => {
  const cib = parseXml(baseCib);
  const v = readVersion(cib);
  assert.equal(formatVersion(v), "0.13.4");
  assert.deepEqual(parseVersion("0.13.4"), v);
  assert.deepEqual(bumpVersion(v, "config"), { adminEpoch: 0, epoch: 14, numUpdates: 0 });
  assert.deepEqual(bumpVersion(v, "status"), { adminEpoch: 0, epoch: 13, numUpdates: 5 });
  assert.deepEqual(bumpVersion(v, "admin"), { adminEpoch: 1, epoch: 0, numUpdates: 0 });
  assert.ok(compareVersions(parseVersion("1.0.0"), parseVersion("0.99.99")) > 0);
  assert.ok(compareVersions(parseVersion("0.13.5"), parseVersion("0.14.0")) < 0);
  assert.equal(winningCopy([parseVersion("0.13.4"), parseVersion("0.14.0"), parseVersion("0.13.99")]), 1);
  assert.equal(winningCopy([parseVersion("0.2.0"), parseVersion("0.2.0")]), 0);
  writeVersion(cib, bumpVersion(v, "config"));
  assert.equal(cib.attrs.epoch, "14");
  assert.equal(cib.attrs.num_updates, "0");
  assert.throws(
    () => readVersion(parseXml('<cib epoch="x"/>')),
    /'epoch' must be a non-negative integer: got 'x'/,
  );
  assert.throws(() => parseVersion("1.2"), TandemError);
});

test("every scheduler corpus input passes the structural checks (they all ran through real Pacemaker)", () => {
  let checked = 0;
  for (const tier of ["core", "tier2"]) {
    const dir = resolve(repoRoot, "../shared/scheduler-corpus", tier);
    for (const name of readdirSync(dir).filter((f) => f.endsWith(".xml"))) {
      const found = validateCib(parseXml(readFileSync(resolve(dir, name), "utf8")));
      const structural = found.filter(
        (f) => f.pacemaker.form === "relaxng" || f.pacemaker.form === "idref" || f.tandemOnly,
      );
      assert.deepEqual(
        structural.map((f) => f.message),
        [],
        `${tier}/${name}`,
      );
      checked++;
    }
  }
  assert.ok(checked > 100, `only ${checked} corpus inputs found`);
});

test('validate-with="none": structure problems keep their error, worded as Pacemaker\'s unpacking words them', () => {
  const text = baseCib
    .replace('validate-with="pacemaker-3.9"', 'validate-with="none"')
    .replace('then-action="start" id', 'then-action="start" kind="foo" id');
  const all = validateCib(parseXml(text));
  assert.equal(all[0].pacemaker.form, "plain");
  assert.match(all[0].pacemaker.text, /^Schema validation of configuration is disabled/);
  const errs = errorsOf(all);
  assert.equal(errs.length, 1);
  assert.deepEqual(errs[0].pacemaker, {
    form: "log",
    fn: "get_ordering_type",
    level: "error",
    text: "Resetting 'kind' for constraint order-virtual_ip-webserver-mandatory to 'Mandatory' because 'foo' is not valid",
  });
});

test("a globally-unique clone of an lsb agent: one warning per instance, at most one instance per node", () => {
  const clone = (max: string) =>
    baseCib.replace(
      "</resources>",
      `<clone id="c"><meta_attributes id="c-m"><nvpair id="c-u" name="globally-unique" value="true"/><nvpair id="c-max" name="clone-max" value="${max}"/></meta_attributes><primitive id="l" class="lsb" type="foo"/></clone></resources>`,
    );
  const texts = (max: string) =>
    validateCib(parseXml(clone(max)))
      .filter((f) => f.pacemaker.fn === "pe__force_anon")
      .map((f) => f.pacemaker.text);
  assert.deepEqual(texts("1"), [
    "Ignoring globally-unique for c because lsb resources such as l:0 can be used only as anonymous clones",
  ]);
  assert.equal(texts("5").length, 2); // two nodes
});

test("validation never throws on arbitrary CIB-like trees and every finding is well-formed", () => {
  const TAGS = [
    "configuration",
    "crm_config",
    "cluster_property_set",
    "nodes",
    "node",
    "resources",
    "primitive",
    "group",
    "clone",
    "master",
    "template",
    "operations",
    "op",
    "meta_attributes",
    "instance_attributes",
    "nvpair",
    "constraints",
    "rsc_location",
    "rsc_colocation",
    "rsc_order",
    "rsc_ticket",
    "resource_set",
    "resource_ref",
    "rule",
    "expression",
    "status",
    "node_state",
    "tags",
    "tag",
    "obj_ref",
    "fencing-topology",
    "fencing-level",
  ];
  const ATTRS = [
    "id",
    "class",
    "type",
    "provider",
    "rsc",
    "with-rsc",
    "first",
    "then",
    "score",
    "kind",
    "interval",
    "name",
    "value",
    "uname",
    "id-ref",
    "template",
    "timeout",
    "symmetrical",
    "node",
    "boolean-op",
    "index",
    "role",
  ];
  const value = fc.constantFrom(
    "a",
    "b",
    "ocf",
    "lsb",
    "INFINITY",
    "-inf",
    "10",
    "x y",
    "30s",
    "true",
    "stonith",
    "",
  );
  const attrs = fc.uniqueArray(fc.tuple(fc.constantFrom(...ATTRS), value), {
    maxLength: 5,
    selector: (t) => t[0],
  });
  const { tree } = fc.letrec<{ tree: XmlElement; node: XmlNode }>((tie) => ({
    tree: fc
      .tuple(fc.constantFrom(...TAGS), attrs, fc.array(tie("node"), { maxLength: 4, depthIdentifier: "v" }))
      .map(([name, a, children]) => el(name, Object.fromEntries(a), children)),
    node: fc.oneof(
      { maxDepth: 5, depthIdentifier: "v" },
      fc.constant<XmlNode>({ type: "text", value: "t" }),
      tie("tree"),
      tie("tree"),
    ),
  }));
  const codes = new Set(Object.values(ErrorCodes));
  fc.assert(
    fc.property(fc.array(tree, { maxLength: 4 }), attrs, (children, rootAttrs) => {
      const root = el("cib", Object.fromEntries(rootAttrs), children);
      for (const f of validateCib(root)) {
        assert.ok(codes.has(f.code), f.code);
        assert.ok(f.message.length > 0 && !f.message.includes("\n"), f.message);
        assert.ok(f.pacemaker.text.length > 0);
      }
    }),
    { numRuns: 300 },
  );
});

test("only ocf agents can be promoted", () => {
  const promo = (inner: string) =>
    validateCib(
      parseXml(
        baseCib.replace(
          "</resources>",
          `<clone id="pc"><meta_attributes id="pc-m"><nvpair id="pc-p" name="promotable" value="true"/></meta_attributes>${inner}</clone></resources>`,
        ),
      ),
    ).filter((f) => f.severity !== "notice");
  const direct = promo('<primitive id="s" class="systemd" type="foo"/>');
  assert.deepEqual(
    direct.map((f) => f.pacemaker.text),
    [
      "Resource s:0 is of type systemd and therefore cannot be used as a promotable clone resource",
      "Ignoring <clone> resource 'pc' because configuration is invalid",
    ],
  );
  assert.match(
    direct[0].message,
    /^clone 'pc': primitive 's' is of class 'systemd', which cannot be promoted/,
  );
  assert.deepEqual(promo('<primitive id="o" class="ocf" provider="pacemaker" type="Stateful"/>'), []);
});

test("operations: on-fail values Pacemaker resets", () => {
  const texts = (from: string, to: string, stonith = false) => {
    let text = baseCib.replace(from, to);
    if (stonith)
      text = text
        .replace('name="stonith-enabled" value="false"', 'name="stonith-enabled" value="true"')
        .replace("<resources>", '<resources><primitive id="f" class="stonith" type="fence_xvm"/>');
    return errorsOf(validateCib(parseXml(text))).map((f) => f.pacemaker.text);
  };
  const stop = 'id="webserver-stop-interval-0s"';
  assert.deepEqual(texts(stop, `on-fail="standby" ${stop}`), [
    "Resetting 'on-fail' for webserver stop action to default value because 'standby' is not allowed for stop",
  ]);
  const mon = 'id="webserver-monitor-interval-1min"';
  assert.deepEqual(texts(mon, `on-fail="fence" ${mon}`), [
    "Resetting 'on-fail' for operation 'webserver_monitor_60000' to 'stop' because 'fence' is not valid when fencing is disabled",
  ]);
  assert.deepEqual(texts(mon, `on-fail="fence" ${mon}`, true), []);
  assert.deepEqual(texts(mon, `on-fail="demote" ${mon}`), [
    "Resetting 'on-fail' for webserver monitor action to default value because 'demote' is not allowed for it",
  ]);
});

test("templates, rsc-pattern, self-orders, integer meta-attributes", () => {
  const all = (from: string, to: string) => validateCib(parseXml(baseCib.replace(from, to)));
  const tmpl = errorsOf(
    all(
      '<primitive id="webserver" class="ocf" type="apache" provider="heartbeat">',
      '<primitive id="webserver" template="virtual_ip">',
    ),
  );
  assert.deepEqual(
    tmpl.map((f) => f.pacemaker.text),
    [
      "No template named 'virtual_ip'",
      "Ignoring <primitive> resource 'webserver' because configuration is invalid",
    ],
  );
  const pattern = errorsOf(
    all('id="location-webserver-node1-50" rsc="webserver"', 'id="l" rsc-pattern="web[("'),
  );
  assert.match(
    pattern[0].message,
    /^rsc_location 'l': rsc-pattern 'web\[\(' is not a valid regular expression/,
  );
  const self = errorsOf(all('first="virtual_ip" then="webserver"', 'first="webserver" then="webserver"'));
  assert.equal(self.length, 1);
  assert.ok(self[0].tandemOnly);
  const scan = all(
    '<meta_attributes id="webserver-meta_attributes"/>',
    '<meta_attributes id="m"><nvpair id="p" name="priority" value="-3x"/><nvpair id="s" name="resource-stickiness" value="INFINITY"/><nvpair id="t" name="migration-threshold" value="many"/></meta_attributes>',
  ).filter((f) => f.pacemaker.fn === "scan_ll");
  assert.deepEqual(
    scan.map((f) => [f.severity, f.pacemaker.text]),
    [
      ["notice", "Characters left over after parsing '-3x': 'x'"],
      ["notice", "Could not parse integer from 'many' (using 0 instead): No digits found"],
      ["notice", "Characters left over after parsing 'many': 'many'"],
    ],
  );
});
