// Where a failover's client-visible gap goes: the resource agents' own run time versus
// the time no agent was running at all (the cluster's part: scheduling, messages between
// nodes, action dispatch — plus the client's polling granularity). The actions come from
// the executor's result lines in the nodes' tandemd logs ("Result of stop operation for
// webserver on node1: ok {... "exec_ms":1261 ...}"): end = the line's time, start = end -
// exec_ms. Recurring monitors and probes are left out: they do not move the service.

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type LabConfig, nodeLogDir } from "./config.js";

export interface AgentAction {
  node: string;
  rsc: string;
  op: string;
  /** Wall-clock ms. */
  t0: number;
  t1: number;
  rc: string;
}

const LINE =
  /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z) \S+ \w+: Result of (start|stop|promote|demote|migrate_to|migrate_from) operation for (\S+) on (\S+): (.*?) \{.*"exec_ms":(\d+)/;

/** One executor result line -> the action it reports, or undefined. */
export function parseActionLine(line: string): AgentAction | undefined {
  const m = LINE.exec(line);
  if (!m) return undefined;
  const t1 = Date.parse(m[1]);
  return { node: m[4], rsc: m[3], op: m[2], t0: t1 - Number(m[6]), t1, rc: m[5] };
}

/** Actions of every node that ran (at least partly) within [from, to]. */
export function collectActions(lab: LabConfig, from: number, to: number): AgentAction[] {
  const out: AgentAction[] = [];
  for (const n of lab.nodes) {
    const file = join(nodeLogDir(n), "tandemd.log");
    if (!existsSync(file)) continue;
    let text = "";
    try {
      text = readFileSync(file, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n")) {
      const a = parseActionLine(line);
      if (a && a.t1 >= from && a.t0 <= to) out.push(a);
    }
  }
  return out.sort((a, b) => a.t0 - b.t0);
}

export interface Breakdown {
  /** ms of [from, to] during which at least one agent action ran. */
  agentsMs: number;
  /** ms of [from, to] during which none ran. */
  idleMs: number;
  /** The idle stretches, in order. */
  idle: { t0: number; t1: number }[];
}

/** Splits [from, to] into time covered by agent actions and idle time. */
export function breakdown(actions: AgentAction[], from: number, to: number): Breakdown {
  const spans = actions
    .map((a) => ({ t0: Math.max(a.t0, from), t1: Math.min(a.t1, to) }))
    .filter((s) => s.t1 > s.t0)
    .sort((a, b) => a.t0 - b.t0);
  const idle: { t0: number; t1: number }[] = [];
  let at = from;
  let agentsMs = 0;
  for (const s of spans) {
    if (s.t0 > at) idle.push({ t0: at, t1: s.t0 });
    if (s.t1 > at) {
      agentsMs += s.t1 - Math.max(s.t0, at);
      at = s.t1;
    }
  }
  if (to > at) idle.push({ t0: at, t1: to });
  return { agentsMs, idleMs: Math.max(0, to - from - agentsMs), idle };
}

/**
 * The gap step by step, for the summary: "+23 stop webserver@node1 54 +4 stop virtual_ip@node1
 * 16 +5 ... | +12" — ms from the gap's start to the first action's start (negative: the gap
 * began while that action ran, e.g. apache closed its listeners early in its stop), each
 * action's run time, the ms between one action's end and the next one's start (the cluster's
 * hop: result recorded, the DC told, the next action sent), and after "|" the ms from the last
 * action's end to the gap's end (client polling; negative when the new server answered before
 * its start action returned). Only actions that end after the gap's start count.
 */
export function gapSteps(actions: AgentAction[], from: number, to: number): string {
  const acts = actions.filter((a) => a.t1 >= from && a.t0 <= to).sort((a, b) => a.t0 - b.t0);
  if (acts.length === 0) return `no agent ran | ${Math.round(to - from)}`;
  const ms = (x: number) => {
    const r = Math.round(x);
    return r < 0 ? String(r) : `+${r}`;
  };
  const parts = [ms(acts[0].t0 - from)];
  for (const [i, a] of acts.entries()) {
    if (i > 0) parts.push(ms(a.t0 - acts[i - 1].t1));
    parts.push(`${a.op} ${a.rsc}@${a.node} ${Math.round(a.t1 - a.t0)}`);
  }
  return `${parts.join(" ")} | ${ms(to - acts[acts.length - 1].t1)}`;
}
