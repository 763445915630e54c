// Dashboard actions: each is one pcs command, run in-process through the pcs command line
// itself (src/cli/pcs.ts) against this node's live CIB, so a click changes the CIB exactly
// as typing the command would. Inputs are checked before anything runs: an action name from
// a fixed list, CIB ids and node names by pattern (never starting with '-', so nothing can
// be read as an option).

import { captureIO } from "../../cli/io.js";
import { pcsCommand } from "../../cli/pcs.js";
import { ErrorCodes, TandemError } from "../../core/errors.js";
import { type Infer, literal, nullable, obj, str } from "../api.js";

export const ACTIONS = [
  "standby",
  "unstandby",
  "maintenance",
  "unmaintenance",
  "enable",
  "disable",
  "move",
  "clear",
  "cleanup",
] as const;
export type ActionName = (typeof ACTIONS)[number];

const CIB_ID = /^[A-Za-z_][A-Za-z0-9_.:-]*$/;
const NODE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export const actionRequest = obj({
  action: literal(...ACTIONS),
  /** A node name (node actions) or a resource id (resource actions). */
  target: str({ max: 255, pattern: /^[A-Za-z0-9_][A-Za-z0-9_.:-]*$/ }),
  /** `move`: the destination node. */
  node: nullable(str({ max: 255, pattern: NODE_NAME })),
});
export type ActionRequest = Infer<typeof actionRequest>;

export interface ActionResult {
  /** The command as a user would type it. */
  command: string;
  exitCode: number;
  stdout: string;
  stderr: string;
}

function bad(message: string): never {
  throw new TandemError(ErrorCodes.PCSD_BAD_REQUEST, message);
}

/** The pcs arguments of an action (after its request passed `actionRequest`). */
export function pcsArgv(req: ActionRequest): string[] {
  const nodeAction = ["standby", "unstandby", "maintenance", "unmaintenance"].includes(req.action);
  if (nodeAction && !NODE_NAME.test(req.target)) bad(`'target' must be a node name: got '${req.target}'`);
  if (!nodeAction && !CIB_ID.test(req.target)) bad(`'target' must be a resource id: got '${req.target}'`);
  if (req.action === "move" && req.node === null) bad("'node' is required to move a resource");
  if (req.action !== "move" && req.node !== null) bad(`'node' is only used by move: got '${req.node}'`);
  switch (req.action) {
    case "standby":
    case "unstandby":
    case "maintenance":
    case "unmaintenance":
      return ["node", req.action, req.target];
    case "move":
      return ["resource", "move", req.target, req.node as string];
    case "enable":
    case "disable":
    case "clear":
    case "cleanup":
      return ["resource", req.action, req.target];
  }
}

/**
 * Runs the action's pcs command against the live cluster of `root`. `waitMs` bounds how long
 * commands that wait for the cluster (move) may wait.
 */
export async function runAction(root: string, req: ActionRequest, waitMs: number): Promise<ActionResult> {
  const argv = pcsArgv(req);
  const cap = captureIO({
    env: { TANDEM_ROOT: root, TANDEM_PCS_WAIT_MS: String(waitMs) },
    cwd: root,
  });
  const exitCode = await pcsCommand(argv, cap.io);
  return { command: `pcs ${argv.join(" ")}`, exitCode, stdout: cap.stdout, stderr: cap.stderr };
}
