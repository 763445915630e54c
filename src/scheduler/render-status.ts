// Cluster status as crm_mon / crm_simulate print it: the node list and the
// "Full List of Resources" (primitives, groups, clones; Started / Stopped /
// FAILED and the unmanaged, disabled, blocked markers). Reusable by crm_mon
// and pcs status: it needs only an unpacked working set.

import { agentName } from "../cib/model.js";
import type { SchedResource, WorkingSet } from "./working-set.js";

/**
 * Node names as Pacemaker lists them: case-insensitive, runs of digits by
 * their value ("node2" < "node10"); equal names keep their order.
 */
export function byName(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(j);
    const da = ca >= 48 && ca <= 57;
    const db = cb >= 48 && cb <= 57;
    if (da && db) {
      let ei = i;
      let ej = j;
      while (ei < a.length && a.charCodeAt(ei) >= 48 && a.charCodeAt(ei) <= 57) ei++;
      while (ej < b.length && b.charCodeAt(ej) >= 48 && b.charCodeAt(ej) <= 57) ej++;
      const na = Number(a.slice(i, ei));
      const nb = Number(b.slice(j, ej));
      if (na !== nb) return na < nb ? -1 : 1;
      i = ei;
      j = ej;
      continue;
    }
    const la = da ? ca : String.fromCharCode(ca).toLowerCase().charCodeAt(0);
    const lb = db ? cb : String.fromCharCode(cb).toLowerCase().charCodeAt(0);
    if (la !== lb) return la < lb ? -1 : 1;
    i++;
    j++;
  }
  return a.length - i - (b.length - j);
}

export function renderNodeList(ws: WorkingSet, indent = "  "): string[] {
  const lines = [`${indent}* Node List:`];
  const online: string[] = [];
  const offline: string[] = [];
  const nodes = [...ws.nodes].sort((a, b) => byName(a.uname, b.uname));
  const active = new Set<string>();
  for (const r of ws.primitives) for (const n of r.runningOn) active.add(n);
  for (const n of nodes) {
    const p = `${indent}  * Node ${n.uname}: `;
    if (n.unclean) lines.push(`${p}UNCLEAN (${n.online ? "online" : "offline"})`);
    else if (n.pending) lines.push(`${p}pending`);
    else if (!n.online && n.standby) lines.push(`${p}OFFLINE (standby)`);
    else if (!n.online) offline.push(n.uname);
    else if (n.standby) lines.push(`${p}standby${active.has(n.uname) ? " (with active resources)" : ""}`);
    else if (n.maintenance) lines.push(`${p}maintenance`);
    else online.push(n.uname);
  }
  if (online.length > 0) lines.push(`${indent}  * Online: [ ${online.join(" ")} ]`);
  if (offline.length > 0) lines.push(`${indent}  * OFFLINE: [ ${offline.join(" ")} ]`);
  return lines;
}

function isDisabled(r: SchedResource): boolean {
  for (let x: SchedResource | undefined = r; x; x = x.parent) if (x.targetRole === "stopped") return true;
  return false;
}

const PENDING_ROLE: Record<string, string> = {
  start: "Starting",
  stop: "Stopping",
  promote: "Promoting",
  demote: "Demoting",
  migrate_to: "Migrating",
  migrate_from: "Migrating",
};

function primitiveState(r: SchedResource, ws: WorkingSet, nodesOverride?: string[]): string {
  const nodes = nodesOverride ?? r.runningOn;
  const failed = nodes.some((n) => r.history.get(n)?.failed);
  const blocked = r.blocked || nodes.some((n) => r.history.get(n)?.blocked);
  // A pending operation (record-pending) shows as Pacemaker's crm_mon does: Starting, Stopping...
  const tasks = new Set(nodes.map((n) => r.history.get(n)?.pending?.operation));
  const pending = nodes.length > 0 && tasks.size === 1 ? PENDING_ROLE[[...tasks][0] ?? ""] : undefined;
  const flags: string[] = [];
  if (isDisabled(r)) flags.push("disabled");
  if (blocked) flags.push("blocked");
  else if (!r.managed) flags.push("unmanaged");
  if (nodes.length === 0) {
    const notInstalled = [...r.history.values()].some((h) => h.notInstalled);
    let s = `${r.orphan ? "ORPHANED " : ""}Stopped`;
    if (flags.length > 0) s += ` (${flags.join(", ")})`;
    if (notInstalled && flags.length === 0) s += " (not installed) ";
    return s;
  }
  const role = failed ? "FAILED" : (pending ?? "Started");
  const prefix = r.orphan ? "ORPHANED " : "";
  const monitoring = nodes.some((n) => {
    const h = r.history.get(n);
    return h?.pending?.operation === "monitor" && h.pending.interval > 0;
  });
  if (nodes.length === 1) {
    let s = `${prefix}${role} ${nodes[0]}`;
    if (ws.nodeByName.get(nodes[0])?.unclean) flags.push("UNCLEAN");
    if (monitoring) flags.push("Monitoring");
    if (flags.length > 0) s += ` (${flags.join(", ")})`;
    return s;
  }
  let s = `${prefix}${role}`;
  if (flags.length > 0) s += ` (${flags.join(", ")})`;
  return `${s} [ ${nodes.join(" ")} ]`;
}

function primitiveLine(r: SchedResource, ws: WorkingSet, indent: string, id = r.id): string {
  const agent = r.agent ? agentName(r.agent) : "unknown";
  return `${indent}* ${id}\t(${agent}):\t ${primitiveState(r, ws)}`;
}

function groupLines(g: SchedResource, ws: WorkingSet, indent: string, label = g.id): string[] {
  const flags: string[] = [];
  if (g.targetRole === "stopped") flags.push("disabled");
  if (!g.managed) flags.push("unmanaged");
  const lines = [`${indent}* Resource Group: ${label}${flags.length ? ` (${flags.join(", ")})` : ""}:`];
  for (const c of g.children) lines.push(primitiveLine(c, ws, `${indent}  `));
  return lines;
}

function instanceActive(i: SchedResource): boolean {
  if (i.kind === "primitive") return i.runningOn.length > 0;
  return i.children.some((c) => c.runningOn.length > 0);
}

/** An instance that needs its own line: failed, unmanaged, orphaned, partially active or several nodes. */
function instanceIsPlain(i: SchedResource): boolean {
  const prims = i.kind === "primitive" ? [i] : i.children;
  const nodes = new Set<string>();
  for (const p of prims) {
    if (p.runningOn.length > 1) return false;
    if (p.runningOn.some((n) => p.history.get(n)?.failed)) return false;
    if (!p.managed || p.orphan) return false;
    if (p.runningOn.some((n) => p.history.get(n)?.pending)) return false;
    for (const n of p.runningOn) nodes.add(n);
  }
  if (prims.some((p) => p.runningOn.length === 0) && prims.some((p) => p.runningOn.length > 0)) return false;
  return nodes.size <= 1;
}

function cloneLines(c: SchedResource, ws: WorkingSet, indent: string): string[] {
  const def = c.def;
  const childId = def && def.kind === "clone" ? def.child.id : (c.children[0]?.configId ?? "");
  const flags: string[] = [];
  if (c.unique) flags.push("unique");
  if (!c.managed) flags.push("unmanaged");
  if (c.targetRole === "stopped") flags.push("disabled");
  const lines = [
    `${indent}* Clone Set: ${c.id} [${childId}]${flags.length ? ` (${flags.join(", ")})` : ""}:`,
  ];
  const sub = `${indent}  `;
  if (c.unique) {
    for (const i of c.children) {
      if (i.kind === "group") lines.push(...groupLines(i, ws, sub));
      else lines.push(primitiveLine(i, ws, sub));
    }
    return lines;
  }
  const started: string[] = [];
  const activeNodes = new Set<string>();
  for (const i of c.children) {
    const prims = i.kind === "primitive" ? [i] : i.children;
    for (const p of prims) for (const n of p.runningOn) activeNodes.add(n);
    if (!instanceActive(i)) continue;
    if (instanceIsPlain(i)) {
      const n = (i.kind === "primitive" ? i : i.children.find((x) => x.runningOn.length > 0)!).runningOn[0];
      started.push(n);
    } else if (i.kind === "group") lines.push(...groupLines(i, ws, sub));
    else lines.push(primitiveLine(i, ws, sub, childId));
  }
  const order = (a: string, b: string) => byName(a, b);
  if (started.length > 0) lines.push(`${sub}* Started: [ ${[...new Set(started)].sort(order).join(" ")} ]`);
  const stopped = ws.nodes
    .map((n) => n.uname)
    .filter((n) => !activeNodes.has(n))
    .sort(order);
  // Nodes without it are listed only while some instance is stopped.
  const idle = c.children.some((i) => !i.orphan && !instanceActive(i));
  // "(disabled)" when the instances are (by the clone's or the child's own target-role).
  const disabled =
    c.targetRole === "stopped" ||
    (c.children.length > 0 && c.children.every((i) => i.targetRole === "stopped"));
  if (stopped.length > 0 && idle)
    lines.push(`${sub}* ${disabled ? "Stopped (disabled)" : "Stopped"}: [ ${stopped.join(" ")} ]`);
  return lines;
}

export function renderResources(ws: WorkingSet, indent = "  "): string[] {
  const lines = [`${indent}* Full List of Resources:`];
  const sub = `${indent}  `;
  for (const r of ws.resources) {
    if (r.kind === "primitive") {
      if (r.orphan && r.runningOn.length === 0) continue;
      lines.push(primitiveLine(r, ws, sub));
    } else if (r.kind === "group") lines.push(...groupLines(r, ws, sub));
    else lines.push(...cloneLines(r, ws, sub));
  }
  if (ws.resources.length === 0) lines.push(`${sub}* No resources`);
  return lines;
}

/** Node list, blank line, resources: the body under "Current cluster status:". */
export function renderStatus(ws: WorkingSet, indent = "  "): string[] {
  return [...renderNodeList(ws, indent), "", ...renderResources(ws, indent)];
}
