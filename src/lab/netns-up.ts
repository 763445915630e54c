// `tandem lab up --mode netns` (root): see netns.ts for the plumbing.

import { ErrorCodes, TandemError } from "../core/errors.js";
import type { UpOptions, UpResult } from "./up.js";

export async function labUpNetns(_o: UpOptions): Promise<UpResult> {
  throw new TandemError(ErrorCodes.LAB, "netns mode is not available yet; use --mode loopback");
}
