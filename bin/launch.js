// Shared by every launcher in bin/: runs the built command named after the program.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export async function launch(program) {
  const dist = join(dirname(fileURLToPath(import.meta.url)), "..", "dist", "cli", "main.js");
  if (!existsSync(dist)) {
    process.stderr.write(`${program}: tandem is not built yet: run 'npm run build' in ${join(dist, "../../..")}\n`);
    process.exit(1);
  }
  const { main } = await import(dist);
  await main(program);
}
