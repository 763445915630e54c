// Agent meta-data and agent listings: what `pcs resource describe`, `pcs
// resource standards|providers|agents` and parameter validation need.
// OCF and fence agents print their meta-data XML; LSB and systemd meta-data is
// made up from the init script header / unit name, as Pacemaker does.

import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { RealClock } from "../core/clock.js";
import { parseDurationMs } from "../core/duration.js";
import { ErrorCodes, TandemError } from "../core/errors.js";
import { child, elements, escapeText, parseXml, textContent, type XmlElement } from "../core/xml.js";
import { agentName, type ClassContext, prepareFenceAction, prepareInvocation } from "./classes.js";
import {
  defaultAgentPaths,
  findInDirs,
  listFenceAgents,
  listLsbAgents,
  listOcfAgents,
  listOcfProviders,
  systemdRunning,
} from "./paths.js";
import { runProcess } from "./spawn.js";
import type {
  AgentAction,
  AgentClass,
  AgentMetadata,
  AgentParameter,
  AgentPaths,
  AgentSpec,
} from "./types.js";

export interface MetadataOptions {
  paths?: Partial<AgentPaths>;
  env?: Record<string, string>;
  timeoutMs?: number;
  systemd?: boolean;
}

function ctxOf(opts: MetadataOptions): ClassContext {
  return {
    paths: defaultAgentPaths(opts.paths),
    env: opts.env ?? {},
    systemd: opts.systemd ?? systemdRunning(),
  };
}

const ws = (s: string): string => s.replace(/\s+/g, " ").trim();

function desc(e: XmlElement, name: string): string {
  // Prefer lang="en" when several are given.
  const all = elements(e, name);
  const en = all.find((d) => (d.attrs.lang ?? "en") === "en") ?? all[0];
  return en ? textContent(en).trim() : "";
}

const truthy = (v: string | undefined): boolean => v === "1" || v === "true" || v === "yes";

/** Parses a resource-agent meta-data document. Throws TandemError(XML_SYNTAX / AGENT_NOT_FOUND). */
export function parseAgentMetadata(xml: string, agent: AgentSpec): AgentMetadata {
  // Agents declare <!DOCTYPE resource-agent SYSTEM "ra-api-1.dtd">; a plain external
  // DOCTYPE carries nothing we use, and the XML parser refuses DOCTYPEs (no entity tricks).
  const text = xml.replace(
    /<!DOCTYPE\s+[A-Za-z_:][\w:.-]*\s+(?:SYSTEM|PUBLIC)\s+(?:"[^"<>[\]]*"\s*){1,2}>/,
    "",
  );
  const root = parseXml(text, { source: `meta-data of ${agentName(agent)}`, maxLength: 1024 * 1024 });
  if (root.name !== "resource-agent")
    throw new TandemError(
      ErrorCodes.AGENT_NOT_FOUND,
      `meta-data of ${agentName(agent)} is not a <resource-agent> document`,
    );
  const parameters: AgentParameter[] = [];
  const params = child(root, "parameters");
  for (const p of params ? elements(params, "parameter") : []) {
    const content = child(p, "content");
    const options = content ? elements(content, "option").map((o) => o.attrs.value ?? "") : [];
    const param: AgentParameter = {
      name: p.attrs.name ?? "",
      required: truthy(p.attrs.required),
      unique: truthy(p.attrs.unique),
      type: content?.attrs.type ?? "string",
      shortdesc: ws(desc(p, "shortdesc")),
      longdesc: desc(p, "longdesc"),
      deprecated: truthy(p.attrs.deprecated) || child(p, "deprecated") !== undefined,
      reloadable: truthy(p.attrs.reloadable),
    };
    if (content && content.attrs.default !== undefined) param.default = content.attrs.default;
    if (options.length > 0) param.options = options;
    if (param.name) parameters.push(param);
  }
  const actions: AgentAction[] = [];
  const acts = child(root, "actions");
  for (const a of acts ? elements(acts, "action") : []) {
    const action: AgentAction = { name: a.attrs.name ?? "" };
    if (a.attrs.timeout !== undefined) {
      action.timeoutText = a.attrs.timeout;
      const t = parseDurationMs(a.attrs.timeout);
      if (t !== undefined) action.timeoutMs = t;
    }
    if (a.attrs.interval !== undefined) {
      action.intervalText = a.attrs.interval;
      const t = parseDurationMs(a.attrs.interval);
      if (t !== undefined) action.intervalMs = t;
    }
    if (a.attrs.depth !== undefined) action.depth = Number.parseInt(a.attrs.depth, 10);
    const role = a.attrs.role;
    if (role !== undefined) action.role = role;
    if (a.attrs["start-delay"] !== undefined) action.startDelayMs = parseDurationMs(a.attrs["start-delay"]);
    if (action.name) actions.push(action);
  }
  const versionEl = child(root, "version");
  return {
    agent,
    name: root.attrs.name ?? agent.type,
    version: versionEl ? textContent(versionEl).trim() : (root.attrs.version ?? ""),
    shortdesc: ws(desc(root, "shortdesc")),
    longdesc: desc(root, "longdesc"),
    parameters,
    actions,
    xml,
  };
}

/** LSB meta-data from the "### BEGIN INIT INFO" header, the way Pacemaker builds it. */
export function lsbMetadataXml(type: string, script: string): string {
  const header = /### BEGIN INIT INFO([\s\S]*?)### END INIT INFO/.exec(script)?.[1] ?? "";
  const field = (name: string): string => {
    const m = new RegExp(`^#\\s*${name}:\\s*(.*)$`, "mi").exec(header);
    return m ? m[1].trim() : "";
  };
  const shortdesc = field("Short-Description") || type;
  const longdesc = field("Description") || shortdesc;
  return `<?xml version="1.0"?>
<resource-agent name="${escapeText(type)}" version="0.1">
  <version>1.1</version>
  <longdesc lang="en">${escapeText(longdesc)}</longdesc>
  <shortdesc lang="en">${escapeText(shortdesc)}</shortdesc>
  <parameters/>
  <actions>
    <action name="meta-data" timeout="5s"/>
    <action name="start" timeout="15s"/>
    <action name="stop" timeout="15s"/>
    <action name="status" timeout="15s"/>
    <action name="restart" timeout="15s"/>
    <action name="force-reload" timeout="15s"/>
    <action name="monitor" timeout="15s" interval="15s"/>
  </actions>
</resource-agent>
`;
}

export function systemdMetadataXml(type: string): string {
  return `<?xml version="1.0"?>
<resource-agent name="${escapeText(type)}" version="0.1">
  <version>1.1</version>
  <longdesc lang="en">systemd unit file for ${escapeText(type)}</longdesc>
  <shortdesc lang="en">systemd unit file for ${escapeText(type)}</shortdesc>
  <parameters/>
  <actions>
    <action name="start" timeout="100s"/>
    <action name="stop" timeout="100s"/>
    <action name="status" timeout="100s"/>
    <action name="monitor" timeout="100s" interval="60s"/>
    <action name="meta-data" timeout="5s"/>
  </actions>
</resource-agent>
`;
}

/**
 * Runs the agent's meta-data action and parses it. Throws TandemError
 * AGENT_NOT_FOUND with one line when the agent is missing or prints no meta-data.
 */
export async function getAgentMetadata(agent: AgentSpec, opts: MetadataOptions = {}): Promise<AgentMetadata> {
  const ctx = ctxOf(opts);
  const name = agentName(agent);
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const notFound = (why: string): never => {
    throw new TandemError(
      ErrorCodes.AGENT_NOT_FOUND,
      `Unable to get metadata for resource agent '${name}': ${why}`,
    );
  };
  let cls: AgentClass = agent.class;
  if (cls === "service")
    cls = ctx.systemd && findInDirs(ctx.paths.lsbDirs, agent.type) === undefined ? "systemd" : "lsb";
  if (cls === "lsb") {
    const file = findInDirs(ctx.paths.lsbDirs, agent.type);
    if (!file) return notFound(`not found in ${ctx.paths.lsbDirs.join(", ")}`);
    return parseAgentMetadata(lsbMetadataXml(agent.type, readFileSync(file, "utf8").slice(0, 65536)), agent);
  }
  if (cls === "systemd") return parseAgentMetadata(systemdMetadataXml(agent.type), agent);
  const inv =
    cls === "stonith"
      ? prepareFenceAction(agent.type, "metadata", {}, ctx)
      : prepareInvocation(
          { rscId: agent.type, agent, action: "meta-data", intervalMs: 0, timeoutMs, params: {} },
          ctx,
        );
  if (inv.kind === "result") return notFound(inv.exitReason);
  const o = await runProcess(
    {
      file: inv.file,
      args: inv.args,
      env: inv.env,
      stdin: inv.stdin,
      timeoutMs,
      killGraceMs: 500,
      maxOutputBytes: 1024 * 1024,
    },
    new RealClock(),
  ).done;
  if (o.timedOut) return notFound(`meta-data timed out after ${timeoutMs}ms`);
  if (o.exitCode !== 0 || o.stdout.trim() === "")
    return notFound(o.stderr.trim().split("\n").pop() || `meta-data exited with ${o.exitCode ?? o.signal}`);
  return parseAgentMetadata(o.stdout, agent);
}

export interface ListingOptions {
  paths?: Partial<AgentPaths>;
  systemd?: boolean;
}

/** `pcs resource standards`. */
export function listStandards(opts: ListingOptions = {}): string[] {
  const sys = opts.systemd ?? systemdRunning();
  return sys ? ["lsb", "ocf", "service", "stonith", "systemd"] : ["lsb", "ocf", "service", "stonith"];
}

/** `pcs resource providers`. */
export function listProviders(opts: ListingOptions = {}): string[] {
  return listOcfProviders(defaultAgentPaths(opts.paths));
}

/**
 * `pcs resource agents [STANDARD[:PROVIDER]]`: agent types of a standard
 * (and provider for ocf; without a provider, every ocf agent as provider:type).
 */
export function listAgents(standard: string, provider?: string, opts: ListingOptions = {}): string[] {
  const paths = defaultAgentPaths(opts.paths);
  switch (standard) {
    case "ocf":
      if (provider) return listOcfAgents(paths, provider);
      return listOcfProviders(paths).flatMap((p) => listOcfAgents(paths, p).map((t) => `${p}:${t}`));
    case "lsb":
      return listLsbAgents(paths);
    case "service":
    case "systemd": {
      const sys = opts.systemd ?? systemdRunning();
      const units = sys ? listSystemdServices() : [];
      if (standard === "systemd") return units;
      return [...new Set([...listLsbAgents(paths), ...units])].sort();
    }
    case "stonith":
      return listFenceAgents(paths);
    default:
      throw new TandemError(ErrorCodes.UNKNOWN_AGENT_CLASS, `Unknown resource standard '${standard}'`);
  }
}

/** Service units systemd knows (names without ".service", templates left out), as crm_resource lists them. */
function listSystemdServices(): string[] {
  const r = spawnSync("systemctl", ["list-unit-files", "--type=service", "--no-legend", "--no-pager"], {
    encoding: "utf8",
    timeout: 10_000,
    maxBuffer: 4 * 1024 * 1024,
  });
  if (r.status !== 0 || typeof r.stdout !== "string") return [];
  const out = new Set<string>();
  for (const line of r.stdout.split("\n")) {
    const unit = line.trim().split(/\s+/)[0] ?? "";
    if (unit.endsWith(".service") && !unit.includes("@")) out.add(unit.slice(0, -".service".length));
  }
  return [...out].sort();
}

/** Parses "class:provider:type" / "class:type" (pcs also accepts a bare type, resolved by the caller). */
export function parseAgentName(text: string): AgentSpec {
  const parts = text.split(":");
  const bad = (): never => {
    throw new TandemError(ErrorCodes.UNKNOWN_AGENT_CLASS, `Invalid resource agent name '${text}'`);
  };
  if (parts.length === 3 && parts[0] === "ocf" && parts[1] && parts[2])
    return { class: "ocf", provider: parts[1], type: parts[2] };
  if (parts.length === 2 && parts[1] && ["lsb", "service", "systemd", "stonith"].includes(parts[0]))
    return { class: parts[0] as AgentClass, type: parts[1] };
  return bad();
}
