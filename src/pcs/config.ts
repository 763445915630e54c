// `pcs config`, `pcs cluster cib [FILE]`, `pcs cluster cib-push FILE [--config]`,
// `pcs cluster verify`, `pcs status` (no cluster: pcs's own error) and node attributes:
// `pcs node standby|unstandby|maintenance|unmaintenance` (0.10+) and
// `pcs cluster standby|unstandby` (0.9).

import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { child, elements, type XmlElement } from "../core/xml.js";
import { FileCibSource, parseCib, serializeCib } from "./cib-source.js";
import { findSection, readCib, schemaErrors, updateCib } from "./cib.js";
import { alertLines } from "./alert.js";
import { tagLines } from "./tag.js";
import { renderConstraints } from "./constraint-render.js";
import { PcsError, PcsUsageError } from "./errors.js";
import { configuredProperties, renderProperties } from "./property.js";
import { defaultsLines, resourceLines, topLevelResources } from "./render.js";
import { fencingLevelLines } from "./stonith-level.js";
import type { PcsContext, PcsHandler } from "./types.js";
import { subcommandUsage } from "./usage.js";

/** The quorum options `pcs config` lists (pcs leaves provider and two_node out). */
const QUORUM_OPTIONS = ["auto_tie_breaker", "last_man_standing", "last_man_standing_window", "wait_for_all"];

/** Nodes and quorum options from corosync.conf, read loosely (only what `pcs config` shows). */
export function readCorosync(
  ctx: PcsContext,
): { name?: string; nodes: string[]; quorum: [string, string][] } | undefined {
  const given = ctx.options.values.get("--corosync_conf");
  const root = ctx.io.env.TANDEM_ROOT ?? "/";
  const file = given
    ? isAbsolute(given)
      ? given
      : resolve(ctx.io.cwd, given)
    : join(root, "etc/tandem/corosync.conf");
  if (!existsSync(file)) return undefined;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  const out: { name?: string; nodes: string[]; quorum: [string, string][] } = { nodes: [], quorum: [] };
  const stack: string[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.replace(/#.*/, "").trim();
    if (line === "") continue;
    const open = /^([\w.-]+)\s*\{$/.exec(line);
    if (open) {
      stack.push(open[1]);
      continue;
    }
    if (line === "}") {
      stack.pop();
      continue;
    }
    const kv = /^([\w.-]+)\s*:\s*(.*)$/.exec(line);
    if (!kv) continue;
    const where = stack.join(".");
    if (where === "totem" && kv[1] === "cluster_name") out.name = kv[2];
    if (where === "nodelist.node" && kv[1] === "name") out.nodes.push(kv[2]);
    if (where === "quorum" && QUORUM_OPTIONS.includes(kv[1])) out.quorum.push([kv[1], kv[2]]);
  }
  out.quorum.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0)); // pcs lists them sorted
  return out;
}

export const configShow: PcsHandler = async (ctx) => {
  if (ctx.args.length > 0 && ctx.args[0] !== "show")
    throw new PcsUsageError(subcommandUsage("config", "show"));
  const cib = await readCib(ctx);
  const coro = readCorosync(ctx);
  const props = configuredProperties(cib);
  const nodesSec = findSection(cib, "nodes");
  const pmNodes = nodesSec ? elements(nodesSec, "node").map((n) => n.attrs.uname ?? n.attrs.id) : [];
  const lines: string[] = [];
  lines.push(`Cluster Name: ${coro?.name ?? props.get("cluster-name") ?? ""}`);
  // pcs leaves the node line out when there are none.
  const nodeLine = (names: string[]) => (names.length > 0 ? [` ${names.join(" ")}`] : []);
  lines.push("Corosync Nodes:", ...nodeLine(coro?.nodes ?? []));
  lines.push("Pacemaker Nodes:", ...nodeLine(pmNodes));
  for (const n of nodesSec ? elements(nodesSec, "node") : []) {
    const attrs = elements(n, "instance_attributes").flatMap((s) => elements(s, "nvpair"));
    if (attrs.length === 0) continue;
  }
  const { resources, stonith } = topLevelResources(cib);
  lines.push("", "Resources:");
  for (const r of resources) lines.push(...resourceLines(r, "  "));
  lines.push("", "Stonith Devices:");
  for (const s of stonith) lines.push(...resourceLines(s, "  "));
  lines.push("Fencing Levels:");
  lines.push(...fencingLevelLines(cib, "  "));
  lines.push("", ...renderConstraints(cib, true));
  lines.push("", ...alertLines(cib));
  lines.push("", "Resources Defaults:", ...defaultsLines(cib, "rsc_defaults", "  "));
  lines.push("Operations Defaults:", ...defaultsLines(cib, "op_defaults", "  "));
  lines.push("", ...renderProperties(cib).trimEnd().split("\n"));
  lines.push("", ...tagLines(cib, " "));
  lines.push("", "Quorum:", "  Options:");
  for (const [k, v] of coro?.quorum ?? []) lines.push(`    ${k}: ${v}`);
  ctx.io.stdout(lines.map((l) => `${l}\n`).join(""));
  return 0;
};

export const clusterCib: PcsHandler = async (ctx) => {
  let file: string | undefined;
  let scope: string | undefined = ctx.options.flags.has("--config") ? "configuration" : undefined;
  for (const a of ctx.args) {
    if (a.startsWith("scope=")) scope = a.slice(6);
    else if (file === undefined) file = a;
    else throw new PcsUsageError(subcommandUsage("cluster", "cib"));
  }
  const xml = await ctx.cib().load();
  let text = xml;
  if (scope) {
    const cib = parseCib(xml);
    const conf = child(cib, "configuration");
    const target = scope === "configuration" ? conf : conf && child(conf, scope);
    if (!target) throw new PcsError(`invalid value '${scope}' of option 'scope'`);
    text = serializeCib(target);
  }
  if (file === undefined) {
    ctx.io.stdout(text.endsWith("\n") ? text : `${text}\n`);
    return 0;
  }
  try {
    writeFileSync(isAbsolute(file) ? file : resolve(ctx.io.cwd, file), text);
  } catch (e) {
    throw new PcsError(`Unable to write to file '${file}', ${(e as Error).message}`);
  }
  return 0;
};

export const clusterCibPush: PcsHandler = async (ctx) => {
  const file = ctx.args.find((a) => !a.startsWith("scope=") && !a.startsWith("diff-against="));
  if (!file) throw new PcsUsageError(subcommandUsage("cluster", "cib-push"));
  const scopeArg = ctx.args.find((a) => a.startsWith("scope="))?.slice(6);
  const config = ctx.options.flags.has("--config") || scopeArg === "configuration";
  let text: string;
  try {
    text = readFileSync(isAbsolute(file) ? file : resolve(ctx.io.cwd, file), "utf8");
  } catch (e) {
    throw new PcsError(`unable to read file '${file}': ${(e as Error).message}`);
  }
  let incoming: XmlElement;
  try {
    incoming = parseCib(text);
  } catch (e) {
    throw new PcsError(`unable to parse new cib: ${(e as Error).message}`);
  }
  const invalid = schemaErrors(incoming);
  if (invalid.length > 0)
    throw new PcsError("unable to push cib", {
      details: [
        "Call cib_replace failed (-203): Update does not conform to the configured schema",
        ...invalid,
      ],
    });
  const newConf = child(incoming, "configuration");
  if (!newConf) throw new PcsError("unable to parse new cib: no configuration section");
  await updateCib(ctx, (cib) => {
    const oldConf = child(cib, "configuration");
    if (config || scopeArg) {
      if (oldConf) cib.children[cib.children.indexOf(oldConf)] = newConf;
      else cib.children.unshift(newConf);
    } else {
      // Whole CIB: keep the pushed file's configuration and versions.
      cib.children = incoming.children;
      for (const k of ["admin_epoch", "validate-with"])
        if (incoming.attrs[k] !== undefined) cib.attrs[k] = incoming.attrs[k];
      const newEpoch = Number(incoming.attrs.epoch ?? 0);
      if (newEpoch > Number(cib.attrs.epoch ?? 0)) cib.attrs.epoch = String(newEpoch - 1);
    }
    return true;
  });
  ctx.io.stderr("CIB updated\n");
  return 0;
};

/**
 * `pcs cluster verify [-V] [FILE]`: crm_verify (src/cli/crm_verify.ts, the CIB layer's
 * checks with Pacemaker's wording) on the file, the -f CIB or the live CIB; pcs exits 1
 * when it finds errors.
 */
export const clusterVerify: PcsHandler = async (ctx) => {
  const file = ctx.args[0];
  const verbose = ctx.options.flags.has("-V") ? ["-V"] : [];
  const src = ctx.cib();
  let argv: string[];
  let stdin = "";
  if (file !== undefined) argv = ["--xml-file", isAbsolute(file) ? file : resolve(ctx.io.cwd, file)];
  else if (src instanceof FileCibSource) argv = ["--xml-file", src.path];
  else {
    stdin = await src.load();
    argv = ["--xml-pipe"];
  }
  const { crmVerifyCommand } = await import("../cli/crm_verify.js");
  const rc = await crmVerifyCommand([...argv, ...verbose], { ...ctx.io, readStdin: async () => stdin });
  return rc === 0 ? 0 : 1;
};
