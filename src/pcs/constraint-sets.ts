// Resource-set constraints: `constraint order set ...` and `constraint colocation set ...`
// (`set R1 R2 [opt=v]... [set ...]... [setoptions k=v...]`), and keeping sets consistent
// when resources go away (`resource delete`, `constraint order remove RSC`). Ids and
// texts as pcs 0.11 makes them: order_set_D5D6D7 from the first three resources.

import { el, elements, type XmlElement } from "../core/xml.js";
import { parseScore } from "../core/score.js";
import { configIds, findSection, removeElement, section, uniqueId, updateCib, validateNewId } from "./cib.js";
import { checkNotCloneMember, PCMK_ROLES } from "./constraint.js";
import { setConstraintText } from "./constraint-render.js";
import { PcsError, PcsUsageError, Reports } from "./errors.js";
import { findResource } from "./resources.js";
import type { PcsHandler } from "./types.js";
import { subcommandUsage } from "./usage.js";

interface SetSpec {
  resources: string[];
  options: [string, string][];
}

const SET_OPTIONS = ["action", "require-all", "role", "sequential"];
const ACTIONS = ["demote", "promote", "start", "stop"];

function quote(list: string[]): string {
  return list.map((x) => `'${x}'`).join(", ");
}

function parseSets(words: string[], usage: string): { sets: SetSpec[]; setoptions: [string, string][] } {
  const sets: SetSpec[] = [];
  let setoptions: [string, string][] | undefined;
  let cur: SetSpec | undefined;
  for (const w of words) {
    if (w === "set") {
      if (setoptions) throw new PcsUsageError(usage);
      cur = { resources: [], options: [] };
      sets.push(cur);
      continue;
    }
    if (w === "setoptions") {
      if (setoptions || !cur) throw new PcsUsageError(usage);
      setoptions = [];
      continue;
    }
    const eq = w.indexOf("=");
    if (setoptions) {
      if (eq <= 0) throw new PcsUsageError(usage);
      setoptions.push([w.slice(0, eq), w.slice(eq + 1)]);
    } else if (!cur) throw new PcsUsageError(usage);
    else if (eq > 0) cur.options.push([w.slice(0, eq), w.slice(eq + 1)]);
    else {
      if (cur.options.length > 0) throw new PcsUsageError(usage);
      cur.resources.push(w);
    }
  }
  if (
    sets.length === 0 ||
    sets.some((s) => s.resources.length === 0) ||
    (setoptions && setoptions.length === 0)
  )
    throw new PcsUsageError(usage);
  return { sets, setoptions: setoptions ?? [] };
}

function validateSetOptions(sets: SetSpec[]): void {
  for (const s of sets)
    for (const [k, v] of s.options) {
      if (!SET_OPTIONS.includes(k))
        throw new PcsError(`invalid option '${k}', allowed options are: ${quote(SET_OPTIONS)}`);
      if ((k === "sequential" || k === "require-all") && !["true", "false"].includes(v))
        throw new PcsError(`'${v}' is not a valid ${k} value, use 'false', 'true'`);
      if (k === "role" && !PCMK_ROLES.some((r) => r.toLowerCase() === v.toLowerCase()))
        throw new PcsError(`'${v}' is not a valid role value, use ${quote(PCMK_ROLES)}`);
      if (k === "action" && !ACTIONS.includes(v))
        throw new PcsError(`'${v}' is not a valid action value, use ${quote(ACTIONS)}`);
    }
}

/** "D5D6D7" from the first three resources, each as its first and last character (pcs's scheme). */
function setIdPart(sets: SetSpec[]): string {
  return sets
    .flatMap((s) => s.resources)
    .slice(0, 3)
    .map((r) => (r.length <= 2 ? r : `${r[0]}${r[r.length - 1]}`))
    .join("");
}

function sameSets(c: XmlElement, sets: SetSpec[]): boolean {
  const mine = elements(c, "resource_set").map((s) =>
    elements(s, "resource_ref")
      .map((r) => r.attrs.id)
      .join(" "),
  );
  return mine.length === sets.length && mine.every((m, i) => m === sets[i].resources.join(" "));
}

function makeSetHandler(kind: "order" | "colocation"): PcsHandler {
  const tag = kind === "order" ? "rsc_order" : "rsc_colocation";
  return async (ctx) => {
    const usage = subcommandUsage("constraint", kind);
    const { sets, setoptions } = parseSets(["set", ...ctx.args], usage);
    validateSetOptions(sets);
    const allowed = kind === "order" ? ["id", "kind", "symmetrical"] : ["id", "score"];
    const attrs: Record<string, string> = {};
    for (const [k, v] of setoptions) {
      if (!allowed.includes(k))
        throw new PcsError(`invalid option '${k}', allowed options are: ${quote(allowed)}`);
      if (k === "kind") {
        const kv = ["Mandatory", "Optional", "Serialize"].find((x) => x.toLowerCase() === v.toLowerCase());
        if (!kv)
          throw new PcsError(`'${v}' is not a valid kind value, use 'Mandatory', 'Optional', 'Serialize'`);
        attrs.kind = kv;
      } else if (k === "symmetrical") {
        if (!["true", "false"].includes(v))
          throw new PcsError(`'${v}' is not a valid symmetrical value, use 'false', 'true'`);
        attrs.symmetrical = v;
      } else if (k === "score") {
        if (parseScore(v) === undefined || !/^([+-]?\d+|[+-]?INFINITY)$/i.test(v))
          throw new PcsError(`invalid score '${v}', use integer or INFINITY or -INFINITY`);
        attrs.score = v;
      } else attrs[k] = v;
    }
    if (kind === "colocation" && attrs.score === undefined) attrs.score = "INFINITY";
    let warnings = "";
    await updateCib(ctx, (cib) => {
      for (const s of sets)
        for (const r of s.resources)
          if (!findResource(cib, r)) throw new PcsError(`Resource '${r}' does not exist`);
      for (const s of sets)
        for (const r of s.resources) warnings += checkNotCloneMember(cib, r, ctx, true) ?? "";
      const cons = section(cib, "constraints");
      const dups = elements(cons, tag).filter((c) => sameSets(c, sets));
      if (dups.length > 0) {
        ctx.io.stderr(
          `Duplicate constraints:\n${dups.map((d) => `  ${setConstraintText(d, true)}\n`).join("")}`,
        );
        const reports = new Reports(ctx.force);
        reports.error("DUPLICATE_CONSTRAINTS_EXIST", "duplicate constraint already exists", {
          forceable: true,
        });
        reports.flush(ctx.io);
      }
      const ids = configIds(cib);
      const explicit = attrs.id;
      delete attrs.id;
      if (explicit !== undefined) validateNewId(ids, explicit, "constraint id");
      const id = explicit ?? uniqueId(ids, `${kind}_set_${setIdPart(sets)}`);
      const c = el(tag, { id, ...attrs });
      sets.forEach((s, i) => {
        const setAttrs: Record<string, string> = {
          id: uniqueId(ids, i === 0 ? `${id}_set` : `${id}_set-${i}`),
        };
        for (const [k, v] of s.options)
          setAttrs[k] = k === "role" ? PCMK_ROLES.find((r) => r.toLowerCase() === v.toLowerCase())! : v;
        c.children.push(
          el(
            "resource_set",
            setAttrs,
            s.resources.map((r) => el("resource_ref", { id: r })),
          ),
        );
      });
      cons.children.push(c);
      return true;
    });
    ctx.io.stderr(warnings);
    return 0;
  };
}

export const constraintOrderSet = makeSetHandler("order");
export const constraintColocationSet = makeSetHandler("colocation");

/**
 * Takes resource `id` out of every set constraint; returns pcs's lines ("Removing X from
 * set S", "Removing set S"). A constraint left without sets goes too.
 */
export function removeFromSets(
  cib: XmlElement,
  id: string,
  tags = ["rsc_order", "rsc_colocation", "rsc_ticket"],
): string[] {
  const cons = findSection(cib, "constraints");
  const out: string[] = [];
  if (!cons) return out;
  for (const c of elements(cons)) {
    if (!tags.includes(c.name)) continue;
    let touched = false;
    for (const s of elements(c, "resource_set")) {
      const refs = elements(s, "resource_ref").filter((r) => r.attrs.id === id);
      if (refs.length === 0) continue;
      touched = true;
      for (const r of refs) removeElement(s, r);
      out.push(`Removing ${id} from set ${s.attrs.id}`);
      if (elements(s, "resource_ref").length === 0) {
        removeElement(c, s);
        out.push(`Removing set ${s.attrs.id}`);
      }
    }
    if (touched && elements(c, "resource_set").length === 0) {
      removeElement(cons, c);
      out.push(`Removing Constraint - ${c.attrs.id}`);
    }
  }
  return out;
}

/** `constraint order remove|delete RSC...`: RSC leaves every order constraint (sets and plain ones). */
export const constraintOrderRemove: PcsHandler = async (ctx) => {
  if (ctx.args.length === 0) throw new PcsUsageError(subcommandUsage("constraint", "order"));
  await updateCib(ctx, (cib) => {
    const cons = findSection(cib, "constraints");
    let found = false;
    for (const id of ctx.args) {
      if (removeFromSets(cib, id, ["rsc_order"]).length > 0) found = true;
      for (const c of cons ? elements(cons, "rsc_order") : [])
        if (c.attrs.first === id || c.attrs.then === id) {
          removeElement(cons!, c);
          found = true;
        }
    }
    if (!found) throw new PcsError("No matching resources found in ordering list");
    return true;
  });
  return 0;
};
