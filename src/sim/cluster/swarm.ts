// Seeded whole-cluster runs (swarm mode: the seed picks the node count, the network, the
// agents' behaviour and the fault mix) with the cluster invariants checked:
//  1. safety, at every simulator event: with stonith enabled no primitive is ever active
//     on two nodes at the same time (from the simulated nodes' OS, not from the CIB);
//  2. durability: every acknowledged client change of the CIB is present after recovery
//     (a change acknowledged on the losing side of a partition may only be discarded by
//     the merge with a crit report naming it — Pacemaker's rule for merges);
//  3. liveness, once faults stop: within a bound, every running daemon holds the same CIB,
//     the DC has nothing left to do, the scheduler's run on that CIB has no action left,
//     and every primitive runs exactly where the scheduler places it for the final
//     membership (and nowhere else).
// A run returns its verdict; the caller prints the seed and the replay command.

import { digestOf } from "../../cib/replica.js";
import { unpackCib } from "../../cib/unpack.js";
import { child, elements, type XmlElement } from "../../core/xml.js";
import { schedule } from "../../scheduler/index.js";
import { EventStorm } from "../cluster.js";
import { Prng } from "../prng.js";
import { type AgentModel, ClusterWorld } from "./world.js";

export const CLUSTER_FAULTS = [
  "crash",
  "restart",
  "pause",
  "partition",
  "loss",
  "service",
  "startfail",
  "fencefail",
] as const;
export type ClusterFault = (typeof CLUSTER_FAULTS)[number];

export interface ClusterRunOptions {
  nodes?: number;
  faults?: ClusterFault[];
  /** Number of fault steps (default: seed picks 3-8). */
  steps?: number;
  /** Client changes submitted during the run (default: seed picks 2-6). */
  changes?: number;
  /** Virtual ms allowed for convergence after faults stop (default 30 s). */
  bound?: number;
  trace?: boolean;
  /** See WorldOptions.staleQuorum. */
  staleQuorum?: boolean;
  /** Gets the world before the run (tests and debugging look inside). */
  onWorld?: (w: ClusterWorld) => void;
}

export interface ClusterRunResult {
  seed: number;
  ok: boolean;
  violation: string;
  nodes: number;
  faults: ClusterFault[];
  acked: number;
  submitted: number;
  fences: number;
  /** Acknowledged changes lost because every node holding them went down at once. */
  lostBeyondSingleCrash: number;
  /** Acknowledged in a partition and discarded by the merge: reported at crit / not (daemon restarted since). */
  discardedReported: number;
  discardedUnreported: number;
  convergedMs: number | null;
  finalMembers: number[];
  events: number;
  /** Oddities that are not violations (copies equal in content but not in version or order). */
  notes: string[];
  trace: string[];
}

const prop = (name: string, value: string) => ({
  op: "modify" as const,
  section: "crm_config",
  allowCreate: true,
  xml: `<cluster_property_set id="cib-bootstrap-options"><nvpair id="opt-${name}" name="${name}" value="${value}"/></cluster_property_set>`,
});

const dummy = (id: string, monitor = "2s") =>
  `<primitive id="${id}" class="ocf" provider="tandem" type="Dummy"><operations><op id="${id}-mon" name="monitor" interval="${monitor}"/></operations></primitive>`;

class Violation extends Error {}

export function runClusterSeed(seed: number, opts: ClusterRunOptions = {}): ClusterRunResult {
  const rng = new Prng(seed);
  const nodes = opts.nodes ?? 3 + (rng.chance(0.25) ? rng.int(1, 2) : 0);
  const kinds = opts.faults ?? CLUSTER_FAULTS.filter(() => rng.chance(0.55));
  const has = (k: ClusterFault) => kinds.includes(k);
  const agents: AgentModel = {
    startMs: [1, 10 + rng.int(0, 400)],
    stopMs: [1, 10 + rng.int(0, 400)],
    monitorMs: [1, 5],
    startFail: has("startfail") ? 0.05 + rng.float() * 0.2 : 0,
    fenceFail: has("fencefail") ? 0.1 + rng.float() * 0.4 : 0,
  };
  const w = new ClusterWorld(
    {
      nodes,
      agents,
      trace: opts.trace,
      staleQuorum: opts.staleQuorum,
      network: { delay: 0.3 + rng.float(), jitter: rng.float() * 2, loss: 0, duplicate: 0 },
    },
    rng.fork(),
  );
  w.sim.eventLimit = 3_000_000;
  opts.onWorld?.(w);
  const result: ClusterRunResult = {
    seed,
    ok: true,
    violation: "",
    nodes,
    faults: kinds,
    acked: 0,
    submitted: 0,
    fences: 0,
    lostBeyondSingleCrash: 0,
    discardedReported: 0,
    discardedUnreported: 0,
    convergedMs: null,
    finalMembers: [],
    events: 0,
    notes: [],
    trace: [],
  };
  const check = () => {
    w.checkSafety();
    if (w.violation) throw new Violation(`two active: ${w.violation}`);
  };
  let clock = 0;
  const runFor = (ms: number) => {
    clock += ms;
    w.sim.runUntil(clock, check);
  };
  try {
    // Bootstrap: all nodes up, fencing on, a fence device and a few resources (one group).
    for (const id of w.ids) w.start(id);
    runFor(2_500);
    const boot = rng.pick(w.up());
    w.submit(boot, "stonith", "opt-stonith-enabled", prop("stonith-enabled", "true"));
    w.submit(boot, "fence1", "fence1", {
      op: "create",
      section: "resources",
      xml: '<primitive id="fence1" class="stonith" type="fence_sim"/>',
    });
    w.submit(boot, "a", "a", { op: "create", section: "resources", xml: dummy("a") });
    w.submit(boot, "g", "g", {
      op: "create",
      section: "resources",
      xml: `<group id="g">${dummy("g1")}${dummy("g2")}</group>`,
    });
    runFor(3_000);

    // Faults, interleaved with client changes at random nodes.
    const steps = opts.steps ?? rng.int(3, 8);
    const nChanges = opts.changes ?? rng.int(2, 6);
    const changeAt = new Set(Array.from({ length: nChanges }, () => rng.int(0, steps - 1)));
    let made = 0;
    let lossy = false;
    for (let s = 0; s < steps; s++) {
      const up = w.up();
      const down = w.down();
      const kind = kinds.length > 0 ? rng.pick(kinds) : null;
      switch (kind) {
        case "crash":
          // At most one daemon down at a time from crashes: "any single crash".
          if (up.length === nodes) w.crash(rng.pick(up));
          break;
        case "restart":
          if (down.length > 0) w.start(rng.pick(down));
          break;
        case "pause": {
          const who = rng.pick(up);
          w.pause(who);
          const ms = rng.chance(0.5) ? rng.int(50, 300) : rng.int(500, 3_000);
          w.sim.at(w.sim.now + ms, () => w.resume(who));
          break;
        }
        case "partition":
          if (rng.chance(0.6)) {
            const alone = rng.pick(w.ids);
            w.sim.partition([[alone], w.ids.filter((x) => x !== alone)]);
          } else w.sim.healAll();
          break;
        case "loss":
          lossy = !lossy;
          w.sim.net = {
            ...w.sim.net,
            loss: lossy ? 0.02 + rng.float() * 0.08 : 0,
            duplicate: lossy ? 0.02 : 0,
          };
          break;
        case "service": {
          const running = [...w.running()].filter(([r]) => r !== "fence1");
          if (running.length > 0) {
            const [rsc, on] = rng.pick(running);
            w.serviceDies(rng.pick(on), rsc);
          }
          break;
        }
        default:
          break;
      }
      if (changeAt.has(s)) {
        const at = w.up();
        if (at.length > 0) {
          const node = rng.pick(at);
          if (rng.chance(0.5) && made < 3) {
            const id = `r${made++}`;
            w.submit(node, id, id, { op: "create", section: "resources", xml: dummy(id) });
          } else {
            const id = `opt-c${s}`;
            w.submit(node, `c${s}`, id, prop(`c${s}`, String(seed)));
          }
        }
      }
      runFor(300 + rng.int(0, 2_500));
    }

    // Faults stop: heal, no more loss, resume everyone. A node down (crashed or fenced)
    // stays down in some runs: the final membership is then the others.
    w.sim.healAll();
    w.sim.net = { ...w.sim.net, loss: 0, duplicate: 0 };
    for (const id of w.ids) w.resume(id);
    const keepDown = rng.chance(0.3) && w.down().length === 1 ? w.down()[0] : undefined;
    for (const id of w.down()) if (id !== keepDown) w.start(id);
    const stopAt = clock;
    const bound = opts.bound ?? 30_000;
    const final = w.ids.filter((id) => id !== keepDown);
    result.finalMembers = final;
    let converged = "";
    while (clock - stopAt < bound) {
      // A node fenced after the faults stopped (e.g. one that was paused) reboots and comes back.
      for (const id of w.down()) if (id !== keepDown) w.start(id);
      runFor(500);
      converged = convergence(w, final);
      if (converged === "") {
        result.convergedMs = clock - stopAt;
        break;
      }
    }
    if (converged !== "")
      throw new Violation(`no convergence within ${bound} ms after faults stopped: ${converged}`);
    const exact = new Set(final.map((id) => digestOf(w.cibOf(id))));
    if (exact.size > 1)
      result.notes.push(
        `copies equal in content but not byte for byte: ${final
          .map((id) => {
            const v = w.daemons.get(id)!.replica.version;
            return `n${id} ${v.adminEpoch}.${v.epoch}.${v.numUpdates} ${digestOf(w.cibOf(id)).slice(0, 8)}`;
          })
          .join(", ")}`,
      );

    // Durability of acknowledged changes.
    const cib = w.cibOf(final[0]);
    const present = new Set<string>();
    const walk = (e: ReturnType<typeof child>) => {
      if (!e) return;
      if (e.attrs.id) present.add(e.attrs.id);
      for (const c of elements(e)) walk(c);
    };
    walk(child(cib, "configuration"));
    for (const c of w.acked()) {
      if (present.has(c.id)) continue;
      // Every member that held it went down at once: more than a single crash.
      if (c.allHoldersDown) {
        result.lostBeyondSingleCrash++;
        continue;
      }
      // Only a change acknowledged by a configuration that lacked some running daemon (a
      // partition: a cut, or a daemon that just started and is alone until it merges) may be
      // discarded, by the merge, and the merge reports it at crit.
      const partial = (c.upAtAck ?? []).some((id) => !(c.ackMembers ?? []).includes(id));
      if (!partial)
        throw new Violation(
          `acknowledged change ${c.key} lost (acknowledged by n${c.node} in [${c.ackMembers}] while [${c.upAtAck}] ran)`,
        );
      const reported = w.crit.some((l) => l.includes("discarded") && l.includes(c.id));
      // (The report comes from the daemon that made the change; one that restarted since has no
      // memory of it: a known gap, docs/daemon.md.)
      const restarted = w.daemons.get(c.node)?.gen !== c.ackGen;
      if (reported) result.discardedReported++;
      else if (restarted) result.discardedUnreported++;
      else
        throw new Violation(
          `acknowledged change ${c.key} (n${c.node}) discarded by a merge without a report`,
        );
    }
  } catch (e) {
    if (!(e instanceof Violation) && !(e instanceof EventStorm)) {
      result.violation = `exception: ${(e as Error).stack ?? String(e)}`;
    } else result.violation = (e as Error).message;
    result.ok = false;
  }
  result.acked = w.acked().length;
  result.submitted = w.changes.length;
  result.fences = w.fences;
  result.events = w.sim.eventsRun;
  result.trace = w.trace;
  return result;
}

/** "" when the cluster has converged on `members`, else what is still off. */
export function convergence(w: ClusterWorld, members: number[]): string {
  const up = w.up();
  if (up.join(",") !== members.join(",")) return `daemons up [${up}], expected [${members}]`;
  const digests = new Set(members.map((id) => canonical(w.cibOf(id))));
  if (digests.size !== 1)
    return `${digests.size} different CIB copies: ${members
      .map((id) => {
        const v = w.daemons.get(id)!.replica.version;
        return `n${id} ${v.adminEpoch}.${v.epoch}.${v.numUpdates} ${digestOf(w.cibOf(id)).slice(0, 8)}`;
      })
      .join(", ")}`;
  const dc = w.dc();
  if (dc === undefined) return "no DC";
  const ctl = w.daemons.get(dc)!.ctl;
  if (!ctl.settled) return `the DC n${dc} still has work`;
  const cib = w.cibOf(dc);
  const t = schedule(unpackCib(cib), { now: Math.floor(w.sim.now / 1000) });
  const left = t.graph.actions.filter(
    (a) => !a.action.pseudo && !(a.action.task === "monitor" && (a.action.interval ?? 0) > 0),
  );
  if (left.length > 0)
    return `the scheduler still wants ${left
      .slice(0, 4)
      .map((a) => `${a.action.task} ${a.action.rsc?.id ?? ""} on ${a.action.node ?? "?"}`)
      .join(", ")}`;
  const running = w.running();
  const names = new Map([...w.names].map(([id, n]) => [n, id]));
  for (const p of t.ws.primitives) {
    if (p.isStonith) continue;
    const want = p.assigned === null ? [] : [names.get(p.assigned)!];
    const have = running.get(p.id) ?? [];
    if (want.join(",") !== have.join(","))
      return `${p.id} runs on [${have.map((i) => `n${i}`)}], the scheduler places it on [${p.assigned ?? ""}]`;
    if (want.some((id) => !members.includes(id))) return `${p.id} placed on a node that is not a member`;
  }
  for (const [rsc, on] of running)
    if (!t.ws.primitives.some((p) => p.id === rsc)) return `${rsc} runs on [${on}] but is not configured`;
  return "";
}

/**
 * The CIB's content for comparison: without num_updates, and with each node_state's children
 * in a fixed order. Copies that differ only there are the same cluster state; the run notes
 * them (ClusterRunResult.notes) — see docs/cluster-sim.md, findings.
 */
export function canonical(cib: XmlElement): string {
  const strip = (e: XmlElement): XmlElement => {
    const kids = elements(e).map(strip);
    if (e.name === "node_state") kids.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const attrs = { ...e.attrs };
    if (e.name === "cib") delete attrs.num_updates;
    return { ...e, attrs, children: kids };
  };
  return digestOf(strip(cib));
}

/** The command that replays a run. */
export function replayCommand(seed: number, opts: ClusterRunOptions): string {
  const parts = ["tandem cluster-sim", `--seed ${seed}`];
  if (opts.nodes !== undefined) parts.push(`--nodes ${opts.nodes}`);
  if (opts.faults !== undefined) parts.push(`--faults ${opts.faults.join(",") || "none"}`);
  if (opts.steps !== undefined) parts.push(`--steps ${opts.steps}`);
  parts.push("--trace");
  return parts.join(" ");
}

/** Runs seeds first..first+count-1; the failures (at most 5) with their replay commands. */
export function runRange(first: number, count: number, skip: ReadonlySet<number> = new Set()): string[] {
  const failures: string[] = [];
  for (let seed = first; seed < first + count; seed++) {
    if (skip.has(seed)) continue;
    const r = runClusterSeed(seed);
    if (!r.ok)
      failures.push(`seed ${seed}: ${r.violation.split("\n")[0]}\n  replay: ${replayCommand(seed, {})}`);
    if (failures.length >= 5) break;
  }
  return failures;
}
