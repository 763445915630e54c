// The live cluster as a CibSource: the local tandemd over its IPC socket
// (src/daemon/protocol.ts). `load` is `cibadmin -Q`; `push` replaces the
// configuration section (`cibadmin --replace -o configuration`), so the daemon
// keeps the status section and versions, bumps the epoch and answers only when
// every member has applied the change. No socket: no cluster, pcs's own errors.

import { existsSync } from "node:fs";
import { userInfo } from "node:os";
import type { CommandIO } from "../cli/io.js";
import { ErrorCodes, TandemError } from "../core/errors.js";
import { child } from "../core/xml.js";
import { cibRequest } from "../daemon/protocol.js";
import { socketPathFromEnv } from "../daemon/paths.js";
import { type CibSource, liveCib, parseCib, serializeCib } from "./cib-source.js";
import { PcsError } from "./errors.js";

function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? "root";
  }
}

function ipcError(e: unknown, what: string): PcsError {
  if (e instanceof TandemError && e.code === ErrorCodes.IPC_UNAVAILABLE) return new PcsError(what);
  if (e instanceof TandemError) return new PcsError(`${what}: ${e.message}`);
  return new PcsError(`${what}: ${(e as Error).message ?? String(e)}`);
}

export class IpcCibSource implements CibSource {
  readonly kind = "live";
  constructor(readonly socket: string) {}

  async load(): Promise<string> {
    try {
      return (await cibRequest(this.socket, "cib.query", {}, { timeoutMs: 30_000 })).xml;
    } catch (e) {
      throw ipcError(e, "unable to get cib");
    }
  }

  async push(xml: string): Promise<void> {
    const conf = child(parseCib(xml), "configuration");
    if (!conf) throw new PcsError("Unable to update cib: no configuration section");
    try {
      await cibRequest(
        this.socket,
        "cib.apply",
        // pcs goes through cibadmin: the CIB records that client and the user, as in Pacemaker.
        {
          op: { op: "replace", section: "configuration", xml: serializeCib(conf) },
          client: "cibadmin",
          user: currentUser(),
        },
        { timeoutMs: 60_000 },
      );
    } catch (e) {
      throw ipcError(e, "Unable to update cib");
    }
  }
}

/** The live source when this node's tandemd socket exists, else none (pcs reports no cluster). */
export function liveCibFromEnv(io: CommandIO): CibSource | undefined {
  const socket = socketPathFromEnv(io.env);
  return existsSync(socket) ? new IpcCibSource(socket) : undefined;
}

/** Installs the IPC source as the live CIB unless something else was plugged in first. */
export function installLiveCib(): void {
  liveCib.factory ??= liveCibFromEnv;
}
