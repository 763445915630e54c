// Where pcsd and the cluster-wide pcs commands keep their files, all under one prefix
// (TANDEM_ROOT, default "/"), so a lab node is just another directory.

import { join, resolve } from "node:path";

export interface PcsdPaths {
  root: string;
  /** var/lib/tandem/pcsd: tokens, known hosts, password hash, TLS key and certificate. */
  pcsdDir: string;
  /** Server side: hashes of the tokens this node has issued. */
  tokens: string;
  /** Client side: hosts this node has authenticated to (name, addresses, port, token, fingerprint). */
  knownHosts: string;
  /** scrypt hash of the hacluster password (set by `tandem passwd hacluster`). */
  passwd: string;
  tlsKey: string;
  tlsCert: string;
  /** A token for pcs commands run on this node against its own pcsd, renewed at each pcsd start. */
  localToken: string;
  /** Flag file: start the cluster daemon when pcsd starts (`pcs cluster enable`). */
  enabledFlag: string;
  etcDir: string;
  corosyncConf: string;
  authkey: string;
  cibDir: string;
  runDir: string;
  /** Written by a running pcsd: its address, port and pid, for local pcs commands. */
  pcsdRuntime: string;
  /** Written by tandemd itself (pcsd only reads it). */
  daemonPid: string;
  logDir: string;
  pcsdLog: string;
  /** stdout/stderr of a cluster daemon pcsd runs as its child (tandemd keeps its own log). */
  daemonOutput: string;
}

export function rootFrom(env: Record<string, string | undefined>): string {
  return resolve(env.TANDEM_ROOT && env.TANDEM_ROOT !== "" ? env.TANDEM_ROOT : "/");
}

export function pcsdPaths(root: string): PcsdPaths {
  const pcsdDir = join(root, "var/lib/tandem/pcsd");
  const etcDir = join(root, "etc/tandem");
  const runDir = join(root, "run/tandem");
  const logDir = join(root, "var/log/tandem");
  return {
    root,
    pcsdDir,
    tokens: join(pcsdDir, "tokens"),
    knownHosts: join(pcsdDir, "known-hosts"),
    passwd: join(pcsdDir, "passwd"),
    tlsKey: join(pcsdDir, "pcsd.key"),
    tlsCert: join(pcsdDir, "pcsd.crt"),
    localToken: join(pcsdDir, "local-token"),
    enabledFlag: join(pcsdDir, "cluster-enabled"),
    etcDir,
    corosyncConf: join(etcDir, "corosync.conf"),
    authkey: join(etcDir, "authkey"),
    cibDir: join(root, "var/lib/tandem/cib"),
    runDir,
    pcsdRuntime: join(runDir, "pcsd.json"),
    daemonPid: join(runDir, "tandemd.pid"),
    logDir,
    pcsdLog: join(logDir, "pcsd.log"),
    daemonOutput: join(logDir, "tandemd.out"),
  };
}
