// crm_simulate: run the scheduler on a CIB and show what the cluster would do
// (Pacemaker 2.1.5 layout: Current cluster status / Transition Summary /
// Executing Cluster Transition / Revised Cluster Status), with what-if
// injections and graph / dot / CIB output files.

import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Cib } from "../cib/model.js";
import { parseCib, unpackCib } from "../cib/unpack.js";
import { ErrorCodes, TandemError } from "../core/errors.js";
import { serializeXml } from "../core/xml.js";
import { executionLine, graphDot, graphXml } from "../scheduler/graph.js";
import { schedule, type Transition, unpackOnly } from "../scheduler/index.js";
import { renderStatus } from "../scheduler/render-status.js";
import { scoreLines } from "../scheduler/score-report.js";
import { applyInjections, executeTransition } from "../scheduler/simulate.js";
import { formatSummary } from "../scheduler/summary.js";
import { executionDate } from "../scheduler/unpack-status.js";
import type { SchedResource, WorkingSet } from "../scheduler/working-set.js";
import type { Command, CommandIO } from "./io.js";

export interface SimulateOptions {
  xmlFile?: string;
  xmlPipe: boolean;
  simulate: boolean;
  run: boolean;
  showScores: boolean;
  quiet: boolean;
  dotFile?: string;
  graphFile?: string;
  outputFile?: string;
  nodeUp: string[];
  nodeDown: string[];
  nodeFail: string[];
  opInject: string[];
  opFail: string[];
  live: boolean;
}

const USAGE = `Usage: crm_simulate [options]
  -x, --xml-file=FILE   read the CIB from FILE
  -p, --xml-pipe        read the CIB from standard input
  -L, --live-check      use the live cluster's CIB (needs a running tandemd)
  -R, --run             run the scheduler and show the Transition Summary
  -S, --simulate        also simulate executing the transition and show the revised status
  -s, --show-scores     show allocation scores
  -Q, --quiet           do not show the cluster status
  -D, --save-dotfile=FILE   write the transition graph in graphviz format
  -G, --save-graph=FILE     write the transition graph (XML)
  -O, --save-output=FILE    write the resulting CIB
  -u, --node-up=NODE    bring a node online first
  -d, --node-down=NODE  take a node offline first
  -f, --node-fail=NODE  mark a node as failed first
  -i, --op-inject=RSC_TASK_INTERVAL@NODE=RC   inject an operation result first
  -F, --op-fail=RSC_TASK_INTERVAL@NODE=RC     inject an operation failure into the simulated transition
`;

export function parseSimulateArgs(argv: string[]): SimulateOptions | "help" {
  const o: SimulateOptions = {
    xmlPipe: false,
    simulate: false,
    run: false,
    showScores: false,
    quiet: false,
    nodeUp: [],
    nodeDown: [],
    nodeFail: [],
    opInject: [],
    opFail: [],
    live: false,
  };
  const withValue: Record<string, (v: string) => void> = {
    x: (v) => {
      o.xmlFile = v;
    },
    "xml-file": (v) => {
      o.xmlFile = v;
    },
    D: (v) => {
      o.dotFile = v;
    },
    "save-dotfile": (v) => {
      o.dotFile = v;
    },
    G: (v) => {
      o.graphFile = v;
    },
    "save-graph": (v) => {
      o.graphFile = v;
    },
    O: (v) => {
      o.outputFile = v;
    },
    "save-output": (v) => {
      o.outputFile = v;
    },
    u: (v) => o.nodeUp.push(v),
    "node-up": (v) => o.nodeUp.push(v),
    d: (v) => o.nodeDown.push(v),
    "node-down": (v) => o.nodeDown.push(v),
    f: (v) => o.nodeFail.push(v),
    "node-fail": (v) => o.nodeFail.push(v),
    i: (v) => o.opInject.push(v),
    "op-inject": (v) => o.opInject.push(v),
    F: (v) => o.opFail.push(v),
    "op-fail": (v) => o.opFail.push(v),
  };
  const flags: Record<string, () => void> = {
    p: () => {
      o.xmlPipe = true;
    },
    "xml-pipe": () => {
      o.xmlPipe = true;
    },
    S: () => {
      o.simulate = true;
    },
    simulate: () => {
      o.simulate = true;
    },
    R: () => {
      o.run = true;
    },
    run: () => {
      o.run = true;
    },
    s: () => {
      o.showScores = true;
    },
    "show-scores": () => {
      o.showScores = true;
    },
    Q: () => {
      o.quiet = true;
    },
    quiet: () => {
      o.quiet = true;
    },
    L: () => {
      o.live = true;
    },
    "live-check": () => {
      o.live = true;
    },
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "-h" || a === "--help" || a === "-?") return "help";
    if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
      if (withValue[name]) {
        const v = eq >= 0 ? a.slice(eq + 1) : argv[++i];
        if (v === undefined) throw new TandemError(ErrorCodes.USAGE, `option --${name} needs a value`);
        withValue[name](v);
      } else if (flags[name] && eq < 0) flags[name]();
      else throw new TandemError(ErrorCodes.USAGE, `unknown option '${a}' (see crm_simulate --help)`);
      continue;
    }
    if (a.startsWith("-") && a.length > 1) {
      for (let k = 1; k < a.length; k++) {
        const c = a[k];
        if (withValue[c]) {
          const rest = a.slice(k + 1);
          const v = rest !== "" ? rest : argv[++i];
          if (v === undefined) throw new TandemError(ErrorCodes.USAGE, `option -${c} needs a value`);
          withValue[c](v);
          break;
        }
        if (flags[c]) flags[c]();
        else throw new TandemError(ErrorCodes.USAGE, `unknown option '-${c}' (see crm_simulate --help)`);
      }
      continue;
    }
    throw new TandemError(ErrorCodes.USAGE, `unexpected argument '${a}' (see crm_simulate --help)`);
  }
  return o;
}

function dateText(sec: number): string {
  return `${new Date(sec * 1000)
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, "")}Z`;
}

/** "N of M resource instances DISABLED and K BLOCKED ...", when any is. */
export function inactiveNote(ws: WorkingSet): string | undefined {
  let total = 0;
  let disabled = 0;
  let blocked = 0;
  for (const r of ws.primitives) {
    if (r.orphan) continue;
    total++;
    let off = false;
    for (let x: SchedResource | undefined = r; x; x = x.parent) if (x.targetRole === "stopped") off = true;
    if (off) disabled++;
    if (r.blocked || [...r.history.values()].some((h) => h.blocked)) blocked++;
  }
  if (disabled + blocked === 0) return undefined;
  return `${disabled} of ${total} resource instances DISABLED and ${blocked} BLOCKED from further action due to failure`;
}

export interface SimulateResult {
  /** Full text crm_simulate prints. */
  text: string;
  transition?: Transition;
  revised?: Cib;
}

const HEADINGS = new Set([
  "Current cluster status:",
  "Performing Requested Modifications:",
  "Allocation Scores:",
  "Transition Summary:",
  "Executing Cluster Transition:",
  "Revised Cluster Status:",
]);

/**
 * Pacemaker 2.1.5's crm_simulate prints its text without section headings and list bullets
 * whenever it shows allocation scores (-s): node lists become bare "[ node1 node2 ]" lines,
 * list headings ("Node List:") disappear, resources, summary and actions lose their "* " and
 * indentation (members keep their depth below their list), and an empty section leaves at most
 * the blank line before it.
 * Reproduced so that the output is the real tool's, byte for byte.
 */
export function plainLayout(lines: string[]): string[] {
  const out: string[] = [];
  for (const l of lines) {
    if (HEADINGS.has(l)) continue;
    const m = /^( *)\* (.*)$/.exec(l);
    if (!m) {
      if (l === "" && (out.length === 0 || out[out.length - 1] === "")) continue;
      out.push(l);
      continue;
    }
    const body = m[2];
    if (/^[A-Z][A-Za-z ]* List(?: of Resources)?:$/.test(body)) continue;
    const nodes = /^(?:Online|OFFLINE|GuestOnline|RemoteOnline|RemoteOFFLINE|GuestOFFLINE): (\[ .* \])$/.exec(
      body,
    );
    out.push(nodes ? nodes[1] : " ".repeat(Math.max(0, m[1].length - 4)) + body);
  }
  return out;
}

function finalText(out: string[], plain: boolean): string {
  return `${(plain ? plainLayout(out) : out).join("\n")}\n`;
}

/** The whole crm_simulate run on CIB text, in-process (the corpus test uses it). */
export function runSimulate(
  xmlText: string,
  o: SimulateOptions,
  clockNow: number,
  source?: string,
): SimulateResult {
  let cib = parseCib(xmlText, source);
  const execDate = executionDate(cib);
  const now = execDate ?? clockNow;
  const out: string[] = [];
  const dateNote =
    execDate !== undefined ? `Using the original execution date of: ${dateText(execDate)}` : undefined;
  if (dateNote) out.push(dateNote);
  const injecting = o.nodeUp.length + o.nodeDown.length + o.nodeFail.length + o.opInject.length > 0;
  const scheduling =
    o.run || o.simulate || o.showScores || o.dotFile !== undefined || o.graphFile !== undefined;
  // Without what-if changes, the scheduler's own unpack of the CIB shows the current status.
  let t: Transition | undefined = scheduling && !injecting ? schedule(cib, { now }) : undefined;
  const current = t ? t.ws : unpackOnly(cib, { now });
  const inactive = inactiveNote(current);
  if (inactive) out.push(inactive, "");
  if (!o.quiet) {
    out.push("Current cluster status:");
    out.push(...renderStatus(current));
    out.push("");
  }
  const inj = {
    nodeUp: o.nodeUp,
    nodeDown: o.nodeDown,
    nodeFail: o.nodeFail,
    opInject: o.opInject,
    opFail: [] as string[],
  };
  if (injecting) {
    const { xml, lines } = applyInjections(cib, inj, now);
    cib = unpackCib(xml);
    out.push("Performing Requested Modifications:", ...lines, "");
  }
  if (!scheduling) return { text: `${out.join("\n")}\n` };
  t ??= schedule(cib, { now });
  if (o.showScores) {
    out.push("Allocation Scores:", ...scoreLines(t.ws), "");
  }
  out.push("Transition Summary:", ...formatSummary(t.summary));
  // (-R alone ends with the summary, as Pacemaker's does)
  if (o.simulate) out.push("");
  let revised: Cib | undefined;
  if (o.simulate) {
    out.push("Executing Cluster Transition:");
    const executed = t.graph.order.map((i) => t.graph.actions[i]);
    for (const g of executed) out.push(executionLine(g.action, g.key));
    let doc = executeTransition(
      cib,
      executed.map((g) => g.action),
      new Map(t.ws.nodes.map((n) => [n.uname, n.attrs])),
    );
    if (o.opFail.length > 0) {
      const failed = applyInjections(
        unpackCib(doc),
        { nodeUp: [], nodeDown: [], nodeFail: [], opInject: o.opFail, opFail: [] },
        now,
      );
      doc = failed.xml;
    }
    revised = unpackCib(doc);
    if (dateNote) out.push(dateNote);
    out.push("");
    if (!o.quiet) {
      out.push("Revised Cluster Status:");
      out.push(...renderStatus(unpackOnly(revised, { now })));
    }
  }
  return { text: finalText(out, o.showScores), transition: t, revised };
}

function readInput(
  o: SimulateOptions,
  io: CommandIO,
): Promise<{ text: string; source: string }> | { text: string; source: string } {
  if (o.live)
    throw new TandemError(ErrorCodes.USAGE, "-L/--live-check needs a running cluster; use -x FILE or -p");
  if (o.xmlPipe) return io.readStdin().then((text) => ({ text, source: "standard input" }));
  if (o.xmlFile === undefined)
    throw new TandemError(ErrorCodes.USAGE, "no input: give -x FILE, -p or -L (see crm_simulate --help)");
  const file = path.resolve(io.cwd, o.xmlFile);
  try {
    return { text: readFileSync(file, "utf8"), source: o.xmlFile };
  } catch (e) {
    throw new TandemError(
      ErrorCodes.IO,
      `cannot read '${o.xmlFile}': ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
    );
  }
}

function writeOut(io: CommandIO, file: string, text: string): void {
  try {
    writeFileSync(path.resolve(io.cwd, file), text);
  } catch (e) {
    throw new TandemError(
      ErrorCodes.IO,
      `cannot write '${file}': ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
    );
  }
}

export const crmSimulateCommand: Command = async (argv, io) => {
  const o = parseSimulateArgs(argv);
  if (o === "help") {
    io.stdout(USAGE);
    return 0;
  }
  const input = await readInput(o, io);
  const res = runSimulate(input.text, o, Math.floor(Date.now() / 1000), input.source);
  io.stdout(res.text);
  if (res.transition) {
    if (o.graphFile) writeOut(io, o.graphFile, graphXml(res.transition.graph));
    if (o.dotFile) writeOut(io, o.dotFile, graphDot(res.transition.graph));
  }
  if (o.outputFile) {
    const doc = res.revised ? res.revised.xml : parseCib(input.text, input.source).xml;
    writeOut(io, o.outputFile, serializeXml(doc));
  }
  return 0;
};
