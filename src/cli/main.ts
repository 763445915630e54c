// Entry point shared by every bin/ launcher: finds the command by program name,
// runs it with the process's IO, and turns errors into one clear line + exit status.

import { commands } from "./commands.js";
import { runCommand } from "./run-command.js";

export { reportError } from "./run-command.js";

export async function main(program: string, argv = process.argv.slice(2)): Promise<void> {
  const loader = commands[program];
  if (!loader) {
    process.stderr.write(`${program}: not a tandem command\n`);
    process.exit(2);
  }
  await runCommand(program, loader, argv);
}
