// The fast XML path (fast-xml.ts) against core/xml.ts's parser: on every corpus
// and anchor CIB, on hand-picked edge cases and on generated documents (with
// comments, entities, text, odd whitespace and random damage) it either gives
// exactly parseXml's tree or steps aside (undefined) — never a different tree,
// never a tree where parseXml reports an error.

import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { parseXml, type XmlElement } from "../core/xml.js";
import { fastParseXml } from "./fast-xml.js";
import { parseCib } from "./unpack.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const shared = path.resolve(repoRoot, "../shared");

function slow(text: string): XmlElement | Error {
  try {
    return parseXml(text);
  } catch (e) {
    return e as Error;
  }
}

/** Asserts the fast path agrees; returns whether it took the document. */
function agrees(text: string): boolean {
  const fast = fastParseXml(text);
  const ref = slow(text);
  if (fast === undefined) return false;
  assert.ok(
    !(ref instanceof Error),
    `fast path accepted what parseXml rejects (${ref}): ${text.slice(0, 200)}`,
  );
  assert.deepEqual(fast, ref);
  return true;
}

test("fast XML path: the same tree as parseXml on every corpus and anchor CIB", (t) => {
  const files: string[] = [];
  for (const dir of ["scheduler-corpus/core", "scheduler-corpus/tier2", "anchors/scheduler-perf/cibs"]) {
    const d = path.join(shared, dir);
    if (!existsSync(d)) continue;
    for (const f of readdirSync(d)) if (f.endsWith(".xml")) files.push(path.join(d, f));
  }
  if (files.length === 0) {
    t.skip(`no reference CIBs at ${shared}`);
    return;
  }
  let taken = 0;
  for (const f of files) if (agrees(readFileSync(f, "utf8"))) taken++;
  // Pacemaker writes plain documents: nearly all should take the fast path.
  assert.ok(taken >= files.length * 0.9, `fast path taken for ${taken} of ${files.length}`);
  for (const f of files.filter((x) => x.includes("anchors")))
    assert.ok(fastParseXml(readFileSync(f, "utf8")), `anchor ${f} takes the fast path`);
});

test("fast XML path: edge cases", () => {
  const cases = [
    "<cib/>",
    "  <cib a='1' b = \"2\" />  ",
    '<?xml version="1.0" encoding="UTF-8"?>\n<cib epoch="1"><configuration/></cib>\n',
    '<?xml version="1.0"?><cib><x a="&lt;"/></cib>',
    "\ufeff<cib/>",
    "<cib><!-- note --><a/></cib>",
    "<!-- before --><cib/>",
    "<cib>text</cib>",
    "<cib><![CDATA[x]]></cib>",
    "<cib></cib>trailing",
    "<cib></cib><cib/>",
    "<cib><a></b></cib>",
    "<cib><a b='1' b='2'/></cib>",
    "<cib><a b='1'c='2'/></cib>",
    '<cib><a b="x<y"/></cib>',
    '<cib><a b="x>y" c="\n\t"/></cib>',
    "<cib",
    "<cib>",
    "",
    "   ",
    "<cib></ cib>",
    "<cib></cib >",
    "<1cib/>",
    "<cib><a/><b></b ><c d='e'/></cib>",
    "<!DOCTYPE cib><cib/>",
    "<cib>\r\n\t<a/>\r\n</cib>",
    "<cib><é/></cib>",
  ];
  for (const c of cases) agrees(c);
  assert.ok(agrees('<cib a="1">\n  <b c="2"/>\n</cib>\n'));
  assert.ok(!agrees("<cib><!-- c --></cib>"), "comments go to parseXml");
});

const nameArb = fc.constantFrom("cib", "a", "nvpair", "primitive", "x-y", "n.1", "ns:tag", "_u");
const valueArb = fc.oneof(
  { arbitrary: fc.constantFrom("", "1", "INFINITY", "a b", "x>y", "\n", "'", '"', "-_.:/"), weight: 6 },
  { arbitrary: fc.constantFrom("&amp;", "&#65;", "<", "&bogus;"), weight: 1 },
  { arbitrary: fc.string({ maxLength: 6 }), weight: 1 },
);
const wsArb = fc.constantFrom("", " ", "\n  ", "\t", "\r\n", "  ");

type Node = {
  name: string;
  attrs: [string, string, boolean][];
  kids: Node[];
  text?: string;
  comment?: boolean;
};
function nodeArb(depth: number): fc.Arbitrary<Node> {
  return fc.record({
    name: nameArb,
    attrs: fc.array(fc.tuple(nameArb, valueArb, fc.boolean()), { maxLength: 3 }),
    kids: depth > 0 ? fc.array(nodeArb(depth - 1), { maxLength: 3 }) : fc.constant([]),
    text: fc.option(fc.constantFrom(" ", "t", "&lt;", "\n"), { nil: undefined, freq: 8 }),
    comment: fc.integer({ min: 0, max: 19 }).map((x) => x === 0),
  });
}

function render(n: Node, ws: string[]): string {
  const w = () => ws[(ws.length + n.name.length) % ws.length] ?? "";
  const attrs = n.attrs
    .map(([k, v, single]) => {
      const q = single ? "'" : '"';
      return ` ${k}${w()}=${w()}${q}${v.split(q).join("")}${q}`;
    })
    .join("");
  const inner =
    (n.comment ? "<!-- c -->" : "") + n.kids.map((k) => w() + render(k, ws)).join("") + (n.text ?? "") + w();
  return inner === "" && n.attrs.length % 2 === 0
    ? `<${n.name}${attrs}${w()}/>`
    : `<${n.name}${attrs}${w()}>${inner}</${n.name}${w()}>`;
}

test("fast XML path: generated and damaged documents", () => {
  let taken = 0;
  let errors = 0;
  fc.assert(
    fc.property(
      nodeArb(3),
      fc.array(wsArb, { minLength: 1, maxLength: 4 }),
      fc.boolean(),
      fc.option(fc.tuple(fc.nat(), fc.constantFrom("", "<", ">", "/", '"', "=", " ", "a", "&")), {
        nil: undefined,
        freq: 1,
      }),
      (root, ws, decl, damage) => {
        let doc = (decl ? '<?xml version="1.0"?>\n' : "") + render(root, ws);
        if (damage) {
          const at = damage[0] % (doc.length + 1);
          doc = doc.slice(0, at) + damage[1] + doc.slice(at + 1);
        }
        if (agrees(doc)) taken++;
        else if (slow(doc) instanceof Error) errors++;
      },
    ),
    { numRuns: 3000, seed: 42 },
  );
  // Both sides are exercised: documents the fast path takes, and broken ones it leaves.
  assert.ok(taken >= 300 && errors >= 300, `fast path took ${taken}, parseXml rejected ${errors}`);
});

test("parseCib: the same model through either path", () => {
  const text =
    '<cib epoch="2"><configuration><crm_config/><nodes><node id="1" uname="n1"/></nodes><resources>' +
    '<primitive id="r" class="ocf" provider="pacemaker" type="Dummy"/></resources><constraints/></configuration>' +
    "<status/></cib>";
  const viaFast = parseCib(text);
  const viaSlow = parseCib(text.replace("<cib ", "<!-- slow path --><cib "));
  assert.deepEqual(viaFast, viaSlow);
});
