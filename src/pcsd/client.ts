// pcs's side of the pcsd API: one typed call per endpoint over TLS, with the node's
// certificate fingerprint checked against the pinned one *before* any request byte (and so
// the token) is sent. First contact (pcs host auth) has no pin and records the fingerprint.

import { request as httpRequest } from "node:http";
import { isIPv6 } from "node:net";
import { type TLSSocket, connect as tlsConnect } from "node:tls";
import { ErrorCodes, TandemError } from "../core/errors.js";
import {
  API_PREFIX,
  type EndpointName,
  type RequestOf,
  type ResponseOf,
  TOKEN_HEADER,
  endpoints,
  errorBody,
} from "./api.js";

export interface PcsdTarget {
  /** Host name as the user knows it (known-hosts key), used in messages. */
  name: string;
  addrs: string[];
  port: number;
  token?: string;
  /** Pinned certificate fingerprint; undefined only for the first contact (auth). */
  fingerprint256?: string;
}

export interface CallResult<E extends EndpointName> {
  body: ResponseOf<E>;
  fingerprint256: string;
  addr: string;
}

const MAX_RESPONSE_BYTES = 2 * 1024 * 1024;
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

/** The reason in pcs's words (pcs reports curl's messages). */
export function connectReason(e: unknown, name: string, port: number): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  switch (code) {
    case "ECONNREFUSED":
      return `Failed to connect to ${name} port ${port}: Connection refused`;
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return `Failed to connect to ${name} port ${port}: No route to host`;
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `Could not resolve host: ${name}`;
    case "ECONNRESET":
      return "Connection reset by peer";
    default:
      return e instanceof Error ? e.message : String(e);
  }
}

function unreachable(name: string, reason: string): TandemError {
  return new TandemError(
    ErrorCodes.PCSD_UNREACHABLE,
    `Unable to connect to ${name}, check if pcsd is running there or try setting higher timeout with --request-timeout option (${reason})`,
  );
}

function connectPinned(
  target: PcsdTarget,
  addr: string,
  timeoutMs: number,
): Promise<{ socket: TLSSocket; fp: string }> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({
      host: addr,
      port: target.port,
      rejectUnauthorized: false,
      minVersion: "TLSv1.2",
    });
    const timer = setTimeout(() => socket.destroy(new Error("connection timed out")), timeoutMs);
    socket.once("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    socket.once("secureConnect", () => {
      clearTimeout(timer);
      const fp = socket.getPeerCertificate().fingerprint256;
      if (target.fingerprint256 !== undefined && fp !== target.fingerprint256) {
        socket.destroy();
        reject(
          new TandemError(
            ErrorCodes.PCSD_CERT_MISMATCH,
            `the pcsd certificate has changed since the host was authenticated (pinned ${target.fingerprint256.slice(0, 23)}..., got ${fp.slice(0, 23)}...); if this is expected, run 'pcs host auth ${target.name}' again`,
          ),
        );
        return;
      }
      resolve({ socket, fp });
    });
  });
}

/** Calls one endpoint on one node; throws a TandemError with the server's code on failure. */
export async function callPcsd<E extends EndpointName>(
  target: PcsdTarget,
  name: E,
  body: RequestOf<E>,
  opts: { timeoutMs?: number } = {},
): Promise<CallResult<E>> {
  const ep = endpoints[name];
  const timeoutMs = opts.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  if (ep.auth && target.token === undefined)
    throw new TandemError(
      ErrorCodes.PCSD_UNKNOWN_HOST,
      `Host '${target.name}' is not known to pcs, try to authenticate the host using 'pcs host auth ${target.name}' command`,
    );
  let lastErr: unknown;
  for (const addr of target.addrs) {
    let conn: { socket: TLSSocket; fp: string };
    try {
      conn = await connectPinned(target, addr, timeoutMs);
    } catch (e) {
      if (e instanceof TandemError) throw e;
      lastErr = e;
      continue;
    }
    const payload = ep.method === "GET" ? undefined : Buffer.from(JSON.stringify(body));
    const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const headers: Record<string, string> = { accept: "application/json" };
      if (payload) {
        headers["content-type"] = "application/json";
        headers["content-length"] = String(payload.length);
      }
      if (ep.auth && target.token !== undefined) headers[TOKEN_HEADER] = target.token;
      const req = httpRequest({
        method: ep.method,
        host: isIPv6(addr) ? `[${addr}]` : addr,
        port: target.port,
        path: `${API_PREFIX}${ep.path}`,
        headers,
        createConnection: () => conn.socket,
        timeout: timeoutMs,
      });
      req.on("timeout", () => req.destroy(new Error("request timed out")));
      req.on("error", reject);
      req.on("response", (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (c: Buffer) => {
          size += c.length;
          if (size > MAX_RESPONSE_BYTES) req.destroy(new Error("response too large"));
          else chunks.push(c);
        });
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }),
        );
        res.on("error", reject);
      });
      req.end(payload);
    }).catch((e: Error) => {
      throw unreachable(target.name, connectReason(e, target.name, target.port));
    });
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new TandemError(
        ErrorCodes.PCSD_BAD_REQUEST,
        `${target.name}: pcsd sent a response that is not JSON (HTTP ${status})`,
      );
    }
    if (status !== 200) {
      let err: { code: string; message: string };
      try {
        err = errorBody.check(json, "").error;
      } catch {
        throw new TandemError(
          ErrorCodes.PCSD_BAD_REQUEST,
          `${target.name}: pcsd answered HTTP ${status} without an error body`,
        );
      }
      const code = (Object.values(ErrorCodes) as string[]).includes(err.code)
        ? err.code
        : ErrorCodes.PCSD_BAD_REQUEST;
      throw new TandemError(code as (typeof ErrorCodes)[keyof typeof ErrorCodes], err.message);
    }
    const checked = ep.response.check(json, "response") as ResponseOf<E>;
    return { body: checked, fingerprint256: conn.fp, addr };
  }
  const reason = lastErr === undefined ? "no address" : connectReason(lastErr, target.name, target.port);
  throw unreachable(target.name, reason);
}
