// corosync-quorumtool: quorum status (-s, the default) and node list (-l) of a running node,
// in Corosync's layout. Exit status as the real tool: 0, 1 on error, 2 when -s finds no quorum.

import { ErrorCodes, TandemError } from "../core/errors.js";
import { membershipRequest } from "../transport/ipc-schema.js";
import { formatQuorumList, formatQuorumStatus, nodeSocketPath } from "../transport/tools-format.js";
import type { Command } from "./io.js";

const USAGE = `usage: corosync-quorumtool <options>

  options:

  -s             show quorum status
  -l             list nodes
  -e <expected>  change expected votes for the cluster
  -h             show this help text
`;

export const quorumtoolCommand: Command = async (argv, io) => {
  let mode: "s" | "l" | "e" = "s";
  let expected = 0;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "-s") mode = "s";
    else if (a === "-l") mode = "l";
    else if (a === "-e") {
      const v = argv[++i];
      if (v === undefined || !/^[0-9]+$/.test(v) || Number(v) < 1)
        throw new TandemError(
          ErrorCodes.USAGE,
          `option -e needs a positive number of votes: got '${v ?? ""}'`,
        );
      mode = "e";
      expected = Number(v);
    } else if (a === "-h" || a === "--help") {
      io.stdout(USAGE);
      return 0;
    } else
      throw new TandemError(ErrorCodes.USAGE, `option '${a}' is not supported (supported: -s, -l, -e, -h)`);
  }
  if (mode === "e") {
    try {
      await membershipRequest(nodeSocketPath(io.env), "quorum.setExpectedVotes", { expectedVotes: expected });
    } catch (e) {
      if (e instanceof TandemError && e.code === ErrorCodes.IPC_UNAVAILABLE) {
        io.stderr(`Cannot initialize CMAP service (${e.message})\n`);
        return 1;
      }
      throw e;
    }
    return 0;
  }
  let q: Awaited<ReturnType<typeof membershipRequest<"quorum.status">>>;
  try {
    q = await membershipRequest(nodeSocketPath(io.env), "quorum.status", {});
  } catch (e) {
    if (e instanceof TandemError && e.code === ErrorCodes.IPC_UNAVAILABLE) {
      io.stderr(`Cannot initialize CMAP service (${e.message})\n`);
      return 1;
    }
    throw e;
  }
  if (mode === "l") {
    io.stdout(formatQuorumList(q));
    return 0;
  }
  io.stdout(formatQuorumStatus(q));
  return q.quorate ? 0 : 2;
};
