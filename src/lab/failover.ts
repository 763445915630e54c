// `tandem lab failover`: the client polls the virtual IP, the fault is injected on the
// node serving it, the run ends when another node serves (or, for a failed resource,
// when the service answers again); then the fault is healed and the cluster left to
// settle (a failback is measured too). Cluster events come from the nodes' logs.

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ErrorCodes, TandemError } from "../core/errors.js";
import { cibRequest } from "../daemon/protocol.js";
import { type LabConfig, type LabNode, nodeLogDir, tandemdSocket, vipUrl } from "./config.js";
import { HEAL_OF, injectFault } from "./faults.js";
import { vipClient } from "./client.js";
import { type AgentAction, type Breakdown, breakdown, collectActions, gapSteps } from "./breakdown.js";
import { analyzeSwitch, median, nowMs, type Sample } from "./poller.js";
import { findProcesses, sleep } from "./procs.js";
import { runTool } from "./run.js";
import { waitForCluster, waitForVip } from "./up.js";

export type FailoverFault = "stop" | "kill" | "freeze" | "isolate" | "resource-fail";

export interface ClusterEvent {
  t: number;
  node: string;
  text: string;
}

export interface FailoverRun {
  fault: FailoverFault;
  from: string;
  to: string | null;
  gapMs?: number;
  doubleAnswers: number;
  failedRequests: number;
  tFault: number;
  /** When the fault command returned (pcs cluster stop waits for the node to leave). */
  tFaultDone?: number;
  lastOldEnd?: number;
  firstNewEnd?: number;
  faultOutput: string;
  samples: Sample[];
  events: ClusterEvent[];
  failback?: {
    from: string;
    to: string;
    gapMs?: number;
    doubleAnswers: number;
    lastOldEnd?: number;
    firstNewEnd?: number;
    split?: GapSplit;
  };
  /** The gap split into agent run time and idle (cluster) time. */
  split?: GapSplit;
  healMs?: number;
  error?: string;
}

export interface GapSplit extends Breakdown {
  /** The gap: end of the last answer from the old node, end of the first from the new one. */
  from: number;
  to: number;
  actions: AgentAction[];
}

/** The agents' time and the idle time within [from, to], with the actions involved. */
function splitGap(lab: LabConfig, from?: number, to?: number): GapSplit | undefined {
  if (from === undefined || to === undefined || to <= from) return undefined;
  const actions = collectActions(lab, from, to);
  return { ...breakdown(actions, from, to), from, to, actions };
}

export interface FailoverResult {
  fault: FailoverFault;
  url: string;
  runs: FailoverRun[];
}

export interface FailoverOptions {
  fault: FailoverFault;
  node?: string;
  runs: number;
  timeoutMs: number;
  heal: boolean;
  log: (text: string) => void;
}

const s3 = (ms: number | undefined) => (ms === undefined ? "-" : (ms / 1000).toFixed(3));

/** Interesting lines of the nodes' logs between two times. */
export function collectEvents(lab: LabConfig, from: number, to: number): ClusterEvent[] {
  const out: ClusterEvent[] = [];
  const re =
    /(start|stop|promot|demot|monitor.*(fail|not running)|fenc|member|lost|left|join|DC|quorum|ring|transition|shutdown|claim|serving|released|signal)/i;
  for (const n of lab.nodes) {
    for (const f of ["tandemd.log", "pcsd.log"]) {
      const file = join(nodeLogDir(n), f);
      if (!existsSync(file)) continue;
      let text: string;
      try {
        text = readFileSync(file, "utf8");
      } catch {
        continue;
      }
      for (const line of text.split("\n")) {
        const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z) (\S+) (\w+): (.*)$/.exec(line);
        if (!m) continue;
        const t = Date.parse(m[1]);
        if (t < from || t > to) continue;
        if (m[3] === "debug" || m[3] === "trace") continue;
        if (!re.test(m[4])) continue;
        // Totem's internal steps (gather, commit, recovery...) drown the story; keep the
        // configurations it installs and quorum changes.
        if (m[2].endsWith("membership") && !/regular configuration|quorum:/.test(m[4])) continue;
        // The JSON details (call ids, exec times...) stay in the log.
        const text = m[4].replace(/ \{".*\}$/, "");
        out.push({ t, node: n.name, text: `${m[2]}: ${text}`.slice(0, 160) });
      }
    }
  }
  out.sort((a, b) => a.t - b.t);
  return out.length > 60 ? [...out.slice(0, 30), ...out.slice(-30)] : out;
}

async function servingNode(lab: LabConfig, timeoutMs: number): Promise<string> {
  return waitForVip(lab, timeoutMs);
}

/**
 * Heals what the fault did, then waits until every node is back and the VIP serves. The
 * run's own client (still polling: it measures the failback) tells when the VIP serves: a
 * second client here (in netns mode a Node process started in the client namespace) would
 * compete for the CPU with the failback's agents, right when they run, and lengthen the very
 * gap being measured.
 */
async function heal(
  lab: LabConfig,
  node: LabNode,
  fault: FailoverFault,
  timeoutMs: number,
  client: { samples: Sample[] },
): Promise<void> {
  const tHeal = nowMs();
  const undo = HEAL_OF[fault];
  if (undo) await injectFault(lab, node, undo);
  if (fault === "resource-fail") {
    await runTool(lab, node, "pcs", ["resource", "cleanup"]);
  }
  // A node fenced (killed) during a freeze/isolate run is started again.
  for (const n of lab.nodes) {
    const running = findProcesses({ root: n.root }).some((p) => p.cmdline.includes("bin/tandemd"));
    if (!running) await injectFault(lab, n, "start");
  }
  const alive = lab.nodes[0];
  await waitForCluster(lab, alive, timeoutMs);
  const deadline = Date.now() + timeoutMs;
  while (!client.samples.some((x) => x.ok && x.node && x.t0 >= tHeal)) {
    if (Date.now() > deadline)
      throw new TandemError(ErrorCodes.LAB, `${vipUrl(lab)} did not serve in ${timeoutMs / 1000} s`);
    await sleep(20);
  }
  // Settled: the DC has no transition in progress.
  while (Date.now() < deadline) {
    try {
      const st = await cibRequest(tandemdSocket(alive), "status", {}, { timeoutMs: 2000 });
      const dcNode = lab.nodes.find((n) => n.name === st.dcName);
      const dc = dcNode ? await cibRequest(tandemdSocket(dcNode), "status", {}, { timeoutMs: 2000 }) : st;
      if (!dc.transition || dc.transition.done >= dc.transition.actions || dc.transition.aborted) {
        await sleep(300);
        const again = await cibRequest(tandemdSocket(dcNode ?? alive), "status", {}, { timeoutMs: 2000 });
        if (!again.transition || again.transition.done >= again.transition.actions) return;
      }
    } catch {}
    await sleep(100);
  }
}

export async function runFailover(
  lab: LabConfig,
  o: FailoverOptions,
  runIndex: number,
): Promise<FailoverRun> {
  const log = o.log;
  const served = await servingNode(lab, 60_000);
  const fromName = o.node ?? served;
  if (o.node && o.node !== served)
    throw new TandemError(
      ErrorCodes.LAB,
      `${o.node} does not serve ${vipUrl(lab)} (${served} does); fault the serving node or move the resource first`,
    );
  const node = lab.nodes.find((n) => n.name === fromName) as LabNode;
  const poller = vipClient(lab);
  poller.start();
  // The fault goes in only once the client has seen the old node answer steadily (after a
  // failback, the client's ARP cache or the restarted server may still be settling).
  const steadyBy = nowMs() + 10_000;
  for (;;) {
    await sleep(100);
    const recent = poller.samples.filter((x) => x.t1 > nowMs() - 300);
    if (recent.length >= 3 && recent.every((x) => x.ok && x.node === fromName)) break;
    if (nowMs() > steadyBy) break;
  }
  const tFault = nowMs();
  log(`run ${runIndex + 1}: ${fromName} serves; fault '${o.fault}' on ${fromName}\n`);
  let faultOutput = "";
  let tFaultDone: number | undefined;
  const faultP = injectFault(lab, node, o.fault, o.fault === "resource-fail" ? "webserver" : undefined).then(
    (t) => {
      faultOutput = t;
      tFaultDone = nowMs();
    },
    (e: Error) => {
      faultOutput = `fault failed: ${e.message}`;
      tFaultDone = nowMs();
    },
  );
  const sameNode = o.fault === "resource-fail";
  const deadline = tFault + o.timeoutMs;
  let sw = analyzeSwitch(poller.samples, fromName, tFault, sameNode);
  while (sw.to === null && nowMs() < deadline) {
    await sleep(20);
    sw = analyzeSwitch(poller.samples, fromName, tFault, sameNode);
  }
  await sleep(400);
  await faultP;
  sw = analyzeSwitch(poller.samples, fromName, tFault, sameNode);
  const tEnd = nowMs();
  const run: FailoverRun = {
    fault: o.fault,
    from: fromName,
    to: sw.to,
    gapMs: sw.gapMs,
    doubleAnswers: sw.doubleAnswers,
    failedRequests: sw.failedRequests,
    tFault,
    tFaultDone,
    lastOldEnd: sw.lastOldEnd,
    firstNewEnd: sw.firstNewEnd,
    faultOutput,
    samples: [],
    events: [],
  };
  if (sw.to === null)
    run.error = `no other node served within ${o.timeoutMs / 1000} s${faultOutput.startsWith("fault failed") ? ` (${faultOutput})` : ""}`;
  log(
    sw.to === null
      ? `  no failover seen in ${o.timeoutMs / 1000} s\n`
      : `  ${sw.to} serves: gap ${s3(sw.gapMs)} s, ${sw.failedRequests} failed request(s), ${sw.doubleAnswers} double answer(s)\n`,
  );
  if (o.heal) {
    // The client keeps polling through the heal: a failback (the preferred node taking
    // the service back, also after a fence reboot) is a second client-visible switch.
    const tHeal = nowMs();
    try {
      await heal(lab, node, o.fault, 90_000, poller);
      await sleep(300);
    } catch (e) {
      run.error = `heal: ${(e as Error).message}`;
    }
    run.healMs = nowMs() - tHeal;
  }
  run.samples = await poller.stop();
  if (sw.to !== null && sw.firstNewEnd !== undefined && sw.to !== fromName) {
    const fb = analyzeSwitch(run.samples, sw.to, sw.firstNewEnd);
    if (fb.to !== null)
      run.failback = {
        from: sw.to,
        to: fb.to,
        gapMs: fb.gapMs,
        doubleAnswers: fb.doubleAnswers,
        lastOldEnd: fb.lastOldEnd,
        firstNewEnd: fb.firstNewEnd,
      };
  }
  if (o.heal)
    log(
      `  healed in ${s3(run.healMs)} s${run.failback ? `; failback ${run.failback.from} -> ${run.failback.to}, gap ${s3(run.failback.gapMs)} s` : ""}\n`,
    );
  run.events = collectEvents(lab, tFault - 1000, Math.max(tEnd, nowMs()) + 200);
  run.split = splitGap(lab, run.lastOldEnd, run.firstNewEnd);
  if (run.failback) run.failback.split = splitGap(lab, run.failback.lastOldEnd, run.failback.firstNewEnd);
  return run;
}

export async function runFailovers(lab: LabConfig, o: FailoverOptions): Promise<FailoverResult> {
  if ((o.fault === "freeze" || o.fault === "isolate") && lab.mode === "loopback" && !lab.fencing)
    await enableFencing(lab, o.log);
  const runs: FailoverRun[] = [];
  for (let i = 0; i < o.runs; i++) runs.push(await runFailover(lab, o, i));
  return { fault: o.fault, url: vipUrl(lab), runs };
}

/**
 * Loopback faults that leave the old node holding the address (frozen, or cut off from
 * the cluster but not from the client) need fencing, as on a real network: the lab
 * turns it on with fence_tandem, saying so.
 */
async function enableFencing(lab: LabConfig, log: (t: string) => void): Promise<void> {
  const n1 = lab.nodes[0];
  const cfg = await runTool(lab, n1, "pcs", ["stonith", "config"]);
  const names = lab.nodes.map((n) => n.name).join(" ");
  log(
    "  this fault needs fencing in loopback mode (the old node keeps the address): enabling fence_tandem\n",
  );
  if (!cfg.stdout.includes("lab-fence")) {
    const r = await runTool(lab, n1, "pcs", [
      "stonith",
      "create",
      "lab-fence",
      "fence_tandem",
      `pcmk_host_list=${names}`,
      `lab_dir=${lab.dir}`,
    ]);
    if (r.code !== 0)
      throw new TandemError(ErrorCodes.LAB, `pcs stonith create lab-fence: ${(r.stderr || r.stdout).trim()}`);
  }
  // Pacemaker's default startup-fencing (true): a restarted DC plans only after its join
  // (docs/daemon.md, Join), so it no longer fences the peer it has not heard from yet.
  const r = await runTool(lab, n1, "pcs", ["property", "set", "stonith-enabled=true"]);
  if (r.code !== 0)
    throw new TandemError(
      ErrorCodes.LAB,
      `pcs property set stonith-enabled=true: ${(r.stderr || r.stdout).trim()}`,
    );
}

export function failoverJson(res: FailoverResult) {
  const gaps = res.runs.filter((r) => r.gapMs !== undefined).map((r) => (r.gapMs as number) / 1000);
  return {
    fault: res.fault,
    url: res.url,
    runs: res.runs.map((r) => ({
      gap_s: r.gapMs === undefined ? null : r.gapMs / 1000,
      from: r.from,
      to: r.to,
      double_answers: r.doubleAnswers,
      failed_requests: r.failedRequests,
      failback: r.failback
        ? {
            from: r.failback.from,
            to: r.failback.to,
            gap_s: r.failback.gapMs === undefined ? null : r.failback.gapMs / 1000,
            double_answers: r.failback.doubleAnswers,
            ...splitJson(r.failback.split, r.tFault),
          }
        : null,
      ...splitJson(r.split, r.tFault),
      heal_s: r.healMs === undefined ? null : r.healMs / 1000,
      events: r.events.map((e) => ({ t_s: (e.t - r.tFault) / 1000, node: e.node, text: e.text })),
      error: r.error ?? null,
    })),
    gap_s: gaps.length
      ? { min: Math.min(...gaps), median: median(gaps), max: Math.max(...gaps) }
      : { min: null, median: null, max: null },
  };
}

/** The gap's split for --json: agents_s, idle_s and the actions (s after the fault). */
function splitJson(sp: GapSplit | undefined, tFault: number) {
  if (!sp) return { agents_s: null, idle_s: null, actions: [] };
  const s = (t: number) => Math.round(t - tFault) / 1000;
  return {
    agents_s: sp.agentsMs / 1000,
    idle_s: sp.idleMs / 1000,
    gap_start_s: s(sp.from),
    gap_end_s: s(sp.to),
    idle: sp.idle.map((x) => ({ start_s: s(x.t0), end_s: s(x.t1) })),
    steps: gapSteps(sp.actions, sp.from, sp.to),
    actions: sp.actions.map((a) => ({
      node: a.node,
      rsc: a.rsc,
      op: a.op,
      rc: a.rc,
      start_s: s(a.t0),
      end_s: s(a.t1),
    })),
  };
}

const stepsOf = (sp: GapSplit) => gapSteps(sp.actions, sp.from, sp.to);

/** The terminal summary: per run the gap, and the cluster's events beside the client's view. */
export function formatSummary(res: FailoverResult): string {
  const lines: string[] = [];
  for (const [i, r] of res.runs.entries()) {
    lines.push("", `Run ${i + 1}: fault '${r.fault}' on ${r.from} -> ${r.to ?? "no other node"}`);
    lines.push(
      `  client-visible gap: ${s3(r.gapMs)} s   (${r.failedRequests} failed requests, ${r.doubleAnswers} answered by two nodes)`,
    );
    if (r.split)
      lines.push(
        `  of which resource agents ran ${s3(r.split.agentsMs)} s, no agent running ${s3(r.split.idleMs)} s (scheduling, messages, dispatch, polling)`,
        `  steps (ms): ${stepsOf(r.split)}`,
      );
    if (r.failback) {
      lines.push(
        `  failback after heal: ${r.failback.from} -> ${r.failback.to}, gap ${s3(r.failback.gapMs)} s${r.failback.split ? ` (agents ${s3(r.failback.split.agentsMs)} s, none running ${s3(r.failback.split.idleMs)} s)` : ""}`,
      );
      if (r.failback.split) lines.push(`  failback steps (ms): ${stepsOf(r.failback.split)}`);
    }
    lines.push("  timeline (s after the fault)      client                          cluster");
    const rows: { t: number; client?: string; cluster?: string }[] = [];
    rows.push({ t: r.tFault, client: `fault injected (${r.fault} ${r.from})` });
    if (r.tFaultDone) rows.push({ t: r.tFaultDone, client: "fault command returned" });
    if (r.lastOldEnd) rows.push({ t: r.lastOldEnd, client: `last answer from ${r.from}` });
    const firstFail = r.samples.find((s) => !s.ok && s.t0 >= r.tFault);
    if (firstFail) rows.push({ t: firstFail.t1, client: `first failed request (${firstFail.error ?? ""})` });
    if (r.firstNewEnd) rows.push({ t: r.firstNewEnd, client: `first answer from ${r.to}` });
    // Each action's start (its end is the executor's result line among the events).
    for (const a of r.split?.actions ?? [])
      rows.push({ t: a.t0, cluster: `${a.node} executor: ${a.op} ${a.rsc} begins` });
    // The terminal shows the failover itself; the heal's events are in --json and the report.
    const until = (r.firstNewEnd ?? r.tFaultDone ?? r.tFault) + 1000;
    for (const e of r.events) if (e.t <= until) rows.push({ t: e.t, cluster: `${e.node} ${e.text}` });
    rows.sort((a, b) => a.t - b.t);
    for (const row of rows)
      lines.push(
        `  ${(((row.t - r.tFault) / 1000).toFixed(3)).padStart(8)}  ${(row.client ?? "").padEnd(40).slice(0, 40)}  ${(row.cluster ?? "").slice(0, 110)}`,
      );
    if (r.error) lines.push(`  error: ${r.error}`);
  }
  const gaps = res.runs.filter((r) => r.gapMs !== undefined).map((r) => r.gapMs as number);
  if (gaps.length > 1)
    lines.push(
      "",
      `Gap over ${gaps.length} runs: min ${s3(Math.min(...gaps))} s, median ${s3(median(gaps))} s, max ${s3(Math.max(...gaps))} s`,
    );
  const dbl = res.runs.reduce((a, r) => a + r.doubleAnswers, 0);
  lines.push(`Double answers: ${dbl === 0 ? "none" : dbl}`, "");
  return lines.join("\n");
}
