// CIB operations on the XML document (pure): what cibadmin asks for (query,
// replace, create, modify, delete a section or an object) and what the
// controller and attrd write into the status section (node_state, lrm
// operation history, transient attributes). Every operation is JSON data, so
// it can travel through the process group; applying one is deterministic and
// either yields a whole new document (with its version bumped) or throws a
// TandemError and leaves the input untouched.

import { ErrorCodes, TandemError } from "../core/errors.js";
import { INFINITY } from "../core/score.js";
import { child, cloneElement, el, elements, parseXml, type XmlElement } from "../core/xml.js";
import { bumpVersion, compareVersions, readVersion, writeVersion } from "./versions.js";

/** Sections cibadmin's -o/--scope accepts, and where each one lives. */
export const CONFIG_SECTIONS = [
  "crm_config",
  "nodes",
  "resources",
  "constraints",
  "rsc_defaults",
  "op_defaults",
  "alerts",
  "fencing-topology",
  "acls",
  "tags",
] as const;
export const SECTIONS: readonly string[] = [...CONFIG_SECTIONS, "configuration", "status", "cib"];

export const FEATURE_SET = "3.16.1";

/** A fresh, empty CIB (version 0.0.0). */
export function emptyCib(): XmlElement {
  return parseXml(
    `<cib crm_feature_set="${FEATURE_SET}" validate-with="pacemaker-3.9" epoch="0" num_updates="0" admin_epoch="0">` +
      "<configuration><crm_config/><nodes/><resources/><constraints/></configuration><status/></cib>",
  );
}

/** Who made a change, stamped into the cib root as Pacemaker does. */
export interface ChangeOrigin {
  node?: string;
  client?: string;
  user?: string;
  /** Wall-clock time of the request (ms since epoch), chosen by the originator. */
  time?: number;
}

export type CibadminOp =
  | { op: "replace"; section?: string; xml: string }
  | { op: "create"; section?: string; xml: string }
  | { op: "modify"; section?: string; xml: string; allowCreate?: boolean }
  | { op: "delete"; section?: string; xml: string };

/** Identity of a resource as lrm_resource records it. */
export interface LrmResourceRef {
  id: string;
  class: string;
  provider?: string;
  type: string;
}

/** Status-section changes written by the controller and attrd. */
export type StatusChange =
  /**
   * Create the node_state if needed and set these attributes on it; `unknownAttrs` too when it
   * has no `expected` (new here, or from a copy that never saw the node join) — decided on the
   * copy the change is applied to, which after a merge may not be the one it was made from.
   */
  | {
      kind: "node-state";
      nodeId: string;
      uname: string;
      attrs: Record<string, string>;
      unknownAttrs?: Record<string, string>;
    }
  /**
   * The DC's record of a membership: every node outside `members` that is recorded up
   * (in_ccm=true or crmd=online) is set down (in_ccm=false crmd=offline, join/expected kept:
   * a node that left while expected up is unclean), and one with no `expected` is set
   * join=down expected=member. Decided on the copy it is applied to (see node-state).
   */
  | { kind: "non-members-down"; members: string[] }
  /** Record operation history: upsert lrm_rsc_op elements (by id), remove others by id. */
  | {
      kind: "lrm-op";
      nodeId: string;
      uname: string;
      rsc: LrmResourceRef;
      upsert?: Record<string, string>[];
      remove?: string[];
    }
  /** Replace a node's whole <lrm> with what the node reported at join (serialized <lrm>). */
  | { kind: "lrm-replace"; nodeId: string; uname: string; lrm: string }
  /** Forget one resource's history on a node (or all history when rsc is absent). */
  | { kind: "lrm-forget"; nodeId: string; rsc?: string }
  /**
   * Set (value given) or delete a transient node attribute; with `increment`, add
   * it to the current integer value (missing = 0, INFINITY stays INFINITY).
   */
  | { kind: "attr"; nodeId: string; uname: string; name: string; value?: string; increment?: number }
  /** Drop all transient attributes of a node. */
  | { kind: "attrs-clear"; nodeId: string }
  /** Root attributes the DC maintains. */
  | { kind: "cluster"; dcUuid?: string; haveQuorum?: boolean }
  /**
   * Upsert one item (by its `id`) at the front of a JSON list kept in a node_state attribute,
   * keeping at most `max` items. Merged when applied, in the cluster's total order, so two
   * nodes recording different items of the same list concurrently both keep theirs (a
   * "node-state" write of the whole list would let the later one undo the earlier).
   */
  | {
      kind: "node-state-list";
      nodeId: string;
      uname: string;
      attr: string;
      item: { id: string } & Record<string, unknown>;
      max: number;
    };

export type CibOperation = CibadminOp | { op: "status"; changes: StatusChange[] };

export interface ApplyResult {
  cib: XmlElement;
  /** False when the operation was a no-op (nothing to delete, same value). */
  changed: boolean;
  /** True when the configuration section changed (epoch bumped). */
  configChanged: boolean;
}

function fail(code: (typeof ErrorCodes)[keyof typeof ErrorCodes], msg: string): never {
  throw new TandemError(code, msg);
}

function parseInput(xml: string): XmlElement {
  return parseXml(xml, { source: "the input", maxLength: 64 * 1024 * 1024 });
}

/** The element for a section name (created under its parent when missing, if `create`). */
export function sectionOf(cib: XmlElement, section: string, create = false): XmlElement | undefined {
  if (section === "cib") return cib;
  if (section === "configuration" || section === "status") {
    let s = child(cib, section);
    if (!s && create) {
      s = el(section);
      cib.children.push(s);
    }
    return s;
  }
  if (!(CONFIG_SECTIONS as readonly string[]).includes(section))
    fail(ErrorCodes.USAGE, `unknown CIB section '${section}' (known: ${SECTIONS.join(", ")})`);
  const conf = sectionOf(cib, "configuration", create);
  if (!conf) return undefined;
  let s = child(conf, section);
  if (!s && create) {
    s = el(section);
    conf.children.push(s);
  }
  return s;
}

/** Query: the whole CIB or one section (a copy), or undefined when the section is absent. */
export function querySection(cib: XmlElement, section?: string): XmlElement | undefined {
  const s = sectionOf(cib, section ?? "cib");
  return s ? cloneElement(s) : undefined;
}

/** Finds the first element (depth-first, including `root`) matching the predicate, with its parent. */
function findWithParent(
  root: XmlElement,
  pred: (e: XmlElement) => boolean,
): { node: XmlElement; parent?: XmlElement } | undefined {
  if (pred(root)) return { node: root };
  const stack: XmlElement[] = [root];
  while (stack.length > 0) {
    const p = stack.pop()!;
    for (const c of p.children) {
      if (c.type !== "element") continue;
      if (pred(c)) return { node: c, parent: p };
    }
    for (let i = p.children.length - 1; i >= 0; i--) {
      const c = p.children[i];
      if (c.type === "element") stack.push(c);
    }
  }
  return undefined;
}

const sameObject = (a: XmlElement) => (b: XmlElement) =>
  b.name === a.name && (a.attrs.id === undefined ? true : b.attrs.id === a.attrs.id);

/** Merges `input` into `target` (attributes set, children matched by tag+id merged, others appended). */
function mergeInto(target: XmlElement, input: XmlElement): void {
  for (const [k, v] of Object.entries(input.attrs)) target.attrs[k] = v;
  for (const c of input.children) {
    if (c.type !== "element") continue;
    const match = elements(target).find((t) =>
      c.attrs.id !== undefined ? t.name === c.name && t.attrs.id === c.attrs.id : t.name === c.name,
    );
    if (match) mergeInto(match, c);
    else target.children.push(cloneElement(c));
  }
}

function isSectionTag(name: string): boolean {
  return SECTIONS.includes(name);
}

/** Scope root for an operation: the named section, or the whole CIB. */
function scope(cib: XmlElement, section: string | undefined, create: boolean): XmlElement {
  if (section === undefined) return cib;
  const s = sectionOf(cib, section, create);
  if (!s) fail(ErrorCodes.CIB_NOT_FOUND, `section '${section}' does not exist in the CIB`);
  return s;
}

function describe(e: XmlElement): string {
  return e.attrs.id !== undefined ? `<${e.name} id="${e.attrs.id}">` : `<${e.name}>`;
}

/** Applies a cibadmin-style operation to `cib` in place; returns whether anything changed. */
function applyCibadmin(cib: XmlElement, op: CibadminOp): boolean {
  const input = parseInput(op.xml);
  switch (op.op) {
    case "replace": {
      if (input.name === "cib") {
        // Whole-CIB replace: configuration from the input, status kept (the cluster owns it).
        if (compareVersions(readVersion(input), readVersion(cib)) < 0)
          fail(
            ErrorCodes.CIB_OLD_DATA,
            "update was older than the existing configuration (its admin_epoch.epoch is lower)",
          );
        const conf = child(input, "configuration");
        if (!conf) fail(ErrorCodes.CIB_INVALID, "the replacement <cib> has no <configuration> section");
        const old = child(cib, "configuration");
        cib.children = cib.children.filter((c) => c !== old);
        cib.children.unshift(cloneElement(conf));
        for (const [k, v] of Object.entries(input.attrs))
          if (!["epoch", "num_updates", "admin_epoch"].includes(k)) cib.attrs[k] = v;
        const iv = readVersion(input);
        const cv = readVersion(cib);
        writeVersion(cib, { ...cv, adminEpoch: iv.adminEpoch, epoch: Math.max(iv.epoch, cv.epoch) });
        return true;
      }
      if (input.name === (op.section ?? input.name) && isSectionTag(input.name)) {
        const existing = sectionOf(cib, input.name, true)!;
        existing.attrs = { ...input.attrs };
        existing.children = cloneElement(input).children;
        return true;
      }
      const root = scope(cib, op.section, false);
      const found = findWithParent(root, sameObject(input));
      if (!found?.parent) fail(ErrorCodes.CIB_NOT_FOUND, `no ${describe(input)} to replace in the CIB`);
      const i = found.parent.children.indexOf(found.node);
      found.parent.children[i] = cloneElement(input);
      return true;
    }
    case "create": {
      if (isSectionTag(input.name) && (op.section === undefined || op.section === input.name)) {
        if (input.name === "cib" || input.name === "configuration" || input.name === "status")
          fail(ErrorCodes.CIB_EXISTS, `<${input.name}> already exists`);
        const conf = sectionOf(cib, "configuration", true)!;
        if (child(conf, input.name)) fail(ErrorCodes.CIB_EXISTS, `section <${input.name}> already exists`);
        conf.children.push(cloneElement(input));
        return true;
      }
      if (op.section === undefined)
        fail(ErrorCodes.USAGE, `creating ${describe(input)} needs a section (-o/--scope)`);
      const parent = scope(cib, op.section, true);
      if (input.attrs.id !== undefined) {
        const id = input.attrs.id;
        const dup = findWithParent(
          sectionOf(cib, "configuration", true)!,
          (e) => e.attrs.id === id && e.name === input.name,
        );
        if (dup) fail(ErrorCodes.CIB_EXISTS, `${describe(input)} already exists`);
      }
      parent.children.push(cloneElement(input));
      return true;
    }
    case "modify": {
      const root = scope(cib, op.section, false);
      const found = findWithParent(root, sameObject(input));
      if (!found) {
        if (!op.allowCreate) fail(ErrorCodes.CIB_NOT_FOUND, `no ${describe(input)} to modify in the CIB`);
        return applyCibadmin(cib, { op: "create", section: op.section, xml: op.xml });
      }
      mergeInto(found.node, input);
      return true;
    }
    case "delete": {
      const root = scope(cib, op.section, false);
      const found = findWithParent(
        root,
        (e) => e.name === input.name && Object.entries(input.attrs).every(([k, v]) => e.attrs[k] === v),
      );
      if (!found) return false;
      if (!found.parent) fail(ErrorCodes.USAGE, `cannot delete the scope element ${describe(input)} itself`);
      found.parent.children = found.parent.children.filter((c) => c !== found.node);
      return true;
    }
  }
}

function nodeState(cib: XmlElement, nodeId: string, uname?: string): XmlElement {
  const status = sectionOf(cib, "status", true)!;
  let ns = elements(status, "node_state").find((n) => n.attrs.id === nodeId);
  if (!ns) {
    ns = el("node_state", { id: nodeId, ...(uname ? { uname } : {}) });
    status.children.push(ns);
  } else if (uname && ns.attrs.uname !== uname) ns.attrs.uname = uname;
  return ns;
}

function ensureChild(parent: XmlElement, name: string, attrs: Record<string, string> = {}): XmlElement {
  let c = child(parent, name);
  if (!c) {
    c = el(name, attrs);
    parent.children.push(c);
  }
  return c;
}

function applyStatus(cib: XmlElement, ch: StatusChange): void {
  switch (ch.kind) {
    case "node-state": {
      const ns = nodeState(cib, ch.nodeId, ch.uname);
      const unknown = ns.attrs.expected === undefined;
      for (const [k, v] of Object.entries(ch.attrs)) ns.attrs[k] = v;
      if (unknown) for (const [k, v] of Object.entries(ch.unknownAttrs ?? {})) ns.attrs[k] = v;
      return;
    }
    case "non-members-down": {
      const status = child(cib, "status");
      for (const ns of status ? elements(status, "node_state") : []) {
        if (ch.members.includes(ns.attrs.id ?? "")) continue;
        if (ns.attrs.in_ccm !== "true" && ns.attrs.crmd !== "online") continue;
        ns.attrs.in_ccm = "false";
        ns.attrs.crmd = "offline";
        if (ns.attrs.expected === undefined) {
          ns.attrs.join = "down";
          ns.attrs.expected = "member";
        }
      }
      return;
    }
    case "node-state-list": {
      const ns = nodeState(cib, ch.nodeId, ch.uname);
      let list: unknown[] = [];
      try {
        const v = JSON.parse(ns.attrs[ch.attr] ?? "[]");
        if (Array.isArray(v)) list = v;
      } catch {
        // an unreadable list is replaced
      }
      const others = list.filter(
        (x) => !(x && typeof x === "object" && (x as { id?: unknown }).id === ch.item.id),
      );
      ns.attrs[ch.attr] = JSON.stringify([ch.item, ...others].slice(0, Math.max(1, ch.max)));
      return;
    }
    case "lrm-op": {
      const ns = nodeState(cib, ch.nodeId, ch.uname);
      const rscs = ensureChild(ensureChild(ns, "lrm", { id: ch.nodeId }), "lrm_resources");
      let r = elements(rscs, "lrm_resource").find((x) => x.attrs.id === ch.rsc.id);
      if (!r) {
        r = el("lrm_resource", {
          id: ch.rsc.id,
          type: ch.rsc.type,
          class: ch.rsc.class,
          ...(ch.rsc.provider ? { provider: ch.rsc.provider } : {}),
        });
        rscs.children.push(r);
      }
      const remove = new Set(ch.remove ?? []);
      r.children = r.children.filter((c) => !(c.type === "element" && remove.has(c.attrs.id ?? "")));
      for (const attrs of ch.upsert ?? []) {
        const existing = elements(r, "lrm_rsc_op").find((o) => o.attrs.id === attrs.id);
        if (existing) existing.attrs = { ...attrs };
        else r.children.push(el("lrm_rsc_op", { ...attrs }));
      }
      return;
    }
    case "lrm-replace": {
      const ns = nodeState(cib, ch.nodeId, ch.uname);
      const lrm = parseInput(ch.lrm);
      if (lrm.name !== "lrm") fail(ErrorCodes.CIB_INVALID, `lrm-replace: expected <lrm>, got <${lrm.name}>`);
      lrm.attrs.id = ch.nodeId;
      ns.children = ns.children.filter((c) => !(c.type === "element" && c.name === "lrm"));
      ns.children.push(lrm);
      return;
    }
    case "lrm-forget": {
      const status = sectionOf(cib, "status", true)!;
      const ns = elements(status, "node_state").find((n) => n.attrs.id === ch.nodeId);
      const rscs = ns && child(child(ns, "lrm") ?? el("lrm"), "lrm_resources");
      if (!rscs) return;
      rscs.children = rscs.children.filter(
        (c) => !(c.type === "element" && (ch.rsc === undefined || c.attrs.id === ch.rsc)),
      );
      return;
    }
    case "attr": {
      const ns = nodeState(cib, ch.nodeId, ch.uname);
      const ta = ensureChild(ns, "transient_attributes", { id: ch.nodeId });
      const set = ensureChild(ta, "instance_attributes", { id: `status-${ch.nodeId}` });
      const existing = elements(set, "nvpair").find((p) => p.attrs.name === ch.name);
      let value = ch.value;
      if (ch.increment !== undefined) {
        const cur = existing?.attrs.value;
        const n =
          cur === undefined ? 0 : /^\+?INFINITY$/i.test(cur) ? INFINITY : Number.parseInt(cur, 10) || 0;
        const sum = Math.min(INFINITY, n + ch.increment);
        value = sum >= INFINITY ? "INFINITY" : String(sum);
      }
      if (value === undefined) {
        set.children = set.children.filter((c) => c !== existing);
      } else if (existing) existing.attrs.value = value;
      else
        set.children.push(
          el("nvpair", {
            id: `status-${ch.nodeId}-${ch.name.replace(/[^A-Za-z0-9_.-]/g, ".")}`,
            name: ch.name,
            value,
          }),
        );
      return;
    }
    case "attrs-clear": {
      const status = sectionOf(cib, "status", true)!;
      const ns = elements(status, "node_state").find((n) => n.attrs.id === ch.nodeId);
      if (ns)
        ns.children = ns.children.filter((c) => !(c.type === "element" && c.name === "transient_attributes"));
      return;
    }
    case "cluster": {
      if (ch.dcUuid !== undefined) cib.attrs["dc-uuid"] = ch.dcUuid;
      if (ch.haveQuorum !== undefined) cib.attrs["have-quorum"] = ch.haveQuorum ? "1" : "0";
      return;
    }
  }
}

function sameTree(a: XmlElement | undefined, b: XmlElement | undefined): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Anything beyond well-formedness that every copy must hold (ids unique in the configuration). */
export type CibValidator = (cib: XmlElement) => void;

/** Built-in minimal check: a <cib> with a <configuration>, ids unique within the configuration. */
export const basicValidator: CibValidator = (cib) => {
  if (cib.name !== "cib") fail(ErrorCodes.CIB_INVALID, `the root element must be <cib>, got <${cib.name}>`);
  const conf = child(cib, "configuration");
  if (!conf) fail(ErrorCodes.CIB_INVALID, "the CIB has no <configuration> section");
  const seen = new Map<string, string>();
  const stack = [conf];
  while (stack.length > 0) {
    const e = stack.pop()!;
    for (const c of e.children) if (c.type === "element") stack.push(c);
    const id = e.attrs.id;
    if (id === undefined || e === conf) continue;
    const prev = seen.get(id);
    if (prev !== undefined)
      fail(ErrorCodes.CIB_DUPLICATE_ID, `id '${id}' is used twice (by <${prev}> and <${e.name}>)`);
    seen.set(id, e.name);
  }
};

/**
 * Applies one operation to a copy of `cib`, validates the result, bumps the
 * version (epoch for a configuration change, num_updates otherwise) and stamps
 * the origin. The input is never modified; an error leaves nothing applied.
 */
export function applyOperation(
  cib: XmlElement,
  op: CibOperation,
  origin: ChangeOrigin = {},
  validate: CibValidator = basicValidator,
): ApplyResult {
  const next = cloneElement(cib);
  let changed: boolean;
  if (op.op === "status") {
    for (const ch of op.changes) applyStatus(next, ch);
    changed =
      !sameTree(child(cib, "status"), child(next, "status")) ||
      cib.attrs["dc-uuid"] !== next.attrs["dc-uuid"] ||
      cib.attrs["have-quorum"] !== next.attrs["have-quorum"];
  } else {
    changed = applyCibadmin(next, op);
  }
  const configChanged = changed && !sameTree(child(cib, "configuration"), child(next, "configuration"));
  if (!changed || sameTree(cib, next)) return { cib, changed: false, configChanged: false };
  // The controller's status writes cannot touch the configuration: the full check is for the rest.
  if (configChanged || op.op !== "status") validate(next);
  const before = readVersion(next);
  writeVersion(next, bumpVersion(before, configChanged ? "config" : "status"));
  if (configChanged) {
    if (origin.time !== undefined) next.attrs["cib-last-written"] = formatCibTime(origin.time);
    if (origin.node !== undefined) next.attrs["update-origin"] = origin.node;
    if (origin.client !== undefined) next.attrs["update-client"] = origin.client;
    if (origin.user !== undefined) next.attrs["update-user"] = origin.user;
  }
  return { cib: next, changed: true, configChanged };
}

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** "Sat Nov 28 04:32:44 2026", the form of cib-last-written (UTC). */
export function formatCibTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
}
