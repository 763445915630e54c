// `pcs alert [config] | create path=P [id=I] [description=D] [options k=v...] [meta k=v...] |
// update ID ... | delete|remove ID... | recipient add ALERT value=V [id=I] [description=D]
// [options ...] [meta ...] | recipient update RID ... | recipient delete|remove RID...`:
// Pacemaker alerts in configuration/alerts, laid out as pcs 0.11 lists them.

import { el, elements, type XmlElement } from "../core/xml.js";
import {
  configIds,
  findSection,
  readCib,
  removeElement,
  section,
  setNvpair,
  uniqueId,
  updateCib,
  validateNewId,
} from "./cib.js";
import { PcsError, PcsUsageError, Reports } from "./errors.js";
import type { PcsContext, PcsHandler } from "./types.js";
import { subcommandUsage } from "./usage.js";

interface AlertArgs {
  main: Map<string, string>;
  options: [string, string][];
  meta: [string, string][];
}

function parseAlertArgs(words: string[], usage: string): AlertArgs {
  const out: AlertArgs = { main: new Map(), options: [], meta: [] };
  let mode: "main" | "options" | "meta" = "main";
  for (const w of words) {
    if (w === "options" || w === "meta") {
      mode = w;
      continue;
    }
    const eq = w.indexOf("=");
    if (eq < 0) throw new PcsError(`missing value of '${w}' option`);
    if (eq === 0) throw new PcsError(`missing key in '${w}' option`);
    const kv: [string, string] = [w.slice(0, eq), w.slice(eq + 1)];
    if (mode === "main") out.main.set(kv[0], kv[1]);
    else (mode === "options" ? out.options : out.meta).push(kv);
  }
  void usage;
  return out;
}

function pairsLine(e: XmlElement, tag: string): string | undefined {
  const pairs = elements(e, tag).flatMap((s) => elements(s, "nvpair"));
  if (pairs.length === 0) return undefined;
  return pairs
    .map((p) => `${p.attrs.name}=${p.attrs.value ?? ""}`)
    .sort()
    .join(" ");
}

/** The "Alerts:" block of `pcs alert config` and `pcs config`. */
export function alertLines(cib: XmlElement): string[] {
  const sec = findSection(cib, "alerts");
  const alerts = sec ? elements(sec, "alert") : [];
  const out = ["Alerts:"];
  if (alerts.length === 0) return [...out, " No alerts defined"];
  for (const a of alerts) {
    out.push(` Alert: ${a.attrs.id} (path=${a.attrs.path})`);
    if (a.attrs.description) out.push(`  Description: ${a.attrs.description}`);
    const opts = pairsLine(a, "instance_attributes");
    if (opts) out.push(`  Options: ${opts}`);
    const meta = pairsLine(a, "meta_attributes");
    if (meta) out.push(`  Meta options: ${meta}`);
    const recipients = elements(a, "recipient");
    if (recipients.length > 0) out.push("  Recipients:");
    for (const r of recipients) {
      out.push(`   Recipient: ${r.attrs.id} (value=${r.attrs.value})`);
      if (r.attrs.description) out.push(`    Description: ${r.attrs.description}`);
      const ro = pairsLine(r, "instance_attributes");
      if (ro) out.push(`    Options: ${ro}`);
      const rm = pairsLine(r, "meta_attributes");
      if (rm) out.push(`    Meta options: ${rm}`);
    }
  }
  return out;
}

export const alertConfig: PcsHandler = async (ctx) => {
  const cib = await readCib(ctx);
  ctx.io.stdout(`${alertLines(cib).join("\n")}\n`);
  return 0;
};

/** Applies options/meta pairs ("" removes) to the element's nvsets, creating them as needed. */
function applyPairs(
  e: XmlElement,
  tag: "instance_attributes" | "meta_attributes",
  pairs: [string, string][],
  ids: Set<string>,
): void {
  if (pairs.length === 0) return;
  let set = elements(e, tag)[0];
  if (!set) {
    if (pairs.every(([, v]) => v === "")) return;
    set = el(tag, { id: uniqueId(ids, `${e.attrs.id}-${tag}`) });
    // Pacemaker's schema: meta_attributes and instance_attributes before recipients.
    const firstRecipient = e.children.findIndex((c) => c.type === "element" && c.name === "recipient");
    e.children.splice(firstRecipient < 0 ? e.children.length : firstRecipient, 0, set);
  }
  for (const [k, v] of pairs) setNvpair(set, ids, k, v);
}

function findAlert(cib: XmlElement, id: string): XmlElement | undefined {
  const sec = findSection(cib, "alerts");
  return sec ? elements(sec, "alert").find((a) => a.attrs.id === id) : undefined;
}

export const alertCreate: PcsHandler = async (ctx) => {
  const a = parseAlertArgs(ctx.args, subcommandUsage("alert", "create"));
  const path = a.main.get("path");
  if (path === undefined) throw new PcsError("required option 'path' is missing");
  for (const k of a.main.keys())
    if (!["id", "path", "description"].includes(k))
      throw new PcsError(`invalid option '${k}', allowed options are: 'description', 'id', 'path'`);
  await updateCib(ctx, (cib) => {
    const ids = configIds(cib);
    const explicit = a.main.get("id");
    if (explicit !== undefined) validateNewId(ids, explicit, "alert-id");
    const id = explicit ?? uniqueId(ids, "alert");
    ids.add(id);
    const attrs: Record<string, string> = { id, path };
    const desc = a.main.get("description");
    if (desc) attrs.description = desc;
    const alert = el("alert", attrs);
    applyPairs(alert, "meta_attributes", a.meta, ids);
    applyPairs(alert, "instance_attributes", a.options, ids);
    section(cib, "alerts").children.push(alert);
    return true;
  });
  return 0;
};

export const alertUpdate: PcsHandler = async (ctx) => {
  const [id, ...rest] = ctx.args;
  if (!id) throw new PcsUsageError(subcommandUsage("alert", "update"));
  const a = parseAlertArgs(rest, subcommandUsage("alert", "update"));
  await updateCib(ctx, (cib) => {
    const alert = findAlert(cib, id);
    if (!alert) throw new PcsError(`alert '${id}' does not exist`);
    const ids = configIds(cib);
    for (const [k, v] of a.main) {
      if (k !== "path" && k !== "description")
        throw new PcsError(`invalid option '${k}', allowed options are: 'description', 'path'`);
      if (v === "") delete alert.attrs[k];
      else alert.attrs[k] = v;
    }
    applyPairs(alert, "meta_attributes", a.meta, ids);
    applyPairs(alert, "instance_attributes", a.options, ids);
    return true;
  });
  return 0;
};

export const alertDelete: PcsHandler = async (ctx) => {
  if (ctx.args.length === 0) throw new PcsUsageError(subcommandUsage("alert", "delete"));
  await updateCib(ctx, (cib) => {
    const reports = new Reports(false);
    const found = ctx.args.map((id) => {
      const alert = findAlert(cib, id);
      if (!alert) reports.error("ID_NOT_FOUND", `alert '${id}' does not exist`);
      return alert;
    });
    reports.flush(ctx.io);
    for (const a of found) removeElement(section(cib, "alerts"), a!);
    return true;
  });
  return 0;
};

function recipientValueClash(
  ctx: PcsContext,
  reports: Reports,
  alert: XmlElement,
  value: string,
  self?: XmlElement,
): void {
  if (elements(alert, "recipient").some((r) => r !== self && r.attrs.value === value))
    reports.error(
      "CIB_ALERT_RECIPIENT_ALREADY_EXISTS",
      `Recipient '${value}' in alert '${alert.attrs.id}' already exists`,
      {
        forceable: true,
      },
    );
  void ctx;
}

export const recipientAdd: PcsHandler = async (ctx) => {
  const [alertId, ...rest] = ctx.args;
  if (!alertId) throw new PcsUsageError(subcommandUsage("alert", "recipient"));
  const a = parseAlertArgs(rest, subcommandUsage("alert", "recipient"));
  const value = a.main.get("value");
  if (value === undefined) throw new PcsError("required option 'value' is missing");
  await updateCib(ctx, (cib) => {
    const alert = findAlert(cib, alertId);
    if (!alert) throw new PcsError(`alert '${alertId}' does not exist`);
    const ids = configIds(cib);
    const explicit = a.main.get("id");
    if (explicit !== undefined) validateNewId(ids, explicit, "recipient-id");
    const reports = new Reports(ctx.force);
    recipientValueClash(ctx, reports, alert, value);
    reports.flush(ctx.io);
    const id = explicit ?? uniqueId(ids, `${alertId}-recipient`);
    ids.add(id);
    const attrs: Record<string, string> = { id, value };
    const desc = a.main.get("description");
    if (desc) attrs.description = desc;
    const r = el("recipient", attrs);
    applyPairs(r, "meta_attributes", a.meta, ids);
    applyPairs(r, "instance_attributes", a.options, ids);
    alert.children.push(r);
    return true;
  });
  return 0;
};

function findRecipient(cib: XmlElement, id: string): { alert: XmlElement; r: XmlElement } | undefined {
  const sec = findSection(cib, "alerts");
  if (!sec) return undefined;
  for (const alert of elements(sec, "alert"))
    for (const r of elements(alert, "recipient")) if (r.attrs.id === id) return { alert, r };
  return undefined;
}

export const recipientUpdate: PcsHandler = async (ctx) => {
  const [rid, ...rest] = ctx.args;
  if (!rid) throw new PcsUsageError(subcommandUsage("alert", "recipient"));
  const a = parseAlertArgs(rest, subcommandUsage("alert", "recipient"));
  await updateCib(ctx, (cib) => {
    const found = findRecipient(cib, rid);
    if (!found) throw new PcsError(`recipient '${rid}' does not exist`);
    const ids = configIds(cib);
    const reports = new Reports(ctx.force);
    const value = a.main.get("value");
    if (value !== undefined && value !== found.r.attrs.value)
      recipientValueClash(ctx, reports, found.alert, value, found.r);
    reports.flush(ctx.io);
    for (const [k, v] of a.main) {
      if (k !== "value" && k !== "description")
        throw new PcsError(`invalid option '${k}', allowed options are: 'description', 'value'`);
      if (v === "" && k === "description") delete found.r.attrs[k];
      else found.r.attrs[k] = v;
    }
    applyPairs(found.r, "meta_attributes", a.meta, ids);
    applyPairs(found.r, "instance_attributes", a.options, ids);
    return true;
  });
  return 0;
};

export const recipientDelete: PcsHandler = async (ctx) => {
  if (ctx.args.length === 0) throw new PcsUsageError(subcommandUsage("alert", "recipient"));
  await updateCib(ctx, (cib) => {
    const reports = new Reports(false);
    const found = ctx.args.map((id) => {
      const f = findRecipient(cib, id);
      if (!f) reports.error("ID_NOT_FOUND", `recipient '${id}' does not exist`);
      return f;
    });
    reports.flush(ctx.io);
    for (const f of found) removeElement(f!.alert, f!.r);
    return true;
  });
  return 0;
};
