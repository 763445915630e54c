// crm_mon's text output (Pacemaker 2.1.5 layout) from a live status: the pacemakerd
// line, Cluster Summary, Node List, Active Resources / Full List of Resources (the
// scheduler's renderer), Node Attributes (-A), Operations (-o / -t), Migration
// Summary (-f) and Failed Resource Actions. `clusterSummary` is the block pcs status
// prints too, so both tools agree.

import { formatCibTime } from "../cib/store.js";
import { child, elements, type XmlElement } from "../core/xml.js";
import { renderNodeList, renderResources } from "../scheduler/render-status.js";
import type { LiveStatus } from "./live.js";

export interface MonOptions {
  /** -r: every resource, not only the active ones. */
  inactive?: boolean;
  /** -A: node attributes. */
  attributes?: boolean;
  /** -f: fail counts (Migration Summary). */
  failcounts?: boolean;
  /** -o: operation history. */
  operations?: boolean;
  /** -t: operation history with timing details (implies -o). */
  timing?: boolean;
}

const sortByName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function property(cib: XmlElement, name: string): string | undefined {
  const conf = child(cib, "configuration");
  const crm = conf && child(conf, "crm_config");
  for (const set of crm ? elements(crm, "cluster_property_set") : [])
    for (const nv of elements(set, "nvpair")) if (nv.attrs.name === name) return nv.attrs.value;
  return undefined;
}

/** The part of a status the CIB-only sections need (a live answer or a CIB file). */
export type CibView = Pick<LiveStatus, "cib" | "ws">;

/** "Status of pacemakerd: ..." (crm_mon and pcs status, live cluster only). */
export function pacemakerdLine(now: number): string {
  const iso = new Date(now)
    .toISOString()
    .replace(/\.\d+Z$/, "Z")
    .replace("T", " ");
  return `Status of pacemakerd: 'Pacemaker is running' (last updated ${iso})`;
}

/** What the Cluster Summary is made of: a live status answer or a CIB file (pcs -f). */
export interface SummaryInput {
  cib: XmlElement;
  ws: LiveStatus["ws"];
  now: number;
  dcName: string | undefined;
  quorate: boolean;
}

/** The summary input of a live status answer. */
export function summaryOf(s: LiveStatus): SummaryInput {
  return { cib: s.cib, ws: s.ws, now: s.now, dcName: s.status.dcName, quorate: s.status.quorate };
}

/**
 * The "Cluster Summary:" block, as crm_mon and pcs status print it (one implementation
 * for both). `full` (pcs status --full, crm_mon -n...) adds the DC's node id.
 */
export function clusterSummary(s: SummaryInput, o: { full?: boolean } = {}): string[] {
  const version = property(s.cib, "dc-version") ?? "unknown";
  const dcNode = s.ws.nodes.find((n) => n.uname === s.dcName);
  const dcId = o.full && dcNode ? ` (${dcNode.id})` : "";
  const dc = s.dcName
    ? `${s.dcName}${dcId} (version ${version}) - partition ${s.quorate ? "with" : "WITHOUT"} quorum`
    : "NONE";
  const a = s.cib.attrs;
  const by = [
    a["update-user"] ? ` by ${a["update-user"]}` : "",
    a["update-client"] ? ` via ${a["update-client"]}` : "",
    a["update-origin"] ? ` on ${a["update-origin"]}` : "",
  ].join("");
  const nodes = s.ws.nodes.length;
  const instances = s.ws.primitives.filter((p) => !p.orphan);
  const disabled = instances.filter((p) => {
    for (let x: typeof p | undefined = p; x; x = x.parent) if (x.targetRole === "stopped") return true;
    return false;
  }).length;
  const out = [
    "Cluster Summary:",
    "  * Stack: corosync",
    `  * Current DC: ${dc}`,
    `  * Last updated: ${formatCibTime(s.now)}`,
  ];
  if (a["cib-last-written"]) out.push(`  * Last change:  ${a["cib-last-written"]}${by}`);
  out.push(
    `  * ${nodes} node${nodes === 1 ? "" : "s"} configured`,
    `  * ${instances.length} resource instance${instances.length === 1 ? "" : "s"} configured${disabled > 0 ? ` (${disabled} DISABLED)` : ""}`,
  );
  return out;
}

/** Section headings are top-level in crm_mon's one-shot text (no "* " prefix). */
function heading(lines: string[]): string[] {
  return lines.map((l, i) => (i === 0 ? l.replace(/^\* /, "") : l));
}

/** "Active Resources:": the full list without what is stopped. */
export function activeResources(s: LiveStatus): string[] {
  const all = renderResources(s.ws, "").slice(1);
  const blocks: string[][] = [];
  for (const l of all) {
    if (l.startsWith("  * ")) blocks.push([l]);
    else blocks[blocks.length - 1]?.push(l);
  }
  const out = ["Active Resources:"];
  const stopped = (l: string) =>
    /:\t (ORPHANED )?Stopped/.test(l) || /^\s+\* Stopped( \(disabled\))?: \[/.test(l);
  for (const b of blocks) {
    if (b[0] === "  * No resources") continue;
    if (b.length === 1) {
      if (!stopped(b[0])) out.push(b[0]);
      continue;
    }
    const members = b.slice(1).filter((l) => !stopped(l));
    if (members.length > 0) out.push(b[0], ...members);
  }
  if (out.length === 1) out.push("  * No active resources");
  return out;
}

const HIDDEN_ATTRS = [
  "#",
  "fail-count",
  "last-failure",
  "probe_complete",
  "shutdown",
  "terminate",
  "standby",
];

function nodeStates(cib: XmlElement): Map<string, XmlElement> {
  const st = child(cib, "status");
  const m = new Map<string, XmlElement>();
  for (const ns of st ? elements(st, "node_state") : []) m.set(ns.attrs.id, ns);
  return m;
}

function nvpairs(parent: XmlElement | undefined, setTag: string): [string, string][] {
  const out: [string, string][] = [];
  for (const set of parent ? elements(parent, setTag) : [])
    for (const nv of elements(set, "nvpair")) out.push([nv.attrs.name, nv.attrs.value ?? ""]);
  return out;
}

/** The attributes crm_mon -A shows for each node (permanent then transient, internal ones hidden). */
export function nodeAttributes(s: LiveStatus): { node: string; attrs: [string, string][] }[] {
  const conf = child(s.cib, "configuration");
  const nodesEl = conf && child(conf, "nodes");
  const states = nodeStates(s.cib);
  const out: { node: string; attrs: [string, string][] }[] = [];
  for (const n of [...s.ws.nodes].sort((a, b) => sortByName(a.uname, b.uname))) {
    if (!n.online) continue;
    const perm = nodesEl ? elements(nodesEl, "node").find((x) => x.attrs.id === n.id) : undefined;
    const ns = states.get(n.id);
    const ta = ns && child(ns, "transient_attributes");
    const merged = new Map<string, string>();
    for (const [k, v] of [...nvpairs(perm, "instance_attributes"), ...nvpairs(ta, "instance_attributes")])
      if (!HIDDEN_ATTRS.some((h) => k.startsWith(h))) merged.set(k, v);
    if (merged.size > 0)
      out.push({ node: n.uname, attrs: [...merged].sort((a, b) => sortByName(a[0], b[0])) });
  }
  return out;
}

export interface OpRecord {
  rsc: string;
  node: string;
  id: string;
  key: string;
  operation: string;
  interval: number;
  callId: number;
  rc: number;
  opStatus: number;
  lastRcChange?: number;
  execTime: number;
  queueTime: number;
  exitReason: string;
}

/** Every recorded operation of the status section, per node in CIB order. */
export function operationHistory(cib: XmlElement): OpRecord[] {
  const out: OpRecord[] = [];
  for (const ns of nodeStates(cib).values()) {
    const lrm = child(ns, "lrm");
    const rscs = lrm && child(lrm, "lrm_resources");
    for (const r of rscs ? elements(rscs, "lrm_resource") : [])
      for (const op of elements(r, "lrm_rsc_op")) {
        const a = op.attrs;
        out.push({
          rsc: r.attrs.id,
          node: ns.attrs.uname ?? a.on_node ?? ns.attrs.id,
          id: a.id,
          key: a.operation_key ?? a.id,
          operation: a.operation,
          interval: Number(a.interval ?? 0),
          callId: Number(a["call-id"] ?? 0),
          rc: Number(a["rc-code"] ?? 0),
          opStatus: Number(a["op-status"] ?? 0),
          lastRcChange: a["last-rc-change"] ? Number(a["last-rc-change"]) : undefined,
          execTime: Number(a["exec-time"] ?? 0),
          queueTime: Number(a["queue-time"] ?? 0),
          exitReason: a["exit-reason"] ?? "",
        });
      }
  }
  return out;
}

const RC_TEXT: Record<number, string> = {
  0: "ok",
  1: "error",
  2: "invalid parameter",
  3: "unimplemented feature",
  4: "insufficient privileges",
  5: "not installed",
  6: "not configured",
  7: "not running",
  8: "promoted",
  9: "promoted (failed)",
  189: "OCF_DEGRADED",
  190: "promoted (degraded)",
};
export const rcText = (rc: number) => RC_TEXT[rc] ?? "unknown";

const OP_STATUS_TEXT: Record<number, string> = {
  [-1]: "Pending",
  0: "complete",
  1: "Cancelled",
  2: "Timed Out",
  3: "NOT SUPPORTED",
  4: "Error",
  5: "Error (not installed)",
  6: "Not installed",
  7: "Not installed",
  8: "Invalid",
};
export const opStatusText = (s: number) => OP_STATUS_TEXT[s] ?? "unknown";

function failInfo(s: CibView, rsc: string, node: string): { count: number; last: number } | undefined {
  const r = s.ws.primitives.find((p) => p.id === rsc || p.configId === rsc);
  const h = r?.history.get(node);
  return h && h.failCount > 0 ? { count: h.failCount, last: h.lastFailure } : undefined;
}

function threshold(s: CibView, rsc: string): number {
  const r = s.ws.primitives.find((p) => p.id === rsc || p.configId === rsc);
  return Math.min(r?.migrationThreshold ?? 1_000_000, 1_000_000);
}

function rscHeader(s: CibView, rsc: string, node: string): string {
  const f = failInfo(s, rsc, node);
  const fc = f
    ? ` fail-count=${f.count >= 1_000_000 ? "INFINITY" : f.count}${f.last > 0 ? ` last-failure='${formatCibTime(f.last * 1000)}'` : ""}`
    : "";
  return `${rsc}: migration-threshold=${threshold(s, rsc)}${fc}`;
}

/** "Operations:" (-o / -t): per node and resource, by call id; failed-probe-free as crm_mon. */
export function operationsSection(s: LiveStatus, timing: boolean): string[] {
  const ops = operationHistory(s.cib).filter(
    (o) =>
      !o.id.endsWith("_last_failure_0") &&
      o.opStatus !== -1 &&
      !(o.operation === "monitor" && o.interval === 0 && o.rc === 7),
  );
  const out = ["Operations:"];
  const nodes = [...new Set(ops.map((o) => o.node))].sort(sortByName);
  for (const node of nodes) {
    out.push(`  * Node: ${node}:`);
    const mine = ops.filter((o) => o.node === node);
    for (const rsc of [...new Set(mine.map((o) => o.rsc))]) {
      out.push(`    * ${rscHeader(s, rsc, node)}:`);
      for (const o of mine.filter((x) => x.rsc === rsc).sort((a, b) => a.callId - b.callId)) {
        let line = `      * (${o.callId}) ${o.operation}`;
        if (timing) {
          const parts: string[] = [];
          if (o.interval > 0) parts.push(`interval="${o.interval}ms"`);
          if (o.lastRcChange !== undefined)
            parts.push(`last-rc-change="${formatCibTime(o.lastRcChange * 1000)}"`);
          parts.push(`exec-time="${o.execTime}ms"`, `queue-time="${o.queueTime}ms"`);
          line += `: ${parts.join(" ")} rc=${o.rc} (${rcText(o.rc)})`;
        } else if (o.interval > 0) line += `: interval="${o.interval}ms"`;
        out.push(line);
      }
    }
  }
  return out;
}

/** "Migration Summary:" (-f): resources with a fail count, per node. */
export function migrationSummary(s: CibView): string[] {
  const out = ["Migration Summary:"];
  for (const n of [...s.ws.nodes].sort((a, b) => sortByName(a.uname, b.uname))) {
    const lines: string[] = [];
    for (const p of s.ws.primitives)
      if (failInfo(s, p.id, n.uname)) lines.push(`    * ${rscHeader(s, p.id, n.uname)}`);
    if (lines.length > 0) out.push(`  * Node: ${n.uname}:`, ...lines);
  }
  return out;
}

/** "Failed Resource Actions:" (from the RSC_last_failure_0 entries); empty when none. */
export function failedActions(s: CibView): string[] {
  const failed = operationHistory(s.cib).filter((o) => o.id.endsWith("_last_failure_0"));
  if (failed.length === 0) return [];
  const out = ["Failed Resource Actions:"];
  for (const o of failed) {
    const parts = [`call=${o.callId}`, `status='${opStatusText(o.opStatus)}'`];
    if (o.exitReason) parts.push(`exitreason='${o.exitReason}'`);
    if (o.lastRcChange !== undefined) parts.push(`last-rc-change='${formatCibTime(o.lastRcChange * 1000)}'`);
    parts.push(`queued=${o.queueTime}ms`, `exec=${o.execTime}ms`);
    out.push(`  * ${o.key} on ${o.node} '${rcText(o.rc)}' (${o.rc}): ${parts.join(", ")}`);
  }
  return out;
}

/** The whole one-shot text, ending with a newline. */
export function renderMonText(s: LiveStatus, o: MonOptions = {}): string {
  const lines = [
    pacemakerdLine(s.now),
    ...clusterSummary(summaryOf(s)),
    "",
    ...heading(renderNodeList(s.ws, "")),
  ];
  lines.push("", ...(o.inactive ? heading(renderResources(s.ws, "")) : activeResources(s)));
  if (o.attributes) {
    const attrs = nodeAttributes(s);
    if (attrs.length > 0) {
      lines.push("", "Node Attributes:");
      for (const n of attrs) {
        lines.push(`  * Node: ${n.node}:`);
        for (const [k, v] of n.attrs) lines.push(`    * ${k.padEnd(32)}\t: ${v.padEnd(10)}`);
      }
    }
  }
  // With the operation history the fail counts are in it: no separate Migration Summary.
  if (o.operations || o.timing) {
    const ops = operationsSection(s, !!o.timing);
    if (ops.length > 1) lines.push("", ...ops);
  } else if (o.failcounts) lines.push("", ...migrationSummary(s));
  const failed = failedActions(s);
  if (failed.length > 0) lines.push("", ...failed);
  return `${lines.join("\n")}\n`;
}
