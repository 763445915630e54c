import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { ErrorCodes, TandemError } from "../core/errors.js";
import { cloneElement, el, parseXml, serializeXml, type XmlElement, type XmlNode } from "../core/xml.js";
import { applyCibDiff, type CibDiff, diffCib, summarizeDiff } from "./diff.js";
import { bumpVersion, readVersion, writeVersion } from "./versions.js";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const baseCib = readFileSync(resolve(repoRoot, "../shared/reference/pacemaker-2.1.5/cib.xml"), "utf8");

// ---- generators ------------------------------------------------------------
const TAGS = ["primitive", "group", "nvpair", "op", "meta_attributes", "rsc_location", "x-unknown"];
const ATTR_NAMES = ["id", "name", "value", "score", "class", "interval"];
const value = fc.string({
  maxLength: 6,
  unit: fc.constantFrom("a", "b", "&", "<", ">", '"', "'", "\n", "\t", " ", "é"),
});
const ident = fc.constantFrom("r1", "r2", "r3", "r4", "r5", "r6");
const attrs = fc
  .uniqueArray(fc.tuple(fc.constantFrom(...ATTR_NAMES), value), { maxLength: 4, selector: (t) => t[0] })
  .chain((pairs) =>
    fc.option(ident, { nil: undefined }).map((id) => {
      const o: Record<string, string> = {};
      for (const [k, v] of pairs) if (k !== "id") o[k] = v;
      if (id !== undefined) o.id = id;
      return o;
    }),
  );
const textValue = fc
  .string({ minLength: 1, maxLength: 5, unit: fc.constantFrom("x", "y", "&", "<", " ") })
  .filter((s) => s.trim() !== "");
const commentValue = fc.string({ maxLength: 5, unit: fc.constantFrom("c", " ", "<", ">") });

const { element } = fc.letrec<{ element: XmlElement; node: XmlNode }>((tie) => ({
  element: fc
    .tuple(fc.constantFrom(...TAGS), attrs, fc.array(tie("node"), { maxLength: 4, depthIdentifier: "cib" }))
    .map(([name, a, children]) => el(name, a, children)),
  // leaves first: past maxDepth fast-check only picks the first alternative
  node: fc.oneof(
    { maxDepth: 4, depthIdentifier: "cib" },
    textValue.map((v) => ({ type: "text" as const, value: v })),
    commentValue.map((v) => ({ type: "comment" as const, value: v })),
    tie("element"),
    tie("element"),
  ),
}));

const version = fc.record({
  adminEpoch: fc.nat(3),
  epoch: fc.nat(50),
  numUpdates: fc.nat(50),
});

function asCib(
  children: XmlNode[],
  v: { adminEpoch: number; epoch: number; numUpdates: number },
): XmlElement {
  const root = el("cib", { "validate-with": "pacemaker-3.9" }, children);
  writeVersion(root, v);
  return root;
}

/** All elements of a tree, root included. */
function allElements(e: XmlElement, out: XmlElement[] = []): XmlElement[] {
  out.push(e);
  for (const c of e.children) if (c.type === "element") allElements(c, out);
  return out;
}

/** Deterministic edits driven by numbers: a b that shares most of a. */
function mutate(a: XmlElement, steps: number[], pool: XmlElement[]): XmlElement {
  const b = cloneElement(a);
  for (const s of steps) {
    const els = allElements(b);
    const target = els[s % els.length];
    const r = Math.floor(s / els.length);
    switch (r % 6) {
      case 0:
        target.attrs[ATTR_NAMES[r % ATTR_NAMES.length]] = `v${s}`;
        break;
      case 1: {
        const k = Object.keys(target.attrs);
        if (k.length > 0 && target !== b) delete target.attrs[k[r % k.length]];
        break;
      }
      case 2:
        if (target.children.length > 0) target.children.splice(r % target.children.length, 1);
        break;
      case 3:
        target.children.splice(r % (target.children.length + 1), 0, cloneElement(pool[s % pool.length]));
        break;
      case 4:
        target.children.reverse();
        break;
      case 5:
        target.children.push({ type: "text", value: `t${s}` });
        break;
    }
  }
  return b;
}

const pair = fc
  .tuple(
    fc.array(element, { maxLength: 4 }),
    version,
    fc.array(fc.nat(10_000), { maxLength: 8 }),
    fc.array(element, { minLength: 1, maxLength: 2 }),
    fc.boolean(),
    fc.array(element, { maxLength: 4 }),
  )
  .map(([children, v, steps, pool, independent, otherChildren]) => {
    const a = asCib(children, v);
    const b = independent ? asCib(otherChildren, v) : mutate(a, steps, pool);
    writeVersion(b, bumpVersion(v, steps.length % 2 === 0 ? "config" : "status"));
    return { a, b };
  });

// ---- properties --------------------------------------------------------------
test("apply(a, diff(a, b)) equals b, a is left untouched, and the diff survives JSON", () => {
  fc.assert(
    fc.property(pair, ({ a, b }) => {
      const before = cloneElement(a);
      const d = diffCib(a, b);
      const wire = JSON.parse(JSON.stringify(d)) as CibDiff;
      assert.deepEqual(applyCibDiff(a, wire), b);
      assert.deepEqual(a, before);
    }),
    { numRuns: 400 },
  );
});

test("a diff applied twice is refused, naming the versions", () => {
  fc.assert(
    fc.property(pair, ({ a, b }) => {
      const d = diffCib(a, b);
      const once = applyCibDiff(a, d);
      assert.throws(
        () => applyCibDiff(once, d),
        (e: unknown) =>
          e instanceof TandemError &&
          e.code === ErrorCodes.CIB_DIFF_VERSION &&
          /already applied/.test(e.message),
      );
    }),
    { numRuns: 150 },
  );
});

test("xml: parse(serialize(tree)) gives the tree back", () => {
  const noAdjacentText = (e: XmlElement): XmlElement => {
    const children: XmlNode[] = [];
    for (const c of e.children) {
      const last = children[children.length - 1];
      if (c.type === "text" && last?.type === "text") last.value += c.value;
      else children.push(c.type === "element" ? noAdjacentText(c) : { ...c });
    }
    return { ...e, children };
  };
  fc.assert(
    fc.property(element, (e0) => {
      const e = noAdjacentText(e0);
      assert.deepEqual(parseXml(serializeXml(e, { indent: "" })), e);
    }),
    { numRuns: 300 },
  );
});

// ---- examples ------------------------------------------------------------------
test("a configuration change on the reference CIB: small diff, keyed by id", () => {
  const a = parseXml(baseCib);
  const b = cloneElement(a);
  const text = serializeXml(a).replace('node="node1" score="50"', 'node="node2" score="100"');
  const changed = parseXml(text);
  writeVersion(changed, bumpVersion(readVersion(a), "config"));
  const d = diffCib(a, changed);
  assert.deepEqual(d.source, { adminEpoch: 0, epoch: 13, numUpdates: 4 });
  assert.deepEqual(d.target, { adminEpoch: 0, epoch: 14, numUpdates: 0 });
  const loc =
    d.root?.inner?.["configuration@0"]?.inner?.["constraints@0"]?.inner?.[
      "rsc_location#location-webserver-node1-50"
    ];
  assert.deepEqual(loc, { set: { node: "node2", score: "100" } });
  assert.deepEqual(summarizeDiff(d), { attributes: 4, added: 0, removed: 0, moved: 0 }); // + epoch, num_updates
  assert.deepEqual(applyCibDiff(b, d), changed);
});

test("moves, removals and additions with positions", () => {
  const a = asCib([el("x", { id: "1" }), el("x", { id: "2" }), el("x", { id: "3" }), el("y")], {
    adminEpoch: 0,
    epoch: 1,
    numUpdates: 0,
  });
  const b = asCib([el("x", { id: "3" }), el("z"), el("x", { id: "1" }), el("x", { id: "2" })], {
    adminEpoch: 0,
    epoch: 2,
    numUpdates: 0,
  });
  const d = diffCib(a, b);
  assert.deepEqual(d.root?.remove, ["y@0"]);
  assert.deepEqual(d.root?.move, [{ key: "x#3", at: 0 }]);
  assert.deepEqual(d.root?.add, [{ at: 1, node: el("z") }]);
  assert.deepEqual(applyCibDiff(a, d), b);
});

test("refusals: wrong version, a diff that does not fit, equal versions with different content", () => {
  const a = parseXml(baseCib);
  const b = cloneElement(a);
  b.attrs["have-quorum"] = "0";
  b.attrs.num_updates = "5";
  const d = diffCib(a, b);
  const other = cloneElement(a);
  other.attrs.epoch = "12";
  assert.throws(
    () => applyCibDiff(other, d),
    /CIB diff 0\.13\.4 -> 0\.13\.5 does not apply to a CIB at version 0\.12\.4$/,
  );
  const broken: CibDiff = { ...d, root: { ...d.root, remove: ["configuration@7"] } };
  assert.throws(
    () => applyCibDiff(a, broken),
    (e: unknown) =>
      e instanceof TandemError &&
      e.code === ErrorCodes.CIB_DIFF_INVALID &&
      /child 'configuration@7' does not exist/.test(e.message),
  );
  const same = cloneElement(a);
  same.attrs["have-quorum"] = "0";
  assert.throws(() => diffCib(a, same), /both CIBs are at version 0\.13\.4 but their contents differ/);
  assert.deepEqual(diffCib(a, cloneElement(a)).root, undefined);
  assert.throws(() => applyCibDiff(a, { format: "nope" } as unknown as CibDiff), /not a CIB diff/);
});
