// Status section of the CIB -> model: node_state (membership fields,
// transient attributes) and the resource operation history (lrm_resource /
// lrm_rsc_op). Split from unpack.ts; no id-ref resolution is needed here.

import { parseDurationMs } from "../core/duration.js";
import { ErrorCodes, TandemError } from "../core/errors.js";
import { child, elements, type XmlElement } from "../core/xml.js";
import type { LrmOp, LrmResource, NodeState } from "./model.js";

function requireAttr(e: XmlElement, name: string): string {
  const v = e.attrs[name];
  if (v === undefined || v === "")
    throw new TandemError(
      ErrorCodes.CIB_INVALID,
      `${e.attrs.id ? `<${e.name} id="${e.attrs.id}">` : `<${e.name}>`} is missing required attribute '${name}'`,
    );
  return v;
}

export function unpackLrmOp(e: XmlElement): LrmOp {
  const a = e.attrs;
  const num = (v: string | undefined, d: number) => {
    if (v === undefined) return d;
    const n = Number.parseInt(v, 10);
    return Number.isFinite(n) ? n : d;
  };
  let targetRc = 0;
  const key = a["transition-key"] ?? a["transition-magic"]?.split(";")[1];
  if (key) {
    const parts = key.split(":");
    if (parts.length >= 3) targetRc = num(parts[2], 0);
  }
  const interval = a.interval === undefined ? 0 : (parseDurationMs(a.interval, 1) ?? 0);
  return {
    id: a.id ?? "",
    operation: a.operation ?? "",
    interval,
    callId: num(a["call-id"], 0),
    rcCode: num(a["rc-code"], 0),
    opStatus: num(a["op-status"], 0),
    targetRc,
    transitionKey: a["transition-key"],
    transitionMagic: a["transition-magic"],
    lastRcChange: a["last-rc-change"] === undefined ? undefined : num(a["last-rc-change"], 0),
    lastRun: a["last-run"] === undefined ? undefined : num(a["last-run"], 0),
    opDigest: a["op-digest"],
    attrs: { ...a },
    xml: e,
  };
}

export function unpackNodeState(e: XmlElement): NodeState {
  const transient: Record<string, string> = {};
  for (const t of elements(e, "transient_attributes"))
    for (const s of elements(t, "instance_attributes"))
      for (const p of elements(s, "nvpair"))
        if (p.attrs.name !== undefined) transient[p.attrs.name] = p.attrs.value ?? "";
  const lrmEl = child(e, "lrm");
  const lrm: LrmResource[] = [];
  if (lrmEl)
    for (const rs of elements(lrmEl, "lrm_resources"))
      for (const r of elements(rs, "lrm_resource"))
        lrm.push({
          id: requireAttr(r, "id"),
          class: r.attrs.class,
          provider: r.attrs.provider,
          type: r.attrs.type,
          container: r.attrs.container,
          ops: elements(r, "lrm_rsc_op").map((o) => unpackLrmOp(o)),
          xml: r,
        });
  return {
    id: requireAttr(e, "id"),
    uname: e.attrs.uname,
    inCcm: e.attrs.in_ccm,
    crmd: e.attrs.crmd,
    join: e.attrs.join,
    expected: e.attrs.expected,
    transient,
    hasLrm: lrmEl !== undefined,
    lrm,
    xml: e,
  };
}
