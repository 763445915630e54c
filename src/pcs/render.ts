// Text renderings shared by `pcs resource config`, `pcs stonith config`, `pcs config` and
// `pcs constraint`: pcs 0.11.5's layout, line for line (see the reference outputs).

import { elements, type XmlElement } from "../core/xml.js";
import { findSection } from "./cib.js";
import { isStonith } from "./resources.js";

const OP_OPTION_ORDER = [
  "interval",
  "interval-origin",
  "start-delay",
  "timeout",
  "enabled",
  "on-fail",
  "record-pending",
  "role",
  "requires",
];

function nvsetLines(e: XmlElement, tag: string, title: string, pad: string): string[] {
  const out: string[] = [];
  for (const set of elements(e, tag)) {
    const pairs = elements(set, "nvpair");
    if (pairs.length === 0) continue;
    out.push(`${pad}${title}: ${set.attrs.id}`);
    for (const p of pairs) out.push(`${pad}  ${p.attrs.name}=${quoteValue(p.attrs.value ?? "")}`);
  }
  return out;
}

/** pcs quotes a value with blanks in listings: pcmk_host_list="node1 node2". */
export function quoteValue(v: string): string {
  return /\s/.test(v) ? `"${v.replace(/(["\\])/g, "\\$1")}"` : v;
}

function opLines(op: XmlElement, pad: string): string[] {
  const out = [`${pad}${op.attrs.name}: ${op.attrs.id}`];
  const keys = Object.keys(op.attrs).filter((k) => k !== "name" && k !== "id");
  keys.sort((a, b) => {
    const ia = OP_OPTION_ORDER.indexOf(a);
    const ib = OP_OPTION_ORDER.indexOf(b);
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || a.localeCompare(b);
  });
  for (const k of keys) out.push(`${pad}  ${k}=${op.attrs[k]}`);
  for (const set of elements(op, "instance_attributes"))
    for (const p of elements(set, "nvpair")) out.push(`${pad}  ${p.attrs.name}=${p.attrs.value ?? ""}`);
  return out;
}

/** Lines describing one resource (primitive/group/clone/bundle), starting at `pad`. */
export function resourceLines(e: XmlElement, pad = ""): string[] {
  const inner = `${pad}  `;
  if (e.name === "primitive") {
    const provider = e.attrs.provider ? ` provider=${e.attrs.provider}` : "";
    const out = [`${pad}Resource: ${e.attrs.id} (class=${e.attrs.class}${provider} type=${e.attrs.type})`];
    if (e.attrs.description) out.push(`${inner}Description: ${e.attrs.description}`);
    out.push(...nvsetLines(e, "instance_attributes", "Attributes", inner));
    out.push(...nvsetLines(e, "meta_attributes", "Meta Attributes", inner));
    out.push(...nvsetLines(e, "utilization", "Utilization", inner));
    const ops = elements(e, "operations")[0];
    const opList = ops ? elements(ops, "op") : [];
    if (opList.length > 0) {
      out.push(`${inner}Operations:`);
      for (const op of opList) out.push(...opLines(op, `${inner}  `));
    }
    return out;
  }
  if (e.name === "group") {
    const out = [`${pad}Group: ${e.attrs.id}`];
    if (e.attrs.description) out.push(`${inner}Description: ${e.attrs.description}`);
    out.push(...nvsetLines(e, "meta_attributes", "Meta Attributes", inner));
    for (const p of elements(e, "primitive")) out.push(...resourceLines(p, inner));
    return out;
  }
  if (e.name === "clone" || e.name === "master") {
    const out = [`${pad}Clone: ${e.attrs.id}`];
    if (e.attrs.description) out.push(`${inner}Description: ${e.attrs.description}`);
    out.push(...nvsetLines(e, "meta_attributes", "Meta Attributes", inner));
    for (const c of e.children)
      if (c.type === "element" && (c.name === "primitive" || c.name === "group"))
        out.push(...resourceLines(c, inner));
    return out;
  }
  if (e.name === "bundle") return [`${pad}Bundle: ${e.attrs.id}`];
  return [];
}

/** Top-level resources, split into ordinary ones and stonith devices. */
export function topLevelResources(cib: XmlElement): { resources: XmlElement[]; stonith: XmlElement[] } {
  const rs = findSection(cib, "resources");
  const resources: XmlElement[] = [];
  const stonith: XmlElement[] = [];
  if (rs)
    for (const e of elements(rs)) {
      if (isStonith(e)) stonith.push(e);
      else resources.push(e);
    }
  return { resources, stonith };
}

/** `Meta Attrs: ID` blocks of rsc_defaults/op_defaults, or "No defaults set". */
export function defaultsLines(cib: XmlElement, sectionName: string, pad: string): string[] {
  const sec = findSection(cib, sectionName);
  const out: string[] = [];
  if (sec)
    for (const set of elements(sec, "meta_attributes")) {
      out.push(
        `${pad}Meta Attrs: ${set.attrs.id}${set.attrs.score !== undefined ? ` score=${set.attrs.score}` : ""}`,
      );
      for (const p of elements(set, "nvpair")) out.push(`${pad}  ${p.attrs.name}=${p.attrs.value ?? ""}`);
    }
  if (out.length === 0) out.push(`${pad}No defaults set`);
  return out;
}
