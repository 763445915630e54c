// Types of the executor: what the daemon asks for (ExecRequest) and what it gets
// back (ExecResult), shaped so a result maps one-to-one onto a Pacemaker
// lrm_rsc_op entry (call-id, rc-code, op-status, exec-time, queue-time,
// last-rc-change, op-digest). Names and numbers follow Pacemaker/OCF 1.1.

/** Resource agent standards (Pacemaker "classes"). */
export type AgentClass = "ocf" | "lsb" | "systemd" | "service" | "stonith";

export const AGENT_CLASSES: readonly AgentClass[] = ["ocf", "lsb", "service", "systemd", "stonith"];

/** Which agent: class, provider (ocf only) and type, as in `ocf:heartbeat:IPaddr2`. */
export interface AgentSpec {
  class: AgentClass;
  /** OCF provider (required for ocf, absent otherwise). */
  provider?: string;
  type: string;
}

/** OCF 1.1 exit codes (what the agent returned, after class-specific mapping). */
export const OcfRc = {
  OK: 0,
  ERR_GENERIC: 1,
  ERR_ARGS: 2,
  ERR_UNIMPLEMENTED: 3,
  ERR_PERM: 4,
  ERR_INSTALLED: 5,
  ERR_CONFIGURED: 6,
  NOT_RUNNING: 7,
  RUNNING_PROMOTED: 8,
  FAILED_PROMOTED: 9,
} as const;
export type OcfRcCode = number;

/** Text Pacemaker shows for an rc-code (crm_mon "Failed Resource Actions"). */
export function rcName(rc: number): string {
  switch (rc) {
    case 0:
      return "ok";
    case 1:
      return "error";
    case 2:
      return "invalid parameter";
    case 3:
      return "unimplemented feature";
    case 4:
      return "insufficient privileges";
    case 5:
      return "not installed";
    case 6:
      return "not configured";
    case 7:
      return "not running";
    case 8:
      return "promoted";
    case 9:
      return "promoted (failed)";
    default:
      return "unknown";
  }
}

/** Execution status (Pacemaker's op-status, PCMK_EXEC_*): how the run went, apart from the rc. */
export const OpStatus = {
  PENDING: -1,
  DONE: 0,
  CANCELLED: 1,
  TIMEOUT: 2,
  NOT_SUPPORTED: 3,
  ERROR: 4,
  ERROR_HARD: 5,
  ERROR_FATAL: 6,
  NOT_INSTALLED: 7,
  NOT_CONNECTED: 8,
  INVALID: 9,
} as const;
export type OpStatusCode = (typeof OpStatus)[keyof typeof OpStatus];

/** Text Pacemaker shows for an op-status. */
export function opStatusName(s: number): string {
  switch (s) {
    case -1:
      return "Pending";
    case 0:
      return "complete";
    case 1:
      return "Cancelled";
    case 2:
      return "Timed Out";
    case 3:
      return "NOT SUPPORTED";
    case 4:
      return "Error";
    case 5:
      return "Hard error";
    case 6:
      return "Fatal error";
    case 7:
      return "Not installed";
    case 8:
      return "Not connected";
    case 9:
      return "Invalid";
    default:
      return "unknown";
  }
}

/** One request to run an action of a resource's agent. */
export interface ExecRequest {
  /** Resource id as the agent sees it (OCF_RESOURCE_INSTANCE), e.g. "webserver" or "dummy:1". */
  rscId: string;
  agent: AgentSpec;
  /** start, stop, monitor, meta-data, validate-all, promote, demote, notify, reload, migrate_to, migrate_from (stonith also: off, on, reboot, status, list). */
  action: string;
  /** Recurring interval in ms; 0 = run once (a monitor with interval 0 is a probe). */
  intervalMs: number;
  /** Timeout in ms; the agent's process group is killed when it runs out. */
  timeoutMs: number;
  /** Instance attributes (become OCF_RESKEY_<name>; stonith: key=value lines on stdin). */
  params: Record<string, string>;
  /** Meta attributes (become OCF_RESKEY_CRM_meta_<name>, '-' turned into '_'), e.g. clone, clone_max, notify_type. interval/timeout/name are set by the executor. */
  meta?: Record<string, string>;
  /** OCF_CHECK_LEVEL for monitors (the op's OCF_CHECK_LEVEL instance attribute), default 0. */
  checkLevel?: number;
  /** Delay before the first run (op start-delay), ms. */
  startDelayMs?: number;
  /** Opaque caller data returned with every result (the controller's transition key). */
  userData?: string;
}

/** The outcome of one run of an action. Maps onto an lrm_rsc_op. */
export interface ExecResult {
  /** Per-executor call id; a recurring op keeps the call id of its first run (as in Pacemaker). */
  callId: number;
  rscId: string;
  agent: AgentSpec;
  action: string;
  intervalMs: number;
  /** Pacemaker operation key: `${rscId}_${action}_${intervalMs}`. */
  opKey: string;
  /** OCF exit code after class mapping (rc-code). */
  rc: OcfRcCode;
  /** Execution status (op-status). */
  status: OpStatusCode;
  /** The agent's exit reason (`ocf-exit-reason:` lines on stderr) or the executor's explanation. */
  exitReason: string;
  stdout: string;
  stderr: string;
  /** Time the agent ran, ms (exec-time). */
  execTimeMs: number;
  /** Time the request waited in the resource's queue, ms (queue-time). */
  queueTimeMs: number;
  /** Wall-clock seconds (epoch) when the run finished (last-run). */
  lastRun: number;
  /** Wall-clock seconds (epoch) when this op key's rc last changed (last-rc-change). */
  lastRcChange: number;
  /** Digest of the instance parameters (op-digest). */
  opDigest: string;
  /** True for the result of a recurring op (interval > 0). */
  recurring: boolean;
  /** For recurring ops: whether rc/status differ from this op's previous result (first result: true). */
  changed: boolean;
  userData?: string;
  /** The signal that ended the agent, if any (after a timeout: SIGTERM or SIGKILL). */
  signal?: string;
}

/** Listener for results. */
export type ResultListener = (result: ExecResult) => void;

/** Where the executor looks for agents. */
export interface AgentPaths {
  /** OCF roots, searched in order (the lab puts its own first). Default ["/usr/lib/ocf"]. */
  ocfRoots: string[];
  /** Directories searched for fence agents (stonith class). Default ["/usr/sbin"]. */
  fenceDirs: string[];
  /** LSB init script directories. Default ["/etc/init.d"]. */
  lsbDirs: string[];
}

/** One parameter from an agent's meta-data. */
export interface AgentParameter {
  name: string;
  required: boolean;
  unique: boolean;
  /** content type: string, integer, boolean, time, select... */
  type: string;
  default?: string;
  shortdesc: string;
  longdesc: string;
  /** For type="select": the allowed values. */
  options?: string[];
  deprecated: boolean;
  /** Reloadable without a restart (OCF 1.1 reloadable="1"). */
  reloadable: boolean;
}

/** One action from an agent's meta-data. */
export interface AgentAction {
  name: string;
  timeoutMs?: number;
  intervalMs?: number;
  depth?: number;
  role?: string;
  startDelayMs?: number;
  /** Text as written (e.g. "20s"), for display. */
  timeoutText?: string;
  intervalText?: string;
}

/** Parsed meta-data of an agent. */
export interface AgentMetadata {
  agent: AgentSpec;
  /** resource-agent name attribute. */
  name: string;
  version: string;
  shortdesc: string;
  longdesc: string;
  parameters: AgentParameter[];
  actions: AgentAction[];
  /** The raw XML the agent printed. */
  xml: string;
}
