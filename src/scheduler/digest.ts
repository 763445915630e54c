// Operation digests: Pacemaker records, with each operation, an MD5 digest of
// the resource parameters it ran with (op-digest) and of the parameters that
// force a restart (op-restart-digest over op-force-restart). Comparing them
// with the configuration tells whether the definition changed since the
// resource started: restart it, or only reload it.

import type { Hash } from "node:crypto";
import { createRequire } from "node:module";
import type { LrmOp } from "../cib/model.js";
import { resolveNvSets } from "../cib/rules.js";
import { escapeAttr } from "../core/xml.js";
import type { SchedResource, WorkingSet } from "./working-set.js";

let newMd5: (() => Hash) | undefined;

/** An MD5 hash; node:crypto is loaded on first use (most crm_simulate runs need no digest). */
function md5(): Hash {
  if (!newMd5) {
    const { createHash } = createRequire("/")("node:crypto") as typeof import("node:crypto");
    newMd5 = () => createHash("md5");
  }
  return newMd5();
}

/** Pacemaker's digest form: MD5 of ` <parameters a="1" b="2"/>\n`, names sorted. */
export function paramsDigest(params: Record<string, string>, only?: Set<string>): string {
  const names = Object.keys(params)
    .filter((k) => only === undefined || only.has(k))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const body = names.map((k) => ` ${k}="${escapeAttr(params[k])}"`).join("");
  return md5().update(` <parameters${body}/>\n`).digest("hex");
}

export type DefinitionChange = "none" | "restart" | "reload";

/** Compares the digest recorded with `op` against the resource's parameters on that node. */
export function definitionChange(
  r: SchedResource,
  op: LrmOp,
  node: string,
  ws: WorkingSet,
): DefinitionChange {
  const recorded = op.opDigest;
  if (!recorded || !r.def || r.def.kind !== "primitive") return "none";
  const n = ws.nodeByName.get(node);
  const params = resolveNvSets(r.def.instance, { nodeAttrs: n?.attrs, now: ws.options.now });
  const resourceOnly = paramsDigest(params);
  // Parameters given to the operation itself (op instance_attributes) count too.
  // (a reload stands for the start it replaced)
  const name = op.interval === 0 ? "start" : op.operation;
  const cfg = r.def.operations.find((o) => o.name === name && o.interval === op.interval);
  if (cfg) Object.assign(params, resolveNvSets(cfg.instance, { nodeAttrs: n?.attrs, now: ws.options.now }));
  if (paramsDigest(params) === recorded) return "none";
  const force = op.attrs["op-force-restart"];
  const restartDigest = op.attrs["op-restart-digest"];
  // Only the operation's own parameters changed: that is not reloadable.
  if (resourceOnly === recorded) return "restart";
  if (force !== undefined && restartDigest !== undefined) {
    const only = new Set(force.split(/\s+/).filter((x) => x !== ""));
    if (paramsDigest(params, only) === restartDigest) return "reload";
  }
  return "restart";
}
