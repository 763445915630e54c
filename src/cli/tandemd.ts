// `tandemd`: the node daemon (membership, CIB, controller, executor) in the foreground.
//   tandemd [--root DIR] [--name NODE | --nodeid N] [--log-level LEVEL] [--log-stderr]
// Reads TANDEM_ROOT/etc/tandem/corosync.conf and authkey, serves TANDEM_ROOT/run/tandem/tandemd.sock,
// logs to TANDEM_ROOT/var/log/tandem/tandemd.log. SIGTERM = graceful stop (resources move first).

import { ErrorCodes, TandemError } from "../core/errors.js";
import type { LogLevel } from "../core/log.js";
import { runDaemon } from "../daemon/main.js";
import { membershipGroupFactory } from "../daemon/runtime-group.js";
import type { Command } from "./io.js";

const USAGE = `Usage: tandemd [--root DIR] [--name NODE | --nodeid N] [--log-level LEVEL] [--log-stderr]
Runs the tandem cluster daemon for this node in the foreground.
  --root DIR        prefix of etc/tandem, var/lib/tandem, run/tandem (default $TANDEM_ROOT or /)
  --name NODE       which nodelist entry this node is (default $TANDEM_NODE_NAME, else the host name)
  --nodeid N        the same, by node id
  --log-level L     trace, debug, info (default), notice, warning, error, crit
  --log-stderr      also copy log lines to standard error
`;

const LEVELS = ["trace", "debug", "info", "notice", "warning", "error", "crit"];

function usageError(msg: string): TandemError {
  return new TandemError(ErrorCodes.USAGE, msg, { exitCode: 2 });
}

export const tandemdCommand: Command = async (argv, io) => {
  let root = io.env.TANDEM_ROOT ?? "/";
  let nodeName = io.env.TANDEM_NODE_NAME;
  let nodeId: number | undefined = io.env.TANDEM_NODEID ? Number(io.env.TANDEM_NODEID) : undefined;
  let logLevel: LogLevel = "info";
  let logStderr = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.indexOf("=");
    const name = a.startsWith("--") && eq > 0 ? a.slice(0, eq) : a;
    const value = () => {
      if (a.startsWith("--") && eq > 0) return a.slice(eq + 1);
      const v = argv[++i];
      if (v === undefined) throw usageError(`option '${name}' needs a value`);
      return v;
    };
    switch (name) {
      case "-h":
      case "--help":
        io.stdout(USAGE);
        return 0;
      case "--root":
        root = value();
        break;
      case "--name":
        nodeName = value();
        break;
      case "--nodeid": {
        const v = value();
        if (!/^[1-9][0-9]*$/.test(v)) throw usageError(`--nodeid must be a positive integer: got '${v}'`);
        nodeId = Number(v);
        break;
      }
      case "--log-level": {
        const v = value();
        if (!LEVELS.includes(v))
          throw usageError(`--log-level must be one of ${LEVELS.join(", ")}: got '${v}'`);
        logLevel = v as LogLevel;
        break;
      }
      case "--log-stderr":
        logStderr = true;
        break;
      default:
        throw usageError(`unknown option '${a}' (see tandemd --help)`);
    }
  }
  if (nodeId !== undefined && !Number.isInteger(nodeId)) throw usageError("TANDEM_NODEID must be an integer");
  const code = await runDaemon({
    root,
    nodeName,
    nodeId,
    logLevel,
    logStderr,
    groupFactory: membershipGroupFactory,
  });
  // Timers of agents or sockets must not keep a finished daemon alive.
  setImmediate(() => process.exit(code));
  return code;
};
