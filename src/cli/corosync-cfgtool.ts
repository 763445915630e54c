// corosync-cfgtool -s: this node's id, transport and the status of every link to every peer,
// in Corosync's layout.

import { ErrorCodes, TandemError } from "../core/errors.js";
import { membershipRequest } from "../transport/ipc-schema.js";
import { formatCfgStatus, nodeSocketPath } from "../transport/tools-format.js";
import type { Command } from "./io.js";

const USAGE = `corosync-cfgtool [[-i <IP address>] [-b] [-s] [-n] [-R] [-L] [-k nodeid] [-a nodeid] [-h] [-H] [--force]

A tool for displaying and configuring active parameters within corosync.
options:
	-s	Displays the status of the current links on this node.
	-h	Print basic usage.
`;

export const cfgtoolCommand: Command = async (argv, io) => {
  if (argv.length === 0 || argv.includes("-h") || argv.includes("--help")) {
    io.stdout(USAGE);
    return argv.length === 0 ? 1 : 0;
  }
  for (const a of argv)
    if (a !== "-s")
      throw new TandemError(ErrorCodes.USAGE, `option '${a}' is not supported (supported: -s, -h)`);
  let c: Awaited<ReturnType<typeof membershipRequest<"cfg.status">>>;
  try {
    c = await membershipRequest(nodeSocketPath(io.env), "cfg.status", {});
  } catch (e) {
    if (e instanceof TandemError && e.code === ErrorCodes.IPC_UNAVAILABLE) {
      io.stderr(`Could not initialize corosync configuration API error 2 (${e.message})\n`);
      return 1;
    }
    throw e;
  }
  io.stdout(formatCfgStatus(c));
  return 0;
};
