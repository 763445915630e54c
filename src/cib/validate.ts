// Validation of a CIB document before anything uses it. Works on the XML tree
// (src/core/xml.ts) so that it can judge documents the typed model would
// refuse to build, and returns findings as data (crm_verify, pcs and the daemon
// all render them their own way).
//
// Two phases, as in Pacemaker: first the structure that Pacemaker's Relax-NG
// schema (pacemaker-3.x) enforces (required elements and attributes, nesting,
// value types, unique ids, id references), then -- only when the structure is
// sound -- the configuration checks the scheduler makes when it unpacks the CIB.
// Every finding names the element (tag + id) and the reason, and also carries
// Pacemaker's own wording for crm_verify.
//
// Files: validate-findings.ts (the data), validate-attrs.ts + validate-structure.ts
// (phase one), validate-config.ts (phase two), this file (the API).

import { ErrorCodes, TandemError } from "../core/errors.js";
import type { XmlElement } from "../core/xml.js";
import { checkConfiguration } from "./validate-config.js";
import { type Finding, Findings } from "./validate-findings.js";
import { checkStructure } from "./validate-structure.js";

export {
  AGENT_CLASSES,
  describe,
  type Finding,
  Findings,
  type PacemakerWording,
  ROLES,
  type Severity,
} from "./validate-findings.js";

/**
 * Validates a whole CIB document. Returns every finding (errors first by
 * document order within each phase); an empty list means the CIB is fine.
 */
export function validateCib(root: XmlElement): Finding[] {
  const f = new Findings();
  if (root.name !== "cib") {
    f.add("error", ErrorCodes.CIB_INVALID, root, `the root element is <${root.name}>, expected <cib>`, {
      form: "relaxng",
      text: `Expecting element cib, got ${root.name}`,
    });
    return f.list;
  }
  const { conf, ids } = checkStructure(root, f);
  if (root.attrs["validate-with"] === "none") {
    // Pacemaker skips its schema then, and goes on with whatever it can use:
    // structural problems are still errors for us, worded as its unpacking words them.
    for (const x of f.list)
      if (x.pacemaker.form === "relaxng" || x.pacemaker.form === "idref")
        x.pacemaker = x.unvalidated ?? { form: "log", fn: "validate_cib", level: "error", text: x.message };
    f.list.unshift({
      severity: "notice",
      code: ErrorCodes.CIB_CONFIG,
      element: "cib",
      message: 'cib: schema validation is disabled (validate-with="none")',
      pacemaker: {
        form: "plain",
        text: "Schema validation of configuration is disabled (enabling is encouraged and prevents common misconfigurations)",
      },
      node: root,
    });
    if (conf) checkConfiguration(root, conf, ids, f);
    return f.list;
  }
  // As Pacemaker does, look at the meaning only once the structure is sound.
  if (!f.hasErrors && conf) checkConfiguration(root, conf, ids, f);
  return f.list;
}

export function errorsOf(findings: readonly Finding[]): Finding[] {
  return findings.filter((x) => x.severity === "error");
}

/** Throws the first error as a TandemError (one clear line); returns the non-error findings. */
export function assertValidCib(root: XmlElement): Finding[] {
  const findings = validateCib(root);
  const errs = errorsOf(findings);
  if (errs.length > 0) {
    const more = errs.length > 1 ? ` (and ${errs.length - 1} more error${errs.length > 2 ? "s" : ""})` : "";
    throw new TandemError(errs[0].code, `invalid CIB: ${errs[0].message}${more}`);
  }
  return findings.filter((x) => x.severity !== "error");
}

/** A finding as plain JSON (without the element reference). */
export function findingToJson(x: Finding): Omit<Finding, "node"> {
  const { node: _node, ...rest } = x;
  return rest;
}
