// Resource and fence agents as pcs sees them: name resolution (full, PROVIDER:TYPE and
// TYPE shorthands), listing, and meta-data read by running the agent's own `meta-data`
// action (OCF_ROOT set) or `-o metadata` for fence agents, parsed into plain data.
// Search paths: $TANDEM_OCF_ROOTS (':'-separated, searched first), /usr/lib/ocf and the
// package's agents/ocf; fence agents in $TANDEM_FENCE_DIRS, /usr/sbin and agents/fence.

import { spawnSync } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { child, elements, parseXml, textContent, type XmlElement } from "../core/xml.js";
import {
  findInDirs,
  findOcfAgent,
  listFenceAgents as listFenceAgentFiles,
  listLsbAgents,
  listOcfAgents,
  listOcfProviders,
} from "../executor/paths.js";
import { PcsError } from "./errors.js";

const AGENTS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../../agents");

export interface AgentSearchPaths {
  ocfRoots: string[];
  fenceDirs: string[];
  lsbDirs: string[];
}

export function agentSearchPaths(env: Record<string, string | undefined>): AgentSearchPaths {
  const split = (v: string | undefined) => (v ?? "").split(":").filter((p) => p !== "");
  return {
    ocfRoots: [...split(env.TANDEM_OCF_ROOTS), "/usr/lib/ocf", join(AGENTS_DIR, "ocf")],
    fenceDirs: [...split(env.TANDEM_FENCE_DIRS), "/usr/sbin", join(AGENTS_DIR, "fence")],
    lsbDirs: ["/etc/init.d"],
  };
}

export const STANDARDS = ["lsb", "ocf", "service", "stonith", "systemd"];

export interface AgentName {
  standard: string;
  provider?: string;
  type: string;
}

export function fullName(a: AgentName): string {
  return a.provider ? `${a.standard}:${a.provider}:${a.type}` : `${a.standard}:${a.type}`;
}

export interface AgentParam {
  name: string;
  shortdesc: string;
  longdesc: string;
  required: boolean;
  unique: boolean;
  /** OCF 1.1 unique-group name, if any. */
  uniqueGroup?: string;
  advanced: boolean;
  deprecated: boolean;
  type: string;
  default?: string;
}

export interface AgentAction {
  name: string;
  /** Attributes as written in the meta-data (interval, timeout, depth, role...). */
  attrs: Record<string, string>;
}

export interface AgentMetadata {
  name: AgentName;
  shortdesc: string;
  longdesc: string;
  parameters: AgentParam[];
  actions: AgentAction[];
}

export function listProviders(paths: AgentSearchPaths): string[] {
  return listOcfProviders(paths);
}

/** OCF types of one provider, sorted as pcs lists them (case-insensitively). */
export function listOcfTypes(paths: AgentSearchPaths, provider: string): string[] {
  return listOcfAgents(paths, provider).sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()));
}

export function listFenceAgents(paths: AgentSearchPaths): string[] {
  return listFenceAgentFiles(paths);
}

export function listLsb(paths: AgentSearchPaths): string[] {
  return listLsbAgents(paths);
}

function findOcf(
  paths: AgentSearchPaths,
  provider: string,
  type: string,
): { file: string; root: string } | undefined {
  return findOcfAgent(paths, provider, type);
}

function findFence(paths: AgentSearchPaths, type: string): string | undefined {
  return findInDirs(paths.fenceDirs, type);
}

/**
 * Resolves what the user typed into a full agent name, as pcs does: "ocf:heartbeat:IPaddr2",
 * "systemd:httpd", "heartbeat:IPaddr2" (ocf assumed) and "IPaddr2" (searched in every
 * provider; must be unique). Returns the name and whether it was deduced (pcs then says so).
 */
export function resolveAgentName(
  text: string,
  paths: AgentSearchPaths,
  opts: { stonith?: boolean } = {},
): { name: AgentName; deduced: boolean } {
  if (opts.stonith) {
    const type = text.startsWith("stonith:") ? text.slice(8) : text;
    return { name: { standard: "stonith", type }, deduced: false };
  }
  const parts = text.split(":");
  if (parts.length === 3)
    return { name: { standard: parts[0], provider: parts[1], type: parts[2] }, deduced: false };
  if (parts.length === 2) {
    if (STANDARDS.includes(parts[0])) {
      if (parts[0] === "ocf")
        throw new PcsError(
          `Invalid resource agent name '${text}'. Use standard:provider:type when standard is 'ocf' or standard:type otherwise.`,
        );
      return { name: { standard: parts[0], type: parts[1] }, deduced: false };
    }
    return { name: { standard: "ocf", provider: parts[0], type: parts[1] }, deduced: true };
  }
  if (parts.length !== 1 || text === "") throw new PcsError(`Invalid resource agent name '${text}'`);
  const matches: string[] = [];
  for (const p of listProviders(paths)) if (findOcf(paths, p, text)) matches.push(`ocf:${p}:${text}`);
  if (listLsb(paths).includes(text)) matches.push(`lsb:${text}`);
  if (matches.length === 0)
    throw new PcsError(`Unable to find agent '${text}', try specifying its full name`);
  if (matches.length > 1)
    throw new PcsError(
      `Multiple agents match '${text}', please specify full name: ${matches.map((m) => `'${m}'`).join(", ")}`,
    );
  const [standard, provider, type] = matches[0].split(":");
  return {
    name: type === undefined ? { standard, type: provider } : { standard, provider, type },
    deduced: true,
  };
}

/** The text pcs gives when an agent cannot be found or gives no usable meta-data. */
export function agentNotFoundMessage(name: AgentName, reason = "No such device or address"): string {
  const full = fullName(name);
  if (name.standard === "stonith")
    return `Agent '${full}' is not installed or does not provide valid metadata: Agent ${name.type} not found or does not support meta-data: Invalid argument (22), Metadata query for ${full} failed: Input/output error`;
  return `Agent '${full}' is not installed or does not provide valid metadata: crm_resource: Metadata query for ${full} failed: ${reason}, Error performing operation: No such object`;
}

/** pcs shows descriptions on one line: newlines become spaces, nothing else changes. */
function joinDesc(text: string): string {
  return text.replace(/\r?\n/g, " ").trim();
}

export function parseAgentMetadata(xml: string, name: AgentName): AgentMetadata {
  const cleaned = xml.replace(/<!DOCTYPE[^>[]*(\[[^\]]*\])?\s*>/, "");
  const root = parseXml(cleaned, { source: `meta-data of ${fullName(name)}`, maxLength: 4 * 1024 * 1024 });
  if (root.name !== "resource-agent")
    throw new PcsError(`${fullName(name)}: meta-data has no <resource-agent> root`);
  const desc = (e: XmlElement, tag: string) => {
    const d = child(e, tag);
    return d ? joinDesc(textContent(d)) : "";
  };
  const params = child(root, "parameters");
  const actions = child(root, "actions");
  const flag = (v: string | undefined) => v === "1" || v === "true" || v === "yes";
  return {
    name,
    // fence-agents put the short description in an attribute.
    shortdesc: desc(root, "shortdesc") || joinDesc(root.attrs.shortdesc ?? ""),
    longdesc: desc(root, "longdesc"),
    parameters: params
      ? elements(params, "parameter").map((p) => {
          const content = child(p, "content");
          return {
            name: p.attrs.name ?? "",
            shortdesc: desc(p, "shortdesc"),
            longdesc: desc(p, "longdesc"),
            required: flag(p.attrs.required),
            unique: flag(p.attrs.unique),
            uniqueGroup: p.attrs["unique-group"],
            advanced: flag(p.attrs.advanced),
            deprecated: flag(p.attrs.deprecated) || child(p, "deprecated") !== undefined,
            type: content?.attrs.type ?? "string",
            default: content?.attrs.default,
          };
        })
      : [],
    actions: actions
      ? elements(actions, "action").map((a) => ({ name: a.attrs.name ?? "", attrs: { ...a.attrs } }))
      : [],
  };
}

/**
 * Runs the agent's meta-data action and parses it. Throws PcsError with pcs's
 * "is not installed or does not provide valid metadata" text when that fails.
 */
export function loadAgentMetadata(name: AgentName, paths: AgentSearchPaths): AgentMetadata {
  let file: string | undefined;
  let args: string[] = [];
  const env: Record<string, string> = { PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin" };
  if (name.standard === "ocf" && name.provider) {
    const found = findOcf(paths, name.provider, name.type);
    if (found) {
      file = found.file;
      args = ["meta-data"];
      env.OCF_ROOT = found.root;
    }
  } else if (name.standard === "stonith") {
    file = findFence(paths, name.type);
    args = ["-o", "metadata"];
  } else if (name.standard === "lsb" || name.standard === "service" || name.standard === "systemd") {
    // No meta-data to query: pcs accepts these without parameters.
    return { name, shortdesc: "", longdesc: "", parameters: [], actions: [] };
  }
  if (!file) throw new PcsError(agentNotFoundMessage(name));
  const r = spawnSync(file, args, { env, encoding: "utf8", timeout: 10_000, maxBuffer: 4 * 1024 * 1024 });
  if (r.error || r.status !== 0 || !r.stdout)
    throw new PcsError(agentNotFoundMessage(name, r.error ? r.error.message : "Input/output error"));
  try {
    const md = parseAgentMetadata(r.stdout, name);
    if (name.standard === "stonith")
      // The fencer supplies "action" itself: pcs never requires it and hides it.
      for (const p of md.parameters)
        if (p.name === "action") {
          p.required = false;
          p.advanced = true;
        }
    return md;
  } catch (e) {
    throw new PcsError(agentNotFoundMessage(name, (e as Error).message));
  }
}

/** Parameters pcs accepts for every OCF agent though agents rarely list them. */
export const OCF_IMPLICIT_PARAMS = ["trace_ra", "trace_file"];
/** Parameters every fence device accepts (handled by the fencer, not the agent). */
export const FENCER_PARAMS = [
  "pcmk_host_argument",
  "pcmk_host_map",
  "pcmk_host_list",
  "pcmk_host_check",
  "pcmk_delay_max",
  "pcmk_delay_base",
  "pcmk_action_limit",
  "pcmk_reboot_action",
  "pcmk_reboot_timeout",
  "pcmk_reboot_retries",
  "pcmk_off_action",
  "pcmk_off_timeout",
  "pcmk_off_retries",
  "pcmk_list_action",
  "pcmk_list_timeout",
  "pcmk_list_retries",
  "pcmk_monitor_action",
  "pcmk_monitor_timeout",
  "pcmk_monitor_retries",
  "pcmk_status_action",
  "pcmk_status_timeout",
  "pcmk_status_retries",
  "priority",
];

/** Meta-data actions that never become operations in the CIB. */
export const NOT_OPERATION_ACTIONS = ["meta-data", "status", "validate-all"];

/** The default operations pcs derives from meta-data: action name + options (interval first). */
export function defaultOperations(md: AgentMetadata): { name: string; options: [string, string][] }[] {
  const out: { name: string; options: [string, string][] }[] = [];
  for (const a of md.actions) {
    if (NOT_OPERATION_ACTIONS.includes(a.name)) continue;
    const options: [string, string][] = [["interval", a.attrs.interval ?? "0s"]];
    for (const [k, v] of Object.entries(a.attrs)) {
      if (k === "name" || k === "interval") continue;
      if (k === "depth") {
        if (v !== "0") options.push(["OCF_CHECK_LEVEL", v]);
        continue;
      }
      if (k === "timeout" || k === "role" || k === "start-delay") options.push([k, v]);
    }
    out.push({ name: a.name, options });
  }
  return out;
}
