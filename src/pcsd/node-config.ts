// What pcsd changes on its own node for cluster-wide commands: writing corosync.conf and the
// authkey (cluster setup, file distribution), and removing the cluster configuration and the
// CIB (destroy). Every input is validated before anything is written.

import { existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { relative } from "node:path";
import { ErrorCodes, TandemError } from "../core/errors.js";
import { parseCorosyncConf } from "../transport/corosync-conf.js";
import { checkAuthkey } from "../transport/crypto.js";
import type { DistributableFile } from "./api.js";
import { readFileIfExists, writeFileAtomic } from "./fsutil.js";
import type { PcsdPaths } from "./paths.js";

/** Decodes and size-checks a distributed authkey (the transport's bounds). */
export function decodeAuthkey(b64: string): Buffer {
  const key = Buffer.from(b64, "base64");
  try {
    checkAuthkey(key, "the authkey");
  } catch (e) {
    throw new TandemError(ErrorCodes.PCSD_BAD_REQUEST, (e as Error).message);
  }
  return key;
}

/** Checks that the text is a corosync.conf the cluster can run with (parser errors name the line). */
export function checkCorosyncConf(text: string): { clusterName: string | null } {
  try {
    const conf = parseCorosyncConf(text);
    return { clusterName: conf.totem.cluster_name ?? null };
  } catch (e) {
    if (e instanceof TandemError) throw new TandemError(ErrorCodes.PCSD_BAD_REQUEST, e.message);
    throw e;
  }
}

/** The cluster name in the local corosync.conf, or null (no file, or unreadable). */
export function localClusterName(paths: PcsdPaths): string | null {
  const text = readFileIfExists(paths.corosyncConf);
  if (text === undefined) return null;
  try {
    return checkCorosyncConf(text).clusterName;
  } catch {
    return null;
  }
}

export function isConfigured(paths: PcsdPaths): boolean {
  return existsSync(paths.corosyncConf) || existsSync(paths.authkey);
}

/** Writes validated files; the authkey first (0600), then corosync.conf (0644). */
export function writeClusterFiles(
  paths: PcsdPaths,
  files: { name: DistributableFile; data: Buffer }[],
): string[] {
  const order: DistributableFile[] = ["authkey", "corosync.conf"];
  const written: string[] = [];
  // etc/tandem is readable by all (corosync.conf is not a secret; the authkey is 0600).
  mkdirSync(paths.etcDir, { recursive: true, mode: 0o755 });
  for (const name of order)
    for (const f of files.filter((x) => x.name === name)) {
      if (name === "authkey") writeFileAtomic(paths.authkey, f.data, 0o600);
      else writeFileAtomic(paths.corosyncConf, f.data, 0o644);
      written.push(name);
    }
  return written;
}

/** Removes corosync.conf, the authkey and the CIB directory; returns what was there. */
export function removeClusterFiles(paths: PcsdPaths): string[] {
  const removed: string[] = [];
  for (const f of [paths.corosyncConf, paths.authkey, paths.enabledFlag]) {
    if (existsSync(f)) {
      rmSync(f, { force: true });
      removed.push(relative(paths.root, f));
    }
  }
  if (existsSync(paths.cibDir)) {
    for (const name of readdirSync(paths.cibDir)) {
      rmSync(`${paths.cibDir}/${name}`, { recursive: true, force: true });
      removed.push(relative(paths.root, `${paths.cibDir}/${name}`));
    }
  }
  return removed;
}
