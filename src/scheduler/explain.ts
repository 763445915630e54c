// `tandem explain`: the story of one resource's placement in plain words —
// for every node, its score and every contribution to it (constraints,
// stickiness, fail counts, colocations, node state), which node won and why,
// and what the transition will do with the resource.

import { agentName } from "../cib/model.js";
import { ErrorCodes, TandemError } from "../core/errors.js";
import { formatScore, INFINITY } from "../core/score.js";
import type { Transition } from "./index.js";
import { formatSummary } from "./summary.js";
import type { NodeScore, SchedResource, WorkingSet } from "./working-set.js";

function signed(v: number): string {
  if (v >= INFINITY) return "+INFINITY";
  if (v <= -INFINITY) return "-INFINITY";
  return v >= 0 ? `+${v}` : String(v);
}

function where(r: SchedResource): string {
  const prims = r.kind === "primitive" ? [r] : r.kind === "group" ? r.children : [];
  const nodes = [...new Set(prims.flatMap((p) => p.runningOn))];
  if (r.kind === "clone") {
    const all = [
      ...new Set(
        r.children.flatMap((i) => (i.kind === "group" ? i.children : [i])).flatMap((p) => p.runningOn),
      ),
    ];
    return all.length ? `running on ${all.join(", ")}` : "not running anywhere";
  }
  if (nodes.length === 0) return "not running";
  const failed = prims.some((p) => p.runningOn.some((n) => p.history.get(n)?.failed));
  return `${failed ? "FAILED on" : "running on"} ${nodes.join(", ")}`;
}

function describeKind(r: SchedResource): string {
  if (r.kind === "primitive") return r.agent ? `primitive (${agentName(r.agent)})` : "primitive";
  if (r.kind === "group") return `group of ${r.children.map((c) => c.id).join(", ")}`;
  return `${r.unique ? "unique " : ""}clone of ${r.children[0]?.configId ?? "?"} (${r.children.length} instances)`;
}

function nodeState(ws: WorkingSet, node: string): string {
  const n = ws.nodeByName.get(node);
  if (!n) return "";
  if (n.canRun) return "";
  return ` [${n.unavailableReason ?? "unavailable"}]`;
}

function table(ws: WorkingSet, t: Map<string, NodeScore> | undefined, chosen: string[]): string[] {
  const lines: string[] = [];
  const rows = ws.nodes.map((n) => {
    const e = t?.get(n.uname);
    return {
      node: n.uname,
      score: e ? e.score : ws.options.symmetricCluster ? 0 : -INFINITY,
      parts: e?.parts ?? [],
      listed: !!e,
    };
  });
  rows.sort((a, b) => b.score - a.score || (a.node < b.node ? -1 : 1));
  for (const row of rows) {
    const mark = chosen.includes(row.node) ? "   <- chosen" : "";
    lines.push(`  ${row.node}: ${formatScore(row.score)}${nodeState(ws, row.node)}${mark}`);
    if (row.parts.length === 0)
      lines.push(
        row.listed || ws.options.symmetricCluster
          ? "      0  (symmetric cluster: every node starts at 0)"
          : "      -INFINITY  (symmetric-cluster=false and no location constraint allows this node)",
      );
    for (const p of row.parts) lines.push(`      ${signed(p.value).padStart(9)}  ${p.source}`);
  }
  return lines;
}

function whyChosen(ws: WorkingSet, r: SchedResource, t: Map<string, NodeScore> | undefined): string[] {
  const node = r.assigned;
  const score = (n: string) => t?.get(n)?.score ?? (ws.options.symmetricCluster ? 0 : -INFINITY);
  if (!node) {
    const reason = r.stopReason ?? "no node can run it";
    const runnable = ws.nodes.filter((n) => n.canRun && score(n.uname) >= 0);
    if (reason === "disabled")
      return ["It is not placed anywhere: target-role is Stopped (the resource is disabled)."];
    if (runnable.length === 0)
      return [
        "It is not placed anywhere: no node is both available and scored 0 or more",
        "(a resource only runs where its score is not negative).",
      ];
    return [`It is not placed anywhere: ${reason}.`];
  }
  const best = score(node);
  const ties = ws.nodes
    .filter((n) => n.uname !== node && n.canRun && score(n.uname) === best)
    .map((n) => n.uname);
  const lines = [`${node} won with score ${formatScore(best)}.`];
  if (ties.length > 0)
    lines.push(
      `It tied with ${ties.join(", ")}; the tie went to ${node} because ${r.tieBreak ?? "of node order"}.`,
    );
  else {
    const second = ws.nodes
      .filter((n) => n.uname !== node && n.canRun)
      .map((n) => ({ n: n.uname, s: score(n.uname) }))
      .sort((a, b) => b.s - a.s)[0];
    if (second) lines.push(`The next best node was ${second.n} with ${formatScore(second.s)}.`);
  }
  return lines;
}

function summaryFor(tr: Transition, r: SchedResource): string[] {
  const ids = new Set<string>();
  const walk = (x: SchedResource) => {
    ids.add(x.id);
    for (const c of x.children) walk(c);
  };
  walk(r);
  const items = tr.summary.filter((i) => i.rsc !== undefined && ids.has(i.rsc));
  if (items.length === 0) return ["  (nothing: it stays as it is)"];
  return formatSummary(items);
}

/** Explains the placement of one resource (primitive, group member, group or clone). */
export function explainResource(tr: Transition, id: string): string {
  const ws = tr.ws;
  const r = ws.byId.get(id) ?? ws.byId.get(`${id}:0`)?.parent;
  if (!r) {
    const known = [...ws.byId.keys()].filter((k) => !k.includes(":")).slice(0, 20);
    throw new TandemError(ErrorCodes.USAGE, `no resource '${id}' in this CIB (known: ${known.join(", ")})`);
  }
  const out: string[] = [];
  out.push(`Resource ${r.id}: ${describeKind(r)}, ${where(r)}.`);
  if (!r.managed)
    out.push("It is unmanaged (is-managed=false or maintenance): the cluster leaves it as it is.");
  let unit = r;
  if (r.parent?.kind === "group") {
    unit = r.parent;
    out.push(
      `It is a member of group ${unit.id} and is placed with the whole group; the group's scores follow.`,
    );
  }
  if (unit.kind === "clone") {
    out.push("", "Clone-wide scores (each instance adds its own stickiness and fail counts):");
    out.push(...table(ws, unit.allocation, []));
    out.push("", "Instances:");
    for (const i of unit.children)
      out.push(
        `  ${i.id}: ${i.assigned ? `placed on ${i.assigned}` : `not placed (${i.stopReason ?? "no node can run it"})`}`,
      );
  } else {
    out.push("", "Scores per node (highest wins; a negative score means never):");
    out.push(...table(ws, unit.allocation, unit.assigned ? [unit.assigned] : []));
    out.push("", ...whyChosen(ws, unit, unit.allocation));
    if (unit !== r && r.assigned !== unit.assigned)
      out.push(`${r.id} itself is not placed: ${r.stopReason ?? "it cannot run with the group"}.`);
  }
  out.push("", "What the transition does:", ...summaryFor(tr, r));
  return `${out.join("\n")}\n`;
}
