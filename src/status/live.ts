// The live cluster as the status tools see it: one `status` call to the local tandemd
// (socket from TANDEM_SOCKET / TANDEM_ROOT), the CIB parsed and unpacked by the
// scheduler (no scheduling), and the connection failure turned into the errno wording
// Pacemaker's tools print ("Connection refused").

import { unpackCib } from "../cib/unpack.js";
import { ErrorCodes, TandemError } from "../core/errors.js";
import { parseXml, type XmlElement } from "../core/xml.js";
import { socketPathFromEnv } from "../daemon/paths.js";
import { cibRequest, type StatusResult } from "../daemon/protocol.js";
import { unpackOnly, type WorkingSet } from "../scheduler/index.js";

export interface LiveStatus {
  status: StatusResult;
  /** The whole CIB as an element tree. */
  cib: XmlElement;
  ws: WorkingSet;
  /** Wall-clock ms of the answer. */
  now: number;
}

/** Pacemaker's exit status when the cluster cannot be reached (CRM_EX_UNAVAILABLE... 102 = not connected). */
export const EXIT_NOT_CONNECTED = 102;

/** Why the daemon could not be reached, in strerror's words. */
export function connectionReason(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  if (/ECONNREFUSED|ENOENT/.test(msg)) return "Connection refused";
  if (/EACCES|EPERM/.test(msg)) return "Permission denied";
  if (/no answer|ETIMEDOUT/.test(msg)) return "Connection timed out";
  if (/closed the connection|ECONNRESET|EPIPE/.test(msg)) return "Transport endpoint is not connected";
  return msg;
}

/** The daemon could not be reached: carries the reason, callers word the message. */
export class NotConnected extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

export function socketOf(env: Record<string, string | undefined>): string {
  return socketPathFromEnv(env);
}

export async function fetchStatus(
  env: Record<string, string | undefined>,
  opts: { timeoutMs?: number } = {},
): Promise<StatusResult> {
  try {
    return await cibRequest(socketOf(env), "status", {}, { timeoutMs: opts.timeoutMs ?? 30_000 });
  } catch (e) {
    if (e instanceof TandemError && e.code !== ErrorCodes.IPC_UNAVAILABLE) throw e;
    throw new NotConnected(connectionReason(e));
  }
}

export function fromStatus(status: StatusResult): LiveStatus {
  const cib = parseXml(status.cib);
  const now = status.now;
  const ws = unpackOnly(unpackCib(cib), { now: Math.floor(now / 1000) });
  return { status, cib, ws, now };
}

export async function loadLive(env: Record<string, string | undefined>): Promise<LiveStatus> {
  return fromStatus(await fetchStatus(env));
}
