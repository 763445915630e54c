// `pcs`: the pcs-compatible command line. Parses options the way pcs does (anywhere on
// the line), finds the command in src/pcs/table.ts (longest matching command words),
// checks the options it supports, picks the CIB source (-f FILE or the live cluster) and
// prints errors as pcs prints them ("Error: ...", exit 1).

import { TandemError } from "../core/errors.js";
import { parsePcsArgs } from "../pcs/args.js";
import { type CibSource, FileCibSource, liveCib, NoClusterCibSource } from "../pcs/cib-source.js";
import { PcsError, ReportsFailed } from "../pcs/errors.js";
import { installLiveCib } from "../pcs/live-cib.js";
import { exactOnly, pcsCommands } from "../pcs/table.js";
import type { PcsContext } from "../pcs/types.js";
import { GROUPS, groupUsage, MAIN_USAGE, subcommandUsage } from "../pcs/usage.js";
import type { Command, CommandIO } from "./io.js";

/** The pcs version whose behaviour and output tandem follows. */
export const PCS_VERSION = "0.11.5";
const ALWAYS_ALLOWED = new Set(["-h", "--help", "--debug", "--request-timeout"]);

function findCommand(words: string[]): { key: string; depth: number } | undefined {
  for (let depth = Math.min(3, words.length); depth >= 1; depth--) {
    const key = words.slice(0, depth).join(" ");
    if (!pcsCommands[key]) continue;
    if (exactOnly.has(key) && words.length > depth) continue;
    return { key, depth };
  }
  return undefined;
}

export const pcsCommand: Command = async (argv, io) => {
  try {
    return await runPcs(argv, io);
  } catch (e) {
    return printPcsError(e, io);
  }
};

async function runPcs(argv: string[], io: CommandIO): Promise<number> {
  installLiveCib();
  const { options, positional } = parsePcsArgs(argv);
  const help = options.flags.has("-h") || options.flags.has("--help");
  if (options.flags.has("--version") && positional.length === 0) {
    io.stdout(`${PCS_VERSION}\n`);
    return 0;
  }
  if (positional.length === 0) {
    io.stdout(`${MAIN_USAGE}\n`);
    return help ? 0 : 1;
  }
  const group = positional[0];
  if (group === "help") {
    io.stdout(`${MAIN_USAGE}\n`);
    return 0;
  }
  if (!GROUPS.includes(group)) {
    io.stdout(`${MAIN_USAGE}\n`);
    return 1;
  }
  // `pcs GROUP --help [SUB...]`, `pcs GROUP SUB... --help` and `pcs GROUP help [SUB...]`.
  const helpWord = positional[1] === "help";
  if (help || helpWord) {
    const sub = positional.slice(helpWord ? 2 : 1).join(" ");
    io.stdout(sub !== "" ? subcommandUsage(group, sub) : groupUsage(group));
    return 0;
  }
  const found = findCommand(positional);
  if (!found) {
    io.stderr(groupUsage(group));
    return 1;
  }
  const spec = pcsCommands[found.key];
  if (!spec.options.includes("*")) {
    for (const o of options.given) {
      if (ALWAYS_ALLOWED.has(o) || spec.options.includes(o)) continue;
      throw new PcsError(`Specified option '${o}' is not supported in this command`);
    }
  }
  const file = options.values.get("-f");
  let source: CibSource | undefined;
  const ctx: PcsContext = {
    io,
    options,
    args: positional.slice(found.depth),
    path: positional.slice(0, found.depth),
    force: options.flags.has("--force"),
    cib: () => {
      if (!source)
        source =
          file !== undefined
            ? new FileCibSource(file, io.cwd)
            : (liveCib.factory?.(io) ?? new NoClusterCibSource());
      return source;
    },
  };
  const handler = await spec.load();
  return handler(ctx);
}

/** Prints an error thrown by a pcs command the way pcs does; returns the exit status. */
export function printPcsError(e: unknown, io: CommandIO): number {
  if (e instanceof ReportsFailed) {
    if (e.summary) io.stderr("Error: Errors have occurred, therefore pcs is unable to continue\n");
    return 1;
  }
  if (e instanceof PcsError) {
    // pcs 0.11 prints the usage of a wrongly used command on stderr.
    if (e.usage !== undefined) io.stderr(e.usage);
    if (e.message !== "") io.stderr(`Error: ${e.message}\n`);
    for (const d of e.details) io.stderr(`${d}\n`);
    return e.exitCode;
  }
  if (e instanceof TandemError) {
    io.stderr(`Error: ${e.message}\n`);
    return e.exitCode;
  }
  const msg = e instanceof Error ? e.message : String(e);
  io.stderr(`Error: internal error: ${msg}\n`);
  if (io.env.TANDEM_DEBUG && e instanceof Error && e.stack) io.stderr(`${e.stack}\n`);
  return 70;
}
