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
  /** An internal invariant was violated: a bug. */
  INVARIANT: "TANDEM_E_INVARIANT",
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
