// Client side: the hosts this node has authenticated to (`pcs host auth`), with the
// addresses and port of their pcsd, the token they issued, and the SHA-256 fingerprint of
// their TLS certificate pinned at auth time. JSON file, 0600 (it holds tokens).

import { closeSync, mkdirSync, openSync, rmSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { ErrorCodes, TandemError } from "../core/errors.js";
import { readJsonIfExists, writeFileAtomic } from "./fsutil.js";

export interface KnownHost {
  name: string;
  /** pcsd addresses, tried in order. */
  addrs: string[];
  port: number;
  token: string;
  fingerprint256: string;
}

export type KnownHosts = Map<string, KnownHost>;

export function readKnownHosts(file: string): KnownHosts {
  const data = readJsonIfExists(file) as { hosts?: Record<string, KnownHost> } | undefined;
  const out: KnownHosts = new Map();
  if (data === undefined) return out;
  if (typeof data.hosts !== "object" || data.hosts === null)
    throw new TandemError(ErrorCodes.IO, `${file}: no host table`);
  for (const [name, h] of Object.entries(data.hosts)) {
    if (!Array.isArray(h?.addrs) || typeof h.port !== "number" || typeof h.token !== "string")
      throw new TandemError(ErrorCodes.IO, `${file}: bad entry for host '${name}'`);
    out.set(name, { ...h, name });
  }
  return out;
}

export function writeKnownHosts(file: string, hosts: KnownHosts): void {
  const obj: Record<string, Omit<KnownHost, "name">> = {};
  for (const [name, { addrs, port, token, fingerprint256 }] of [...hosts].sort(([a], [b]) =>
    a.localeCompare(b),
  ))
    obj[name] = { addrs, port, token, fingerprint256 };
  writeFileAtomic(file, `${JSON.stringify({ format: 1, hosts: obj }, null, 2)}\n`, 0o600);
}

/**
 * Runs `f` holding `${file}.lock` (created exclusively), so two pcs commands on one node do
 * not lose each other's update. A lock older than 30 s is a leftover of a killed process.
 */
export function withFileLock<T>(file: string, f: () => T, timeoutMs = 10_000): T {
  const lock = `${file}.lock`;
  mkdirSync(dirname(lock), { recursive: true, mode: 0o700 });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      closeSync(openSync(lock, "wx", 0o600));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      try {
        if (Date.now() - statSync(lock).mtimeMs > 30_000) rmSync(lock, { force: true });
      } catch {
        // removed meanwhile
      }
      if (Date.now() > deadline)
        throw new TandemError(ErrorCodes.IO, `${file} is locked by another pcs command (${lock})`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
  try {
    return f();
  } finally {
    rmSync(lock, { force: true });
  }
}

/** Adds or replaces entries (read-modify-write of the whole file, under a lock). */
export function updateKnownHosts(file: string, entries: KnownHost[]): void {
  withFileLock(file, () => {
    const hosts = readKnownHosts(file);
    for (const e of entries) hosts.set(e.name, e);
    writeKnownHosts(file, hosts);
  });
}

/**
 * Parses pcs's `addr=ADDRESS[:PORT]` value (IPv6 as [addr]:port). Returns undefined port when
 * none is given.
 */
export function parseHostAddr(value: string): { addr: string; port?: number } {
  const v6 = /^\[([0-9a-fA-F:.]+)\](?::(\d+))?$/.exec(value);
  const m = v6 ?? /^([^:\s]+)(?::(\d+))?$/.exec(value);
  if (!m || (!v6 && value.split(":").length > 2)) {
    if (/^[0-9a-fA-F:]+$/.test(value) && value.includes("::")) return { addr: value };
    throw new TandemError(ErrorCodes.USAGE, `invalid address '${value}'`);
  }
  const port = m[2] === undefined ? undefined : Number(m[2]);
  if (port !== undefined && (port < 1 || port > 65535))
    throw new TandemError(ErrorCodes.USAGE, `invalid port '${m[2]}' in address '${value}'`);
  return { addr: m[1], port };
}
