// op-digest: a stable digest of a resource's instance parameters, in the spirit
// of Pacemaker's (MD5 over the sorted parameter set as a <parameters/> element).
// The controller compares it with the configured parameters to detect changes
// that need a restart. Meta attributes (CRM_meta_*) are not part of it.

import { createHash } from "node:crypto";
import { escapeAttr } from "../core/xml.js";

export function opDigest(params: Record<string, string>): string {
  const keys = Object.keys(params)
    .filter((k) => !k.startsWith("CRM_meta_"))
    .sort();
  const body = keys.map((k) => `${k}="${escapeAttr(params[k])}"`).join(" ");
  return createHash("md5")
    .update(`<parameters${body ? ` ${body}` : ""}/>`)
    .digest("hex");
}
