// Running commands "on" a lab node: a child process with the node's environment
// (TANDEM_ROOT, PATH with the repository's bin/ first ...), in netns mode inside the
// node's network namespace. Used by `lab up` (the tutorial's pcs commands), `lab exec`,
// faults, and the failover runner.

import { spawn } from "node:child_process";
import { join } from "node:path";
import { binDir, type LabConfig, type LabNode, nodeEnv } from "./config.js";
import { holderPid } from "./netns.js";

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** argv for a tandem program (pcs, tandem ...) run with this Node binary. */
export function toolArgv(program: string, args: string[]): string[] {
  return [process.execPath, join(binDir, program), ...args];
}

/**
 * Wraps argv so it runs on the node (netns mode): inside the node's network, mount and
 * PID namespaces (its holder's), or only its network namespace while the node is down.
 */
export function onNodeArgv(lab: LabConfig, node: LabNode, argv: string[]): string[] {
  if (!(lab.mode === "netns" && node.netns)) return argv;
  const holder = holderPid(node);
  if (holder !== undefined)
    return ["nsenter", "-t", String(holder), "-n", "-m", "-p", `--wd=${node.root}`, "--", ...argv];
  return ["ip", "netns", "exec", node.netns, ...argv];
}

export function runOn(
  lab: LabConfig,
  node: LabNode,
  argv: string[],
  opts: { stdin?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  const full = onNodeArgv(lab, node, argv);
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = spawn(full[0], full.slice(1), {
      env: nodeEnv(lab, node),
      cwd: node.root,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString("utf8");
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString("utf8");
    });
    const timer =
      opts.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            stderr += `\n(timed out after ${opts.timeoutMs} ms)\n`;
            child.kill("SIGKILL");
          }, opts.timeoutMs);
    child.on("error", (e) => {
      stderr += `${e.message}\n`;
    });
    child.on("close", (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr, ms: Date.now() - t0 });
    });
    child.stdin.on("error", () => {});
    child.stdin.end(opts.stdin ?? "");
  });
}

/** Runs a tandem tool (pcs ...) on a node. */
export const runTool = (
  lab: LabConfig,
  node: LabNode,
  program: string,
  args: string[],
  timeoutMs = 120_000,
) => runOn(lab, node, toolArgv(program, args), { timeoutMs });

/** Runs fn over items with at most `limit` at a time, results in input order. */
export async function mapLimit<T, R>(
  items: T[],
  limit: number,
  fn: (t: T, i: number) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
