// `tandem lab demo` (what `npm start` runs): lab up, pcs status, one graceful failover
// measured, the gap and the report's path (DIR's parent: tandem-lab-report.html, so it
// survives 'lab down'), and the lab left up with a hint.

import { dirname, join } from "node:path";
import type { CommandIO } from "../cli/io.js";
import { labDirFrom, loadLab } from "./config.js";
import { failoverJson, formatSummary, runFailovers } from "./failover.js";
import { labDown } from "./manage.js";
import { writeReport } from "./report.js";
import { labUp } from "./up.js";
import { existsSync } from "node:fs";
import { labFile } from "./config.js";

export async function labDemo(dir: string, io: CommandIO): Promise<number> {
  const out = (t: string) => io.stdout(t);
  if (existsSync(labFile(dir))) {
    out(`A lab exists in ${dir}: taking it down first.\n`);
    await labDown(dir);
  }
  await labUp({ dir, nodes: 2, mode: "loopback", scenario: "tutorial", fencing: false, out });
  const lab = loadLab(dir);
  out(`\n$ tandem lab failover --fault stop\n`);
  const res = await runFailovers(lab, { fault: "stop", runs: 1, timeoutMs: 60_000, heal: true, log: out });
  out(formatSummary(res));
  // Beside DIR, not in it: the report outlives 'tandem lab down' (which removes DIR).
  const report = writeReport(io.cwd, join(dirname(dir), "tandem-lab-report.html"), lab, res);
  const j = failoverJson(res);
  const r = j.runs[0];
  out(
    `Failover ${r.from} -> ${r.to ?? "?"}: the client saw a gap of ${r.gap_s === null ? "?" : r.gap_s.toFixed(3)} s, ${r.double_answers} double answers.\nReport: ${report}  (open file://${report} in a browser; kept after 'tandem lab down')\n`,
  );
  const d = dir === labDirFrom(undefined, io.env, io.cwd) ? "" : ` --dir ${dir}`;
  out(
    `\nThe lab is still up. Next: tandem lab failover${d} --fault kill --runs 3 --report kill.html   |   tandem lab exec${d} node1 -- pcs status   |   done: tandem lab down${d}\n`,
  );
  return r.to ? 0 : 1;
}
