// Test helpers shared by the pcsd and pcs cluster tests: a node is a temporary TANDEM_ROOT,
// a loopback address 127.0.0.x and a pcsd on a free port, with the hacluster password set
// (cheap scrypt cost, tests only) and a stand-in daemon command.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Logger, createLogger } from "../core/log.js";
import { pcsdPaths } from "./paths.js";
import { setPassword } from "./password.js";
import type { RateLimitPolicy } from "./ratelimit.js";
import { type PcsdServer, startPcsd } from "./server.js";

export const TEST_PASSWORD = "s3cret-hacluster";
export const TEST_SCRYPT_COST = { N: 1024, r: 8, p: 1 };

/**
 * A long-running stand-in for tandemd: records its TANDEM_ROOT and pid, exits on SIGTERM.
 * (Only tests use it; the real daemon command is bin/tandemd.)
 */
export const STAND_IN_DAEMON = [
  process.execPath,
  "-e",
  "require('fs').writeFileSync(process.env.TANDEM_ROOT + '/standin.env', String(process.env.TANDEM_NODE_NAME));" +
    "require('fs').writeFileSync(process.env.TANDEM_ROOT + '/standin.pid', String(process.pid));" +
    // like tandemd: run/tandem/tandemd.pid while running
    "const pf = process.env.TANDEM_ROOT + '/run/tandem/tandemd.pid';" +
    "require('fs').writeFileSync(pf, process.pid + '\\n');" +
    "process.on('SIGTERM', () => { require('fs').rmSync(pf, { force: true }); process.exit(0); });" +
    "setInterval(() => {}, 1000);",
];

export interface TestNode {
  name: string;
  root: string;
  addr: string;
  server: PcsdServer;
  logLines: string[];
  restart(opts?: { port?: number }): Promise<void>;
}

export async function startTestNode(
  name: string,
  addr: string,
  opts: {
    rateLimit?: RateLimitPolicy;
    now?: () => number;
    daemon?: string[];
    root?: string;
    restartOnCrash?: boolean;
  } = {},
): Promise<TestNode> {
  const root = opts.root ?? mkdtempSync(join(tmpdir(), `tandem-pcsd-${name}-`));
  await setPassword(pcsdPaths(root).passwd, "hacluster", TEST_PASSWORD, TEST_SCRYPT_COST);
  const logLines: string[] = [];
  const logger: Logger = createLogger({
    sink: (l) => logLines.push(l),
    level: "debug",
    subsystem: `pcsd/${name}`,
  });
  const launch = (port: number) =>
    startPcsd({
      root,
      bind: addr,
      port,
      nodeName: name,
      logger,
      rateLimit: opts.rateLimit,
      now: opts.now,
      supervisor: {
        mode: "child",
        command: opts.daemon ?? STAND_IN_DAEMON,
        env: { TANDEM_NODE_NAME: name },
        restartDelayMs: 50,
        restartOnCrash: opts.restartOnCrash,
        stopTimeoutMs: 5000,
      },
    });
  const node: TestNode = {
    name,
    root,
    addr,
    server: await launch(0),
    logLines,
    async restart(o = {}) {
      await node.server.close();
      node.server = await launch(o.port ?? node.server.port);
    },
  };
  return node;
}

export async function stopTestNodes(...nodes: (TestNode | undefined)[]): Promise<void> {
  for (const n of nodes) {
    if (!n) continue;
    await n.server.close();
    rmSync(n.root, { recursive: true, force: true });
  }
}
