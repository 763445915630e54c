// Seeded fault runs of the controller + replicated CIB + real scheduler in the
// deterministic test cluster (testkit.ts): each seed picks a fault mix and a
// schedule of daemon crashes (services keep running), restarts, network
// partitions (one node cut off), service deaths and resource creations on 3
// nodes with fencing enabled. Checked all along:
// no primitive is ever active on two nodes. At the end (faults stopped, every
// node back): every acknowledged CIB change is present on every node, the
// copies agree, every resource runs exactly once and the DC has nothing left
// to do. A failure prints its seed; SWARM_SEED=N replays one.

import assert from "node:assert/strict";
import { test } from "node:test";
import { elements, child } from "../core/xml.js";
import { digestOf } from "../cib/replica.js";
import { policyScheduler } from "./policy.js";
import { SimCluster } from "./testkit.js";

function prng(seed: number): () => number {
  let a = seed >>> 0 || 0x9e3779b9;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One seeded run; throws with the seed in the message on any violation. */
export function swarmRun(seed: number): void {
  const rnd = prng(seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)];
  const c = new SimCluster(3, 50, policyScheduler);
  const fail = (what: string): never => {
    throw new Error(`seed ${seed}: ${what}\n${c.logs.slice(-25).join("\n")}`);
  };
  // A crash can also be armed to happen in the middle of the next run, after `crashIn` steps:
  // with actions and CIB updates in flight (the daemon dies between running and recording).
  let crashIn = -1;
  let crashWho = 0;
  c.onStep = () => {
    const p = c.placement();
    for (const [rsc, nodes] of p) if (nodes.length > 1) fail(`${rsc} active on ${nodes.join(" and ")}`);
    if (crashIn >= 0 && crashIn-- === 0 && c.members().length > 1 && c.members().includes(crashWho))
      c.crash(crashWho);
  };
  c.reconfigure();
  c.run(5_000);
  c.setProperty(1, "stonith-enabled", "true");
  c.change(1, {
    type: "request",
    reqId: 1_000_000,
    op: {
      op: "create",
      section: "resources",
      xml: '<primitive id="fence1" class="stonith" type="fence_tandem"/>',
    },
  });
  c.run(5_000);
  // Swarm: the seed also chooses how often each fault happens.
  const wCrash = rnd();
  const wDie = rnd();
  const wCreate = 0.3 + rnd();
  const wSplit = rnd() * 0.8;
  let split = false;
  let everSplit = false;
  let created = 0;
  const steps = 6 + Math.floor(rnd() * 10);
  for (let s = 0; s < steps; s++) {
    const up = c.members();
    const down = [...c.nodes.keys()].filter((id) => !up.includes(id));
    const r = rnd() * (wCrash + wDie + wCreate + 0.5 + wSplit);
    if (r >= wCrash + wDie + wCreate + 0.5) {
      // Cut one node off from the other two, or heal the cut.
      if (split) c.partition(undefined);
      else {
        const alone = 1 + Math.floor(rnd() * 3);
        c.partition([[alone], [1, 2, 3].filter((x) => x !== alone)]);
      }
      split = !split;
      everSplit ||= split;
    } else if (r < wCrash && up.length > 1) {
      if (rnd() < 0.5) c.crash(pick(up));
      else {
        crashWho = pick(up);
        crashIn = Math.floor(rnd() * 40);
      }
    } else if (r < wCrash + 0.5 && down.length > 0) c.restart(pick(down));
    else if (r < wCrash + 0.5 + wDie) {
      const running = [...c.placement()].filter(([rsc]) => rsc !== "fence1");
      if (running.length > 0) {
        const [rsc, nodes] = pick(running);
        const node = [...c.nodes.values()].find((n) => n.uname === nodes[0])!;
        if (node.up && node.recurring.has(rsc)) c.serviceDies(node.id, rsc);
      }
    } else if (up.length > 0 && created < 4) c.createResource(pick(up), `r${created++}`);
    c.run(Math.floor(rnd() * 3_000));
  }
  // Faults stop: the network heals, every node comes back, the cluster converges.
  crashIn = -1;
  c.partition(undefined);
  for (const id of c.nodes.keys()) c.restart(id);
  c.run(120_000);
  const copies = new Set([...c.nodes.values()].map((n) => digestOf(n.replica.cib)));
  if (copies.size !== 1) fail(`${copies.size} different CIB copies after healing`);
  const res = child(child(c.cibOf(1), "configuration")!, "resources")!;
  const ids = new Set(elements(res, "primitive").map((p) => p.attrs.id));
  // An acknowledged change survives crashes. Across a partition, the copy with the highest version
  // wins the merge (Pacemaker's rule): a change acknowledged on the losing side may be discarded,
  // but never silently — the merge reports it.
  for (const rsc of c.ackedCreates) {
    if (ids.has(rsc)) continue;
    const reported = c.logs.some(
      (l) => l.includes("discarded by the merge") && l.includes(`id=\\"${rsc}\\"`),
    );
    if (!everSplit) fail(`acknowledged resource ${rsc} is missing (no partition happened)`);
    // (The report comes from the daemon that made the change; one that restarted since then has no
    // memory of it: known gap, see docs/daemon.md.)
    const by = c.ackedBy.get(rsc)!;
    const restarted = (c.restarts.get(by.node) ?? 0) > by.restarts;
    if (!reported && !restarted) fail(`acknowledged resource ${rsc} was discarded without a report`);
  }
  const p = c.placement();
  for (const rsc of ids) {
    if (rsc === "fence1") continue;
    if ((p.get(rsc) ?? []).length !== 1) fail(`${rsc} runs on [${p.get(rsc) ?? ""}] after convergence`);
  }
  const dc = [...c.nodes.values()].find((n) => n.ctl.isDc)!;
  if (!dc.ctl.settled) fail("the DC still has work after convergence");
}

const SEEDS = Number(process.env.SWARM_SEEDS ?? 1000);

test(`swarm: ${SEEDS} seeded runs of crashes, restarts, partitions, service deaths and changes with fencing`, () => {
  if (process.env.SWARM_SEED) {
    swarmRun(Number(process.env.SWARM_SEED));
    return;
  }
  const failures: string[] = [];
  for (let seed = 1; seed <= SEEDS; seed++) {
    try {
      swarmRun(seed);
    } catch (e) {
      failures.push((e as Error).message.split("\n")[0]);
      if (failures.length >= 5) break;
    }
  }
  assert.deepEqual(failures, [], `replay one with SWARM_SEED=N:\n${failures.join("\n")}`);
});
