// crm_verify: checks a CIB for errors, with Pacemaker 2.1.5's options, wording
// and exit statuses. Structural problems are printed the way libxml2's
// Relax-NG validation prints them (FILE:LINE: element TAG: ...) whatever the
// verbosity; configuration problems are log lines "(function) \tlevel: text"
// shown from -V (errors), -VV (warnings), -VVV (notices). The findings come
// from src/cib/validate.ts, which pcs and the daemon use too.

import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { ErrorCodes, TandemError } from "../core/errors.js";
import { elements, escapeAttr, parseXml, walkElements, type XmlElement } from "../core/xml.js";
import { type Finding, validateCib } from "../cib/validate.js";
import type { Command, CommandIO } from "./io.js";

// Pacemaker's exit statuses (crm_exit_t) for what crm_verify reports.
const EXIT_OK = 0;
const EXIT_ERROR = 1;
const EXIT_USAGE = 64;
const EXIT_NOINPUT = 66;
const EXIT_DATAERR = 76; // not a <cib>
const EXIT_CONFIG = 78; // errors or warnings found

const USAGE = `Usage:
  crm_verify [OPTION?]

Check a Pacemaker configuration for errors

Check the well-formedness of a complete Pacemaker XML configuration,
its conformance to the configured schema, and the presence of common
misconfigurations. Problems reported as errors must be fixed before the
cluster will work properly. It is left to the administrator to decide
whether to fix problems reported as warnings.

Help Options:
  -h, --help              Show help options

Output Options:
  --output-as=FORMAT      Specify output format as one of: text (default), xml

Application Options:
  -$, --version           Display software version and exit
  -V, --verbose           Increase debug output (may be specified multiple times)

Data sources:
  -L, --live-check        Check the configuration used by the running cluster
  -x, --xml-file=FILE     Check the configuration in the named file
  -p, --xml-pipe          Check the configuration piped in via stdin
  -X, --xml-text=XML      Check the configuration in the supplied string

Additional options:
  -S, --save-xml=FILE     Save verified XML to named file (most useful with -L)

Examples:

Check the consistency of the configuration in the running cluster:

\tcrm_verify --live-check

Check the consistency of the configuration in a given file and produce verbose output:

\tcrm_verify --xml-file file.xml --verbose

`;

interface Options {
  live: boolean;
  file?: string;
  pipe: boolean;
  text?: string;
  save?: string;
  verbosity: number;
  help: boolean;
  version: boolean;
  /** --output-as: "text" (default) or "xml" (a pacemaker-result status on stdout). */
  outputAs: string;
}

class UsageError extends Error {}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    live: false,
    pipe: false,
    verbosity: 0,
    help: false,
    version: false,
    outputAs: "text",
  };
  const withValue: Record<string, "file" | "text" | "save" | "outputAs"> = {
    "--output-as": "outputAs",
    "-x": "file",
    "--xml-file": "file",
    "-X": "text",
    "--xml-text": "text",
    "-S": "save",
    "--save-xml": "save",
  };
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i];
    let inline: string | undefined;
    if (a.startsWith("--") && a.includes("=")) {
      inline = a.slice(a.indexOf("=") + 1);
      a = a.slice(0, a.indexOf("="));
    }
    const key = withValue[a];
    if (key) {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new UsageError(`Missing argument for ${a}`);
      o[key] = v;
      continue;
    }
    if (/^-[xXS]./.test(a)) {
      o[withValue[a.slice(0, 2)]] = a.slice(2); // -xFILE
      continue;
    }
    switch (a) {
      case "-L":
      case "--live-check":
        o.live = true;
        continue;
      case "-p":
      case "--xml-pipe":
        o.pipe = true;
        continue;
      case "--verbose":
        o.verbosity++;
        continue;
      case "-h":
      case "--help":
      case "-?":
        o.help = true;
        continue;
      case "-$":
      case "--version":
        o.version = true;
        continue;
    }
    if (/^-[VLp]+$/.test(a)) {
      // grouped short flags: -VV, -LV ...
      for (const ch of a.slice(1)) {
        if (ch === "V") o.verbosity++;
        else if (ch === "L") o.live = true;
        else o.pipe = true;
      }
      continue;
    }
    if (a.startsWith("-")) throw new UsageError(`Unknown option ${a}`);
    // Like the real tool, stray non-option arguments are ignored.
  }
  return o;
}

/** Line number of every element, in document (pre-)order, found by scanning the start tags. */
export function startTagLines(text: string): number[] {
  const lines: number[] = [];
  let line = 1;
  let pos = 0;
  const advance = (to: number) => {
    for (let k = pos; k < to; k++) if (text.charCodeAt(k) === 10) line++;
    pos = to;
  };
  const skipTo = (i: number, end: string) => {
    const j = text.indexOf(end, i);
    return j < 0 ? text.length : j + end.length;
  };
  let i = text.indexOf("<");
  while (i >= 0 && i < text.length) {
    let next: number;
    if (text.startsWith("<!--", i)) next = skipTo(i + 4, "-->");
    else if (text.startsWith("<![CDATA[", i)) next = skipTo(i + 9, "]]>");
    else if (text.startsWith("<?", i)) next = skipTo(i + 2, "?>");
    else if (text[i + 1] === "/" || text[i + 1] === "!") next = i + 1;
    else {
      advance(i);
      lines.push(line);
      next = i + 1;
    }
    i = text.indexOf("<", next);
  }
  return lines;
}

function lineMap(root: XmlElement, text: string): Map<XmlElement, number> {
  const lines = startTagLines(text);
  const map = new Map<XmlElement, number>();
  let k = 0;
  for (const e of walkElements(root)) map.set(e, lines[k++] ?? 0);
  return map;
}

async function readInput(o: Options, io: CommandIO): Promise<{ text: string; source: string; what: string }> {
  if (o.live) {
    // The running cluster's CIB, from the local tandemd (loaded on demand: the
    // file checks never depend on the daemon's modules).
    const { socketPathFromEnv } = await import("../daemon/paths.js");
    const { cibRequest } = await import("../daemon/protocol.js");
    try {
      const r = await cibRequest(socketPathFromEnv(io.env), "cib.query", {});
      return { text: r.xml, source: "Entity", what: "the live CIB." };
    } catch (e) {
      if (!(e instanceof TandemError)) throw e;
      const why =
        e.code === ErrorCodes.IPC_UNAVAILABLE ? `cannot connect to the cluster (${e.message})` : e.message;
      throw new TandemError(e.code, `CIB query failed: ${why}`, { exitCode: EXIT_NOINPUT });
    }
  }
  if (o.file !== undefined) {
    const path = resolve(io.cwd, o.file);
    try {
      return { text: readFileSync(path, "utf8"), source: o.file, what: `input file: ${o.file}` };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const why =
        code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : (code ?? "unreadable");
      throw new TandemError(ErrorCodes.IO, `Couldn't parse input file: ${o.file}: ${why}`, {
        exitCode: EXIT_ERROR,
      });
    }
  }
  if (o.text !== undefined) return { text: o.text, source: "Entity", what: `input string: ${o.text}` };
  return { text: await io.readStdin(), source: "Entity", what: "input from STDIN." };
}

function schemaLine(f: Finding, source: string, lines: Map<XmlElement, number>): string {
  const line = f.node ? (lines.get(f.node) ?? 0) : 0;
  const where = source === "Entity" ? `Entity: line ${line}` : `${source}:${line}`;
  const kind = f.pacemaker.form === "idref" ? "validity error" : "Relax-NG validity error";
  return `${where}: element ${f.element}: ${kind} : ${f.pacemaker.text}\n`;
}

const LEVEL_VERBOSITY = { error: 1, warning: 2, notice: 3 } as const;

// Pacemaker's text for each exit status crm_verify uses (crm_exit_str).
const EXIT_TEXT: Record<number, string> = {
  [EXIT_OK]: "OK",
  [EXIT_ERROR]: "Error occurred",
  [EXIT_USAGE]: "Incorrect usage",
  [EXIT_NOINPUT]: "Input file not available",
  [EXIT_DATAERR]: "Protocol violated",
  [EXIT_CONFIG]: "Invalid configuration",
};

export const crmVerifyCommand: Command = async (argv, io) => {
  let o: Options;
  try {
    o = parseArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr(`crm_verify: ${e.message}\n`);
    return EXIT_USAGE;
  }
  if (o.outputAs !== "text" && o.outputAs !== "xml") {
    io.stderr(`crm_verify: Error creating output format ${o.outputAs}: Unknown output format\n`);
    return EXIT_ERROR;
  }
  const code = await verify(o, io);
  if (o.outputAs === "xml" && !o.help && !o.version) {
    const request = escapeAttr(["crm_verify", ...argv].join(" "));
    io.stdout(
      `<pacemaker-result api-version="2.25" request="${request}">\n  <status code="${code}" message="${EXIT_TEXT[code] ?? "Error occurred"}"/>\n</pacemaker-result>\n`,
    );
  }
  return code;
};

async function verify(o: Options, io: CommandIO): Promise<number> {
  if (o.help) {
    io.stdout(USAGE);
    return EXIT_OK;
  }
  if (o.version) {
    io.stdout(
      "Pacemaker 2.1.5 (tandem 0.1.0)\nWritten by Andrew Beekhof and the Pacemaker project contributors\n",
    );
    return EXIT_OK;
  }
  if (!o.live && o.file === undefined && o.text === undefined && !o.pipe) {
    io.stderr("crm_verify: No configuration source specified.  Use --help for usage information.\n");
    return EXIT_ERROR;
  }

  let input: { text: string; source: string; what: string };
  try {
    input = await readInput(o, io);
  } catch (e) {
    if (!(e instanceof TandemError)) throw e;
    io.stderr(`crm_verify: ${e.message}\n`);
    return e.exitCode;
  }
  let root: XmlElement;
  try {
    root = parseXml(input.text, { source: input.source === "Entity" ? undefined : input.source });
  } catch (e) {
    if (!(e instanceof TandemError)) throw e;
    if (o.verbosity > 0) io.stderr(`(filename2xml) \terror: ${e.message}\n`);
    io.stderr(`crm_verify: Couldn't parse ${input.what}${o.verbosity > 0 ? "" : ` (${e.message})`}\n`);
    return EXIT_ERROR;
  }
  if (root.name.toLowerCase() !== "cib") {
    io.stderr(
      "crm_verify: This tool can only check complete configurations (i.e. those starting with <cib>).\n",
    );
    return EXIT_DATAERR;
  }
  if (o.save !== undefined) {
    try {
      writeFileSync(resolve(io.cwd, o.save), input.text);
    } catch (e) {
      io.stderr(`crm_verify: Could not save XML to ${o.save}: ${(e as Error).message}\n`);
      return EXIT_ERROR;
    }
  }

  const findings = validateCib(root);
  const structural = findings.filter(
    (f) => (f.pacemaker.form === "relaxng" || f.pacemaker.form === "idref") && f.severity === "error",
  );
  let errors = false;
  let warnings = false;
  if (structural.length > 0) {
    const lines = lineMap(root, input.text);
    for (const f of structural) io.stderr(schemaLine(f, input.source, lines));
    if (o.verbosity > 0) io.stderr("(main) \terror: CIB did not pass schema validation\n");
    errors = true;
  } else {
    for (const f of findings) {
      if (f.severity === "error") errors = true;
      else if (f.severity === "warning") warnings = true;
      if (f.pacemaker.form === "plain") {
        io.stderr(`${f.pacemaker.text}\n`);
        continue;
      }
      const level = f.pacemaker.level ?? (f.severity === "notice" ? "notice" : f.severity);
      if (o.verbosity >= LEVEL_VERBOSITY[level])
        io.stderr(`(${f.pacemaker.fn ?? "crm_verify"}) \t${level}: ${f.pacemaker.text}\n`);
    }
    // Like Pacemaker, schedule the CIB when it has a status section and report
    // what the scheduler warns about (fencing, orphans, quorum).
    // (an empty <status/> counts: every node is then unseen, as Pacemaker sees it)
    if (elements(root, "status").length > 0) {
      try {
        // Loaded on demand: the check of the configuration never depends on the scheduler loading.
        const { statusNotes } = await import("./crm_verify-status.js");
        for (const n of statusNotes(root)) {
          if (n.counts) warnings = true;
          const level = n.pacemaker.level ?? "warning";
          if (o.verbosity >= LEVEL_VERBOSITY[level])
            io.stderr(`(${n.pacemaker.fn}) \t${level}: ${n.pacemaker.text}\n`);
        }
      } catch (e) {
        // A CIB the scheduler cannot handle is reported, never fatal to the check itself.
        if (o.verbosity >= 2)
          io.stderr(
            `(crm_verify) \twarning: scheduling the CIB failed: ${e instanceof Error ? e.message : String(e)}\n`,
          );
      }
    }
  }
  const hint = o.verbosity > 0 ? "" : "\n-V may provide more details";
  if (errors) {
    io.stderr(`crm_verify: Errors found during check: config not valid${hint}\n`);
    return EXIT_CONFIG;
  }
  if (warnings) {
    io.stderr(`crm_verify: Warnings found during check: config may not be valid${hint}\n`);
    return EXIT_CONFIG;
  }
  return EXIT_OK;
}
