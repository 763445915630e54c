// CIB access for pcs commands: load + parse, read-only queries, and one-transaction
// updates (validate first, then mutate a copy, bump the epoch, push the whole CIB).
// Commands work on the XML element tree itself, as pcs does with lxml, so anything a
// command does not touch survives unchanged.

import { child, el, elements, type XmlElement, walkElements } from "../core/xml.js";
import { errorsOf, validateCib } from "../cib/validate.js";
import { parseCib, serializeCib } from "./cib-source.js";
import { PcsError } from "./errors.js";
import type { PcsContext } from "./types.js";

export async function readCib(ctx: PcsContext): Promise<XmlElement> {
  return parseCib(await ctx.cib().load());
}

/**
 * Runs `change` on the CIB and pushes the result as one transaction. `change` must
 * validate before it mutates (throwing leaves the CIB untouched: nothing is pushed).
 * Returning false means "nothing changed" (no push, epoch unchanged).
 */
export async function updateCib(
  ctx: PcsContext,
  change: (cib: XmlElement) => boolean | undefined | Promise<boolean | undefined>,
): Promise<void> {
  const cib = parseCib(await ctx.cib().load());
  const changed = await change(cib);
  if (changed === false) return;
  // As cibadmin does before accepting a change: the result must fit Pacemaker's schema.
  const invalid = schemaErrors(cib);
  if (invalid.length > 0)
    throw new PcsError("Unable to update cib", {
      details: [
        "Call cib_replace failed (-203): Update does not conform to the configured schema",
        ...invalid,
      ],
    });
  const epoch = Number.parseInt(cib.attrs.epoch ?? "0", 10);
  cib.attrs.epoch = String(Number.isFinite(epoch) ? epoch + 1 : 1);
  cib.attrs.num_updates = "0";
  await ctx.cib().push(serializeCib(cib));
}

/** Structural (schema) errors of a CIB, in Pacemaker's wording; configuration warnings are not errors here. */
export function schemaErrors(cib: XmlElement): string[] {
  return errorsOf(validateCib(cib))
    .filter((f) => f.pacemaker.form === "relaxng" || f.pacemaker.form === "idref")
    .map((f) => `  ${f.element}: ${f.pacemaker.text}`);
}

/** configuration/<name>, created (in the schema's order) when missing. */
export function section(cib: XmlElement, name: string): XmlElement {
  let conf = child(cib, "configuration");
  if (!conf) {
    conf = el("configuration");
    cib.children.unshift(conf);
  }
  let s = child(conf, name);
  if (!s) {
    s = el(name);
    const order = [
      "crm_config",
      "nodes",
      "resources",
      "constraints",
      "fencing-topology",
      "op_defaults",
      "rsc_defaults",
      "alerts",
      "tags",
      "acls",
    ];
    const idx = order.indexOf(name);
    let at = conf.children.length;
    for (let i = 0; i < conf.children.length; i++) {
      const c = conf.children[i];
      if (c.type === "element" && order.indexOf(c.name) > idx) {
        at = i;
        break;
      }
    }
    conf.children.splice(at, 0, s);
  }
  return s;
}

/** configuration/<name> if present (no creation). */
export function findSection(cib: XmlElement, name: string): XmlElement | undefined {
  const conf = child(cib, "configuration");
  return conf ? child(conf, name) : undefined;
}

export function findById(cib: XmlElement, id: string): XmlElement | undefined {
  for (const e of walkElements(cib))
    if (e.attrs.id === id && e.name !== "node_state" && !isStatus(e)) return e;
  return undefined;
}

function isStatus(e: XmlElement): boolean {
  return (
    e.name === "transient_attributes" ||
    e.name === "lrm" ||
    e.name === "lrm_resource" ||
    e.name === "lrm_rsc_op"
  );
}

/** Every id used in the configuration section. */
export function configIds(cib: XmlElement): Set<string> {
  const ids = new Set<string>();
  const conf = child(cib, "configuration");
  if (conf) for (const e of walkElements(conf)) if (e.attrs.id !== undefined) ids.add(e.attrs.id);
  return ids;
}

/** A valid XML id made from arbitrary text, as pcs makes ids ("a b" -> "a_b", leading digit -> "_"). */
export function sanitizeId(text: string): string {
  let s = text.replace(/[^A-Za-z0-9_.-]/g, "_");
  if (!/^[A-Za-z_]/.test(s)) s = `_${s}`;
  return s;
}

/** base, or base-1, base-2 ... the first not used yet (pcs's find_unique_id). */
export function uniqueId(ids: Set<string>, base: string): string {
  let id = base;
  for (let n = 1; ids.has(id); n++) id = `${base}-${n}`;
  ids.add(id);
  return id;
}

/** pcs's check for a new id: valid XML id and not used yet. */
export function validateNewId(ids: Set<string>, id: string, what = "id"): void {
  if (id === "") throw new PcsError(`${what} cannot be empty`);
  if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(id)) {
    const bad = /^[A-Za-z_]/.test(id) ? id.match(/[^A-Za-z0-9_.-]/)![0] : id[0];
    const pos = /^[A-Za-z_]/.test(id) ? "" : " first";
    throw new PcsError(`invalid ${what} '${id}', '${bad}' is not a valid${pos} character for a ${what}`);
  }
  if (ids.has(id)) throw new PcsError(`'${id}' already exists`);
}

/** The nvpairs of an nvset element as [name, value, id]. */
export function nvpairs(set: XmlElement): { name: string; value: string; id: string }[] {
  return elements(set, "nvpair").map((p) => ({
    name: p.attrs.name ?? "",
    value: p.attrs.value ?? "",
    id: p.attrs.id ?? "",
  }));
}

/**
 * Sets (or with value "" removes) an nvpair in an nvset, with pcs-style ids
 * "<set id>-<name>". Returns true when something changed.
 */
export function setNvpair(set: XmlElement, ids: Set<string>, name: string, value: string): boolean {
  const existing = elements(set, "nvpair").find((p) => p.attrs.name === name);
  if (value === "") {
    if (!existing) return false;
    set.children = set.children.filter((c) => c !== existing);
    return true;
  }
  if (existing) {
    if (existing.attrs.value === value) return false;
    existing.attrs.value = value;
    return true;
  }
  const id = uniqueId(ids, sanitizeId(`${set.attrs.id}-${name}`));
  set.children.push(el("nvpair", { id, name, value }));
  return true;
}

export function removeElement(parent: XmlElement, e: XmlElement): void {
  parent.children = parent.children.filter((c) => c !== e);
}

/** Finds the parent of an element in the tree. */
export function parentOf(root: XmlElement, target: XmlElement): XmlElement | undefined {
  for (const e of walkElements(root)) for (const c of e.children) if (c === target) return e;
  return undefined;
}
