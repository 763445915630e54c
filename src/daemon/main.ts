// tandemd's composition root: reads the node's configuration under
// TANDEM_ROOT, builds the layers (membership runtime or a one-node group, CIB
// replica + disk store, controller, executor, IPC server) and runs until a
// graceful shutdown (SIGTERM/SIGINT or `node.shutdown`) or a fatal error.

import { resolveTimeouts, type TotemOverrides } from "../membership/config.js";
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, networkInterfaces } from "node:os";
import { ErrorCodes, TandemError } from "../core/errors.js";
import { createLogger, type LogLevel, type Logger } from "../core/log.js";
import type { XmlElement } from "../core/xml.js";
import { CibDiskStore } from "../cib/persist.js";
import { basicValidator } from "../cib/store.js";
import { validateCib } from "../cib/validate.js";
import { policyScheduler } from "../controller/policy.js";
import type { SchedulerFn } from "../controller/types.js";
import { Executor } from "../executor/executor.js";
import type { AgentSpec, ExecRequest as RealExecRequest } from "../executor/types.js";
import { type ClusterConfig, loadClusterConfig } from "../transport/cluster-config.js";
import { readAuthkey } from "../transport/crypto.js";
import { applyScheduling, DEFAULT_SCHEDULING } from "../transport/priority.js";
import { type IpcHandler, type IpcServer, serveIpc } from "../transport/ipc.js";
import { type ClusterGroup, SoloGroup } from "./group.js";
import { Fencer } from "./fencer.js";
import { startHeapKeeper } from "./heap-keeper.js";
import { type ExecutorPort, NodeDaemon } from "./node.js";
import { type NodePaths, nodePaths } from "./paths.js";
import { appliedTandemdV8Flags } from "./v8-flags.js";

export interface DaemonOptions {
  root: string;
  /** This node's name or id in the nodelist (else: hostname, else the one local address). */
  nodeName?: string;
  nodeId?: number;
  logLevel?: LogLevel;
  /** Also write log lines to stderr. */
  logStderr?: boolean;
  /** How long a graceful stop may take before the daemon leaves anyway (ms, default 40 s). */
  shutdownTimeoutMs?: number;
  /** Builds the process group for a multi-node cluster (the membership runtime). */
  groupFactory?: (args: { cluster: ClusterConfig; nodeId: number; authkey: Buffer; log: Logger }) => Promise<{
    group: ClusterGroup;
    ipcHandlers?: Record<string, IpcHandler>;
  }>;
  scheduler?: SchedulerFn;
}

/** Which nodelist entry is this node. */
export function localNode(cluster: ClusterConfig, opts: { nodeName?: string; nodeId?: number }): number {
  const nodes = cluster.nodes;
  if (opts.nodeId !== undefined) {
    if (!nodes.some((n) => n.nodeid === opts.nodeId))
      throw new TandemError(ErrorCodes.TRANSPORT, `node id ${opts.nodeId} is not in the nodelist`);
    return opts.nodeId;
  }
  if (opts.nodeName !== undefined) {
    const n = nodes.find((x) => x.name === opts.nodeName || String(x.nodeid) === opts.nodeName);
    if (!n) throw new TandemError(ErrorCodes.TRANSPORT, `node '${opts.nodeName}' is not in the nodelist`);
    return n.nodeid;
  }
  if (nodes.length === 1) return nodes[0].nodeid;
  const h = hostname();
  const byName = nodes.filter((n) => n.name === h || n.name === h.split(".")[0]);
  if (byName.length === 1) return byName[0].nodeid;
  const local = new Set(
    Object.values(networkInterfaces())
      .flat()
      .map((i) => i?.address),
  );
  const byAddr = nodes.filter((n) => Object.values(n.addrs).some((a) => local.has(a)));
  if (byAddr.length === 1) return byAddr[0].nodeid;
  throw new TandemError(
    ErrorCodes.TRANSPORT,
    "cannot tell which nodelist entry is this node: give --name NAME (or TANDEM_NODE_NAME)",
  );
}

function fileLogger(paths: NodePaths, level: LogLevel, stderr: boolean): Logger {
  mkdirSync(paths.logDir, { recursive: true, mode: 0o750 });
  return createLogger({
    level,
    subsystem: "tandemd",
    sink: (line) => {
      try {
        appendFileSync(paths.logFile, `${line}\n`);
      } catch {
        // the log is best effort; stderr still gets it when asked
      }
      if (stderr) process.stderr.write(`${line}\n`);
    },
  });
}

/** The executor wrapped to the controller's port (agent class strings checked by the executor). */
function executorPort(ex: Executor): ExecutorPort {
  return {
    execute: (req) => ex.execute({ ...req, agent: req.agent as AgentSpec } as RealExecRequest),
    cancelAll: (rscId) => ex.cancelAll(rscId),
    onResult: (fn) => ex.onResult(fn),
    fence: (req) => ex.fence(req),
    shutdown: () => ex.shutdown(),
  };
}

/** Runs the daemon; resolves with the exit status. */
export async function runDaemon(opts: DaemonOptions): Promise<number> {
  const paths = nodePaths(opts.root);
  const log = fileLogger(paths, opts.logLevel ?? "info", opts.logStderr ?? false);
  let confText: string;
  try {
    confText = readFileSync(paths.corosyncConf, "utf8");
  } catch (e) {
    throw new TandemError(
      ErrorCodes.IO,
      `cannot read ${paths.corosyncConf}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  const cluster = loadClusterConfig(confText);
  applyScheduling(cluster.scheduling ?? DEFAULT_SCHEDULING, log); // as corosync: SCHED_RR or nice -20
  const nodeId = localNode(cluster, opts);
  const nodes = new Map(cluster.nodes.map((n) => [n.nodeid, n.name]));
  const uname = nodes.get(nodeId)!;
  mkdirSync(paths.runDir, { recursive: true, mode: 0o750 });
  mkdirSync(paths.rscTmp, { recursive: true, mode: 0o750 });

  let group: ClusterGroup;
  let membershipHandlers: Record<string, IpcHandler> = {};
  if (cluster.nodes.length === 1 && !opts.groupFactory) group = new SoloGroup(nodeId);
  else {
    if (!opts.groupFactory)
      throw new TandemError(ErrorCodes.TRANSPORT, "no membership runtime available for a multi-node cluster");
    const authkey = readAuthkey(paths.authkey);
    const g = await opts.groupFactory({ cluster, nodeId, authkey, log: log.child("membership") });
    group = g.group;
    membershipHandlers = g.ipcHandlers ?? {};
  }

  const disk = new CibDiskStore({ dir: paths.cibDir, log: log.child("cib") });
  const loaded = disk.load();
  if (loaded.cib)
    log.log("info", `CIB loaded from ${loaded.source} (epoch ${loaded.cib.attrs.epoch ?? "0"})`);
  const executor = new Executor({
    nodeName: uname,
    env: { HA_RSCTMP: paths.rscTmp, TANDEM_ROOT: paths.root },
    logger: log.child("executor"),
  });
  let scheduler = opts.scheduler ?? policyScheduler;
  if (!opts.scheduler && process.env.TANDEM_SCHEDULER === "interim") {
    // Loaded only when asked for: a node that runs the real scheduler never needs it.
    scheduler = (await import("../controller/interim-scheduler.js")).interimScheduler;
    log.log(
      "warning",
      "TANDEM_SCHEDULER=interim: using the interim placement (no colocation/order/groups/clones)",
    );
  }
  const v8Flags = appliedTandemdV8Flags();
  log.log(
    "info",
    v8Flags
      ? `V8 flags: ${v8Flags.join(" ") || "none"}${process.env.TANDEMD_V8_FLAGS !== undefined ? " (TANDEMD_V8_FLAGS)" : ""}`
      : "V8 flags: Node's defaults (not started by bin/tandemd)",
  );

  let resolveExit: (code: number) => void = () => {};
  const exited = new Promise<number>((r) => {
    resolveExit = r;
  });
  let fencer: Fencer | undefined;
  const daemon = new NodeDaemon({
    nodeId,
    clusterName: cluster.clusterName,
    nodes,
    group,
    executor: executorPort(executor),
    // The DC's fencing goes through the fencer: delegate, topology, cluster-wide history.
    fencing: () => fencer,
    scheduler,
    disk,
    initialCib: loaded.cib,
    validate: schemaValidator,
    log,
    shutdownEscalationMs: opts.shutdownTimeoutMs,
    dcDeadtimeMs: defaultDcDeadtime(cluster.nodes.length, cluster.totem),
    onExit: (code) => resolveExit(code),
  });

  fencer = new Fencer({
    nodes,
    uname,
    cib: () => daemon.replica.cib,
    submit: (op, origin) => daemon.submit(op, origin),
    runAgent: (req) => executor.fence(req),
    log: log.child("fencer"),
    members: () => daemon.memberIds,
    broadcast: (m) => daemon.broadcastFence(m),
  });

  let server: IpcServer | undefined;
  try {
    server = await serveIpc(
      paths.socket,
      { ...membershipHandlers, ...daemon.ipcHandlers(), ...fencer.ipcHandlers() },
      { logger: log.child("ipc") },
    );
  } catch (e) {
    await executor.shutdown();
    throw e;
  }
  writeFileSync(paths.pidFile, `${process.pid}\n`);
  await daemon.start();
  const heapKeeper = startHeapKeeper({ log: log.child("memory") });

  let stopping = false;
  const onSignal = (sig: string) => {
    if (stopping) {
      log.log("warning", `${sig} again: leaving now`);
      resolveExit(0);
      return;
    }
    stopping = true;
    // Bounded by the controller's shutdown-escalation timer (the property, else shutdownTimeoutMs).
    log.log("notice", `${sig}: graceful shutdown (resources move away first)`);
    void daemon.shutdown();
  };
  process.on("SIGTERM", () => onSignal("SIGTERM"));
  process.on("SIGINT", () => onSignal("SIGINT"));

  const code = await exited;
  heapKeeper.stop();
  await daemon.stop().catch(() => {});
  await server.close().catch(() => {});
  if (existsSync(paths.pidFile)) rmSync(paths.pidFile, { force: true });
  log.log("notice", `tandemd exiting with status ${code}`);
  return code;
}

/**
 * What the CIB service refuses: what Pacemaker's schema (and id references)
 * would refuse. Findings of crm_verify's meaning checks (no stonith device...)
 * are not reasons to refuse a change, as in Pacemaker.
 */
export function schemaValidator(cib: XmlElement): void {
  basicValidator(cib);
  const errs = validateCib(cib).filter((f) => f.severity === "error" && f.pacemaker.form !== "log");
  if (errs.length > 0) {
    const more = errs.length > 1 ? ` (and ${errs.length - 1} more)` : "";
    throw new TandemError(errs[0].code, `${errs[0].message}${more}`);
  }
}

/**
 * tandem's dc-deadtime default (Pacemaker's 20 s is sized for its election): long enough for
 * freshly started nodes to find each other and merge — four token + consensus rounds plus
 * the merge timeout of the Totem configuration, at least 2 s.
 */
export function defaultDcDeadtime(nodeCount: number, totem: TotemOverrides): number {
  const t = resolveTimeouts(nodeCount, totem);
  return Math.max(2_000, 4 * (t.token + t.consensus) + t.merge);
}
