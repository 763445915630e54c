// The shape of a pcs command handler and what it receives: parsed options,
// positional arguments, IO, and the CIB source (file with -f, live cluster otherwise).
// Handlers live in src/pcs/** and are registered in src/pcs/table.ts.

import type { CommandIO } from "../cli/io.js";
import type { CibSource } from "./cib-source.js";

/** Options as pcs parses them (getopt style, anywhere on the line). */
export interface PcsOptions {
  /** Boolean flags present, e.g. "--force", "--full", "--all", "--disabled", "--config". */
  flags: Set<string>;
  /** Options with a value, e.g. "-f" -> "cib.xml", "--group" -> "web", "--name" -> "cluster_web". */
  values: Map<string, string>;
  /** Every option as written, in order (name only), for "option not supported" checks. */
  given: string[];
}

export interface PcsContext {
  io: CommandIO;
  options: PcsOptions;
  /** Positional arguments after the matched command words (e.g. for "resource create": NAME AGENT k=v...). */
  args: string[];
  /** The command words that were matched, e.g. ["resource", "create"]. */
  path: string[];
  /** The CIB to read and write: the -f file, or the live cluster (see cib-source.ts). */
  cib: () => CibSource;
  /** True when --force was given. */
  force: boolean;
}

/** A pcs command: returns the exit status. Throw PcsError for a one-line "Error: ..." exit 1. */
export type PcsHandler = (ctx: PcsContext) => Promise<number>;

export interface PcsCommandSpec {
  /** Loads the handler lazily (keeps `pcs` start-up fast). */
  load: () => Promise<PcsHandler>;
  /**
   * Options this command accepts besides the always-accepted ones (-h/--help, --debug,
   * --request-timeout). Any other option given fails with pcs's own
   * "Specified option '-f' is not supported in this command".
   * Use "*" to accept every option (the handler checks them itself).
   */
  options: string[];
}
