// `crm_simulate -L` / `-sL` on the live cluster, without touching crm_simulate's own
// module: the registry (src/cli/commands.ts) runs this wrapper, which reads the live
// CIB from the local tandemd and hands it to crm_simulate as if piped (-p). Every
// other invocation goes to crm_simulate unchanged.

import { crmSimulateCommand, parseSimulateArgs } from "../cli/crm_simulate.js";
import type { Command } from "../cli/io.js";

/** argv without -L / --live-check (also inside bundled flags such as -sL), plus -p. */
export function withoutLive(argv: string[]): string[] {
  const out: string[] = [];
  for (const a of argv) {
    if (a === "--live-check") continue;
    if (/^-[pSRsQL]+$/.test(a)) {
      const rest = a.replace(/L/g, "");
      if (rest !== "-") out.push(rest);
      continue;
    }
    out.push(a);
  }
  return [...out, "-p"];
}

export const crmSimulateLiveCommand: Command = async (argv, io) => {
  let live = false;
  try {
    const o = parseSimulateArgs(argv);
    live = o !== "help" && o.live;
  } catch {
    // crm_simulate reports its own usage errors
  }
  if (!live) return crmSimulateCommand(argv, io);
  const args = withoutLive(argv);
  const o = parseSimulateArgs(args);
  if (o === "help" || o.live || o.xmlFile !== undefined) return crmSimulateCommand(argv, io);
  // (loaded only here: the IPC client is not needed to read a file)
  const { readLiveCib } = await import("./live-cib.js");
  const cib = await readLiveCib(io.env);
  return crmSimulateCommand(args, { ...io, readStdin: async () => cib.text });
};
