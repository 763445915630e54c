import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { parseDurationMs } from "./duration.js";
import { TandemError } from "./errors.js";
import { INFINITY, addScores, formatScore, parseScore } from "./score.js";
import { el, parseXml, serializeXml, type XmlElement } from "./xml.js";

test("score arithmetic: -INFINITY dominates, sums clamp", () => {
  assert.equal(addScores(INFINITY, -INFINITY), -INFINITY);
  assert.equal(addScores(-INFINITY, INFINITY), -INFINITY);
  assert.equal(addScores(INFINITY, 5), INFINITY);
  assert.equal(addScores(999_999, 5), INFINITY);
  assert.equal(addScores(-999_999, -5), -INFINITY);
  assert.equal(addScores(10, -3), 7);
  assert.equal(parseScore("INFINITY"), INFINITY);
  assert.equal(parseScore("+INFINITY"), INFINITY);
  assert.equal(parseScore("-infinity"), -INFINITY);
  assert.equal(parseScore("50"), 50);
  assert.equal(parseScore("5000000"), INFINITY);
  assert.equal(parseScore("abc"), undefined);
  assert.equal(parseScore("1.5"), undefined);
  assert.equal(formatScore(-INFINITY), "-INFINITY");
});

test("score addition is commutative and stays in range", () => {
  const score = fc.oneof(
    fc.integer({ min: -2 * INFINITY, max: 2 * INFINITY }),
    fc.constant(INFINITY),
    fc.constant(-INFINITY),
  );
  fc.assert(
    fc.property(score, score, (a, b) => {
      const s = addScores(a, b);
      return s === addScores(b, a) && s <= INFINITY && s >= -INFINITY;
    }),
  );
});

test("durations as Pacemaker writes them", () => {
  assert.equal(parseDurationMs("30s"), 30_000);
  assert.equal(parseDurationMs("1min"), 60_000);
  assert.equal(parseDurationMs("1m"), 60_000);
  assert.equal(parseDurationMs("500ms"), 500);
  assert.equal(parseDurationMs("10"), 10_000);
  assert.equal(parseDurationMs("2h"), 7_200_000);
  assert.equal(parseDurationMs("PT1M30S"), 90_000);
  assert.equal(parseDurationMs("P1D"), 86_400_000);
  assert.equal(parseDurationMs("30x"), undefined);
  assert.equal(parseDurationMs("-5s"), undefined);
  assert.equal(parseDurationMs("P"), undefined);
});

test("xml: parse, entities, serialize round trip", () => {
  const doc = parseXml(
    `<?xml version="1.0"?>\n<cib a="1" b='x &amp; &lt;y&gt; &#65;'><!-- c --><configuration><x/></configuration><t>hi &amp; bye</t></cib>`,
  );
  assert.equal(doc.name, "cib");
  assert.equal(doc.attrs.b, "x & <y> A");
  const again = parseXml(serializeXml(doc));
  assert.deepEqual(again, doc);
});

test("xml: errors name line and column", () => {
  assert.throws(
    () => parseXml("<a>\n  <b></a>"),
    (e: unknown) => {
      assert.ok(e instanceof TandemError);
      assert.match(e.message, /line 2, column 10: end tag <\/a> does not match <b>/);
      return true;
    },
  );
  assert.throws(() => parseXml("not xml"), /expected '<'/);
  assert.throws(() => parseXml(""), /empty/);
  assert.throws(() => parseXml("<a x=1/>"), /must be quoted/);
  assert.throws(() => parseXml('<a x="1" x="2"/>'), /duplicate attribute/);
  assert.throws(() => parseXml("<a/><b/>"), /after the root/);
  assert.throws(() => parseXml("<a>"), /unterminated element <a>/);
  assert.throws(() => parseXml("<!DOCTYPE x><a/>"), /DOCTYPE/);
});

test("xml: generated trees survive serialize+parse", () => {
  const name = fc.stringMatching(/^[a-z_][a-z0-9_.-]{0,8}$/);
  const tree = (depth: number): fc.Arbitrary<XmlElement> =>
    fc
      .tuple(
        name,
        fc.dictionary(name, fc.string({ maxLength: 10 }), { maxKeys: 3 }),
        depth === 0 ? fc.constant<XmlElement[]>([]) : fc.array(tree(depth - 1), { maxLength: 3 }),
      )
      .map(([n, a, c]) => el(n, { ...a }, c));
  fc.assert(
    fc.property(tree(3), (t) => {
      assert.deepEqual(parseXml(serializeXml(t)), t);
      assert.deepEqual(parseXml(serializeXml(t, { indent: "" })), t);
    }),
  );
});
