// pcs 0.9 spellings that pcs 0.11 dropped or changed, accepted by tandem because the
// CentOS 7 tutorials use them: `resource show [--full | ID]` (configuration in 0.9),
// `stonith show [--full | ID]`, `resource master`, and `constraint location add`.

import { el } from "../core/xml.js";
import { parseScore } from "../core/score.js";
import { configIds, section, updateCib, validateNewId } from "./cib.js";
import { PcsError, PcsUsageError } from "./errors.js";
import { resourceConfig } from "./resource.js";
import { resourcePromotable } from "./resource-manage.js";
import { statusResources, statusStonith } from "./status.js";
import { checkNotCloneMember } from "./constraint.js";
import { findResource } from "./resources.js";
import { stonithConfig } from "./stonith.js";
import type { PcsHandler } from "./types.js";
import { subcommandUsage } from "./usage.js";

/** 0.9: `resource show` = status; `resource show --full` or `resource show ID` = configuration. */
export const resourceShow: PcsHandler = async (ctx) => {
  if (ctx.options.flags.has("--full") || ctx.args.length > 0) {
    ctx.io.stderr(
      "Deprecation Warning: This command is deprecated and will be removed. Please use 'pcs resource config' instead.\n",
    );
    return resourceConfig(ctx);
  }
  return statusResources(ctx);
};

export const stonithShow: PcsHandler = async (ctx) => {
  if (ctx.options.flags.has("--full") || ctx.args.length > 0) {
    ctx.io.stderr(
      "Deprecation Warning: This command is deprecated and will be removed. Please use 'pcs stonith config' instead.\n",
    );
    return stonithConfig(ctx);
  }
  return statusStonith(ctx);
};

/** 0.9: `resource master [MASTER_ID] RSC [options]` = `resource promotable RSC [CLONE_ID] [options]`. */
export const resourceMaster: PcsHandler = async (ctx) => {
  const words = [...ctx.args];
  if (words.length === 0) throw new PcsUsageError(subcommandUsage("resource", "promotable"));
  // Two leading ids: the first is the new master/clone id, the second the resource.
  if (words.length >= 2 && !words[0].includes("=") && !words[1].includes("=")) {
    const [cloneId, rsc, ...rest] = words;
    return resourcePromotable({ ...ctx, args: [rsc, cloneId, ...rest] });
  }
  return resourcePromotable(ctx);
};

/** `constraint location add ID RSC NODE SCORE [resource-discovery=...]` (0.9 and 0.11). */
export const constraintLocationAdd: PcsHandler = async (ctx) => {
  const [id, rsc, node, score, ...opts] = ctx.args;
  if (!id || !rsc || !node || score === undefined)
    throw new PcsUsageError(subcommandUsage("constraint", "location"));
  if (parseScore(score) === undefined || !/^([+-]?\d+|[+-]?INFINITY)$/i.test(score))
    throw new PcsError(`invalid score '${score}', use integer or INFINITY or -INFINITY`);
  if (ctx.cib().kind === "file")
    ctx.io.stderr("Warning: Validation for node existence in the cluster will be skipped\n");
  await updateCib(ctx, (cib) => {
    if (!findResource(cib, rsc)) throw new PcsError(`Resource '${rsc}' does not exist`);
    checkNotCloneMember(cib, rsc, ctx);
    validateNewId(configIds(cib), id, "constraint id");
    const attrs: Record<string, string> = { id, rsc, node, score };
    for (const o of opts) {
      const eq = o.indexOf("=");
      if (eq <= 0 || o.slice(0, eq) !== "resource-discovery") {
        if (!ctx.force)
          throw new PcsError(`bad option '${eq > 0 ? o.slice(0, eq) : o}', use --force to override`);
        if (eq > 0) attrs[o.slice(0, eq)] = o.slice(eq + 1);
        continue;
      }
      attrs["resource-discovery"] = o.slice(eq + 1);
    }
    const cons = section(cib, "constraints");
    cons.children.push(el("rsc_location", attrs));
    return true;
  });
  return 0;
};
