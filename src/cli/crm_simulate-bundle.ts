// Entry of the single-file build of crm_simulate (scripts/build-bundles.mjs writes
// dist/bundle/crm_simulate.cjs and a V8 code cache for it; bin/launch.js runs it
// when it is up to date). Starting one pre-compiled script instead of ~40 ES
// modules saves most of the module loading time of a short crm_simulate run.

import { crmSimulateLiveCommand } from "../status/crm-simulate-live.js";
import { captureIO } from "./io.js";
import { runCommand } from "./run-command.js";

/** Runs crm_simulate with the process's arguments and IO (what bin/crm_simulate does). */
export async function run(argv: string[]): Promise<void> {
  await runCommand("crm_simulate", async () => crmSimulateLiveCommand, argv);
  // Done: exit once the output is flushed, without waiting for garbage collection
  // work V8 has scheduled meanwhile (a full mark-compact on big inputs).
  process.stderr.write("", () => process.stdout.write("", () => process.exit()));
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
