// `tandem lab ...`: the failover lab's command line (docs/lab.md). Parses options and
// hands over to src/lab/; every subcommand takes --dir DIR (default $TANDEM_LAB_DIR or
// ./.tandem-lab) so several labs can coexist.

import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ErrorCodes, TandemError } from "../core/errors.js";
import {
  findNode,
  type LabMode,
  labDirFrom,
  loadLab,
  nodeEnv,
  nodeLogDir,
  type Scenario,
} from "../lab/config.js";
import type { FaultKind } from "../lab/faults.js";
import type { Command, CommandIO } from "./io.js";

const USAGE = `Usage: tandem lab COMMAND [--dir DIR] ...

  up [--nodes N] [--mode loopback|netns] [--scenario tutorial|dummy|none] [--fencing]
     [--web apache|tandem]   (netns: the distribution's apache, or tandem's web server)
                          build the tutorial's cluster with its own pcs commands
  status [--json]         nodes, addresses, pids, the virtual IP and who serves it
  exec NODE -- CMD...     run a command as if logged in on NODE (pcs, crm_mon, curl ...)
  shell NODE              an interactive shell on NODE
  logs NODE [--follow]    NODE's logs (pcsd, tandemd)
  fault NODE stop|start|kill|freeze|thaw|isolate|heal|resource-fail RSC
  link NODE[,NODE] loss PCT|delay MS|down|up
  failover [--fault stop|kill|freeze|isolate|resource-fail] [--node NODE] [--runs N]
           [--report FILE.html] [--json] [--timeout S]
                          measure the client-visible gap of a failover
  demo                    up + pcs status + one failover (what 'npm start' runs)
  down                    stop everything and remove the lab

DIR: --dir, else $TANDEM_LAB_DIR, else ./.tandem-lab
`;

interface Parsed {
  words: string[];
  opts: Map<string, string | true>;
  rest: string[];
}

const VALUED = new Set([
  "--web",
  "--dir",
  "--nodes",
  "--mode",
  "--scenario",
  "--fault",
  "--node",
  "--runs",
  "--report",
  "--timeout",
]);
const FLAGS = new Set(["--json", "--fencing", "--follow", "-f", "--help", "-h", "--no-heal"]);

function parse(argv: string[]): Parsed {
  const words: string[] = [];
  const opts = new Map<string, string | true>();
  let rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") {
      rest = argv.slice(i + 1);
      break;
    }
    if (a.startsWith("-")) {
      const eq = a.indexOf("=");
      const name = eq > 0 ? a.slice(0, eq) : a;
      if (VALUED.has(name)) {
        const v = eq > 0 ? a.slice(eq + 1) : argv[++i];
        if (v === undefined) throw usageError(`option ${name} needs a value`);
        opts.set(name, v);
      } else if (FLAGS.has(name)) opts.set(name, true);
      else throw usageError(`unknown option '${a}'`);
    } else words.push(a);
  }
  return { words, opts, rest };
}

const usageError = (msg: string) => new TandemError(ErrorCodes.USAGE, `lab: ${msg}`, { exitCode: 2 });

function intOpt(p: Parsed, name: string, dflt: number): number {
  const v = p.opts.get(name);
  if (v === undefined) return dflt;
  const n = Number(v);
  if (v === true || !Number.isInteger(n) || n < 1)
    throw usageError(`${name} must be a positive integer: got '${String(v)}'`);
  return n;
}

function strOpt(p: Parsed, name: string): string | undefined {
  const v = p.opts.get(name);
  return typeof v === "string" ? v : undefined;
}

function enumOpt<T extends string>(p: Parsed, name: string, allowed: readonly T[], dflt: T): T {
  const v = strOpt(p, name);
  if (v === undefined) return dflt;
  if (!(allowed as readonly string[]).includes(v))
    throw usageError(`${name} must be one of ${allowed.join(", ")}: got '${v}'`);
  return v as T;
}

export const FAILOVER_FAULTS = ["stop", "kill", "freeze", "isolate", "resource-fail"] as const;

export const labCommand: Command = async (argv, io) => {
  const p = parse(argv);
  const [sub, ...args] = p.words;
  if (sub === undefined || sub === "help" || p.opts.has("--help") || p.opts.has("-h")) {
    io.stdout(USAGE);
    return sub === undefined && !p.opts.has("--help") && !p.opts.has("-h") ? 1 : 0;
  }
  const dir = labDirFrom(strOpt(p, "--dir"), io.env, io.cwd);
  const out = (t: string) => io.stdout(t);
  switch (sub) {
    case "up": {
      const mode = enumOpt<LabMode>(p, "--mode", ["loopback", "netns"], "loopback");
      const scenario = enumOpt<Scenario>(p, "--scenario", ["tutorial", "dummy", "none"], "tutorial");
      const nodes = intOpt(p, "--nodes", 2);
      const fencing = p.opts.has("--fencing");
      const web = enumOpt(p, "--web", ["apache", "tandem"] as const, "apache");
      if (p.opts.has("--web") && mode !== "netns") throw usageError("--web applies to --mode netns only");
      const upOpts = { dir, nodes, mode, scenario, fencing, web, out };
      if (mode === "netns") await (await import("../lab/netns-up.js")).labUpNetns(upOpts);
      else await (await import("../lab/up.js")).labUp(upOpts);
      io.stdout(hint(dir, io));
      return 0;
    }
    case "down": {
      const r = await (await import("../lab/manage.js")).labDown(dir);
      io.stdout(
        `Lab ${dir} is down: ${r.killed} process(es) stopped${r.namespaces.length ? `, namespaces ${r.namespaces.join(" ")} removed` : ""}, directory removed\n`,
      );
      return 0;
    }
    case "status": {
      const m = await import("../lab/manage.js");
      const s = await m.labStatus(loadLab(dir));
      io.stdout(p.opts.has("--json") ? `${JSON.stringify(s, null, 2)}\n` : m.formatStatus(s));
      return 0;
    }
    case "exec": {
      const lab = loadLab(dir);
      if (args.length !== 1) throw usageError("usage: tandem lab exec NODE -- CMD...");
      const node = findNode(lab, args[0]);
      if (p.rest.length === 0) throw usageError("usage: tandem lab exec NODE -- CMD... (no command given)");
      const { onNodeArgv } = await import("../lab/run.js");
      return interactive(onNodeArgv(lab, node, p.rest), nodeEnv(lab, node), node.root);
    }
    case "shell": {
      const lab = loadLab(dir);
      if (args.length !== 1) throw usageError("usage: tandem lab shell NODE");
      const node = findNode(lab, args[0]);
      const env = nodeEnv(lab, node);
      env.PS1 = `[${node.name} \\W]\\$ `;
      const { onNodeArgv } = await import("../lab/run.js");
      const shell = io.env.SHELL && existsSync(io.env.SHELL) ? io.env.SHELL : "/bin/bash";
      io.stderr(`${node.name}: TANDEM_ROOT=${node.root}; 'exit' to leave\n`);
      return interactive(
        onNodeArgv(lab, node, process.stdin.isTTY ? [shell, "--norc", "-i"] : [shell, "--norc"]),
        env,
        node.root,
      );
    }
    case "logs": {
      const lab = loadLab(dir);
      if (args.length !== 1) throw usageError("usage: tandem lab logs NODE [--follow]");
      const node = findNode(lab, args[0]);
      const files = ["pcsd.log", "pcsd.out", "tandemd.log", "tandemd.out"]
        .map((f) => join(nodeLogDir(node), f))
        .filter(existsSync);
      if (p.opts.has("--follow") || p.opts.has("-f"))
        return interactive(
          ["tail", "-n", "50", "-F", ...files],
          process.env as Record<string, string>,
          node.root,
        );
      for (const f of files) io.stdout(`==> ${f} <==\n${readFileSync(f, "utf8")}\n`);
      return 0;
    }
    case "fault": {
      const lab = loadLab(dir);
      if (args.length < 2)
        throw usageError(
          "usage: tandem lab fault NODE stop|start|kill|freeze|thaw|isolate|heal|resource-fail RSC",
        );
      const f = await import("../lab/faults.js");
      const node = findNode(lab, args[0]);
      const kind = args[1] as FaultKind;
      if (!f.FAULT_KINDS.includes(kind))
        throw usageError(`unknown fault '${args[1]}': use ${f.FAULT_KINDS.join(", ")}`);
      if (kind === "resource-fail" && args.length !== 3)
        throw usageError("usage: tandem lab fault NODE resource-fail RSC");
      out(`${await f.injectFault(lab, node, kind, args[2])}\n`);
      return 0;
    }
    case "link": {
      const lab = loadLab(dir);
      if (args.length < 2) throw usageError("usage: tandem lab link NODE[,NODE] loss PCT|delay MS|down|up");
      const f = await import("../lab/faults.js");
      const nodes = args[0].split(",").map((n) => findNode(lab, n));
      out(`${await f.linkFault(lab, nodes, args[1], args[2])}\n`);
      return 0;
    }
    case "failover": {
      const lab = loadLab(dir);
      const fault = enumOpt(p, "--fault", FAILOVER_FAULTS, "stop");
      const nodeName = strOpt(p, "--node");
      if (nodeName) findNode(lab, nodeName);
      const m = await import("../lab/failover.js");
      const res = await m.runFailovers(lab, {
        fault,
        node: nodeName,
        runs: intOpt(p, "--runs", 1),
        timeoutMs: intOpt(p, "--timeout", 60) * 1000,
        heal: !p.opts.has("--no-heal"),
        log: p.opts.has("--json") ? () => {} : out,
      });
      const reportPath = strOpt(p, "--report");
      if (reportPath) {
        const { writeReport } = await import("../lab/report.js");
        writeReport(join(io.cwd, "."), reportPath, lab, res);
      }
      if (p.opts.has("--json")) io.stdout(`${JSON.stringify(m.failoverJson(res), null, 2)}\n`);
      else {
        io.stdout(m.formatSummary(res));
        if (reportPath) io.stdout(`Report: ${reportPath}\n`);
      }
      return res.runs.every((r) => r.to !== null) ? 0 : 1;
    }
    case "supervise": {
      // Internal: the lab's control socket process, started by 'lab up'.
      await (await import("../lab/supervisor.js")).supervise(dir);
      return 0;
    }
    case "demo": {
      const { labDemo } = await import("../lab/demo.js");
      return labDemo(dir, io);
    }
    default:
      throw usageError(`unknown command '${sub}' (see 'tandem lab help')`);
  }
};

export function hint(dir: string, io: CommandIO): string {
  const d = dir === labDirFrom(undefined, io.env, io.cwd) ? "" : ` --dir ${dir}`;
  return `\nTry: tandem lab failover${d} --fault kill   |   tandem lab exec${d} node2 -- pcs status   |   take it down: tandem lab down${d}\n`;
}

/** Runs a child with the terminal attached; resolves with its exit status. */
function interactive(argv: string[], env: Record<string, string>, cwd: string): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { env, cwd, stdio: "inherit" });
    child.on("error", (e) => {
      process.stderr.write(`lab: cannot run ${argv[0]}: ${e.message}\n`);
      resolve(127);
    });
    child.on("close", (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}
