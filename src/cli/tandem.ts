// `tandem`: the umbrella command. Subcommands are added by the layers that own them
// (explain, sim, lab, passwd ...) through the table below.

import type { Command, CommandIO } from "./io.js";

type Sub = { summary: string; load: () => Promise<Command> };

export const tandemSubcommands: Record<string, Sub> = {
  explain: {
    summary: "why a resource is placed where it is (scores and their sources)",
    load: async () => (await import("./explain.js")).explainCommand,
  },
  sim: {
    summary: "run the deterministic membership simulator over seeds",
    load: async () => (await import("./sim.js")).simCommand,
  },
  "cluster-sim": {
    summary: "run whole simulated clusters (CIB, controller, scheduler, fencing) over seeds",
    load: async () => (await import("../sim/cluster/cli.js")).clusterSimCommand,
  },
  lab: {
    summary: "the failover lab: a cluster on this machine, faults, failover measured",
    load: async () => (await import("./lab.js")).labCommand,
  },
  passwd: {
    summary: "set the pcsd password of user hacluster",
    load: async () => (await import("./passwd.js")).passwdCommand,
  },
};

function usage(io: CommandIO): void {
  const lines = ["Usage: tandem COMMAND [ARGS...]", "", "Commands:"];
  for (const [name, s] of Object.entries(tandemSubcommands).sort())
    lines.push(`  ${name.padEnd(12)} ${s.summary}`);
  lines.push("  version      print the version");
  io.stdout(`${lines.join("\n")}\n`);
}

export const tandemCommand: Command = async (argv, io) => {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === "help" || sub === "--help" || sub === "-h") {
    usage(io);
    return sub === undefined ? 1 : 0;
  }
  if (sub === "version" || sub === "--version") {
    io.stdout("tandem 0.1.0\n");
    return 0;
  }
  const s = tandemSubcommands[sub];
  if (!s) {
    io.stderr(`tandem: unknown command '${sub}' (see 'tandem help')\n`);
    return 2;
  }
  return (await s.load())(rest, io);
};
