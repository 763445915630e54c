// Where a node keeps its files: everything under one prefix, TANDEM_ROOT
// (default "/"), so a lab node is just another prefix.

import { join, resolve } from "node:path";

export interface NodePaths {
  root: string;
  corosyncConf: string;
  authkey: string;
  cibDir: string;
  runDir: string;
  socket: string;
  pidFile: string;
  logDir: string;
  logFile: string;
  /** HA_RSCTMP for agents (state files of ocf:tandem:Dummy...). */
  rscTmp: string;
}

export function nodePaths(root = "/"): NodePaths {
  const r = resolve(root);
  return {
    root: r,
    corosyncConf: join(r, "etc/tandem/corosync.conf"),
    authkey: join(r, "etc/tandem/authkey"),
    cibDir: join(r, "var/lib/tandem/cib"),
    runDir: join(r, "run/tandem"),
    socket: join(r, "run/tandem/tandemd.sock"),
    pidFile: join(r, "run/tandem/tandemd.pid"),
    logDir: join(r, "var/log/tandem"),
    logFile: join(r, "var/log/tandem/tandemd.log"),
    rscTmp: join(r, "run/tandem/rsctmp"),
  };
}

/** The socket a CLI talks to: TANDEM_SOCKET, else TANDEM_ROOT's run/tandem/tandemd.sock. */
export function socketPathFromEnv(env: Record<string, string | undefined>): string {
  return env.TANDEM_SOCKET ?? nodePaths(env.TANDEM_ROOT ?? "/").socket;
}
