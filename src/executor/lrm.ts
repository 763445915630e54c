// Maps an executor result onto the attributes of a Pacemaker <lrm_rsc_op>
// entry of the CIB status section, so the controller records history exactly
// as Pacemaker does (ids *_last_0, *_last_failure_0, *_monitor_<ms>).

import { CRM_FEATURE_SET } from "./classes.js";
import { type ExecResult, OpStatus } from "./types.js";

export interface LrmOpOptions {
  /** Node the op ran on (on_node). */
  nodeName: string;
  /** The controller's transition key "action:transition:target-rc:uuid" (defaults to the result's userData). */
  transitionKey?: string;
  /** Expected rc (from the transition key's target-rc) to decide whether this is a failure; default 0 (7 for probes). */
  targetRc?: number;
}

/** The lrm_rsc_op id Pacemaker uses for this result. */
export function lrmOpId(r: ExecResult, failed: boolean): string {
  if (r.intervalMs > 0) return `${r.rscId}_${r.action}_${r.intervalMs}`;
  return failed ? `${r.rscId}_last_failure_0` : `${r.rscId}_last_0`;
}

/** Whether Pacemaker would record the result as a failure (also as *_last_failure_0). */
export function isFailure(r: ExecResult, targetRc?: number): boolean {
  if (r.status === OpStatus.CANCELLED || r.status === OpStatus.PENDING) return false;
  if (r.status !== OpStatus.DONE) return true;
  if (targetRc !== undefined) return r.rc !== targetRc;
  // Without an expectation, a probe finding the resource stopped, started or promoted is information.
  if (r.action === "monitor" && r.intervalMs === 0) return ![0, 7, 8].includes(r.rc);
  return r.rc !== 0;
}

/** Attributes of <lrm_rsc_op> in Pacemaker's order. */
export function lrmRscOpAttrs(r: ExecResult, opts: LrmOpOptions): Record<string, string> {
  const key = opts.transitionKey ?? r.userData ?? "";
  const failed = isFailure(r, opts.targetRc);
  const attrs: Record<string, string> = {
    id: lrmOpId(r, failed),
    operation_key: r.opKey,
    operation: r.action,
    "crm-debug-origin": "do_update_resource",
    crm_feature_set: CRM_FEATURE_SET,
    "transition-key": key,
    "transition-magic": `${r.status}:${r.rc};${key}`,
    "exit-reason": r.exitReason,
    on_node: opts.nodeName,
    "call-id": String(r.callId),
    "rc-code": String(r.rc),
    "op-status": String(r.status),
    interval: String(r.intervalMs),
    "last-rc-change": String(r.lastRcChange),
    "exec-time": String(r.execTimeMs),
    "queue-time": String(r.queueTimeMs),
    "op-digest": r.opDigest,
  };
  return attrs;
}
