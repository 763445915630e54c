// `crmadmin`: which node is the DC (-D) and the cluster's nodes (-N), from the
// local tandemd, as Pacemaker 2.1.5's crmadmin prints them.

import { parseArgs, usageError } from "../status/args.js";
import { statusOrFail } from "../status/connect.js";
import type { Command } from "./io.js";

const USAGE = `Usage:
  crmadmin [OPTION?]

Development tool for performing some controller-specific commands.

Commands:
  -D, --dc_lookup       Display the uname of the node co-ordinating the cluster.
  -N, --nodes           Display the uname of all member nodes
  -q, --quiet           Display only the essential query information
  -h, --help            Show help options
`;

const SPEC = {
  dc: { names: ["-D", "--dc_lookup"] },
  nodes: { names: ["-N", "--nodes"] },
  quiet: { names: ["-q", "--quiet"] },
  help: { names: ["-h", "--help", "-?"] },
};

export const crmadminCommand: Command = async (argv, io) => {
  const { opts, rest } = parseArgs("crmadmin", argv, SPEC);
  if (opts.has("help")) {
    io.stdout(USAGE);
    return 0;
  }
  if (rest.length > 0 && !opts.has("nodes")) throw usageError("crmadmin", `unexpected argument '${rest[0]}'`);
  if (!opts.has("dc") && !opts.has("nodes")) {
    io.stderr("crmadmin: Command option must be specified\n");
    return 64;
  }
  const res = await statusOrFail(io, "controller");
  if (!res.ok) return res.code;
  const st = res.status;
  if (opts.has("dc")) {
    if (!st.dcName) {
      io.stderr("error: No reply received from controller before timeout (120000ms)\n");
      return 124;
    }
    io.stdout(opts.has("quiet") ? `${st.dcName}\n` : `Designated Controller is: ${st.dcName}\n`);
    return 0;
  }
  const nodes = [...st.nodes].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  io.stdout(
    nodes.map((n) => (opts.has("quiet") ? `${n.name}\n` : `member node: ${n.name} (${n.id})\n`)).join(""),
  );
  return 0;
};
