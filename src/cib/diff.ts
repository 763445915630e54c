// Diffs between two CIB trees, and applying a diff: what CIB replication sends
// instead of whole documents. Works on the XML tree so unknown elements,
// comments and text travel too.
//
// A diff is a tree of changes that mirrors the document: for each changed
// element, its attribute changes, which children were removed, which were
// added (with their position), which were moved, and the changes inside the
// children that stayed. Children are keyed by tag + id where they have an id
// ("primitive#webserver") and by position among same-tag siblings otherwise
// ("operations@0", "#text@1"). Every key refers to the child list *before* the
// change, every position to the list *after* it.
//
// A diff carries the version it applies to and the version it produces;
// applying it to a CIB at any other version is refused (so it can never be
// applied twice), and applying is all-or-nothing: the input tree is never
// modified, a new tree is returned. Diffs are plain JSON.

import { ErrorCodes, TandemError } from "../core/errors.js";
import type { XmlElement, XmlNode } from "../core/xml.js";
import { type CibVersion, compareVersions, formatVersion, readVersion } from "./versions.js";

export interface AddedChild {
  /** Index in the parent's child list after the change. */
  at: number;
  node: XmlNode;
}

export interface MovedChild {
  key: string;
  at: number;
}

export interface ElementChange {
  /** Attributes added or given a new value. */
  set?: Record<string, string>;
  /** Attributes removed. */
  unset?: string[];
  /** The full attribute order afterwards, when set/unset alone would not reproduce it. */
  order?: string[];
  remove?: string[];
  add?: AddedChild[];
  move?: MovedChild[];
  /** Changes inside children that stay, by key. */
  inner?: Record<string, ElementChange>;
}

export interface CibDiff {
  format: "tandem-cib-diff/1";
  source: CibVersion;
  target: CibVersion;
  /** Changes at the root element; absent when nothing changed. */
  root?: ElementChange;
}

/** Keys of a child list (see the module comment). */
export function childKeys(children: readonly XmlNode[]): string[] {
  const counts = new Map<string, number>();
  const keys: string[] = [];
  for (const c of children) {
    let base: string;
    if (c.type === "element") base = c.attrs.id !== undefined ? `${c.name}#${c.attrs.id}` : `${c.name}@`;
    else base = c.type === "text" ? "#text@" : "#comment@";
    const n = counts.get(base) ?? 0;
    counts.set(base, n + 1);
    // positional keys count among their kind; a repeated id (invalid, but possible) gets a suffix
    keys.push(base.endsWith("@") ? `${base}${n}` : n === 0 ? base : `${base}~${n}`);
  }
  return keys;
}

function cloneNode(n: XmlNode): XmlNode {
  if (n.type !== "element") return { ...n };
  return { type: "element", name: n.name, attrs: { ...n.attrs }, children: n.children.map(cloneNode) };
}

/** Longest increasing subsequence (indices into `seq`), to move as few children as possible. */
function lisIndices(seq: readonly number[]): Set<number> {
  const tails: number[] = []; // index into seq of the smallest tail of each length
  const prev = new Array<number>(seq.length).fill(-1);
  for (let i = 0; i < seq.length; i++) {
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (seq[tails[mid]] < seq[i]) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) prev[i] = tails[lo - 1];
    tails[lo] = i;
  }
  const keep = new Set<number>();
  for (let i = tails.length > 0 ? tails[tails.length - 1] : -1; i >= 0; i = prev[i]) keep.add(i);
  return keep;
}

function sameLeaf(a: XmlNode, b: XmlNode): boolean {
  if (a.type === "element" || b.type === "element") return a.type === b.type;
  return a.type === b.type && a.value === b.value;
}

function attrsAfter(before: Record<string, string>, set: Record<string, string>, unset: string[]): string[] {
  const keys = Object.keys(before).filter((k) => !unset.includes(k));
  for (const k of Object.keys(set)) if (!(k in before)) keys.push(k);
  return keys;
}

function diffElement(a: XmlElement, b: XmlElement): ElementChange | undefined {
  const change: ElementChange = {};
  const set: Record<string, string> = {};
  const unset: string[] = [];
  for (const k in b.attrs) if (a.attrs[k] !== b.attrs[k]) set[k] = b.attrs[k];
  for (const k in a.attrs) if (!(k in b.attrs)) unset.push(k);
  if (Object.keys(set).length > 0) change.set = set;
  if (unset.length > 0) change.unset = unset;
  const orderAfter = attrsAfter(a.attrs, set, unset);
  const orderB = Object.keys(b.attrs);
  if (orderAfter.some((k, i) => orderB[i] !== k)) change.order = orderB;

  const keysA = childKeys(a.children);
  const keysB = childKeys(b.children);
  const indexB = new Map<string, number>();
  for (let i = 0; i < keysB.length; i++) indexB.set(keysB[i], i);
  const matchedB = new Set<number>();
  const remove: string[] = [];
  const keptA: number[] = [];
  const keptB: number[] = [];
  keysA.forEach((k, i) => {
    const j = indexB.get(k);
    if (j !== undefined && sameLeaf(a.children[i], b.children[j])) {
      keptA.push(i);
      keptB.push(j);
      matchedB.add(j);
    } else remove.push(k);
  });
  const stay = lisIndices(keptB);
  const move: MovedChild[] = [];
  const inner: Record<string, ElementChange> = {};
  keptA.forEach((i, n) => {
    if (!stay.has(n)) move.push({ key: keysA[i], at: keptB[n] });
    const ca = a.children[i];
    const cb = b.children[keptB[n]];
    if (ca.type === "element" && cb.type === "element") {
      const sub = diffElement(ca, cb);
      if (sub) inner[keysA[i]] = sub;
    }
  });
  const add: AddedChild[] = [];
  b.children.forEach((c, j) => {
    if (!matchedB.has(j)) add.push({ at: j, node: cloneNode(c) });
  });
  if (remove.length > 0) change.remove = remove;
  if (add.length > 0) change.add = add;
  if (move.length > 0) change.move = move;
  if (Object.keys(inner).length > 0) change.inner = inner;
  return Object.keys(change).length > 0 ? change : undefined;
}

/**
 * The diff that turns `a` into `b`. Both must be <cib> trees; when their
 * contents differ their versions must differ too (bump b's version first),
 * so that a diff can never be applied twice.
 */
export function diffCib(a: XmlElement, b: XmlElement): CibDiff {
  if (a.name !== b.name)
    throw new TandemError(ErrorCodes.CIB_DIFF_INVALID, `cannot diff a <${a.name}> against a <${b.name}>`);
  const source = readVersion(a);
  const target = readVersion(b);
  const root = diffElement(a, b);
  if (root && compareVersions(source, target) === 0)
    throw new TandemError(
      ErrorCodes.CIB_DIFF_INVALID,
      `both CIBs are at version ${formatVersion(source)} but their contents differ: bump the new copy's version before computing a diff`,
    );
  const d: CibDiff = { format: "tandem-cib-diff/1", source, target };
  if (root) d.root = root;
  return d;
}

function invalid(where: string, why: string): TandemError {
  return new TandemError(ErrorCodes.CIB_DIFF_INVALID, `CIB diff does not fit at ${where}: ${why}`);
}

function applyElement(e: XmlElement, ch: ElementChange, where: string): void {
  if (ch.set || ch.unset || ch.order) {
    const attrs: Record<string, string> = { ...e.attrs };
    for (const k of ch.unset ?? []) {
      if (!(k in attrs)) throw invalid(where, `attribute '${k}' to remove is not there`);
      delete attrs[k];
    }
    Object.assign(attrs, ch.set ?? {});
    if (ch.order) {
      const ordered: Record<string, string> = {};
      for (const k of ch.order) {
        if (!(k in attrs)) throw invalid(where, `attribute '${k}' in the new order does not exist`);
        ordered[k] = attrs[k];
      }
      if (Object.keys(ordered).length !== Object.keys(attrs).length)
        throw invalid(where, "the new attribute order does not list every attribute");
      e.attrs = ordered;
    } else e.attrs = attrs;
  }
  const keys = childKeys(e.children);
  const index = new Map<string, number>();
  for (let i = 0; i < keys.length; i++) index.set(keys[i], i);
  const resolve = (k: string): number => {
    const i = index.get(k);
    if (i === undefined) throw invalid(where, `child '${k}' does not exist`);
    return i;
  };
  // Changes inside kept children first: their keys refer to the list before the change.
  for (const k in ch.inner ?? {}) {
    const c = e.children[resolve(k)];
    if (c.type !== "element") throw invalid(where, `child '${k}' is not an element`);
    applyElement(c, ch.inner![k], `${where}/${k}`);
  }
  if (!ch.remove && !ch.add && !ch.move) return;
  const removed = new Set<number>();
  for (const k of ch.remove ?? []) removed.add(resolve(k));
  const moved = new Map<number, number>(); // original index -> new position
  for (const m of ch.move ?? []) {
    const i = resolve(m.key);
    if (removed.has(i)) throw invalid(where, `child '${m.key}' is both removed and moved`);
    moved.set(i, m.at);
  }
  const kept = e.children.length - removed.size;
  const total = kept + (ch.add?.length ?? 0);
  const out = new Array<XmlNode | undefined>(total);
  const place = (at: number, n: XmlNode) => {
    if (!Number.isInteger(at) || at < 0 || at >= total || out[at] !== undefined)
      throw invalid(where, `position ${at} is out of range or taken`);
    out[at] = n;
  };
  for (const a of ch.add ?? []) place(a.at, cloneNode(a.node));
  for (const [i, at] of moved) place(at, e.children[i]);
  let slot = 0;
  for (let i = 0; i < e.children.length; i++) {
    if (removed.has(i) || moved.has(i)) continue;
    while (out[slot] !== undefined) slot++;
    out[slot++] = e.children[i];
  }
  if (out.some((n) => n === undefined)) throw invalid(where, "positions leave a gap");
  e.children = out as XmlNode[];
}

/**
 * Applies a diff and returns the new tree (the input is never modified).
 * Refused with a clear error when the tree is not at the diff's source version,
 * or when the diff does not fit the tree.
 */
export function applyCibDiff(cib: XmlElement, diff: CibDiff): XmlElement {
  if (diff === null || typeof diff !== "object" || diff.format !== "tandem-cib-diff/1")
    throw new TandemError(
      ErrorCodes.CIB_DIFF_INVALID,
      "not a CIB diff (format 'tandem-cib-diff/1' expected)",
    );
  const have = readVersion(cib);
  if (compareVersions(have, diff.source) !== 0) {
    const already = compareVersions(have, diff.target) === 0 ? " (it was already applied)" : "";
    throw new TandemError(
      ErrorCodes.CIB_DIFF_VERSION,
      `CIB diff ${formatVersion(diff.source)} -> ${formatVersion(diff.target)} does not apply to a CIB at version ${formatVersion(have)}${already}`,
    );
  }
  const out = cloneNode(cib) as XmlElement;
  if (diff.root) applyElement(out, diff.root, cib.name);
  const got = readVersion(out);
  if (compareVersions(got, diff.target) !== 0)
    throw new TandemError(
      ErrorCodes.CIB_DIFF_INVALID,
      `CIB diff claims to produce version ${formatVersion(diff.target)} but produces ${formatVersion(got)}`,
    );
  return out;
}

/** A short human summary: counts of changed attributes and added/removed/moved children. */
export function summarizeDiff(diff: CibDiff): {
  attributes: number;
  added: number;
  removed: number;
  moved: number;
} {
  const s = { attributes: 0, added: 0, removed: 0, moved: 0 };
  const visit = (c: ElementChange) => {
    s.attributes += Object.keys(c.set ?? {}).length + (c.unset?.length ?? 0);
    s.added += c.add?.length ?? 0;
    s.removed += c.remove?.length ?? 0;
    s.moved += c.move?.length ?? 0;
    for (const k in c.inner ?? {}) visit(c.inner![k]);
  };
  if (diff.root) visit(diff.root);
  return s;
}
