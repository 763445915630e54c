// What the dashboard shows: the facts `pcs status` prints (cluster name, DC, quorum, nodes
// with their state, resources with agent, node, role and failures) plus constraints and
// cluster properties, as one JSON value. Read through pcs's own status loader (tandemd's
// IPC `status` answer unpacked by the scheduler), so the dashboard and `pcs status` can
// never disagree.

import { existsSync } from "node:fs";
import { captureIO } from "../../cli/io.js";
import { agentName } from "../../cib/model.js";
import { elements } from "../../core/xml.js";
import { nodePaths } from "../../daemon/paths.js";
import { findSection } from "../../pcs/cib.js";
import { colocationText, orderText, setConstraintText } from "../../pcs/constraint-render.js";
import { IpcCibSource } from "../../pcs/live-cib.js";
import { configuredProperties } from "../../pcs/property.js";
import { loadStatus } from "../../pcs/status.js";
import type { PcsContext } from "../../pcs/types.js";
import type { SchedResource, WorkingSet } from "../../scheduler/working-set.js";

export type NodeState = "online" | "offline" | "standby" | "maintenance" | "unclean" | "pending";

export interface NodeView {
  name: string;
  id: string;
  state: NodeState;
  online: boolean;
  standby: boolean;
  maintenance: boolean;
  dc: boolean;
  /** Resources active on the node. */
  resources: string[];
}

export interface ResourceView {
  id: string;
  agent: string;
  /** Group or clone holding it (top-level id), if any. */
  parent: string | null;
  parentKind: "group" | "clone" | null;
  runningOn: string[];
  /** Started, Starting, Stopped or FAILED, as crm_mon words it. */
  role: string;
  disabled: boolean;
  managed: boolean;
  stonith: boolean;
  failures: { node: string; count: number; failed: boolean }[];
}

export interface ConstraintView {
  id: string;
  type: "location" | "colocation" | "order" | "ticket";
  text: string;
  /** Left by `pcs resource move/ban` (cli-prefer-/cli-ban-): `pcs resource clear` removes it. */
  cli: boolean;
}

export interface ClusterSnapshot {
  /** The node whose pcsd answers. */
  node: string;
  /** tandemd answers on this node. */
  running: boolean;
  /** Why there is nothing to show (cluster not running, no CIB yet). */
  message: string | null;
  clusterName: string;
  dc: string | null;
  quorate: boolean;
  /** When tandemd answered (ms since the epoch). */
  updated: number;
  nodes: NodeView[];
  resources: ResourceView[];
  constraints: ConstraintView[];
  properties: { name: string; value: string }[];
}

function nodeState(n: WorkingSet["nodes"][number]): NodeState {
  if (n.unclean) return "unclean";
  if (n.pending) return "pending";
  if (!n.online) return "offline";
  if (n.standby) return "standby";
  if (n.maintenance) return "maintenance";
  return "online";
}

function isDisabled(r: SchedResource): boolean {
  for (let x: SchedResource | undefined = r; x; x = x.parent) if (x.targetRole === "stopped") return true;
  return false;
}

function role(r: SchedResource): string {
  if (r.runningOn.length === 0) return "Stopped";
  if (r.runningOn.some((n) => r.history.get(n)?.failed)) return "FAILED";
  if (r.runningOn.every((n) => r.history.get(n)?.pending?.operation === "start")) return "Starting";
  return "Started";
}

function resourceView(r: SchedResource): ResourceView {
  let top: SchedResource = r;
  while (top.parent) top = top.parent;
  const failures = [...r.history.values()]
    .filter((h) => h.failCount > 0 || h.failed)
    .map((h) => ({ node: h.node, count: h.failCount, failed: h.failed }))
    .sort((a, b) => (a.node < b.node ? -1 : 1));
  return {
    // A clone's instances share one configured id: show it once per instance as crm_mon does.
    id: r.id,
    agent: r.agent ? agentName(r.agent) : "unknown",
    parent: top === r ? null : top.id,
    parentKind: top === r ? null : top.kind === "group" ? "group" : "clone",
    runningOn: [...r.runningOn],
    role: role(r),
    disabled: isDisabled(r),
    managed: r.managed,
    stonith: r.isStonith,
    failures,
  };
}

function constraintViews(cib: Parameters<typeof findSection>[0]): ConstraintView[] {
  const cons = findSection(cib, "constraints");
  if (!cons) return [];
  const out: ConstraintView[] = [];
  for (const c of elements(cons)) {
    const id = c.attrs.id ?? "";
    const sets = elements(c, "resource_set").length > 0;
    let type: ConstraintView["type"];
    let text: string;
    if (c.name === "rsc_location") {
      type = "location";
      const rsc = c.attrs.rsc ?? (c.attrs["rsc-pattern"] ? `pattern ${c.attrs["rsc-pattern"]}` : "");
      const score = c.attrs.score ?? "";
      const negative = score.startsWith("-");
      if (c.attrs.node !== undefined)
        text = `${rsc} ${negative ? "avoids" : "prefers"} ${c.attrs.node} (score:${score})`;
      else text = `${rsc} by rule${elements(c, "rule").length > 1 ? "s" : ""}`;
      if (c.attrs.role) text += ` (role:${c.attrs.role})`;
    } else if (c.name === "rsc_colocation") {
      type = "colocation";
      text = sets ? setConstraintText(c, false) : colocationText(c);
    } else if (c.name === "rsc_order") {
      type = "order";
      text = sets ? setConstraintText(c, false) : orderText(c);
    } else if (c.name === "rsc_ticket") {
      type = "ticket";
      text = sets ? setConstraintText(c, false) : `${c.attrs.rsc ?? ""} depends on ticket ${c.attrs.ticket}`;
    } else continue;
    out.push({ id, type, text, cli: /^cli-(prefer|ban)-/.test(id) });
  }
  return out;
}

/** A pcs context reading the live CIB from this node's tandemd. */
export function livePcsContext(root: string): PcsContext {
  const cap = captureIO({ env: { TANDEM_ROOT: root }, cwd: root });
  const source = new IpcCibSource(nodePaths(root).socket);
  return {
    io: cap.io,
    options: { flags: new Set(), values: new Map(), given: [] },
    args: [],
    path: ["status"],
    force: false,
    cib: () => source,
  };
}

/** The dashboard's view of the cluster, as this node's tandemd sees it. */
export async function clusterSnapshot(
  root: string,
  node: string,
  fallbackClusterName: string | null,
): Promise<ClusterSnapshot> {
  const empty = (message: string): ClusterSnapshot => ({
    node,
    running: false,
    message,
    clusterName: fallbackClusterName ?? "",
    dc: null,
    quorate: false,
    updated: Date.now(),
    nodes: [],
    resources: [],
    constraints: [],
    properties: [],
  });
  if (!existsSync(nodePaths(root).socket))
    return empty(`the cluster is not running on ${node} (start it with 'pcs cluster start')`);
  let s: Awaited<ReturnType<typeof loadStatus>>;
  try {
    s = await loadStatus(livePcsContext(root));
  } catch (e) {
    return empty(`cannot read the cluster status from tandemd: ${(e as Error).message}`);
  }
  const active = new Map<string, string[]>();
  for (const p of s.ws.primitives)
    for (const n of p.runningOn) active.set(n, [...(active.get(n) ?? []), p.id]);
  const dc = s.live?.dcName ?? s.ws.nodes.find((n) => n.isDc)?.uname ?? null;
  const props = configuredProperties(s.cib);
  return {
    node,
    running: true,
    message: null,
    clusterName: s.live?.clusterName || props.get("cluster-name") || fallbackClusterName || "",
    dc,
    quorate: s.live?.quorate ?? false,
    updated: s.now,
    nodes: [...s.ws.nodes]
      .sort((a, b) => (a.uname < b.uname ? -1 : 1))
      .map((n) => ({
        name: n.uname,
        id: n.id,
        state: nodeState(n),
        online: n.online,
        standby: n.standby,
        maintenance: n.maintenance,
        dc: n.uname === dc,
        resources: active.get(n.uname) ?? [],
      })),
    resources: s.ws.primitives.filter((p) => !p.orphan || p.runningOn.length > 0).map(resourceView),
    constraints: constraintViews(s.cib),
    properties: [...props].map(([name, value]) => ({ name, value })),
  };
}
