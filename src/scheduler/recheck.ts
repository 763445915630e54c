// When the cluster must be looked at again although nothing happens: the earliest
// future time at which a date expression of the configuration changes its value
// (a `move --lifetime` / `crm_resource -u` constraint ending, an in_range window
// opening or closing), or a failure reaching its failure-timeout, as Pacemaker 2.1
// computes its next recheck instead of waiting for cluster-recheck-interval.
// Pure: the CIB (or the scheduler's working set) and "now" in, a time out.

import { elements, type XmlElement } from "../core/xml.js";
import type { Cib } from "../cib/model.js";
import { parseDateSeconds } from "../cib/rules.js";
import type { WorkingSet } from "./working-set.js";

/**
 * The times (seconds since the epoch) at which one date expression's value flips, with the
 * evaluator's semantics (cib/rules.ts): gt holds from start+1, lt until end-1, in_range from
 * start to end inclusive.
 */
function flips(e: XmlElement): number[] {
  const start = parseDateSeconds(e.attrs.start);
  const end = parseDateSeconds(e.attrs.end);
  switch (e.attrs.operation ?? "in_range") {
    case "gt":
      return start === undefined ? [] : [start + 1];
    case "lt":
      return end === undefined ? [] : [end];
    case "in_range":
      return [...(start === undefined ? [] : [start]), ...(end === undefined ? [] : [end + 1])];
    default:
      return []; // date_spec is not evaluated yet (always false): it never changes
  }
}

/**
 * The earliest time after `now` (both in seconds since the epoch) at which any date expression
 * in the configuration (constraint rules, attribute-set rules, anywhere) changes its value;
 * undefined when none will.
 */
export function nextRuleChange(cib: Cib, now: number): number | undefined {
  let best: number | undefined;
  const walk = (e: XmlElement) => {
    if (e.name === "date_expression") {
      for (const t of flips(e)) if (t > now && (best === undefined || t < best)) best = t;
      return;
    }
    for (const c of elements(e)) if (c.name !== "status") walk(c);
  };
  walk(cib.xml);
  return best;
}

/**
 * The earliest time after `now` (seconds since the epoch) at which a counted failure reaches
 * its resource's failure-timeout and stops counting (so migration-threshold bans lift and the
 * resource may go back); undefined when none will. Reads the working set after scheduling.
 */
export function nextFailureExpiry(ws: WorkingSet, now: number): number | undefined {
  let best: number | undefined;
  for (const r of ws.primitives) {
    if (r.failureTimeout <= 0) continue;
    for (const h of r.history.values()) {
      if (h.failCount <= 0 || h.lastFailure <= 0) continue;
      const t = h.lastFailure + r.failureTimeout;
      if (t > now && (best === undefined || t < best)) best = t;
    }
  }
  return best;
}
