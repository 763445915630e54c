// `pcs quorum update [auto_tie_breaker=[0|1]] [last_man_standing=[0|1]]
// [last_man_standing_window=[MS]] [wait_for_all=[0|1]] [--skip-offline] [--corosync_conf FILE]`:
// change the quorum options of corosync.conf as pcs 0.11 does. An empty value removes the
// option; two_node follows (kept only for two nodes without auto_tie_breaker). With
// --corosync_conf only that file changes; otherwise every node's pcsd is asked first whether
// its cluster daemon runs (the options need a stopped cluster: tandemd reads them at start),
// then the new corosync.conf goes to every node.

import { readFileSync, writeFileSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { type CorosyncConf, parseCorosyncConf, writeCorosyncConf } from "../../transport/corosync-conf.js";
import { PcsError, PcsUsageError, Reports } from "../errors.js";
import type { PcsContext, PcsHandler } from "../types.js";
import { subcommandUsage } from "../usage.js";
import { callAll, pathsOf, remoteTargets, requestTimeoutMs } from "./common.js";
import { adjustTwoNode, localConf, sendConf } from "./nodes.js";

const BOOLEAN = ["auto_tie_breaker", "last_man_standing", "wait_for_all"];
const ALLOWED = [...BOOLEAN, "last_man_standing_window"].sort();

/** Parses and checks `name=value...`: every problem reported, nothing applied on any. */
export function parseQuorumOptions(ctx: PcsContext): [string, string][] {
  if (ctx.args.length === 0) throw new PcsUsageError(subcommandUsage("quorum", "update"));
  const reports = new Reports(ctx.force);
  const out: [string, string][] = [];
  const unknown: string[] = [];
  for (const a of ctx.args) {
    const eq = a.indexOf("=");
    if (eq <= 0) throw new PcsError(`missing value of '${a}' option`);
    const [name, value] = [a.slice(0, eq), a.slice(eq + 1)];
    if (!ALLOWED.includes(name)) unknown.push(name);
    else if (value !== "" && BOOLEAN.includes(name) && value !== "0" && value !== "1")
      reports.error("INVALID_OPTION_VALUE", `'${value}' is not a valid ${name} value, use '0', '1'`);
    else if (value !== "" && name === "last_man_standing_window" && !/^[1-9]\d*$/.test(value))
      reports.error(
        "INVALID_OPTION_VALUE",
        `'${value}' is not a valid ${name} value, use a positive integer`,
      );
    out.push([name, value]);
  }
  if (unknown.length > 0)
    reports.error(
      "INVALID_OPTIONS",
      `invalid quorum option${unknown.length > 1 ? "s" : ""} ${unknown.map((u) => `'${u}'`).join(", ")}, allowed options are: ${ALLOWED.map((x) => `'${x}'`).join(", ")}`,
    );
  reports.flush(ctx.io);
  return out;
}

function apply(conf: CorosyncConf, options: [string, string][]): void {
  for (const [name, value] of options)
    if (value === "") delete conf.quorum[name];
    else conf.quorum[name] = value;
  adjustTwoNode(conf);
}

export const quorumUpdate: PcsHandler = async (ctx) => {
  const options = parseQuorumOptions(ctx);
  const file = ctx.options.values.get("--corosync_conf");
  if (file !== undefined) {
    const path = isAbsolute(file) ? file : resolve(ctx.io.cwd, file);
    let conf: CorosyncConf;
    try {
      conf = parseCorosyncConf(readFileSync(path, "utf8"));
    } catch (e) {
      throw new PcsError(`Unable to read ${file}: ${(e as Error).message}`);
    }
    apply(conf, options);
    writeFileSync(path, writeCorosyncConf(conf));
    return 0;
  }
  const { conf } = localConf(ctx);
  const names = conf.nodes.map((n) => n.name ?? n.rings[0]);
  const targets = remoteTargets(pathsOf(ctx.io), names);
  const skipOffline = ctx.options.flags.has("--skip-offline");
  ctx.io.stdout("Checking corosync is not running on nodes...\n");
  const reports = new Reports(ctx.force);
  const reachable: typeof targets = [];
  for (const [i, s] of (await callAll(targets, "status", {}, requestTimeoutMs(ctx))).entries()) {
    if (!s.ok) {
      if (skipOffline) ctx.io.stderr(`Warning: ${s.node}: Unable to connect to ${s.node}, skipping\n`);
      else
        reports.error(
          "NODE_COMMUNICATION",
          `${s.error.startsWith("Unable to connect") ? s.error : `${s.node}: ${s.error}`}, use --skip-offline to override`,
        );
      continue;
    }
    reachable.push(targets[i]);
    if (s.body.daemon.running) reports.error("COROSYNC_RUNNING_ON_NODE", `${s.node}: corosync is running`);
    else ctx.io.stdout(`${s.node}: corosync is not running\n`);
  }
  reports.flush(ctx.io);
  apply(conf, options);
  await sendConf(writeCorosyncConf(conf))(ctx, reachable);
  return 0;
};
