// Helpers of the transcript test: run a tandem tool on a lab node (in-process for pcs,
// with the node's environment; as a real process for the status tools).

import { captureIO } from "../cli/io.js";
import { pcsCommand } from "../cli/pcs.js";
import { type LabConfig, type LabNode, nodeEnv } from "../lab/config.js";
import { runOn, toolArgv } from "../lab/run.js";

export interface ToolRun {
  code: number;
  /** stdout and stderr interleaved as written. */
  all: string;
}

/** `pcs ARGS` in-process (fast) with the node's environment; others as processes. */
export async function runIn(lab: LabConfig, node: LabNode, program: string, args: string): Promise<ToolRun> {
  const argv = args.split(/\s+/).filter((w) => w !== "");
  if (program === "pcs") {
    const cap = captureIO({ env: nodeEnv(lab, node), cwd: node.root });
    let all = "";
    cap.io.stdout = (t) => {
      all += t;
    };
    cap.io.stderr = (t) => {
      all += t;
    };
    const code = await pcsCommand(argv, cap.io);
    return { code, all };
  }
  const r = await runOn(lab, node, toolArgv(program, argv), { timeoutMs: 60_000 });
  return { code: r.code, all: `${r.stdout}${r.stderr}` };
}

/** crm_mon as a real process; its stdout (asserting success). */
export async function crm_monFor(lab: LabConfig, node: LabNode, args: string[]): Promise<string> {
  const r = await runOn(lab, node, toolArgv("crm_mon", args), { timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`crm_mon ${args.join(" ")}: exit ${r.code}: ${r.stderr}`);
  return r.stdout;
}
