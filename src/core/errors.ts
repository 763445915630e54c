// Every error tandem reports has a stable code (TANDEM_E_...) and one message.
// Codes are listed here, in one place, so documentation and tests can refer to them.
// Add new codes with a one-line comment; never reuse or renumber one.

export const ErrorCodes = {
  /** Input text is not well-formed XML. */
  XML_SYNTAX: "TANDEM_E_XML_SYNTAX",
  /** A file could not be read or written. */
  IO: "TANDEM_E_IO",
  /** A command-line argument or option is wrong. */
  USAGE: "TANDEM_E_USAGE",
  /** The CIB is structurally invalid (schema-like violation). */
  CIB_INVALID: "TANDEM_E_CIB_INVALID",
  /** An id is used twice in the CIB. */
  CIB_DUPLICATE_ID: "TANDEM_E_CIB_DUPLICATE_ID",
  /** A reference points at an id that does not exist. */
  CIB_DANGLING_REF: "TANDEM_E_CIB_DANGLING_REF",
  /** A score is not an integer or ±INFINITY. */
  BAD_SCORE: "TANDEM_E_BAD_SCORE",
  /** A duration/interval cannot be parsed. */
  BAD_DURATION: "TANDEM_E_BAD_DURATION",
  /** A resource agent class is not known. */
  UNKNOWN_AGENT_CLASS: "TANDEM_E_UNKNOWN_AGENT_CLASS",
  /** corosync.conf text is not well-formed (line and column in the message). */
  COROSYNC_CONF_SYNTAX: "TANDEM_E_COROSYNC_CONF_SYNTAX",
  /** corosync.conf is well-formed but its content is wrong (missing nodeid, duplicate node...). */
  COROSYNC_CONF_INVALID: "TANDEM_E_COROSYNC_CONF_INVALID",
  /** The cluster key (authkey) is missing, unreadable or of the wrong size. */
  AUTHKEY_INVALID: "TANDEM_E_AUTHKEY_INVALID",
  /** No daemon answers on the local IPC socket. */
  IPC_UNAVAILABLE: "TANDEM_E_IPC_UNAVAILABLE",
  /** An IPC peer sent a malformed, oversized or unexpected frame. */
  IPC_PROTOCOL: "TANDEM_E_IPC_PROTOCOL",
  /** The cluster transport cannot start (bind failure, no local address in the nodelist...). */
  TRANSPORT: "TANDEM_E_TRANSPORT",
  /** A pcs command failed (validation, missing object, unsupported option...). */
  PCS: "TANDEM_E_PCS",
  /** pcsd: wrong user name or password. */
  PCSD_AUTH_FAILED: "TANDEM_E_PCSD_AUTH_FAILED",
  /** pcsd: the request has no token, or the token is not valid on that node. */
  PCSD_TOKEN: "TANDEM_E_PCSD_TOKEN",
  /** pcsd: too many failed logins; retry later. */
  PCSD_RATE_LIMITED: "TANDEM_E_PCSD_RATE_LIMITED",
  /** pcsd: malformed request (not JSON, wrong shape, unknown endpoint or method). */
  PCSD_BAD_REQUEST: "TANDEM_E_PCSD_BAD_REQUEST",
  /** pcsd: request body larger than the limit. */
  PCSD_TOO_LARGE: "TANDEM_E_PCSD_TOO_LARGE",
  /** pcsd: the node already belongs to a cluster (use --force to override). */
  PCSD_IN_CLUSTER: "TANDEM_E_PCSD_IN_CLUSTER",
  /** pcsd client: the node's pcsd cannot be reached. */
  PCSD_UNREACHABLE: "TANDEM_E_PCSD_UNREACHABLE",
  /** pcsd client: the node's TLS certificate differs from the one pinned at auth time. */
  PCSD_CERT_MISMATCH: "TANDEM_E_PCSD_CERT_MISMATCH",
  /** pcsd client: the host is not in the known-hosts file (run pcs host auth). */
  PCSD_UNKNOWN_HOST: "TANDEM_E_PCSD_UNKNOWN_HOST",
  /** pcsd: starting or stopping the cluster daemon failed. */
  PCSD_DAEMON: "TANDEM_E_PCSD_DAEMON",
  /** pcsd: the TLS certificate or key cannot be created or loaded. */
  PCSD_TLS: "TANDEM_E_PCSD_TLS",
  /** pcsd web dashboard: no session, or the session expired or was logged out (log in again). */
  PCSD_SESSION: "TANDEM_E_PCSD_SESSION",
  /** pcsd web dashboard: a state-changing request without the page's CSRF token (or from another origin). */
  PCSD_CSRF: "TANDEM_E_PCSD_CSRF",
  /** pcsd web dashboard: the pcs command behind a dashboard action failed (its error in the message). */
  PCSD_ACTION_FAILED: "TANDEM_E_PCSD_ACTION_FAILED",
  /** cibadmin-style CIB operation: the object to change or replace does not exist (Pacemaker -6 ENXIO). */
  CIB_NOT_FOUND: "TANDEM_E_CIB_NOT_FOUND",
  /** cibadmin --create: an object with that tag and id already exists (Pacemaker -76 ENOTUNIQ). */
  CIB_EXISTS: "TANDEM_E_CIB_EXISTS",
  /** A whole-CIB replace carries a version older than the current one (Pacemaker -205). */
  CIB_OLD_DATA: "TANDEM_E_CIB_OLD_DATA",
  /** The CIB service did not answer in time or the node left the cluster before the change was safe. */
  CIB_TIMEOUT: "TANDEM_E_CIB_TIMEOUT",
  /** A protocol packet could not be decoded (truncated, garbage, wrong version). */
  WIRE_DECODE: "TANDEM_E_WIRE_DECODE",
  /** A simulation run found a violated invariant (seed printed with it). */
  SIM_FAILED: "TANDEM_E_SIM_FAILED",
  /** A request to the executor is malformed (bad resource id, action, interval, timeout or parameter name). */
  EXEC_BAD_REQUEST: "TANDEM_E_EXEC_BAD_REQUEST",
  /** A resource or fence agent could not be found or did not give usable meta-data. */
  AGENT_NOT_FOUND: "TANDEM_E_AGENT_NOT_FOUND",
  /** The CIB is well-formed but a setting is unusable (Pacemaker would ignore or reset it). */
  CIB_CONFIG: "TANDEM_E_CIB_CONFIG",
  /** A CIB diff does not apply: its source version differs from the CIB's version. */
  CIB_DIFF_VERSION: "TANDEM_E_CIB_DIFF_VERSION",
  /** A CIB diff is malformed or does not fit the tree it is applied to. */
  CIB_DIFF_INVALID: "TANDEM_E_CIB_DIFF_INVALID",
  /** An internal invariant was violated: a bug. */
  INVARIANT: "TANDEM_E_INVARIANT",
  /** A failover lab command failed (no lab, unknown node, a step of lab up failed...). */
  LAB: "TANDEM_E_LAB",
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** An error meant for a user: one clear line, a stable code, optional context. */
export class TandemError extends Error {
  readonly code: ErrorCode;
  /** Exit status a CLI should use for this error (default 1). */
  readonly exitCode: number;
  constructor(code: ErrorCode, message: string, opts: { exitCode?: number; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = "TandemError";
    this.code = code;
    this.exitCode = opts.exitCode ?? 1;
  }
}

/** Invariant check that stays on in production: a failure is a bug, never limp on. */
export function invariant(cond: unknown, message: string): asserts cond {
  if (!cond) throw new TandemError(ErrorCodes.INVARIANT, `invariant violated: ${message}`);
}
