// Work on the dashboard's front end without a cluster:
//   node dist/pcsd/web/dev.js [SCENARIO] [--port N]
// starts a pcsd on 127.0.0.1 (temporary root, password "dev") whose cluster state is one of
// the named scenarios of src/pcsd/web/scenarios.ts; the static files are read at start, so
// restart it after editing them. Actions run for real and fail (there is no cluster).

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pcsdPaths } from "../paths.js";
import { setPassword } from "../password.js";
import { startPcsd } from "../server.js";
import { STAND_IN_DAEMON, TEST_SCRYPT_COST } from "../testkit.js";
import { scenarios } from "./scenarios.js";

async function main(argv: string[]): Promise<number> {
  const portAt = argv.indexOf("--port");
  const port = portAt >= 0 ? Number(argv[portAt + 1]) : 0;
  const name = argv.find((a, i) => !a.startsWith("--") && i !== portAt + 1) ?? "troubled";
  const snap = scenarios[name];
  if (!snap || !Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`usage: dev.js [${Object.keys(scenarios).join("|")}] [--port N]\n`);
    return 2;
  }
  const root = mkdtempSync(join(tmpdir(), "tandem-web-dev-"));
  await setPassword(pcsdPaths(root).passwd, "hacluster", "dev", TEST_SCRYPT_COST);
  const server = await startPcsd({
    root,
    bind: "127.0.0.1",
    port,
    nodeName: snap.node,
    supervisor: { mode: "child", command: STAND_IN_DAEMON },
    dashboard: { snapshot: async () => ({ ...snap, updated: Date.now() }), pollMs: 5000 },
  });
  process.stdout.write(
    `dashboard (scenario '${name}'): https://127.0.0.1:${server.port}/  user hacluster, password dev\n`,
  );
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await server.close();
  rmSync(root, { recursive: true, force: true });
  return 0;
}

main(process.argv.slice(2)).then((code) => process.exit(code));
