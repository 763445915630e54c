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
  -h             show this help text
`;

export const quorumtoolCommand: Command = async (argv, io) => {
  let mode: "s" | "l" = "s";
  for (const a of argv) {
    if (a === "-s") mode = "s";
    else if (a === "-l") mode = "l";
    else if (a === "-h" || a === "--help") {
      io.stdout(USAGE);
      return 0;
    } else throw new TandemError(ErrorCodes.USAGE, `option '${a}' is not supported (supported: -s, -l, -h)`);
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
