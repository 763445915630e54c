// Queries over the resources section shared by resource/stonith/constraint commands:
// find a resource by id, its kind, its parent group/clone, its agent name.

import { child, elements, type XmlElement, walkElements } from "../core/xml.js";
import { findSection } from "./cib.js";

export const RESOURCE_TAGS = ["primitive", "group", "clone", "master", "bundle"];

export function resourcesSection(cib: XmlElement): XmlElement | undefined {
  return findSection(cib, "resources");
}

/** Any resource element (primitive, group, clone, master, bundle) with that id. */
export function findResource(cib: XmlElement, id: string): XmlElement | undefined {
  const rs = resourcesSection(cib);
  if (!rs) return undefined;
  for (const e of walkElements(rs)) if (RESOURCE_TAGS.includes(e.name) && e.attrs.id === id) return e;
  return undefined;
}

export function isStonith(e: XmlElement): boolean {
  return e.name === "primitive" && e.attrs.class === "stonith";
}

/** Every primitive in document order (including those inside groups, clones, bundles). */
export function allPrimitives(cib: XmlElement): XmlElement[] {
  const rs = resourcesSection(cib);
  if (!rs) return [];
  const out: XmlElement[] = [];
  for (const e of walkElements(rs)) if (e.name === "primitive") out.push(e);
  return out;
}

/** The element directly containing `e` within the resources section. */
export function resourceParent(cib: XmlElement, e: XmlElement): XmlElement | undefined {
  const rs = resourcesSection(cib);
  if (!rs) return undefined;
  for (const p of walkElements(rs)) for (const c of p.children) if (c === e) return p;
  return undefined;
}

export function agentOf(p: XmlElement): string {
  return p.attrs.provider
    ? `${p.attrs.class}:${p.attrs.provider}:${p.attrs.type}`
    : `${p.attrs.class}:${p.attrs.type}`;
}

/** The first nvset of a kind ("instance_attributes", "meta_attributes", "utilization"). */
export function nvset(e: XmlElement, kind: string): XmlElement | undefined {
  return child(e, kind);
}

/** Value of a meta attribute (first match in any meta_attributes set). */
export function metaValue(e: XmlElement, name: string): string | undefined {
  for (const set of elements(e, "meta_attributes"))
    for (const p of elements(set, "nvpair")) if (p.attrs.name === name) return p.attrs.value;
  return undefined;
}
