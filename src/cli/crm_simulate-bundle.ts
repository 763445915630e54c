// Entry of the single-file build of crm_simulate (scripts/build-bundles.mjs writes
// dist/bundle/crm_simulate.cjs and a V8 code cache for it; bin/launch.js runs it
// when it is up to date). Starting one pre-compiled script instead of ~40 ES
// modules saves most of the module loading time of a short crm_simulate run.

import { writeSync } from "node:fs";
import { crmSimulateLiveCommand } from "../status/crm-simulate-live.js";
import { type CommandIO, captureIO, processIO } from "./io.js";
import { quietOnEpipe, runCommand } from "./run-command.js";

/**
 * Output straight to a file descriptor: process.stdout is not created (that loads
 * Node's whole stream stack, several ms of a short run). A descriptor that would
 * block (EAGAIN) hands the rest to the process's stream; a reader that went away
 * (EPIPE) ends the run quietly, as with the stream.
 */
function fdWriter(fd: number, stream: () => NodeJS.WriteStream) {
  let viaStream = false;
  const toStream = (): NodeJS.WriteStream => {
    if (!viaStream) quietOnEpipe(stream());
    viaStream = true;
    return stream();
  };
  return {
    write(text: string): void {
      if (viaStream) {
        stream().write(text);
        return;
      }
      const buf = Buffer.from(text, "utf8");
      for (let off = 0; off < buf.length; ) {
        try {
          off += writeSync(fd, buf, off);
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code === "EPIPE") process.exit(process.exitCode ?? 0);
          if (code !== "EAGAIN") throw e;
          toStream().write(buf.subarray(off));
          return;
        }
      }
    },
    /** Calls `done` once everything written has left the process. */
    flushed(done: () => void): void {
      if (viaStream) stream().write("", done);
      else done();
    },
  };
}

/** Runs crm_simulate with the process's arguments and IO (what bin/crm_simulate does). */
export async function run(argv: string[]): Promise<void> {
  const out = fdWriter(1, () => process.stdout);
  const err = fdWriter(2, () => process.stderr);
  const io: CommandIO = { ...processIO(), stdout: out.write, stderr: err.write };
  await runCommand("crm_simulate", async () => crmSimulateLiveCommand, argv, io);
  // Done: exit once the output is out, without waiting for garbage collection
  // work V8 has scheduled meanwhile (a full mark-compact on big inputs).
  out.flushed(() => err.flushed(() => process.exit()));
}

/**
 * Runs crm_simulate in-process on a CIB given as text, output discarded: the build
 * calls this before saving the code cache, so that the cache holds the compiled
 * code of the functions a real run needs, not only the top level.
 */
export async function warm(cibText: string, argvs: string[][]): Promise<void> {
  for (const argv of argvs) {
    const cap = captureIO({ stdin: cibText });
    await crmSimulateLiveCommand(["-p", ...argv], cap.io);
  }
}
