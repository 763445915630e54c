// `pcs acl`: Pacemaker's access control lists (configuration/acls), as pcs 0.11 manages
// them: `[config]`, `enable|disable` (the enable-acl property), `role create|delete|
// remove|assign|unassign`, `user create|delete|remove`, `group create|delete|remove`,
// `permission add|delete|remove`. Elements: acl_target (users), acl_group, acl_role
// with acl_permission (kind read|write|deny, xpath or reference to an id).

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
import { PcsError, PcsUsageError } from "./errors.js";
import { bootstrapSet, configuredProperties } from "./property.js";
import type { PcsContext, PcsHandler } from "./types.js";
import { subcommandUsage } from "./usage.js";

const USER = "acl_target";
const GROUP = "acl_group";
const ROLE = "acl_role";

function aclElements(cib: XmlElement, name: string): XmlElement[] {
  const acls = findSection(cib, "acls");
  return acls ? elements(acls, name) : [];
}

const find = (cib: XmlElement, name: string, id: string) =>
  aclElements(cib, name).find((e) => e.attrs.id === id);

function roleOrFail(cib: XmlElement, id: string): XmlElement {
  const r = find(cib, ROLE, id);
  if (!r) throw new PcsError(`ACL role '${id}' does not exist`);
  return r;
}

/** `pcs acl [config]` lines. */
export function aclLines(cib: XmlElement): string[] {
  const out: string[] = [];
  if (!/^(true|yes|on|y|1)$/i.test(configuredProperties(cib).get("enable-acl") ?? ""))
    out.push("ACLs are disabled, run 'pcs acl enable' to enable", "");
  const roles = (e: XmlElement) => elements(e, "role").map((r) => r.attrs.id);
  for (const u of aclElements(cib, USER))
    out.push(`User: ${u.attrs.id}`, `  Roles: ${roles(u).join(" ")}`.trimEnd());
  for (const g of aclElements(cib, GROUP))
    out.push(`Group: ${g.attrs.id}`, `  Roles: ${roles(g).join(" ")}`.trimEnd());
  for (const r of aclElements(cib, ROLE)) {
    out.push(`Role: ${r.attrs.id}`);
    if (r.attrs.description) out.push(`  Description: ${r.attrs.description}`);
    for (const p of elements(r, "acl_permission")) {
      const target = p.attrs.xpath !== undefined ? `xpath ${p.attrs.xpath}` : `id ${p.attrs.reference}`;
      out.push(`  Permission: ${p.attrs.kind} ${target} (${p.attrs.id})`);
    }
  }
  return out;
}

/** Parses `(read|write|deny) (xpath Q | id ID)...` into permission elements (ids given later). */
function parsePermissions(ctx: PcsContext, cib: XmlElement, words: string[], usage: string): XmlElement[] {
  if (words.length % 3 !== 0) throw new PcsUsageError(subcommandUsage("acl", usage));
  const ids = configIds(cib);
  const out: XmlElement[] = [];
  for (let i = 0; i < words.length; i += 3) {
    const [kind, type, value] = words.slice(i, i + 3);
    if (!["read", "write", "deny"].includes(kind) || !["xpath", "id"].includes(type))
      throw new PcsUsageError(subcommandUsage("acl", usage));
    if (type === "id" && !ids.has(value)) throw new PcsError(`id '${value}' does not exist.`);
    out.push(
      el("acl_permission", { id: "", kind, ...(type === "xpath" ? { xpath: value } : { reference: value }) }),
    );
  }
  void ctx;
  return out;
}

function addPermissions(cib: XmlElement, role: XmlElement, perms: XmlElement[]): void {
  const ids = configIds(cib);
  for (const p of perms) {
    p.attrs.id = uniqueId(ids, `${role.attrs.id}-${p.attrs.kind}`);
    role.children.push(p);
  }
}

/** The user or group NAME (`kind` from an explicit "user"/"group" word, else either). */
function target(cib: XmlElement, name: string, kind: string | undefined): XmlElement {
  const u = kind !== "group" ? find(cib, USER, name) : undefined;
  const g = kind !== "user" ? find(cib, GROUP, name) : undefined;
  if (u && g) throw new PcsError(`'${name}' is both a user and a group, specify 'user' or 'group'`);
  const t = u ?? g;
  if (!t)
    throw new PcsError(
      `${kind === "user" ? "ACL user" : kind === "group" ? "ACL group" : "ACL group/ACL user"} '${name}' does not exist`,
    );
  return t;
}

/** `role assign ROLE [to] [user|group] NAME` and `role unassign ROLE [from] [user|group] NAME`. */
function assignArgs(args: string[], link: "to" | "from"): { role: string; kind?: string; name: string } {
  const w = [...args];
  const role = w.shift();
  if (w[0] === link) w.shift();
  const kind = w[0] === "user" || w[0] === "group" ? w.shift() : undefined;
  if (!role || w.length !== 1)
    throw new PcsUsageError(subcommandUsage("acl", link === "to" ? "role assign" : "role unassign"));
  return { role, kind, name: w[0] };
}

function roleRefs(e: XmlElement): XmlElement[] {
  return elements(e, "role");
}

async function change(ctx: PcsContext, f: (cib: XmlElement) => void): Promise<number> {
  await updateCib(ctx, (cib) => {
    f(cib);
    return true;
  });
  return 0;
}

function createMember(ctx: PcsContext, name: string, label: string): Promise<number> {
  const [id, ...roles] = ctx.args;
  if (!id) throw new PcsUsageError(subcommandUsage("acl", `${label} create`));
  return change(ctx, (cib) => {
    validateNewId(configIds(cib), id);
    for (const r of roles) roleOrFail(cib, r);
    section(cib, "acls").children.push(
      el(
        name,
        { id },
        roles.map((r) => el("role", { id: r })),
      ),
    );
  });
}

function deleteMember(ctx: PcsContext, name: string, label: string): Promise<number> {
  if (ctx.args.length !== 1) throw new PcsUsageError(subcommandUsage("acl", `${label} delete`));
  const id = ctx.args[0];
  return change(ctx, (cib) => {
    const e = find(cib, name, id);
    if (!e) throw new PcsError(`ACL ${label} '${id}' does not exist`);
    removeElement(section(cib, "acls"), e);
  });
}

const handlers: Record<string, (ctx: PcsContext) => Promise<number>> = {
  config: async (ctx) => {
    if (ctx.args.length > 0) throw new PcsUsageError(subcommandUsage("acl", "config"));
    ctx.io.stdout(`${aclLines(await readCib(ctx)).join("\n")}\n`);
    return 0;
  },
  enable: (ctx) => change(ctx, (cib) => setNvpair(bootstrapSet(cib), configIds(cib), "enable-acl", "true")),
  disable: (ctx) => change(ctx, (cib) => setNvpair(bootstrapSet(cib), configIds(cib), "enable-acl", "false")),
  "role create": (ctx) => {
    const [id, ...rest] = ctx.args;
    if (!id) throw new PcsUsageError(subcommandUsage("acl", "role create"));
    const desc = rest[0]?.startsWith("description=") ? rest.shift()!.slice("description=".length) : undefined;
    return change(ctx, (cib) => {
      validateNewId(configIds(cib), id);
      const perms = parsePermissions(ctx, cib, rest, "role create");
      const role = el(ROLE, { id, ...(desc ? { description: desc } : {}) });
      section(cib, "acls").children.push(role);
      addPermissions(cib, role, perms);
    });
  },
  "role delete": (ctx) => {
    if (ctx.args.length !== 1) throw new PcsUsageError(subcommandUsage("acl", "role delete"));
    const id = ctx.args[0];
    return change(ctx, (cib) => {
      const acls = section(cib, "acls");
      removeElement(acls, roleOrFail(cib, id));
      for (const m of [...aclElements(cib, USER), ...aclElements(cib, GROUP)])
        for (const r of roleRefs(m)) if (r.attrs.id === id) removeElement(m, r);
    });
  },
  "role assign": (ctx) => {
    const a = assignArgs(ctx.args, "to");
    return change(ctx, (cib) => {
      roleOrFail(cib, a.role);
      const t = target(cib, a.name, a.kind);
      if (roleRefs(t).some((r) => r.attrs.id === a.role))
        throw new PcsError(`Role '${a.role}' is already assigned to '${a.name}'`);
      t.children.push(el("role", { id: a.role }));
    });
  },
  "role unassign": (ctx) => {
    const a = assignArgs(ctx.args, "from");
    return change(ctx, (cib) => {
      const t = target(cib, a.name, a.kind);
      const ref = roleRefs(t).find((r) => r.attrs.id === a.role);
      if (!ref) throw new PcsError(`Role '${a.role}' is not assigned to '${a.name}'`);
      removeElement(t, ref);
    });
  },
  "user create": (ctx) => createMember(ctx, USER, "user"),
  "user delete": (ctx) => deleteMember(ctx, USER, "user"),
  "group create": (ctx) => createMember(ctx, GROUP, "group"),
  "group delete": (ctx) => deleteMember(ctx, GROUP, "group"),
  "permission add": (ctx) => {
    const [roleId, ...rest] = ctx.args;
    if (!roleId || rest.length === 0) throw new PcsUsageError(subcommandUsage("acl", "permission add"));
    return change(ctx, (cib) => {
      const role = roleOrFail(cib, roleId);
      addPermissions(cib, role, parsePermissions(ctx, cib, rest, "permission add"));
    });
  },
  "permission delete": (ctx) => {
    if (ctx.args.length !== 1) throw new PcsUsageError(subcommandUsage("acl", "permission delete"));
    const id = ctx.args[0];
    return change(ctx, (cib) => {
      for (const r of aclElements(cib, ROLE))
        for (const p of elements(r, "acl_permission")) if (p.attrs.id === id) return removeElement(r, p);
      throw new PcsError(`ACL permission '${id}' does not exist`);
    });
  },
};

/** `pcs acl ...`: dispatch on the subcommand words (`remove` is `delete`). */
export const aclCommand: PcsHandler = async (ctx) => {
  const [a, b, ...rest] = ctx.args;
  if (a === undefined || (a === "config" && b === undefined)) return handlers.config({ ...ctx, args: [] });
  if (a === "show") return handlers.config({ ...ctx, args: b === undefined ? [] : [b, ...rest] });
  if (handlers[a] && a !== "config")
    return handlers[a]({ ...ctx, args: b === undefined ? [] : [b, ...rest] });
  const key = `${a} ${b === "remove" ? "delete" : b}`;
  const h = handlers[key];
  if (!h) throw new PcsUsageError(subcommandUsage("acl", a));
  return h({ ...ctx, args: rest });
};
