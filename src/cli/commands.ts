// The registry of executables: program name -> lazily loaded command.
// bin/NAME launchers call main(NAME). Add a line here for each new program.

import type { Command } from "./io.js";

type Loader = () => Promise<Command>;

export const commands: Record<string, Loader> = {
  tandem: async () => (await import("./tandem.js")).tandemCommand,
  pcs: async () => (await import("./pcs.js")).pcsCommand,
};
