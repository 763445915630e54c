// Configuration checks on a primitive's operations, as Pacemaker's scheduler
// makes them when it creates actions: recurring actions that cannot recur, the
// same name+interval twice, and on-fail values that are reset (a stop cannot
// demote or stand by, only promoted monitors and promotes can demote, fence
// needs fencing).

import { parseDurationMs } from "../core/duration.js";
import { ErrorCodes } from "../core/errors.js";
import { elements, type XmlElement } from "../core/xml.js";
import { describe, type Findings } from "./validate-findings.js";

const CANNOT_RECUR = ["stop", "start", "demote", "promote", "reload-agent", "migrate_to", "migrate_from"];

function onFailChecks(
  rsc: XmlElement,
  op: XmlElement,
  ms: number,
  stonithEnabled: boolean,
  f: Findings,
): void {
  const onFail = op.attrs["on-fail"]?.toLowerCase();
  if (onFail === undefined) return;
  const name = op.attrs.name;
  const err = (message: string, fn: string, text: string) =>
    f.add("error", ErrorCodes.CIB_CONFIG, op, `${describe(op)} of ${describe(rsc)}: ${message}`, {
      form: "log",
      fn,
      level: "error",
      text,
    });
  const role = op.attrs.role;
  if (name === "stop" && ["standby", "demote", "stop"].includes(onFail)) {
    err(
      `on-fail '${onFail}' is not allowed for a stop (the default is used)`,
      "unpack_operation_on_fail",
      `Resetting 'on-fail' for ${rsc.attrs.id} stop action to default value because '${op.attrs["on-fail"]}' is not allowed for stop`,
    );
    return;
  }
  if (
    onFail === "demote" &&
    name !== "promote" &&
    !(name === "monitor" && (role === "Promoted" || role === "Master") && ms > 0)
  ) {
    err(
      "on-fail 'demote' is only allowed for promote and for recurring monitors of the promoted role (the default is used)",
      "unpack_operation_on_fail",
      `Resetting 'on-fail' for ${rsc.attrs.id} ${name} action to default value because 'demote' is not allowed for it`,
    );
    return;
  }
  if (onFail === "fence" && !stonithEnabled)
    err(
      "on-fail 'fence' needs fencing, which is disabled ('stop' is used)",
      "unpack_operation",
      `Resetting 'on-fail' for operation '${rsc.attrs.id}_${name}_${ms}' to 'stop' because 'fence' is not valid when fencing is disabled`,
    );
}

/** Checks the operations of one primitive. */
export function checkOps(rsc: XmlElement, stonithEnabled: boolean, f: Findings): void {
  const seen = new Map<string, XmlElement>();
  for (const ops of elements(rsc, "operations"))
    for (const op of elements(ops, "op")) {
      const ms = parseDurationMs(op.attrs.interval);
      if (ms === undefined) continue;
      onFailChecks(rsc, op, ms, stonithEnabled, f);
      if (ms === 0) continue;
      const name = op.attrs.name;
      if (CANNOT_RECUR.includes(name)) {
        f.add(
          "error",
          ErrorCodes.CIB_CONFIG,
          op,
          `${describe(op)} of ${describe(rsc)}: a ${name} action cannot be recurring (interval '${op.attrs.interval}')`,
          {
            form: "log",
            fn: "is_recurring_history",
            level: "error",
            text: `Ignoring ${op.attrs.id} because ${name} action cannot be recurring`,
          },
        );
        continue;
      }
      const key = `${name}\0${ms}`;
      const first = seen.get(key);
      if (first === undefined) seen.set(key, op);
      else
        f.add(
          "error",
          ErrorCodes.CIB_CONFIG,
          op,
          `${describe(op)} of ${describe(rsc)}: same name and interval as op '${first.attrs.id}' (each name+interval once per resource)`,
          {
            form: "log",
            fn: "is_op_dup",
            level: "error",
            text: `Operation ${op.attrs.id} is duplicate of ${first.attrs.id} (do not use same name and interval combination more than once per resource)`,
          },
        );
    }
}
