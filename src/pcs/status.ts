// `pcs status [--full]`, `pcs status cluster|nodes|resources`, `pcs cluster status` and
// `pcs resource status`: crm_mon's text as pcs 0.11.5 prints it, rendered by the
// scheduler's status renderer from the CIB (the live one from tandemd's `status`
// answer, or the -f file), plus the pcsd sections from src/pcs/cluster/.

import type { CommandIO } from "../cli/io.js";
import { unpackCib } from "../cib/unpack.js";
import { child, elements, type XmlElement } from "../core/xml.js";
import { cibRequest, type StatusResult } from "../daemon/protocol.js";
import { unpackOnly, type WorkingSet } from "../scheduler/index.js";
import { renderNodeList, renderResources } from "../scheduler/render-status.js";
import { clusterSummary, failedActions, migrationSummary, pacemakerdLine } from "../status/text.js";
import { clusterNotRunningError, NoClusterCibSource, parseCib } from "./cib-source.js";
import { PcsError, PcsUsageError } from "./errors.js";
import { IpcCibSource } from "./live-cib.js";
import { configuredProperties } from "./property.js";
import type { PcsContext, PcsHandler } from "./types.js";
import { groupUsage } from "./usage.js";

export interface StatusInput {
  cib: XmlElement;
  ws: WorkingSet;
  live?: StatusResult;
  now: number;
}

export async function loadStatus(ctx: PcsContext): Promise<StatusInput> {
  const src = ctx.cib();
  if (src instanceof NoClusterCibSource) throw clusterNotRunningError();
  let live: StatusResult | undefined;
  let xml: string;
  if (src instanceof IpcCibSource) {
    try {
      live = await cibRequest(src.socket, "status", {}, { timeoutMs: 30_000 });
    } catch {
      throw clusterNotRunningError();
    }
    xml = live.cib;
  } else xml = await src.load();
  const cib = parseCib(xml);
  const now = live?.now ?? Date.now();
  const ws = unpackOnly(unpackCib(cib), { now: Math.floor(now / 1000) });
  return { cib, ws, live, now };
}

/** crm_mon puts "* " before its section titles when nested; pcs prints them as headings. */
function asHeading(lines: string[]): string[] {
  return lines.map((l, i) => (i === 0 ? l.replace(/^\* /, "") : l));
}

function visibleResources(ws: WorkingSet): string[] {
  return asHeading(renderResources(ws, ""));
}

/** The Cluster Summary block: the one crm_mon prints (src/status/text.ts), indented by `pad`. */
function summaryLines(s: StatusInput, full: boolean, pad: string): string[] {
  const dcName = s.live ? s.live.dcName : s.ws.nodes.find((n) => n.isDc)?.uname;
  const quorate = s.live
    ? s.live.quorate
    : s.cib.attrs["have-quorum"] === "1" || s.cib.attrs["have-quorum"] === "true";
  return clusterSummary({ cib: s.cib, ws: s.ws, now: s.now, dcName, quorate }, { full }).map(
    (l) => `${pad}${l}`,
  );
}

function nodeLines(s: StatusInput, full: boolean): string[] {
  if (!full) return asHeading(renderNodeList(s.ws, ""));
  const feature = s.cib.attrs.crm_feature_set ?? "3.16.1";
  const out = ["Node List:"];
  for (const n of [...s.ws.nodes].sort((x, y) => (x.uname < y.uname ? -1 : 1))) {
    const state = n.unclean
      ? "UNCLEAN"
      : !n.online
        ? "OFFLINE"
        : n.standby
          ? "standby"
          : n.maintenance
            ? "maintenance"
            : "online";
    out.push(`  * Node ${n.uname} (${n.id}): ${state}${n.online ? `, feature set ${feature}` : ""}`);
  }
  return out;
}

function pacemakerd(s: StatusInput): string[] {
  return s.live ? [pacemakerdLine(s.now)] : [];
}

async function pcsdSections(io: CommandIO, which: ("pcsd" | "daemon")[]): Promise<string[]> {
  const mod = await import("./cluster/status-sections.js");
  const out: string[] = [];
  for (const w of which) {
    const text = w === "pcsd" ? await mod.pcsdStatusSection(io) : await mod.daemonStatusSection(io);
    if (text.trim() !== "") out.push("", ...text.replace(/\n+$/, "").split("\n"));
  }
  return out;
}

function clusterName(_ctx: PcsContext, s: StatusInput): string {
  return s.live?.clusterName || configuredProperties(s.cib).get("cluster-name") || "";
}

/** `pcs status [--full] [--hide-inactive]`. */
export const statusFull: PcsHandler = async (ctx) => {
  if (ctx.args.length > 0 && ctx.args[0] !== "status") throw new PcsUsageError(groupUsage("status"));
  const s = await loadStatus(ctx);
  const full = ctx.options.flags.has("--full");
  const lines = [`Cluster name: ${clusterName(ctx, s)}`, ...pacemakerd(s), ...summaryLines(s, full, "")];
  lines.push("", ...nodeLines(s, full), "", ...visibleResources(s.ws));
  // crm_mon's order: Migration Summary (--full), Failed Resource Actions (when any), Tickets (--full).
  if (full) {
    const ids = new Map(s.ws.nodes.map((n) => [n.uname, n.id]));
    lines.push(
      "",
      ...migrationSummary(s).map((l) =>
        l.replace(/^ {2}\* Node: (.+):$/, (_m, n) => `  * Node: ${n} (${ids.get(n)}):`),
      ),
    );
  }
  const failed = failedActions(s);
  if (failed.length > 0) lines.push("", ...failed);
  if (full) lines.push("", "Tickets:");
  if (s.live) lines.push(...(await pcsdSections(ctx.io, full ? ["pcsd", "daemon"] : ["daemon"])));
  ctx.io.stdout(`${lines.join("\n")}\n`);
  return 0;
};

/** `pcs status cluster` / `pcs cluster status`. */
export const statusCluster: PcsHandler = async (ctx) => {
  const s = await loadStatus(ctx);
  const lines = ["Cluster Status:", ...pacemakerd(s).map((l) => ` ${l}`), ...summaryLines(s, false, " ")];
  lines.push(...nodeLines(s, false).map((l) => ` ${l}`));
  if (s.live) lines.push(...(await pcsdSections(ctx.io, ["pcsd"])));
  ctx.io.stdout(`${lines.join("\n")}\n`);
  return 0;
};

/** `pcs status nodes`: pcs's own node summary. */
export const statusNodes: PcsHandler = async (ctx) => {
  if (ctx.args.length > 0 && ctx.args[0] !== "config" && ctx.args[0] !== "both")
    throw new PcsError("pcs status nodes only supports listing all nodes in tandem");
  const s = await loadStatus(ctx);
  const active = new Set<string>();
  for (const p of s.ws.primitives) for (const n of p.runningOn) active.add(n);
  const groups = {
    Online: [] as string[],
    Standby: [] as string[],
    "Standby with resource(s) running": [] as string[],
    Maintenance: [] as string[],
    Offline: [] as string[],
  };
  for (const n of [...s.ws.nodes].sort((a, b) => (a.uname < b.uname ? -1 : 1))) {
    if (!n.online) groups.Offline.push(n.uname);
    else if (n.maintenance) groups.Maintenance.push(n.uname);
    else if (n.standby)
      (active.has(n.uname) ? groups["Standby with resource(s) running"] : groups.Standby).push(n.uname);
    else groups.Online.push(n.uname);
  }
  const block = (g: Record<string, string[]>) =>
    Object.entries(g).map(([k, v]) => ` ${k}:${v.map((n) => ` ${n}`).join("")}`);
  const empty = {
    Online: [],
    Standby: [],
    "Standby with resource(s) running": [],
    Maintenance: [],
    Offline: [],
  };
  const lines = ["Pacemaker Nodes:", ...block(groups), "Pacemaker Remote Nodes:", ...block(empty)];
  ctx.io.stdout(`${lines.join("\n")}\n`);
  return 0;
};

/** `pcs resource [status]` / `pcs status resources`: the resource list without fence devices. */
export const statusResources: PcsHandler = async (ctx) => {
  const s = await loadStatus(ctx);
  const want = ctx.args[0];
  const lines = renderResources(s.ws, "").slice(1);
  const out: string[] = [];
  // Keep whole top-level blocks (a group/clone with its members), skipping fence devices.
  let keep = false;
  for (const l of lines) {
    if (l.startsWith("  * ")) {
      const m = /^ {2}\* (?:Resource Group: |Clone Set: |Bundle Set: )?([^\s:]+)/.exec(l);
      const id = m?.[1] ?? "";
      const members = topMembers(s.cib, id);
      keep = !/\t\(stonith:/.test(l) && (!want || id === want || members.includes(want));
    }
    if (keep && l !== "  * No resources") out.push(l);
  }
  if (out.length === 0) {
    if (want) throw new PcsError(`resource or tag id '${want}' not found`);
    ctx.io.stdout("NO resources configured\n");
    return 0;
  }
  ctx.io.stdout(`${out.join("\n")}\n`);
  return 0;
};

function topMembers(cib: XmlElement, id: string): string[] {
  const conf = child(cib, "configuration");
  const rs = conf && child(conf, "resources");
  const top = rs && elements(rs).find((e) => e.attrs.id === id);
  if (!top) return [];
  const out: string[] = [];
  for (const c of elements(top)) {
    if (c.attrs.id) out.push(c.attrs.id);
    for (const g of elements(c)) if (g.name === "primitive") out.push(g.attrs.id);
  }
  return out;
}

/** `pcs stonith [status]`: the fence devices' lines of the resource list. */
export const statusStonith: PcsHandler = async (ctx) => {
  const s = await loadStatus(ctx);
  const lines = renderResources(s.ws, "")
    .slice(1)
    .filter((l) => /^ {2}\* \S+\t\(stonith:/.test(l));
  ctx.io.stdout(lines.length > 0 ? `${lines.join("\n")}\n` : "NO stonith devices configured\n");
  return 0;
};
