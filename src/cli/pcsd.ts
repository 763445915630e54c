// `pcsd`: runs the pcs daemon in the foreground until SIGTERM/SIGINT.
//   pcsd [--root DIR] [--bind ADDR] [--port N] [--name NODE] [--supervisor auto|systemd|child]
//        [--daemon-command JSON-ARRAY] [--log-level LEVEL]
// Logs to var/log/tandem/pcsd.log under the root. The daemon command (child mode) can also
// come from TANDEM_DAEMON_COMMAND (a JSON array of strings).

import { appendFileSync, mkdirSync } from "node:fs";
import { hostname } from "node:os";
import { resolve } from "node:path";
import { ErrorCodes, TandemError } from "../core/errors.js";
import { type LogLevel, createLogger } from "../core/log.js";
import { DEFAULT_PCSD_PORT } from "../pcsd/api.js";
import { pcsdPaths, rootFrom } from "../pcsd/paths.js";
import { startPcsd } from "../pcsd/server.js";
import type { SupervisorMode } from "../pcsd/supervisor.js";
import type { Command } from "./io.js";

const USAGE = `Usage: pcsd [--root DIR] [--bind ADDR] [--port N] [--name NODE]
            [--supervisor auto|systemd|child] [--daemon-command JSON] [--no-daemon-restart]
            [--log-level LEVEL]
Runs the pcs daemon (HTTPS API on port ${DEFAULT_PCSD_PORT}) in the foreground.
`;

const FLAG_OPTS = ["--no-daemon-restart"];
const VALUE_OPTS = [
  "--root",
  "--bind",
  "--port",
  "--name",
  "--supervisor",
  "--daemon-command",
  "--log-level",
];
const LEVELS = ["trace", "debug", "info", "notice", "warning", "error", "crit"];

function usageError(msg: string): TandemError {
  return new TandemError(ErrorCodes.USAGE, msg, { exitCode: 2 });
}

function parseDaemonCommand(text: string, what: string): string[] {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw usageError(`${what} must be a JSON array of strings: got '${text}'`);
  }
  if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === "string"))
    throw usageError(`${what} must be a non-empty JSON array of strings: got '${text}'`);
  return v;
}

export const pcsdCommand: Command = async (argv, io) => {
  const opts = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "-h" || a === "--help") {
      io.stdout(USAGE);
      return 0;
    }
    if (FLAG_OPTS.includes(a)) {
      opts.set(a, "yes");
      continue;
    }
    const [name, inline] = a.includes("=")
      ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)]
      : [a, undefined];
    if (!VALUE_OPTS.includes(name)) throw usageError(`unknown option '${a}' (see 'pcsd --help')`);
    const v = inline ?? argv[++i];
    if (v === undefined) throw usageError(`option ${name} needs a value`);
    opts.set(name, v);
  }
  const root = opts.has("--root") ? resolve(io.cwd, opts.get("--root") as string) : rootFrom(io.env);
  const portText = opts.get("--port") ?? String(DEFAULT_PCSD_PORT);
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535)
    throw usageError(`'--port' must be a port number 0-65535: got '${portText}'`);
  const mode = (opts.get("--supervisor") ?? "auto") as SupervisorMode | "auto";
  if (!["auto", "systemd", "child"].includes(mode))
    throw usageError(`'--supervisor' must be auto, systemd or child: got '${mode}'`);
  const level = (opts.get("--log-level") ?? "info") as LogLevel;
  if (!LEVELS.includes(level))
    throw usageError(`'--log-level' must be one of ${LEVELS.join(", ")}: got '${level}'`);
  const cmdText = opts.get("--daemon-command") ?? io.env.TANDEM_DAEMON_COMMAND;
  const command = cmdText
    ? parseDaemonCommand(
        cmdText,
        opts.has("--daemon-command") ? "'--daemon-command'" : "TANDEM_DAEMON_COMMAND",
      )
    : undefined;

  const paths = pcsdPaths(root);
  mkdirSync(paths.logDir, { recursive: true, mode: 0o755 });
  const logger = createLogger({
    level,
    subsystem: "pcsd",
    sink: (line) => appendFileSync(paths.pcsdLog, `${line}\n`, { mode: 0o640 }),
  });
  const server = await startPcsd({
    root,
    bind: opts.get("--bind"),
    port,
    nodeName: opts.get("--name") ?? hostname(),
    logger,
    // A node named explicitly tells its daemon which nodelist entry it is (loopback labs,
    // where every node shares the host name and the 127/8 addresses).
    supervisor: {
      restartOnCrash: !opts.has("--no-daemon-restart"),
      mode,
      command,
      env: opts.has("--name") ? { TANDEM_NODE_NAME: opts.get("--name") as string } : {},
    },
  });
  io.stderr(
    `pcsd: listening on ${server.address} port ${server.port} (root ${root}, certificate ${server.fingerprint256})\n`,
  );
  await new Promise<void>((done) => {
    const stop = (sig: string) => {
      logger.log("notice", `received ${sig}, stopping`);
      process.off("SIGTERM", onTerm);
      process.off("SIGINT", onInt);
      server.close().then(done, (e) => {
        logger.log("error", "error while stopping", { error: String(e) });
        done();
      });
    };
    const onTerm = () => stop("SIGTERM");
    const onInt = () => stop("SIGINT");
    process.on("SIGTERM", onTerm);
    process.on("SIGINT", onInt);
  });
  return 0;
};
