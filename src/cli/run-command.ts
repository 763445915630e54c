// Runs one command with the process's IO and turns errors into one clear line +
// exit status. Shared by main.ts (every bin/ launcher) and by the single-file
// bundles (crm_simulate-bundle.ts), which must not pull in the whole registry.

import { TandemError } from "../core/errors.js";
import type { Command, CommandIO } from "./io.js";
import { processIO } from "./io.js";

/** A reader that went away (`pcs status | head`) is not an error: end quietly, as C tools do on SIGPIPE. */
export function quietOnEpipe(stream: NodeJS.WritableStream): void {
  stream.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw e;
  });
}

/** Runs the command with `io` (default: the process's streams) and sets the exit status. */
export async function runCommand(
  program: string,
  load: () => Promise<Command>,
  argv: string[],
  io?: CommandIO,
): Promise<void> {
  if (!io) quietOnEpipe(process.stdout);
  try {
    const cmd = await load();
    const code = await cmd(argv, io ?? processIO());
    process.exitCode = code;
  } catch (e) {
    process.exitCode = io ? reportError(program, e, io.stderr) : reportError(program, e);
  }
}

/** Prints one line for an error and returns the exit status to use. */
export function reportError(
  program: string,
  e: unknown,
  write: (t: string) => void = (t) => {
    process.stderr.write(t);
  },
): number {
  if (e instanceof TandemError) {
    write(`${program}: ${e.message}\n`);
    return e.exitCode;
  }
  const msg = e instanceof Error ? e.message : String(e);
  write(`${program}: internal error: ${msg}\n`);
  if (process.env.TANDEM_DEBUG && e instanceof Error && e.stack) write(`${e.stack}\n`);
  return 70;
}
