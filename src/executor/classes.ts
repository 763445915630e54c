// How each agent class is invoked and how its exit status becomes an OCF rc:
// ocf (OCF 1.1 environment), lsb (init script + LSB status mapping), systemd
// (systemctl), service (systemd if it has the unit, else lsb) and stonith
// (fence agent API: key=value options on stdin).

import {
  baseAgentEnv,
  findInDirs,
  findOcfAgent,
  isSafeName,
  systemdUnitExists,
  systemdUnitName,
} from "./paths.js";
import type { RunOutcome } from "./spawn.js";
import {
  type AgentPaths,
  type AgentSpec,
  type ExecRequest,
  OcfRc,
  OpStatus,
  type OpStatusCode,
} from "./types.js";

/** Pacemaker's CRM feature set we claim (OCF_RESKEY_crm_feature_set). */
export const CRM_FEATURE_SET = "3.16.1";

export interface ClassContext {
  paths: AgentPaths;
  /** Extra environment for every agent (e.g. HA_RSCTMP of a lab node). */
  env: Record<string, string>;
  nodeName?: string;
  /** Whether systemd runs here (detected unless overridden). */
  systemd: boolean;
}

/** A process to run, or an immediate result when there is nothing to run. */
export type Invocation =
  | {
      kind: "run";
      file: string;
      args: string[];
      env: Record<string, string>;
      stdin?: string;
      map: ExitMapper;
    }
  | { kind: "result"; rc: number; status: OpStatusCode; exitReason: string };

export type ExitMapper = (o: RunOutcome) => { rc: number; status: OpStatusCode; exitReason: string };

export function agentName(a: AgentSpec): string {
  return a.class === "ocf" ? `ocf:${a.provider ?? ""}:${a.type}` : `${a.class}:${a.type}`;
}

const notInstalled = (reason: string): Invocation => ({
  kind: "result",
  rc: OcfRc.ERR_INSTALLED,
  status: OpStatus.NOT_INSTALLED,
  exitReason: reason,
});

/** The last `ocf-exit-reason:` line an agent wrote to stderr (OCF 1.1). */
export function exitReasonOf(stderr: string): string {
  let reason = "";
  for (const line of stderr.split("\n")) {
    const i = line.indexOf("ocf-exit-reason:");
    if (i >= 0) reason = line.slice(i + "ocf-exit-reason:".length).trim();
  }
  return reason.slice(0, 512);
}

/** Common mapping for an outcome that did not end with an exit code. */
function abnormal(o: RunOutcome): { rc: number; status: OpStatusCode; exitReason: string } | undefined {
  if (o.spawnError) {
    const code = o.spawnError.code;
    if (code === "ENOENT")
      return { rc: OcfRc.ERR_INSTALLED, status: OpStatus.NOT_INSTALLED, exitReason: "agent not found" };
    if (code === "EACCES")
      return {
        rc: OcfRc.ERR_PERM,
        status: OpStatus.ERROR,
        exitReason: "agent is not executable (permission denied)",
      };
    return {
      rc: OcfRc.ERR_GENERIC,
      status: OpStatus.ERROR,
      exitReason: `could not run agent: ${code ?? o.spawnError.message}`,
    };
  }
  if (o.timedOut) return { rc: OcfRc.ERR_GENERIC, status: OpStatus.TIMEOUT, exitReason: "" };
  if (o.exitCode === null)
    return {
      rc: OcfRc.ERR_GENERIC,
      status: OpStatus.ERROR,
      exitReason: `agent killed by signal ${o.signal ?? "?"}`,
    };
  return undefined;
}

const mapOcf: ExitMapper = (o) => {
  const a = abnormal(o);
  if (a) return a;
  const code = o.exitCode as number;
  const exitReason = exitReasonOf(o.stderr);
  if (code >= 0 && code <= 9) return { rc: code, status: OpStatus.DONE, exitReason };
  // Shell "command not found"/"not executable" from an interpreter line.
  if (code === 127 || code === 126)
    return {
      rc: OcfRc.ERR_INSTALLED,
      status: OpStatus.DONE,
      exitReason: exitReason || `agent exited with ${code}`,
    };
  return {
    rc: OcfRc.ERR_GENERIC,
    status: OpStatus.DONE,
    exitReason: exitReason || `agent exited with unknown code ${code}`,
  };
};

/** OCF_RESKEY_* names: parameter names are used as given; '-' in meta names becomes '_'. */
function ocfEnv(req: ExecRequest, ctx: ClassContext, root: string): Record<string, string> {
  const env = baseAgentEnv(ctx.env);
  env.OCF_ROOT = root;
  env.OCF_RA_VERSION_MAJOR = "1";
  env.OCF_RA_VERSION_MINOR = "1";
  env.OCF_RESOURCE_INSTANCE = req.rscId;
  env.OCF_RESOURCE_TYPE = req.agent.type;
  if (req.agent.provider) env.OCF_RESOURCE_PROVIDER = req.agent.provider;
  env.OCF_CHECK_LEVEL = String(req.checkLevel ?? 0);
  for (const [k, v] of Object.entries(req.params)) env[`OCF_RESKEY_${k}`] = v;
  env.OCF_RESKEY_crm_feature_set = CRM_FEATURE_SET;
  for (const [k, v] of Object.entries(req.meta ?? {})) env[`OCF_RESKEY_CRM_meta_${k.replace(/-/g, "_")}`] = v;
  env.OCF_RESKEY_CRM_meta_interval = String(req.intervalMs);
  env.OCF_RESKEY_CRM_meta_timeout = String(req.timeoutMs);
  env.OCF_RESKEY_CRM_meta_name = req.action;
  if (ctx.nodeName && env.OCF_RESKEY_CRM_meta_on_node === undefined)
    env.OCF_RESKEY_CRM_meta_on_node = ctx.nodeName;
  return env;
}

function prepareOcf(req: ExecRequest, ctx: ClassContext): Invocation {
  const { provider, type } = req.agent;
  if (!isSafeName(provider)) return notInstalled("ocf resources need a provider");
  const found = findOcfAgent(ctx.paths, provider, type);
  if (!found) return notInstalled(`ocf:${provider}:${type} not found in ${ctx.paths.ocfRoots.join(", ")}`);
  return {
    kind: "run",
    file: found.file,
    args: [req.action],
    env: ocfEnv(req, ctx, found.root),
    map: mapOcf,
  };
}

// LSB init scripts: `status` exit codes have their own meaning (LSB 3.x 20.2).
function mapLsb(action: string): ExitMapper {
  return (o) => {
    const a = abnormal(o);
    if (a) return a;
    const code = o.exitCode as number;
    if (action === "status" || action === "monitor") {
      if (code === 0) return { rc: OcfRc.OK, status: OpStatus.DONE, exitReason: "" };
      if (code >= 1 && code <= 3) return { rc: OcfRc.NOT_RUNNING, status: OpStatus.DONE, exitReason: "" };
      if (code === 150)
        return { rc: OcfRc.ERR_INSTALLED, status: OpStatus.DONE, exitReason: "not installed" };
      if (code === 151)
        return { rc: OcfRc.ERR_PERM, status: OpStatus.DONE, exitReason: "insufficient privileges" };
      return { rc: OcfRc.ERR_GENERIC, status: OpStatus.DONE, exitReason: `status exited with ${code}` };
    }
    if (code >= 0 && code <= 7) return { rc: code, status: OpStatus.DONE, exitReason: "" };
    return { rc: OcfRc.ERR_GENERIC, status: OpStatus.DONE, exitReason: `init script exited with ${code}` };
  };
}

const LSB_ACTIONS: Record<string, string> = {
  start: "start",
  stop: "stop",
  monitor: "status",
  status: "status",
  restart: "restart",
  "force-reload": "force-reload",
  reload: "force-reload",
};

function prepareLsb(req: ExecRequest, ctx: ClassContext): Invocation {
  const file = findInDirs(ctx.paths.lsbDirs, req.agent.type);
  if (!file) return notInstalled(`lsb:${req.agent.type} not found in ${ctx.paths.lsbDirs.join(", ")}`);
  const verb = LSB_ACTIONS[req.action];
  if (!verb)
    return {
      kind: "result",
      rc: OcfRc.ERR_UNIMPLEMENTED,
      status: OpStatus.NOT_SUPPORTED,
      exitReason: `lsb agents do not support '${req.action}'`,
    };
  return { kind: "run", file, args: [verb], env: baseAgentEnv(ctx.env), map: mapLsb(verb) };
}

function prepareSystemd(req: ExecRequest, ctx: ClassContext): Invocation {
  if (!ctx.systemd) return notInstalled("systemd is not running on this host (PID 1 is not systemd)");
  const unit = systemdUnitName(req.agent.type);
  if (!isSafeName(unit)) return notInstalled(`bad systemd unit name '${req.agent.type}'`);
  const env = baseAgentEnv(ctx.env);
  switch (req.action) {
    case "start":
    case "stop":
    case "reload":
      return {
        kind: "run",
        file: "systemctl",
        args: [req.action === "reload" ? "reload-or-restart" : req.action, unit],
        env,
        map: (o) => {
          const a = abnormal(o);
          if (a) return a;
          if (o.exitCode === 0) return { rc: OcfRc.OK, status: OpStatus.DONE, exitReason: "" };
          if (/not (found|loaded)/i.test(o.stderr)) {
            // Stopping a unit that does not exist is a success (it is not running).
            if (req.action === "stop") return { rc: OcfRc.OK, status: OpStatus.DONE, exitReason: "" };
            return { rc: OcfRc.ERR_INSTALLED, status: OpStatus.DONE, exitReason: `unit ${unit} not found` };
          }
          return {
            rc: OcfRc.ERR_GENERIC,
            status: OpStatus.DONE,
            exitReason: o.stderr.trim().split("\n").pop() ?? "",
          };
        },
      };
    case "monitor":
    case "status":
      return {
        kind: "run",
        file: "systemctl",
        args: ["is-active", unit],
        env,
        map: (o) => {
          const a = abnormal(o);
          if (a) return a;
          const state = o.stdout.trim();
          if (o.exitCode === 0 || state === "active" || state === "reloading")
            return { rc: OcfRc.OK, status: OpStatus.DONE, exitReason: "" };
          if (state === "activating" || state === "deactivating")
            return { rc: OcfRc.ERR_GENERIC, status: OpStatus.DONE, exitReason: `unit ${unit} is ${state}` };
          return { rc: OcfRc.NOT_RUNNING, status: OpStatus.DONE, exitReason: "" };
        },
      };
    default:
      return {
        kind: "result",
        rc: OcfRc.ERR_UNIMPLEMENTED,
        status: OpStatus.NOT_SUPPORTED,
        exitReason: `systemd agents do not support '${req.action}'`,
      };
  }
}

/** Options for one fence agent run: key=value lines (newlines stripped from values). */
export function fenceStdin(params: Record<string, string>, action: string, target?: string): string {
  const lines: string[] = [];
  for (const [k, v] of Object.entries(params)) {
    // pcmk_* are the fencer's own settings, never passed to the agent.
    if (k.startsWith("pcmk_") || k === "action" || !/^[A-Za-z0-9_-]+$/.test(k)) continue;
    lines.push(`${k}=${v.replace(/[\r\n]/g, " ")}`);
  }
  lines.push(`action=${action}`);
  if (target !== undefined) {
    if (!("port" in params) && !("plug" in params)) lines.push(`port=${target}`);
    lines.push(`nodename=${target}`);
  }
  return `${lines.join("\n")}\n`;
}

/** Fence agent exit codes: 0 = success (status: on), 2 = status off, anything else = failure. */
export function mapFence(action: string): ExitMapper {
  return (o) => {
    const a = abnormal(o);
    if (a) return a;
    const code = o.exitCode as number;
    if (code === 0) return { rc: OcfRc.OK, status: OpStatus.DONE, exitReason: "" };
    if (action === "status" && code === 2)
      return { rc: OcfRc.NOT_RUNNING, status: OpStatus.DONE, exitReason: "" };
    const last = o.stderr.trim().split("\n").pop() ?? "";
    return {
      rc: OcfRc.ERR_GENERIC,
      status: OpStatus.ERROR,
      exitReason: last.slice(0, 512) || `fence agent exited with ${code}`,
    };
  };
}

/** A direct run of a fence agent action (off/on/reboot/status/monitor/list/metadata). */
export function prepareFenceAction(
  type: string,
  action: string,
  params: Record<string, string>,
  ctx: ClassContext,
  target?: string,
): Invocation {
  const file = findInDirs(ctx.paths.fenceDirs, type);
  if (!file) return notInstalled(`stonith:${type} not found in ${ctx.paths.fenceDirs.join(", ")}`);
  return {
    kind: "run",
    file,
    args: [],
    env: baseAgentEnv(ctx.env),
    stdin: fenceStdin(params, action, target),
    map: mapFence(action),
  };
}

/**
 * A stonith resource's own actions as the executor runs them: start and
 * monitor run the agent's `monitor` (is the device reachable?), stop runs
 * nothing. Whether the device is "started" is tracked by the executor.
 */
function prepareStonith(req: ExecRequest, ctx: ClassContext): Invocation {
  const action = req.action === "start" ? "monitor" : req.action === "meta-data" ? "metadata" : req.action;
  return prepareFenceAction(req.agent.type, action, req.params, ctx);
}

export function prepareInvocation(req: ExecRequest, ctx: ClassContext): Invocation {
  switch (req.agent.class) {
    case "ocf":
      return prepareOcf(req, ctx);
    case "lsb":
      return prepareLsb(req, ctx);
    case "systemd":
      return prepareSystemd(req, ctx);
    case "service": {
      const viaSystemd = ctx.systemd && systemdUnitExists(req.agent.type);
      return viaSystemd
        ? prepareSystemd({ ...req, agent: { ...req.agent, class: "systemd" } }, ctx)
        : prepareLsb({ ...req, agent: { ...req.agent, class: "lsb" } }, ctx);
    }
    case "stonith":
      return prepareStonith(req, ctx);
    default:
      return notInstalled(`unknown agent class '${String((req.agent as AgentSpec).class)}'`);
  }
}
