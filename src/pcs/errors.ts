// Errors and reports of pcs commands, printed the way pcs prints them.
// Two kinds, as in pcs itself:
//  - PcsError: an immediate "Error: MESSAGE" (pcs's utils.err), exit 1;
//  - Report lists: library-style validation collecting every problem first; forceable
//    errors become warnings with --force; when errors remain they are all printed and
//    followed by "Error: Errors have occurred, therefore pcs is unable to continue".

import { ErrorCodes, TandemError } from "../core/errors.js";
import type { CommandIO } from "../cli/io.js";

/** One-line pcs error ("Error: " is added when printed). Exit status 1 unless given. */
export class PcsError extends TandemError {
  /** Extra lines printed after the "Error:" line (e.g. the conflicting constraint). */
  readonly details: string[];
  /** Printed to stdout before the error (e.g. a usage text). */
  readonly usage?: string;
  constructor(message: string, opts: { details?: string[]; usage?: string; exitCode?: number } = {}) {
    super(ErrorCodes.PCS, message, { exitCode: opts.exitCode ?? 1 });
    this.details = opts.details ?? [];
    this.usage = opts.usage;
  }
}

/** A usage error: pcs prints the usage of the command and exits 1. */
export class PcsUsageError extends PcsError {
  constructor(usage: string) {
    super("", { usage });
  }
}

export type Severity = "error" | "warning" | "info";

/** A report: data with a stable code (like pcs's report codes), rendered to one message. */
export interface Report {
  severity: Severity;
  /** Stable code, e.g. "INVALID_OPTIONS", "REQUIRED_OPTIONS_ARE_MISSING". */
  code: string;
  message: string;
  /** True if --force may turn this error into a warning. */
  forceable?: boolean;
  /** Lines printed under the message. */
  details?: string[];
}

export class Reports {
  readonly list: Report[] = [];
  constructor(private readonly force: boolean) {}

  error(code: string, message: string, opts: { forceable?: boolean; details?: string[] } = {}): void {
    if (opts.forceable && this.force)
      this.list.push({ severity: "warning", code, message, details: opts.details });
    else
      this.list.push({ severity: "error", code, message, forceable: opts.forceable, details: opts.details });
  }
  warning(code: string, message: string): void {
    this.list.push({ severity: "warning", code, message });
  }
  info(code: string, message: string): void {
    this.list.push({ severity: "info", code, message });
  }
  get hasErrors(): boolean {
    return this.list.some((r) => r.severity === "error");
  }

  /**
   * Prints the reports; if any is an error, throws ReportsFailed so the command stops
   * before mutating anything. Warnings and infos are printed either way.
   */
  flush(io: CommandIO, opts: { summary?: boolean } = {}): void {
    for (const r of this.list) io.stderr(renderReport(r));
    const failed = this.hasErrors;
    this.list.length = 0;
    if (failed) throw new ReportsFailed(opts.summary ?? true);
  }
}

/** Thrown after error reports were printed; the dispatcher prints the summary line. */
export class ReportsFailed extends Error {
  constructor(readonly summary: boolean) {
    super("Errors have occurred, therefore pcs is unable to continue");
  }
}

export function renderReport(r: Report): string {
  const details = (r.details ?? []).map((d) => `${d}\n`).join("");
  if (r.severity === "error")
    return `Error: ${r.message}${r.forceable ? ", use --force to override" : ""}\n${details}`;
  if (r.severity === "warning") return `Warning: ${r.message}\n${details}`;
  return `${r.message}\n${details}`;
}
