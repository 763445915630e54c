// `tandem cluster-sim`: the whole cluster (membership, replicated CIB, controller,
// scheduler, simulated agents and fencing) in the deterministic simulator over a range of
// seeds. Prints one line per failing seed with the command that replays it, then
// `N passed, M failed` alone on a line; exit status 1 on any failure. `--seed S --trace`
// replays one run and prints its event trace.

import type { Command } from "../../cli/io.js";
import { CLUSTER_FAULTS, type ClusterRunOptions, replayCommand, runClusterSeed } from "./swarm.js";
import { faultListArg, intArg, parseSeedRunArgs } from "../cli-args.js";

const USAGE = `Usage: tandem cluster-sim --seeds N [--start S] [--nodes K] [--faults LIST] [--steps N]
       tandem cluster-sim --seed S [--nodes K] [--faults LIST] [--steps N] [--trace]

Runs whole simulated clusters: on every node the real membership engine, replicated
CIB, controller and scheduler, with simulated agents and a fence device, on a virtual
clock with a seeded network. Each seed picks the node count (3-5 unless --nodes),
the network, the agents' delays and the fault mix. Checked: no primitive active on
two nodes (stonith is enabled), every acknowledged CIB change survives, and after
faults stop the cluster converges to the scheduler's placement within 30 s.

Options:
  --seeds N        number of seeds to run (default 100)
  --start S        first seed (default 1)
  --seed S         run one seed
  --nodes K        cluster size (3-9)
  --faults LIST    comma-separated fault kinds the seeds choose from:
                   ${CLUSTER_FAULTS.join(", ")}, or "none"
  --steps N        fault steps per run (default: the seed picks 3-8)
  --trace          print the event trace (with --seed)
`;

/** The command over a given seed runner (tests pass one that fails a seed on purpose). */
export function clusterSimCommandWith(run: typeof runClusterSeed): Command {
  return (argv, io) => clusterSim(run, argv, io);
}

export const clusterSimCommand: Command = clusterSimCommandWith(runClusterSeed);

async function clusterSim(
  run: typeof runClusterSeed,
  argv: string[],
  io: Parameters<Command>[1],
): Promise<number> {
  const opts: ClusterRunOptions = {};
  const { seeds, start, single, trace, help } = parseSeedRunArgs("tandem cluster-sim", argv, (a, next) => {
    switch (a) {
      case "--nodes":
        opts.nodes = intArg(a, next(), 3, 9);
        break;
      case "--steps":
        opts.steps = intArg(a, next(), 0, 1000);
        break;
      case "--faults":
        opts.faults = faultListArg(next(), CLUSTER_FAULTS);
        break;
      default:
        return false;
    }
    return true;
  });
  if (help) {
    io.stdout(USAGE);
    return 0;
  }

  const first = single ?? start;
  const count = single === null ? seeds : 1;
  let failed = 0;
  for (let s = first; s < first + count; s++) {
    const r = run(s, { ...opts, trace });
    if (trace) io.stdout(`${r.trace.join("\n")}\n`);
    const what = `${r.nodes} nodes, faults ${r.faults.join(",") || "none"}`;
    if (!r.ok) {
      failed++;
      io.stdout(`seed ${s} FAILED (${what}): ${r.violation}\n  replay: ${replayCommand(s, opts)}\n`);
    } else if (r.notes.length > 0) {
      for (const n of r.notes) io.stdout(`seed ${s} note: ${n}\n`);
    }
    if (r.ok && single !== null) {
      io.stdout(
        `seed ${s} ok: ${what}, ${r.acked}/${r.submitted} changes acknowledged, ${r.fences} fencings, ` +
          `converged ${r.convergedMs} ms after faults stopped on [${r.finalMembers.map((i) => `n${i}`)}], ` +
          `${r.events} events\n`,
      );
    }
  }
  io.stdout(`${count - failed} passed, ${failed} failed\n`);
  return failed > 0 ? 1 : 0;
}
