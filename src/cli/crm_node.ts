// `crm_node`: this node's name and id, the cluster's nodes and quorum, from the
// local tandemd, as Pacemaker 2.1.5's crm_node prints them.
//   crm_node -l | -p | -q | -n | -i | -N ID

import { parseArgs, usageError } from "../status/args.js";
import { statusOrFail } from "../status/connect.js";
import type { Command } from "./io.js";

const USAGE = `Usage:
  crm_node [OPTION?]

Tool for displaying low-level node information

Commands:
  -n, --name                     Display the name used by the cluster for this node
  -N, --name-for-id=NUMBER       Display the name used by the cluster for the node with the specified ID
  -q, --quorum                   Display a 1 if our partition has quorum, 0 if not
  -l, --list                     Display all known members (past and present) of this cluster
  -p, --partition                Display the members of this partition
  -i, --cluster-id               Display this node's cluster ID
  -h, --help                     Show help options
`;

const SPEC = {
  name: { names: ["-n", "--name"] },
  nameFor: { names: ["-N", "--name-for-id"], value: true },
  quorum: { names: ["-q", "--quorum"] },
  list: { names: ["-l", "--list"] },
  partition: { names: ["-p", "--partition"] },
  id: { names: ["-i", "--cluster-id"] },
  help: { names: ["-h", "--help", "-?"] },
};

export const crmNodeCommand: Command = async (argv, io) => {
  const { opts, rest } = parseArgs("crm_node", argv, SPEC);
  if (opts.has("help")) {
    io.stdout(USAGE);
    return 0;
  }
  if (rest.length > 0) throw usageError("crm_node", `unexpected argument '${rest[0]}'`);
  const cmds = ["name", "nameFor", "quorum", "list", "partition", "id"].filter((c) => opts.has(c));
  if (cmds.length === 0) {
    io.stderr("crm_node: No command specified\n");
    return 64;
  }
  if (cmds.length > 1) throw usageError("crm_node", "only one command may be given");
  const nameFor = opts.get("nameFor") as string | undefined;
  if (nameFor !== undefined && !/^\d+$/.test(nameFor))
    throw usageError("crm_node", `--name-for-id needs a node ID (a number): got '${nameFor}'`);
  const res = await statusOrFail(io, "controller");
  if (!res.ok) return res.code;
  const st = res.status;
  const nodes = [...st.nodes].sort((a, b) => a.id - b.id);
  switch (cmds[0]) {
    case "name":
      io.stdout(`${st.nodeName}\n`);
      return 0;
    case "id":
      io.stdout(`${st.nodeId}\n`);
      return 0;
    case "quorum":
      io.stdout(`${st.quorate ? 1 : 0}\n`);
      return 0;
    case "list":
      io.stdout(nodes.map((n) => `${n.id} ${n.name} ${n.member ? "member" : "lost"}\n`).join(""));
      return 0;
    case "partition":
      io.stdout(
        `${nodes
          .filter((n) => n.member)
          .map((n) => n.name)
          .join(" ")}\n`,
      );
      return 0;
    default: {
      const n = nodes.find((x) => String(x.id) === nameFor);
      if (!n) {
        io.stderr(`crm_node: Could not find node with ID ${nameFor}\n`);
        return 105;
      }
      io.stdout(`${n.name}\n`);
      return 0;
    }
  }
};
