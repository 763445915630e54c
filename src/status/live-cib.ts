// The live cluster's whole CIB (configuration + status) from the local tandemd, for
// tools that read a CIB the way they read -x FILE: crm_simulate -L / -sL (to be
// wired in src/cli/crm_simulate.ts's readInput by its owner: `if (o.live) return
// readLiveCib(io.env);`). Not connected: Pacemaker's wording and status 102.

import { ErrorCodes, TandemError } from "../core/errors.js";
import { cibRequest } from "../daemon/protocol.js";
import { EXIT_NOT_CONNECTED, connectionReason, socketOf } from "./live.js";

export async function readLiveCib(
  env: Record<string, string | undefined>,
): Promise<{ text: string; source: string }> {
  try {
    const q = await cibRequest(socketOf(env), "cib.query", {}, { timeoutMs: 30_000 });
    return { text: q.xml, source: "the live CIB" };
  } catch (e) {
    if (e instanceof TandemError && e.code !== ErrorCodes.IPC_UNAVAILABLE) throw e;
    throw new TandemError(
      ErrorCodes.IPC_UNAVAILABLE,
      `Could not connect to the CIB: ${connectionReason(e)}`,
      { exitCode: EXIT_NOT_CONNECTED },
    );
  }
}
