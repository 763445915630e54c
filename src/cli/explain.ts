// `tandem explain RSC -x FILE`: why a resource is placed where it is, in words
// (every score contribution per node, the winner and the tie-break, the action).

import { readFileSync } from "node:fs";
import path from "node:path";
import { parseCib } from "../cib/unpack.js";
import { ErrorCodes, TandemError } from "../core/errors.js";
import { explainResource } from "../scheduler/explain.js";
import { schedule } from "../scheduler/index.js";
import { executionDate } from "../scheduler/unpack-status.js";
import type { Command } from "./io.js";

const USAGE = `Usage: tandem explain RESOURCE (-x FILE | -p)
  Shows, for each node, the score RESOURCE gets there and every contribution
  to it (location constraints and rules, stickiness, fail counts, colocations,
  node state), which node wins and why, and what the transition does with it.
  -x, --xml-file=FILE   read the CIB from FILE
  -p, --xml-pipe        read the CIB from standard input
`;

export const explainCommand: Command = async (argv, io) => {
  let file: string | undefined;
  let pipe = false;
  let rsc: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "-h" || a === "--help") {
      io.stdout(USAGE);
      return 0;
    }
    if (a === "-x" || a === "--xml-file") file = argv[++i];
    else if (a.startsWith("--xml-file=")) file = a.slice(11);
    else if (a.startsWith("-x") && a.length > 2) file = a.slice(2);
    else if (a === "-p" || a === "--xml-pipe") pipe = true;
    else if (a.startsWith("-"))
      throw new TandemError(ErrorCodes.USAGE, `unknown option '${a}' (see tandem explain --help)`);
    else if (rsc === undefined) rsc = a;
    else throw new TandemError(ErrorCodes.USAGE, `unexpected argument '${a}' (see tandem explain --help)`);
  }
  if (rsc === undefined)
    throw new TandemError(ErrorCodes.USAGE, "which resource? usage: tandem explain RESOURCE -x FILE");
  let text: string;
  if (pipe) text = await io.readStdin();
  else if (file !== undefined) {
    try {
      text = readFileSync(path.resolve(io.cwd, file), "utf8");
    } catch (e) {
      throw new TandemError(
        ErrorCodes.IO,
        `cannot read '${file}': ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
      );
    }
  } else
    throw new TandemError(
      ErrorCodes.USAGE,
      "no input: give -x FILE or -p (a live cluster is not supported yet)",
    );
  const cib = parseCib(text, file);
  const now = executionDate(cib) ?? Math.floor(Date.now() / 1000);
  io.stdout(explainResource(schedule(cib, { now }), rsc));
  return 0;
};
