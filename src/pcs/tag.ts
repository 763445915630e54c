// `pcs tag [config [TAG...]] | create TAG ID... | update TAG [add ID... [--before|--after ID]]
// [remove ID...] | delete|remove TAG...`: CIB tags (configuration/tags), as pcs 0.11 prints them.

import { el, elements, type XmlElement } from "../core/xml.js";
import { configIds, findSection, readCib, removeElement, section, updateCib } from "./cib.js";
import { PcsError, PcsUsageError, Reports } from "./errors.js";
import { findResource } from "./resources.js";
import type { PcsHandler } from "./types.js";
import { subcommandUsage } from "./usage.js";

function tagsOf(cib: XmlElement): XmlElement[] {
  const sec = findSection(cib, "tags");
  return sec ? elements(sec, "tag") : [];
}

/** Tag listing; `pad` is " " inside `pcs config`, "" for `pcs tag config`. */
export function tagLines(cib: XmlElement, pad: string, only?: string[]): string[] {
  const out = pad ? ["Tags:"] : [];
  let tags = tagsOf(cib);
  if (only && only.length > 0) tags = only.map((id) => tags.find((t) => t.attrs.id === id)!).filter(Boolean);
  if (tags.length === 0) return [...out, " No tags defined"];
  for (const t of tags) {
    out.push(`${pad}${t.attrs.id}`);
    for (const r of elements(t, "obj_ref")) out.push(`${pad}  ${r.attrs.id}`);
  }
  return out;
}

export const tagConfig: PcsHandler = async (ctx) => {
  if (ctx.path[1] === "list")
    ctx.io.stderr(
      "Deprecation Warning: This command is deprecated and will be removed. Please use 'pcs tag config' instead.\n",
    );
  const cib = await readCib(ctx);
  const missing = ctx.args.filter((id) => !tagsOf(cib).some((t) => t.attrs.id === id));
  if (missing.length > 0) {
    const reports = new Reports(false);
    for (const m of missing.reverse()) reports.error("ID_NOT_FOUND", `tag '${m}' does not exist`);
    reports.flush(ctx.io);
  }
  ctx.io.stdout(`${tagLines(cib, "", ctx.args).join("\n")}\n`);
  return 0;
};

/** Checks that ids can be tagged: existing resources (stonith devices included), unique, not the tag itself. */
function checkTaggable(reports: Reports, cib: XmlElement, tagId: string, ids: string[]): void {
  const dup = [...new Set(ids.filter((x, i) => ids.indexOf(x) !== i))];
  if (dup.length > 0)
    reports.error(
      "TAG_ADD_REMOVE_IDS_DUPLICATION",
      `Ids to add must be unique, duplicate ids: ${dup.map((d) => `'${d}'`).join(", ")}`,
    );
  if (ids.includes(tagId)) reports.error("TAG_CANNOT_CONTAIN_ITSELF", "Tag cannot contain itself");
  const all = configIds(cib);
  for (const id of [...new Set(ids)]) {
    if (id === tagId) continue;
    if (findResource(cib, id)) continue;
    if (all.has(id))
      reports.error("ID_BELONGS_TO_UNEXPECTED_TYPE", `'${id}' is not a bundle/clone/group/resource`);
    else reports.error("ID_NOT_FOUND", `bundle/clone/group/resource '${id}' does not exist`);
  }
}

export const tagCreate: PcsHandler = async (ctx) => {
  const [tagId, ...ids] = ctx.args;
  if (!tagId || ids.length === 0) throw new PcsUsageError(subcommandUsage("tag", "create"));
  await updateCib(ctx, (cib) => {
    const reports = new Reports(false);
    const all = configIds(cib);
    if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(tagId)) {
      const first = !/^[A-Za-z_]/.test(tagId);
      const bad = first ? tagId[0] : tagId.match(/[^A-Za-z0-9_.-]/)![0];
      reports.error(
        "INVALID_ID",
        `invalid id '${tagId}', '${bad}' is not a valid${first ? " first" : ""} character for a id`,
      );
    } else if (all.has(tagId)) reports.error("ID_ALREADY_EXISTS", `'${tagId}' already exists`);
    checkTaggable(reports, cib, tagId, ids);
    reports.flush(ctx.io);
    section(cib, "tags").children.push(
      el(
        "tag",
        { id: tagId },
        ids.map((id) => el("obj_ref", { id })),
      ),
    );
    return true;
  });
  return 0;
};

export const tagUpdate: PcsHandler = async (ctx) => {
  const [tagId, ...rest] = ctx.args;
  if (!tagId) throw new PcsUsageError(subcommandUsage("tag", "update"));
  const add: string[] = [];
  const remove: string[] = [];
  let mode: "add" | "remove" | undefined;
  for (const w of rest) {
    if (w === "add" || w === "remove") mode = w;
    else if (mode === "add") add.push(w);
    else if (mode === "remove") remove.push(w);
    else throw new PcsUsageError(subcommandUsage("tag", "update"));
  }
  const before = ctx.options.values.get("--before");
  const after = ctx.options.values.get("--after");
  await updateCib(ctx, (cib) => {
    const tag = tagsOf(cib).find((t) => t.attrs.id === tagId);
    if (!tag) throw new PcsError(`tag '${tagId}' does not exist`);
    const reports = new Reports(false);
    checkTaggable(
      reports,
      cib,
      tagId,
      add.filter((a) => !elements(tag, "obj_ref").some((r) => r.attrs.id === a)),
    );
    for (const r of remove)
      if (!elements(tag, "obj_ref").some((x) => x.attrs.id === r))
        reports.error("TAG_IDS_NOT_IN_THE_TAG", `Tag '${tagId}' does not contain id: '${r}'`);
    const anchor = before ?? after;
    if (anchor !== undefined && !elements(tag, "obj_ref").some((r) => r.attrs.id === anchor))
      reports.error(
        "TAG_ADJACENT_REFERENCE_ID_NOT_IN_THE_TAG",
        `There is no reference id '${anchor}' in the tag '${tagId}', cannot put reference ids next to it in the tag`,
      );
    reports.flush(ctx.io);
    for (const r of remove) {
      const ref = elements(tag, "obj_ref").find((x) => x.attrs.id === r);
      if (ref) removeElement(tag, ref);
    }
    if (elements(tag, "obj_ref").length === 0 && add.length === 0)
      throw new PcsError(
        `There would be no references left in the tag '${tagId}', please remove the whole tag using the 'pcs tag remove ${tagId}' command`,
      );
    const refs = add.map((id) => {
      const existing = elements(tag, "obj_ref").find((x) => x.attrs.id === id);
      if (existing) removeElement(tag, existing);
      return existing ?? el("obj_ref", { id });
    });
    let at = tag.children.length;
    if (anchor !== undefined) {
      const idx = tag.children.findIndex((c) => c.type === "element" && c.attrs.id === anchor);
      at = before !== undefined ? idx : idx + 1;
    }
    tag.children.splice(at, 0, ...refs);
    return true;
  });
  return 0;
};

export const tagDelete: PcsHandler = async (ctx) => {
  if (ctx.args.length === 0) throw new PcsUsageError(subcommandUsage("tag", "delete"));
  await updateCib(ctx, (cib) => {
    const reports = new Reports(false);
    for (const id of [...ctx.args].reverse())
      if (!tagsOf(cib).some((t) => t.attrs.id === id))
        reports.error("ID_NOT_FOUND", `tag '${id}' does not exist`);
    reports.flush(ctx.io);
    const sec = section(cib, "tags");
    for (const id of ctx.args) removeElement(sec, tagsOf(cib).find((t) => t.attrs.id === id)!);
    return true;
  });
  return 0;
};
