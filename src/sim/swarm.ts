// One simulation run per seed (TigerBeetle VOPR style): the seed picks the cluster size,
// the network, the fault mix (swarm testing) and the workload; faults run for a while,
// then stop; the run must converge to one configuration within a bound derived from the
// timeouts; checkers watch every step. The same seed replays the same run exactly.

import { resolveTimeouts } from "../membership/config.js";
import type { NodeId, QuorumConfig } from "../membership/types.js";
import { Checker } from "./checkers.js";
import { EventStorm, SimCluster } from "./cluster.js";
import { Prng } from "./prng.js";

export const FAULT_KINDS = [
  "partition",
  "asymmetric",
  "crash",
  "pause",
  "flap",
  "skew",
  "loss",
  "duplicate",
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface RunOptions {
  nodes?: number;
  /** Fault kinds the seed may choose from (default: all). */
  faults?: readonly FaultKind[];
  trace?: boolean;
  /** Length of the fault phase in virtual ms (default 3000). */
  faultTime?: number;
  /** Multiplies the liveness bound (to measure how late a slow run converges). */
  boundFactor?: number;
}

export interface RunResult {
  seed: number;
  ok: boolean;
  violation: string | null;
  nodes: number;
  faults: FaultKind[];
  trace: string[];
  events: number;
  deliveries: number;
  configChanges: number;
  virtualMs: number;
}

/**
 * Time after the last fault within which every live node must have installed one
 * common configuration. One gather round costs at most token + consensus; after heavy
 * churn a cluster may need several: a round that fails (nodes failed at the consensus
 * timeout form small rings), the exclusion window of 2 x consensus, a merge found
 * within `merge`, and the merged round. 4 rounds were not always enough for 10-12
 * nodes with several ms of jitter (seeds 1398, 1904 converged within 1.5 x that);
 * 6 rounds are the bound.
 */
export function livenessBound(nodes: number): number {
  const t = resolveTimeouts(nodes);
  return 6 * (t.token + t.consensus) + 2 * t.merge;
}

export function runSeed(seed: number, opts: RunOptions = {}): RunResult {
  const rng = new Prng(seed);
  const small = opts.nodes ?? rng.int(2, 6);
  // Choices added later come from their own stream, so older seeds replay unchanged
  // (the regression seeds below depend on it). Mostly small clusters (where most
  // corner cases are), sometimes up to 12 nodes.
  const extra = new Prng(seed + 0x5eed);
  const nodes = opts.nodes ?? (extra.chance(0.08) ? extra.int(7, 12) : small);
  const allowed = opts.faults ?? FAULT_KINDS;
  const faults = allowed.filter(() => rng.chance(0.5));
  if (faults.length === 0 && allowed.length > 0) faults.push(rng.pick(allowed));
  const twoNode = nodes === 2 && rng.chance(0.5);
  const quorum: Partial<QuorumConfig> = twoNode
    ? { two_node: true }
    : { wait_for_all: rng.chance(0.3), auto_tie_breaker: nodes % 2 === 0 && extra.chance(0.3) };
  const delay = 0.2 + rng.float() * 3;
  const cluster = new SimCluster(
    nodes,
    rng.fork(),
    { delay, jitter: rng.float() * delay * 2, loss: 0, duplicate: 0 },
    { quorum },
  );
  if (opts.trace) cluster.trace = [];
  const checker = new Checker(cluster, !twoNode);
  cluster.observers.push(checker.observe);

  const faultTime = opts.faultTime ?? 3000;
  const bound = livenessBound(nodes) * (opts.boundFactor ?? 1);
  const ids: NodeId[] = [];
  for (let i = 1; i <= nodes; i++) ids.push(i);
  const frng = rng.fork();
  const wrng = rng.fork();

  cluster.log(
    `seed ${seed}: ${nodes} nodes, faults [${faults.join(",")}], delay ${delay.toFixed(2)} ms, quorum ${JSON.stringify(quorum)}`,
  );

  // ── workload: every node joins group "g" and sends messages until the faults stop
  const counters = new Map<NodeId, number>();
  const startNode = (id: NodeId) => {
    cluster.start(id);
    cluster.input(id, { type: "cpg_join", group: "g", pid: 1 });
  };
  for (const id of ids) cluster.at(wrng.int(0, 50), () => startNode(id));
  const sendLoop = (id: NodeId) => {
    const n = cluster.node(id);
    const engine = n.engine;
    if (engine && !n.paused && cluster.now < faultTime) {
      const inGroup = engine.groups.groups.get("g")?.some((m) => m.nodeId === id && m.pid === 1);
      if (inGroup) {
        const k = (counters.get(id) ?? 0) + 1;
        counters.set(id, k);
        const msgId = `m${id}.${n.incarnation}.${k}`;
        const size = wrng.chance(0.1) ? wrng.int(2000, 6000) : wrng.int(0, 100);
        const data = Buffer.concat([Buffer.from(`${msgId}|`), Buffer.alloc(size, k & 0xff)]);
        const guarantee = wrng.chance(0.2) ? "safe" : "agreed";
        if (cluster.input(id, { type: "cpg_send", group: "g", pid: 1, data, guarantee }))
          checker.recordSend(id, n.incarnation, msgId);
      }
    }
    if (cluster.now < faultTime) cluster.at(cluster.now + wrng.int(20, 250), () => sendLoop(id));
  };
  for (const id of ids) cluster.at(wrng.int(100, 300), () => sendLoop(id));

  // ── faults (an action due after the faults stopped is dropped: the end state is healed)
  const fault = (t: number, run: () => void) =>
    cluster.at(t, () => {
      if (cluster.now < faultTime) run();
    });
  const count = faults.length === 0 ? 0 : frng.int(1, 6);
  for (let i = 0; i < count; i++) {
    const kind = frng.pick(faults);
    const at = frng.int(200, faultTime - 100);
    const dur = frng.int(50, 1500);
    const a = frng.pick(ids);
    let b = frng.pick(ids);
    if (b === a) b = (a % nodes) + 1;
    switch (kind) {
      case "partition": {
        const side = ids.filter(() => frng.chance(0.5));
        const other = ids.filter((x) => !side.includes(x));
        if (side.length === 0 || other.length === 0) break;
        fault(at, () => cluster.partition([side, other]));
        fault(at + dur, () => cluster.healAll());
        break;
      }
      case "asymmetric":
        fault(at, () => {
          cluster.log(`block n${a} -> n${b} (one way)`);
          cluster.block(a, b, false);
        });
        fault(at + dur, () => cluster.unblock(a, b, false));
        break;
      case "crash":
        fault(at, () => cluster.crash(a));
        if (frng.chance(0.7))
          fault(at + dur, () => {
            if (!cluster.node(a).engine) startNode(a);
          });
        break;
      case "pause":
        fault(at, () => cluster.pause(a));
        fault(at + dur, () => cluster.resume(a));
        break;
      case "flap": {
        const period = frng.int(30, 300);
        for (let t = at, on = true; t < at + dur; t += period, on = !on) {
          const cut = on;
          fault(t, () => (cut ? cluster.block(a, b) : cluster.unblock(a, b)));
        }
        fault(at + dur, () => cluster.unblock(a, b));
        break;
      }
      case "skew": {
        const skew = 0.9 + frng.float() * 0.2;
        fault(at, () => {
          cluster.log(`n${a} clock skew ${skew.toFixed(3)}`);
          cluster.node(a).skew = skew;
        });
        break;
      }
      case "loss": {
        const loss = frng.pick([0.02, 0.1, 0.3]);
        fault(at, () => {
          cluster.log(`loss ${loss}`);
          cluster.net.loss = loss;
        });
        fault(at + dur, () => (cluster.net.loss = 0));
        break;
      }
      case "duplicate": {
        const dup = frng.pick([0.05, 0.2]);
        fault(at, () => (cluster.net.duplicate = dup));
        fault(at + dur, () => (cluster.net.duplicate = 0));
        break;
      }
    }
  }

  // ── faults stop: heal, resume, restart; then the bound
  cluster.at(faultTime, () => {
    cluster.log("faults stop");
    cluster.healAll();
    cluster.net.loss = 0;
    cluster.net.duplicate = 0;
    for (const id of ids) {
      const n = cluster.node(id);
      if (n.paused) cluster.resume(id);
      else if (!n.engine) startNode(id);
    }
  });
  const deadline = faultTime + bound;
  // Generous: a healthy run of 12 nodes takes well under 200,000 events.
  cluster.eventLimit = 3_000_000;
  try {
    runChecked(cluster, checker, deadline);
  } catch (e) {
    if (!(e instanceof EventStorm)) throw e;
    checker.fail(`liveness: ${e.message}`);
  }
  return finish(seed, nodes, faults, cluster, checker);
}

function runChecked(cluster: SimCluster, checker: Checker, deadline: number): void {
  cluster.runUntil(deadline, undefined);
  if (!checker.violation) checker.checkConverged(true);
  if (!checker.violation) {
    // Converged means stable: no configuration change in the second that follows.
    const changes = checker.configChanges;
    cluster.runUntil(deadline + 1000);
    if (checker.configChanges !== changes)
      checker.fail(`liveness: ${checker.configChanges - changes} configuration changes after convergence`);
    checker.checkSelfDelivery();
    checker.checkSafeDelivery();
  }
}

function finish(
  seed: number,
  nodes: number,
  faults: FaultKind[],
  cluster: SimCluster,
  checker: Checker,
): RunResult {
  return {
    seed,
    ok: checker.violation === null,
    violation: checker.violation,
    nodes,
    faults,
    trace: cluster.trace ?? [],
    events: cluster.eventsRun,
    deliveries: checker.deliveries,
    configChanges: checker.configChanges,
    virtualMs: cluster.now,
  };
}
