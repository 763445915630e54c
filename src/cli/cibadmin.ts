// `cibadmin`: read and change the live CIB through the local tandemd, with the
// options of Pacemaker's cibadmin for what they share:
//   -Q/--query  -R/--replace  -C/--create  -M/--modify  -D/--delete
//   -o/--scope SECTION  -X/--xml-text XML  -x/--xml-file FILE  -p/--xml-pipe  -c/--allow-create
// Changes are answered once every cluster member has applied them.
// Failures print Pacemaker's "Call cib_OP failed (RC): TEXT" line, with the reason appended.

import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { ErrorCodes, TandemError } from "../core/errors.js";
import { parseXml } from "../core/xml.js";
import type { CibadminOp } from "../cib/store.js";
import { SECTIONS } from "../cib/store.js";
import { socketPathFromEnv } from "../daemon/paths.js";
import { cibRequest } from "../daemon/protocol.js";
import { type OptSpec, parseArgs } from "../status/args.js";
import type { Command, CommandIO } from "./io.js";

const USAGE = `Usage: cibadmin COMMAND [OPTIONS]
Provides direct access to the cluster configuration.
Commands:
  -Q, --query          Query the contents of the CIB
  -R, --replace        Recursively replace an object in the CIB
  -C, --create         Create an object in the CIB (will fail if object already exists)
  -M, --modify         Find object somewhere in CIB's XML tree and update it
  -D, --delete         Delete the first object matching the supplied criteria
Options:
  -o, --scope=VALUE    Limit scope of operation to specific section of CIB
                       (${SECTIONS.filter((s) => s !== "cib").join(", ")})
  -X, --xml-text=VALUE Retrieve XML from the supplied string
  -x, --xml-file=VALUE Retrieve XML from the named file
  -p, --xml-pipe       Retrieve XML from stdin
  -c, --allow-create   (Advanced) Allow target of --modify/-M to be created if it does not exist
`;

/** Pacemaker's return code and text for each failure, and cibadmin's exit status. */
const FAILURES: Record<string, { rc: number; text: string; exit: number }> = {
  [ErrorCodes.CIB_NOT_FOUND]: { rc: -6, text: "No such device or address", exit: 105 },
  [ErrorCodes.CIB_EXISTS]: { rc: -76, text: "Name not unique on network", exit: 108 },
  [ErrorCodes.CIB_OLD_DATA]: { rc: -205, text: "Update was older than existing configuration", exit: 103 },
  [ErrorCodes.CIB_TIMEOUT]: { rc: -62, text: "Timer expired", exit: 124 },
  [ErrorCodes.USAGE]: { rc: -22, text: "Invalid argument", exit: 64 },
};
const SCHEMA = { rc: -203, text: "Update does not conform to the configured schema", exit: 78 };

type Mode = "query" | "replace" | "create" | "modify" | "delete";
const MODES: Mode[] = ["query", "replace", "create", "modify", "delete"];

const SPEC: OptSpec = {
  help: { names: ["-h", "--help", "-?"] },
  query: { names: ["-Q", "--query"] },
  replace: { names: ["-R", "--replace"] },
  create: { names: ["-C", "--create"] },
  modify: { names: ["-M", "--modify"] },
  delete: { names: ["-D", "--delete"] },
  scope: { names: ["-o", "--scope"], value: true },
  xmlText: { names: ["-X", "--xml-text"], value: true },
  xmlFile: { names: ["-x", "--xml-file"], value: true },
  pipe: { names: ["-p", "--xml-pipe"] },
  allowCreate: { names: ["-c", "--allow-create"] },
  // every change is synchronous and cluster-wide here: accepted and ignored
  local: { names: ["-l", "--local"] },
  sync: { names: ["-s", "--sync-call"] },
};

function usageError(msg: string): TandemError {
  return new TandemError(ErrorCodes.USAGE, msg, { exitCode: 64 });
}

interface Parsed {
  mode?: Mode;
  scope?: string;
  xmlText?: string;
  xmlFile?: string;
  pipe: boolean;
  allowCreate: boolean;
}

function parseCibadminArgs(argv: string[]): Parsed | "help" {
  const { opts, rest } = parseArgs("cibadmin", argv, SPEC);
  if (opts.has("help")) return "help";
  if (rest.length > 0) throw usageError(`unexpected argument '${rest[0]}' (see cibadmin --help)`);
  const modes = MODES.filter((m) => opts.has(m));
  if (modes.length > 1) throw usageError(`only one command at a time: got --${modes[0]} and --${modes[1]}`);
  const scope = opts.get("scope") as string | undefined;
  if (scope !== undefined && !SECTIONS.includes(scope))
    throw usageError(`unknown scope '${scope}' (known: ${SECTIONS.join(", ")})`);
  return {
    mode: modes[0],
    scope,
    xmlText: opts.get("xmlText") as string | undefined,
    xmlFile: opts.get("xmlFile") as string | undefined,
    pipe: opts.has("pipe"),
    allowCreate: opts.has("allowCreate"),
  };
}

async function inputXml(p: Parsed, io: CommandIO): Promise<string | undefined> {
  const sources = [p.xmlText !== undefined, p.xmlFile !== undefined, p.pipe].filter(Boolean).length;
  if (sources > 1) throw usageError("give the XML one way only: -X, -x or -p");
  let text: string | undefined;
  if (p.xmlText !== undefined) text = p.xmlText;
  else if (p.xmlFile !== undefined) {
    try {
      text = readFileSync(resolve(io.cwd, p.xmlFile), "utf8");
    } catch (e) {
      throw new TandemError(
        ErrorCodes.IO,
        `cannot read ${p.xmlFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
        { exitCode: 66 },
      );
    }
  } else if (p.pipe) text = await io.readStdin();
  if (text === undefined) return undefined;
  try {
    parseXml(text, { source: "the input" });
  } catch (e) {
    throw new TandemError(ErrorCodes.XML_SYNTAX, `Couldn't parse input: ${(e as Error).message}`, {
      exitCode: 65,
    });
  }
  return text;
}

export const cibadminCommand: Command = async (argv, io) => {
  const p = parseCibadminArgs(argv);
  if (p === "help") {
    io.stdout(USAGE);
    return 0;
  }
  if (!p.mode) throw usageError("no command given: use one of -Q, -R, -C, -M, -D (see cibadmin --help)");
  const socket = socketPathFromEnv(io.env);
  const xml = await inputXml(p, io);
  try {
    if (p.mode === "query") {
      const r = await cibRequest(socket, "cib.query", p.scope ? { section: p.scope } : {});
      io.stdout(r.xml);
      return 0;
    }
    if (xml === undefined) throw usageError(`--${p.mode} needs XML: -X, -x FILE or -p`);
    const op: CibadminOp =
      p.mode === "modify"
        ? {
            op: "modify",
            xml,
            ...(p.scope ? { section: p.scope } : {}),
            ...(p.allowCreate ? { allowCreate: true } : {}),
          }
        : { op: p.mode, xml, ...(p.scope ? { section: p.scope } : {}) };
    await cibRequest(
      socket,
      "cib.apply",
      { op, client: "cibadmin", ...(io.env.USER ? { user: io.env.USER } : {}) },
      { timeoutMs: 60_000 },
    );
    return 0;
  } catch (e) {
    if (!(e instanceof TandemError)) throw e;
    if (e.code === ErrorCodes.IPC_UNAVAILABLE) {
      io.stderr(`Could not connect to the CIB: Transport endpoint is not connected (${e.message})\n`);
      io.stderr("Init failed, could not perform requested operations\n");
      return 102;
    }
    if (e.code === ErrorCodes.USAGE && e.exitCode === 64) throw e;
    const f = FAILURES[e.code] ?? SCHEMA;
    io.stderr(`Call cib_${p.mode} failed (${f.rc}): ${f.text}: ${e.message}\n`);
    return f.exit;
  }
};
