// `tandem sim`: runs the deterministic simulator over a range of seeds (swarm mode: each
// seed picks cluster size, network and fault mix), prints one line per failing seed with
// the command that replays it, and `N passed, M failed`. `--seed S --trace` replays one
// run and prints its event trace.

import { FAULT_KINDS, type RunOptions, runSeed } from "../sim/swarm.js";
import type { Command } from "./io.js";
import { faultListArg, intArg, parseSeedRunArgs } from "../sim/cli-args.js";

const USAGE = `Usage: tandem sim --seeds N [--start S] [--nodes K] [--faults LIST]
       tandem sim --seed S [--nodes K] [--faults LIST] [--trace]

Runs the membership layer (Totem ring, process groups, votequorum) in the
deterministic simulator. Each seed picks the cluster size (2-6 nodes unless
--nodes), the network and the fault mix; checkers watch every step.

Options:
  --seeds N        number of seeds to run (default 100)
  --start S        first seed (default 1)
  --seed S         run one seed
  --nodes K        cluster size (2-64)
  --faults LIST    comma-separated fault kinds the seeds choose from:
                   ${FAULT_KINDS.join(", ")}, or "none"
  --fault-time MS  length of the fault phase in virtual ms (default 3000)
  --trace          print the event trace (with --seed)

Example: tandem sim --seeds 1000 --faults partition,crash
`;

export const simCommand: Command = async (argv, io) => {
  const opts: RunOptions = {};
  const { seeds, start, single, trace, help } = parseSeedRunArgs("tandem sim", argv, (a, next) => {
    switch (a) {
      case "--nodes":
        opts.nodes = intArg(a, next(), 2, 64);
        break;
      case "--fault-time":
        opts.faultTime = intArg(a, next(), 500, 600_000);
        break;
      case "--faults":
        opts.faults = faultListArg(next(), FAULT_KINDS);
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

  const replay = (seed: number) => {
    const parts = ["tandem sim", `--seed ${seed}`];
    if (opts.nodes !== undefined) parts.push(`--nodes ${opts.nodes}`);
    if (opts.faults !== undefined) parts.push(`--faults ${opts.faults.join(",") || "none"}`);
    if (opts.faultTime !== undefined) parts.push(`--fault-time ${opts.faultTime}`);
    parts.push("--trace");
    return parts.join(" ");
  };

  const first = single ?? start;
  const count = single === null ? seeds : 1;
  let failed = 0;
  for (let s = first; s < first + count; s++) {
    const r = runSeed(s, { ...opts, trace });
    if (trace) io.stdout(`${r.trace.join("\n")}\n`);
    if (!r.ok) {
      failed++;
      io.stdout(
        `seed ${s} FAILED (${r.nodes} nodes, faults ${r.faults.join(",") || "none"}): ${r.violation}\n` +
          `  replay: ${replay(s)}\n`,
      );
    } else if (single !== null) {
      io.stdout(
        `seed ${s} ok: ${r.nodes} nodes, faults ${r.faults.join(",") || "none"}, ` +
          `${r.events} events, ${r.deliveries} deliveries, ${r.configChanges} configuration changes\n`,
      );
    }
  }
  io.stdout(`${count - failed} passed, ${failed} failed\n`);
  return failed > 0 ? 1 : 0;
};
