// How the low-level tools (crm_node, crmadmin, crm_resource, stonith_admin) word a
// cluster that cannot be reached, as Pacemaker 2.1.5's tools do, with status 102.

import type { CommandIO } from "../cli/io.js";
import type { StatusResult } from "../daemon/protocol.js";
import { EXIT_NOT_CONNECTED, fetchStatus, NotConnected } from "./live.js";

export type Daemon = "controller" | "fencer" | "CIB";

/** The daemon's status, or the tool's "not connected" lines on stderr and 102. */
export async function statusOrFail(
  io: CommandIO,
  daemon: Daemon,
): Promise<{ ok: true; status: StatusResult } | { ok: false; code: number }> {
  try {
    return { ok: true, status: await fetchStatus(io.env) };
  } catch (e) {
    if (!(e instanceof NotConnected)) throw e;
    if (daemon === "CIB")
      io.stderr(
        `Could not connect to the CIB: ${e.reason}\nError performing operation: ${e.reason === "Connection refused" ? "Transport endpoint is not connected" : e.reason}\n`,
      );
    else io.stderr(`error: Could not connect to ${daemon}: ${e.reason}\n`);
    return { ok: false, code: EXIT_NOT_CONNECTED };
  }
}
