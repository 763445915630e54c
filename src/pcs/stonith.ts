// `pcs stonith create|delete|update|config|list|describe|enable|disable|status` and the
// `pcs stonith fence|history` entry points that need the live cluster.

import { captureIO } from "../cli/io.js";
import { stonithAdminCommand } from "../cli/stonith_admin.js";
import { agentSearchPaths, fullName, listFenceAgents, loadAgentMetadata } from "./agents.js";
import { readCib } from "./cib.js";
import { PcsError, PcsUsageError } from "./errors.js";
import {
  resourceEnable,
  resourceDisable,
  describeAgent,
  makeConfigHandler,
  makeDeleteHandler,
  makeUpdateHandler,
} from "./resource.js";
import { createResource } from "./resource-create.js";
import { findResource, isStonith } from "./resources.js";
import type { PcsHandler } from "./types.js";
import { subcommandUsage } from "./usage.js";

export const stonithCreate: PcsHandler = (ctx) => createResource(ctx, "stonith");
export const stonithDelete = makeDeleteHandler("stonith");
export const stonithUpdate = makeUpdateHandler("stonith");
export const stonithConfig = makeConfigHandler("stonith");

function requireStonithIds(): PcsHandler {
  return async (ctx) => {
    const cib = await readCib(ctx);
    for (const id of ctx.args) {
      const r = findResource(cib, id);
      if (r && !isStonith(r)) throw new PcsError(`'${id}' is not a stonith resource`);
    }
    return ctx.path[1] === "enable" ? resourceEnable(ctx) : resourceDisable(ctx);
  };
}
export const stonithEnable = requireStonithIds();
export const stonithDisable = stonithEnable;

export const stonithList: PcsHandler = async (ctx) => {
  const paths = agentSearchPaths(ctx.io.env);
  const filter = (ctx.args[0] ?? "").toLowerCase();
  const names = listFenceAgents(paths).filter((n) => n.toLowerCase().includes(filter));
  if (names.length === 0)
    throw new PcsError("No stonith agents available. Do you have fence agents installed?");
  const lines = names.map((n) => {
    if (ctx.options.flags.has("--nodesc")) return n;
    try {
      const md = loadAgentMetadata({ standard: "stonith", type: n }, paths);
      return md.shortdesc ? `${n} - ${md.shortdesc}` : n;
    } catch {
      return n;
    }
  });
  ctx.io.stdout(lines.map((l) => `${l}\n`).join(""));
  return 0;
};

export const stonithDescribe: PcsHandler = async (ctx) => {
  if (ctx.args.length !== 1) throw new PcsUsageError(subcommandUsage("stonith", "describe"));
  const type = ctx.args[0].replace(/^stonith:/, "");
  const md = loadAgentMetadata({ standard: "stonith", type }, agentSearchPaths(ctx.io.env));
  let text = describeAgent(md, ctx.options.flags.has("--full"), "Stonith");
  text = text.replace(`${fullName(md.name)} - `, `${fullName(md.name)} - `);
  ctx.io.stdout(text);
  return 0;
};

/** Runs stonith_admin in-process (pcs drives the fencer through it, as real pcs does). */
async function stonithAdmin(ctx: Parameters<PcsHandler>[0], argv: string[]) {
  const c = captureIO({ env: ctx.io.env });
  const code = await stonithAdminCommand(argv, c.io);
  return { code, out: c.stdout, err: c.stderr };
}

/** `pcs stonith fence NODE [--off]` and `pcs stonith history [show [NODE]]`. */
export const stonithLive: PcsHandler = async (ctx) => {
  if (ctx.options.values.has("-f"))
    throw new PcsError("Specified option '-f' is not supported in this command");
  if (ctx.path[1] === "fence") {
    if (ctx.args.length !== 1) throw new PcsUsageError(subcommandUsage("stonith", "fence"));
    const node = ctx.args[0];
    const r = await stonithAdmin(ctx, [ctx.options.flags.has("--off") ? "--off" : "--reboot", node]);
    if (r.code !== 0)
      throw new PcsError(`unable to fence '${node}'`, {
        details: r.err.trimEnd().split("\n").filter(Boolean),
      });
    ctx.io.stdout(`Node: ${node} fenced\n`);
    return 0;
  }
  const [sub = "show", node, ...extra] = ctx.args;
  if (sub !== "show" || extra.length > 0) {
    if (sub === "cleanup" || sub === "update")
      throw new PcsError(`'pcs stonith history ${sub}' is not supported by tandem's fencer yet`);
    throw new PcsUsageError(subcommandUsage("stonith", "history"));
  }
  const r = await stonithAdmin(ctx, ["--history", node ?? "*"]);
  if (r.code !== 0)
    throw new PcsError("Unable to get fence history", {
      details: r.err.trimEnd().split("\n").filter(Boolean),
    });
  ctx.io.stdout(r.out);
  return 0;
};
