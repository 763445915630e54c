// corosync-cmapctl: prints a running node's runtime keys (`key (type) = value`), all of them
// or those under the PREFIX arguments, like the Corosync tool; -g KEY prints one key.

import { ErrorCodes, TandemError } from "../core/errors.js";
import { membershipRequest } from "../transport/ipc-schema.js";
import { formatCmap, nodeSocketPath } from "../transport/tools-format.js";
import type { Command } from "./io.js";

const USAGE = `usage:  corosync-cmapctl [-b] [-DdghsTtp] [params...]

    -b show binary values

    -g get value of key (param is key name)
    corosync-cmapctl -g totem.token

    -h show this help

Without options, print all keys, or those starting with the given prefixes:
    corosync-cmapctl [-b] [PREFIX...]
`;

export const cmapctlCommand: Command = async (argv, io) => {
  const prefixes: string[] = [];
  let getKey: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "-b") continue;
    if (a === "-h" || a === "--help") {
      io.stdout(USAGE);
      return 0;
    }
    if (a === "-g") {
      getKey = argv[++i];
      if (getKey === undefined) throw new TandemError(ErrorCodes.USAGE, "option -g needs a key name");
    } else if (a.startsWith("-")) {
      throw new TandemError(ErrorCodes.USAGE, `option '${a}' is not supported (supported: -b, -g KEY, -h)`);
    } else prefixes.push(a);
  }
  let entries: Awaited<ReturnType<typeof membershipRequest<"cmap.list">>>;
  try {
    entries = await membershipRequest(nodeSocketPath(io.env), "cmap.list", {});
  } catch (e) {
    if (e instanceof TandemError && e.code === ErrorCodes.IPC_UNAVAILABLE) {
      io.stderr(`Failed to initialize the cmap API. Error CS_ERR_LIBRARY (${e.message})\n`);
      return 1;
    }
    throw e;
  }
  if (getKey !== undefined) {
    const e = entries.find((x) => x.key === getKey);
    if (!e) {
      io.stderr(`Can't get key ${getKey}. Error CS_ERR_NOT_EXIST\n`);
      return 1;
    }
    io.stdout(formatCmap([e]));
    return 0;
  }
  if (prefixes.length === 0) {
    io.stdout(formatCmap(entries));
    return 0;
  }
  // As corosync-cmapctl 3.1: exit 1 when a prefix matches no key.
  let status = 0;
  for (const p of prefixes) {
    const text = formatCmap(entries, p);
    if (text === "") status = 1;
    io.stdout(text);
  }
  return status;
};
