// `pcs resource group|clone|promotable|unclone|move|move-with-constraint|ban|clear|
// status|failcount|cleanup|refresh|restart|relocate`.
// move/ban/clear write the same cli-prefer-/cli-ban- location constraints crm_resource does.

import { el, elements, type XmlElement, walkElements } from "../core/xml.js";
import { configIds, findSection, readCib, removeElement, section, updateCib, validateNewId } from "./cib.js";
import {
  cliBan,
  cliNode,
  cliPrefer,
  isCliConstraint,
  isExpired,
  LIFETIME_HINT,
  lifetimeEnd,
} from "./cli-constraint.js";
import { PcsError, PcsUsageError, Reports } from "./errors.js";
import { removeConstraintsOf } from "./resource.js";
import { makeNvset } from "./resource-create.js";
import { findResource, resourceParent } from "./resources.js";
import type { PcsContext, PcsHandler } from "./types.js";
import { subcommandUsage } from "./usage.js";

export const groupAdd: PcsHandler = async (ctx) => {
  if (ctx.args.length < 2) throw new PcsUsageError(subcommandUsage("resource", "group"));
  const [groupId, ...members] = ctx.args;
  const messages: string[] = [];
  const before = ctx.options.values.get("--before");
  const after = ctx.options.values.get("--after");
  await updateCib(ctx, (cib) => {
    const reports = new Reports(false);
    const ids = configIds(cib);
    let group = findResource(cib, groupId);
    if (group && group.name !== "group")
      reports.error("ID_BELONGS_TO_UNEXPECTED_TYPE", `'${groupId}' is not a group`);
    if (!group && ids.has(groupId)) reports.error("ID_ALREADY_EXISTS", `'${groupId}' already exists`);
    const rscs: XmlElement[] = [];
    for (const m of members) {
      const r = findResource(cib, m);
      if (!r) reports.error("ID_NOT_FOUND", `bundle/clone/group/resource '${m}' does not exist`);
      else if (r.name !== "primitive")
        reports.error(
          "CANNOT_GROUP_RESOURCE_WRONG_TYPE",
          `'${m}' is a ${r.name} resource, ${r.name} resources cannot be put into a group`,
        );
      else {
        const parent = resourceParent(cib, r);
        if (parent && (parent.name === "clone" || parent.name === "master"))
          reports.error(
            "CANNOT_GROUP_RESOURCE_ADJACENT",
            `'${m}' is a clone resource, clone resources cannot be put into a group`,
          );
        rscs.push(r);
      }
    }
    if (new Set(members).size !== members.length)
      reports.error("CANNOT_GROUP_RESOURCE_MORE_THAN_ONCE", "Resources specified more than once");
    reports.flush(ctx.io);
    const resources = section(cib, "resources");
    if (!group) {
      group = el("group", { id: groupId });
      // A new group takes the place of its first member, as pcs does.
      const firstParent = resourceParent(cib, rscs[0]);
      const idx = firstParent === resources ? resources.children.indexOf(rscs[0]) : resources.children.length;
      resources.children.splice(idx, 0, group);
    }
    for (const r of rscs) {
      const parent = resourceParent(cib, r)!;
      removeElement(parent, r);
      if (parent.name === "group" && parent !== group && elements(parent, "primitive").length === 0) {
        const gp = resourceParent(cib, parent);
        if (gp) removeElement(gp, parent);
        // Constraints of a group that no longer exists go with it.
        messages.push(...removeConstraintsOf(cib, new Set([parent.attrs.id])));
      }
    }
    let at = group.children.length;
    const anchor = before ?? after;
    if (anchor !== undefined) {
      const idx = group.children.findIndex((c) => c.type === "element" && c.attrs.id === anchor);
      if (idx < 0) throw new PcsError(`there is no resource '${anchor}' in the group '${groupId}'`);
      at = before !== undefined ? idx : idx + 1;
    }
    group.children.splice(at, 0, ...rscs);
    return true;
  });
  ctx.io.stderr(messages.map((m) => `${m}\n`).join(""));
  return 0;
};

export const groupRemove: PcsHandler = async (ctx) => {
  if (ctx.args.length < 1) throw new PcsUsageError(subcommandUsage("resource", "group"));
  const [groupId, ...members] = ctx.args;
  const messages: string[] = [];
  await updateCib(ctx, (cib) => {
    const group = findResource(cib, groupId);
    if (group?.name !== "group") throw new PcsError(`Group '${groupId}' does not exist`);
    const parent = resourceParent(cib, group)!;
    const prims = elements(group, "primitive");
    const take =
      members.length === 0
        ? prims
        : members.map((m) => {
            const p = prims.find((x) => x.attrs.id === m);
            if (!p) throw new PcsError(`Resource '${m}' is not in group '${groupId}'`);
            return p;
          });
    // Members leave to the group's place (top level, or inside its clone).
    const at = parent.children.indexOf(group);
    for (const p of take) removeElement(group, p);
    const remaining = elements(group, "primitive").length;
    if (remaining === 0) {
      if (parent.name === "clone" || parent.name === "master") {
        if (take.length > 1) throw new PcsError(`Cannot remove all resources from a cloned group`);
        parent.children[at] = take[0];
      } else {
        removeElement(parent, group);
        parent.children.splice(at, 0, ...take);
      }
      // Constraints of a group that no longer exists go with it.
      messages.push(...removeConstraintsOf(cib, new Set([groupId])));
    } else parent.children.splice(at + 1, 0, ...take);
    return true;
  });
  ctx.io.stderr(messages.map((m) => `${m}\n`).join(""));
  return 0;
};

export const groupList: PcsHandler = async (ctx) => {
  const cib = await readCib(ctx);
  const rs = findSection(cib, "resources");
  const lines: string[] = [];
  if (rs)
    for (const g of walkElements(rs))
      if (g.name === "group")
        lines.push(
          `${g.attrs.id}: ${elements(g, "primitive")
            .map((p) => p.attrs.id)
            .join(" ")}`,
        );
  ctx.io.stdout(lines.map((l) => `${l}\n`).join(""));
  return 0;
};

function makeCloneHandler(kind: "clone" | "promotable"): PcsHandler {
  return async (ctx) => {
    if (ctx.args.length < 1) throw new PcsUsageError(subcommandUsage("resource", kind));
    const [id, ...rest] = ctx.args;
    let cloneId: string | undefined;
    const opts: [string, string][] = [];
    for (const w of rest) {
      const eq = w.indexOf("=");
      if (eq <= 0) {
        if (cloneId !== undefined || opts.length > 0)
          throw new PcsUsageError(subcommandUsage("resource", kind));
        cloneId = w;
      } else if (w.startsWith("meta=")) continue;
      else opts.push([w.slice(0, eq), w.slice(eq + 1)]);
    }
    await updateCib(ctx, (cib) => {
      const rsc = findResource(cib, id);
      if (!rsc) throw new PcsError(`unable to find group or resource: ${id}`);
      const parent = resourceParent(cib, rsc)!;
      if (parent.name === "clone" || parent.name === "master")
        throw new PcsError(`${id} is already a clone resource`);
      if (rsc.name === "clone" || rsc.name === "master")
        throw new PcsError(`${id} is already a clone resource`);
      if (parent.name === "group")
        throw new PcsError(`cannot clone a group member ('${id}' is in group '${parent.attrs.id}')`);
      const ids = configIds(cib);
      const cid = cloneId ?? `${id}-clone`;
      validateNewId(ids, cid, "clone id");
      const clone = el("clone", { id: cid });
      const meta = kind === "promotable" ? [["promotable", "true"] as [string, string], ...opts] : opts;
      if (meta.length > 0) clone.children.push(makeNvset("meta_attributes", cid, meta, ids));
      clone.children.push(rsc);
      parent.children[parent.children.indexOf(rsc)] = clone;
      // Constraints on the resource now apply to its clone, as pcs rewrites them.
      const cons = findSection(cib, "constraints");
      if (cons)
        for (const c of walkElements(cons)) {
          for (const k of ["rsc", "with-rsc", "first", "then"]) if (c.attrs[k] === id) c.attrs[k] = cid;
          if (c.name === "resource_ref" && c.attrs.id === id) c.attrs.id = cid;
        }
      return true;
    });
    return 0;
  };
}

export const resourceClone = makeCloneHandler("clone");
export const resourcePromotable = makeCloneHandler("promotable");

export const resourceUnclone: PcsHandler = async (ctx) => {
  if (ctx.args.length !== 1) throw new PcsUsageError(subcommandUsage("resource", "unclone"));
  const id = ctx.args[0];
  await updateCib(ctx, (cib) => {
    let clone = findResource(cib, id);
    if (clone && clone.name !== "clone" && clone.name !== "master") {
      const p = resourceParent(cib, clone);
      clone = p && (p.name === "clone" || p.name === "master") ? p : undefined;
    }
    if (!clone) throw new PcsError(`could not find resource: ${id}`);
    const inner = elements(clone).find((c) => c.name === "primitive" || c.name === "group")!;
    const parent = resourceParent(cib, clone)!;
    const constraints = findSection(cib, "constraints");
    if (constraints)
      for (const c of walkElements(constraints)) {
        for (const k of ["rsc", "with-rsc", "first", "then"])
          if (c.attrs[k] === clone.attrs.id) c.attrs[k] = inner.attrs.id;
        if (c.name === "resource_ref" && c.attrs.id === clone.attrs.id) c.attrs.id = inner.attrs.id;
      }
    parent.children[parent.children.indexOf(clone)] = inner;
    return true;
  });
  return 0;
};

/** The nodes a primitive is active on, from the status section's last operations. */
export function activeNodes(cib: XmlElement, rscId: string): string[] {
  const status = elements(cib, "status")[0];
  const out: string[] = [];
  if (!status) return out;
  for (const ns of elements(status, "node_state")) {
    if (ns.attrs.crmd === "offline" || ns.attrs.in_ccm === "false") continue;
    const lrm = elements(ns, "lrm")[0];
    const lrs = lrm && elements(lrm, "lrm_resources")[0];
    const lr = lrs && elements(lrs, "lrm_resource").find((r) => r.attrs.id === rscId);
    if (!lr) continue;
    let last: XmlElement | undefined;
    for (const op of elements(lr, "lrm_rsc_op")) {
      if (op.attrs.interval !== undefined && op.attrs.interval !== "0") continue;
      if (!last || Number(op.attrs["call-id"]) > Number(last.attrs["call-id"])) last = op;
    }
    if (!last) continue;
    const rc = last.attrs["rc-code"];
    const opn = last.attrs.operation;
    const running =
      (rc === "0" && ["start", "monitor", "promote", "migrate_from", "demote"].includes(opn ?? "")) ||
      (opn === "monitor" && rc === "8");
    if (running) out.push(ns.attrs.uname ?? ns.attrs.id);
  }
  return out;
}

function nodeNames(cib: XmlElement): string[] {
  const nodes = findSection(cib, "nodes");
  return nodes ? elements(nodes, "node").map((n) => n.attrs.uname ?? n.attrs.id) : [];
}

function putCliConstraint(cib: XmlElement, c: XmlElement): void {
  const constraints = section(cib, "constraints");
  const existing = elements(constraints, "rsc_location").find((x) => x.attrs.id === c.attrs.id);
  if (existing) removeElement(constraints, existing);
  constraints.children.push(c);
}

/** Splits `RSC [NODE] [lifetime=DURATION]`; the lifetime's end date, checked as crm_resource does. */
function moveArgs(ctx: PcsContext, sub: string): { id: string; node?: string; end?: string } {
  const lifetimes = ctx.args.filter((a) => a.startsWith("lifetime="));
  const pos = ctx.args.filter((a) => !a.startsWith("lifetime="));
  if (pos.length < 1 || pos.length > 2 || lifetimes.length > 1)
    throw new PcsUsageError(subcommandUsage("resource", sub));
  let end: string | undefined;
  if (lifetimes.length === 1) {
    const value = lifetimes[0].slice("lifetime=".length);
    end = lifetimeEnd(value, Date.now());
    if (end === undefined)
      throw new PcsError(`Invalid duration specified: ${value}`, { details: [LIFETIME_HINT] });
  }
  return { id: pos[0], node: pos[1], end };
}

function lifetimeNote(end: string | undefined): string {
  return end === undefined ? "" : `Migration will take effect until: ${end}\n`;
}

/** The node a resource (its first primitive) is active on, for move/ban without a node. */
function currentNodes(cib: XmlElement, rsc: XmlElement): string[] {
  const id = rsc.attrs.id;
  return activeNodes(
    cib,
    rsc.name === "primitive" ? id : (elements(rsc).find((c) => c.name === "primitive")?.attrs.id ?? id),
  );
}

/**
 * `move-with-constraint RSC [NODE] [lifetime=D]` (and `move` with a lifetime, as pcs 0.10 did):
 * a cli-prefer constraint, or without a node a cli-ban from the node it runs on.
 */
export const resourceMoveWithConstraint: PcsHandler = async (ctx) => {
  const { id, node, end } = moveArgs(ctx, "move");
  let msg = "";
  await updateCib(ctx, (cib) => {
    const rsc = findResource(cib, id);
    if (!rsc) throw new PcsError(`Resource '${id}' not found`);
    if (node === undefined) {
      const current = currentNodes(cib, rsc);
      if (current.length === 0)
        throw new PcsError(
          `Resource '${id}' not moved: active in 0 locations.\nTo prevent '${id}' from running on a specific location, specify a node.`,
        );
      const c = cliBan(id, current[0], end);
      putCliConstraint(cib, c);
      msg = banWarning(c.attrs.id, id, current[0]);
      return true;
    }
    if (!nodeNames(cib).includes(node) && !ctx.force)
      throw new PcsError(`Node '${node}' does not seem to be in the cluster, use --force to override`);
    putCliConstraint(cib, cliPrefer(id, node, end));
    return true;
  });
  ctx.io.stderr(msg + lifetimeNote(end));
  return 0;
};

function banWarning(cid: string, rsc: string, node: string): string {
  return (
    `Warning: Creating location constraint '${cid}' with a score of -INFINITY for resource ${rsc} on ${node}.\n` +
    `\tThis will prevent ${rsc} from running on ${node} until the constraint is removed\n` +
    `\tThis will be the case even if ${node} is the last node in the cluster\n`
  );
}

/** `ban RSC [NODE] [lifetime=D]`. */
export const resourceBan: PcsHandler = async (ctx) => {
  const { id, node: nodeArg, end } = moveArgs(ctx, "ban");
  let msg = "";
  await updateCib(ctx, (cib) => {
    const rsc = findResource(cib, id);
    if (!rsc) throw new PcsError(`Resource '${id}' not found`);
    let node = nodeArg;
    if (node === undefined) {
      const current = currentNodes(cib, rsc);
      if (current.length !== 1)
        throw new PcsError(
          `Resource '${id}' not moved: active in ${current.length} locations.\nTo prevent '${id}' from running on a specific location, specify a node.`,
        );
      node = current[0];
    } else if (!nodeNames(cib).includes(node) && !ctx.force)
      throw new PcsError(`Node '${node}' does not seem to be in the cluster, use --force to override`);
    const c = cliBan(id, node, end);
    putCliConstraint(cib, c);
    msg = banWarning(c.attrs.id, id, node);
    return true;
  });
  ctx.io.stderr(msg + lifetimeNote(end));
  return 0;
};

export const resourceClear: PcsHandler = async (ctx) => {
  if (ctx.args.length < 1) throw new PcsUsageError(subcommandUsage("resource", "clear"));
  const [id, node] = ctx.args;
  const expiredOnly = ctx.options.flags.has("--expired");
  const removed: string[] = [];
  await updateCib(ctx, (cib) => {
    if (!findResource(cib, id)) throw new PcsError(`Resource '${id}' not found`);
    const constraints = findSection(cib, "constraints");
    if (!constraints) return false;
    const now = Date.now();
    for (const c of elements(constraints, "rsc_location")) {
      const cid = c.attrs.id ?? "";
      const match =
        (node === undefined || cliNode(c) === node) &&
        isCliConstraint(c, id) &&
        (!expiredOnly || isExpired(c, now));
      if (match) {
        removeElement(constraints, c);
        removed.push(cid);
      }
    }
    return removed.length > 0;
  });
  ctx.io.stdout(removed.map((r) => `Removing constraint: ${r}\n`).join(""));
  return 0;
};

/** "INFINITY" wins; otherwise the sum, capped at INFINITY as Pacemaker caps scores. */
function addCounts(a: string, b: string): string {
  if (/^\+?INFINITY$/i.test(a) || /^\+?INFINITY$/i.test(b)) return "INFINITY";
  const n = Number(a) + Number(b);
  return n >= 1_000_000 ? "INFINITY" : String(n);
}

/**
 * `failcount [show] [RSC [NODE [OPERATION [INTERVAL]]]] [--full]`: fail counts from the
 * status section's node attributes (fail-count-RSC#OP_INTERVAL), laid out as pcs 0.11.
 */
export const resourceFailcount: PcsHandler = async (ctx) => {
  let args = ctx.args;
  if (args[0] === "show") args = args.slice(1);
  if (args[0] === "reset") {
    const [r, n] = args.slice(1);
    const cleanupArgs = [...(r ? [r] : []), ...(n ? [`node=${n}`] : [])];
    return (await import("./live-ops.js")).resourceCleanup("cleanup")({ ...ctx, args: cleanupArgs });
  }
  const [rsc, node, operation, interval] = args;
  const full = ctx.options.flags.has("--full");
  const cib = await readCib(ctx);
  const status = elements(cib, "status")[0];
  const found: { rsc: string; node: string; op: string; intervalMs: string; count: string }[] = [];
  for (const ns of status ? elements(status, "node_state") : []) {
    const uname = ns.attrs.uname ?? ns.attrs.id;
    if (node && uname !== node) continue;
    for (const e of walkElements(ns)) {
      if (e.name !== "nvpair") continue;
      const m = /^fail-count-(.+)#(.+)_(\d+)$/.exec(e.attrs.name ?? "");
      if (!m) continue;
      const id = m[1].replace(/:\d+$/, ""); // clone instances count for the clone's resource
      if (rsc && id !== rsc) continue;
      if (operation && m[2] !== operation) continue;
      if (interval !== undefined && String(Number(m[3])) !== String(Number(interval))) continue;
      found.push({ rsc: id, node: uname, op: m[2], intervalMs: m[3], count: e.attrs.value ?? "0" });
    }
  }
  const filter = [
    operation
      ? `for operation '${operation}'${interval !== undefined ? ` with interval '${interval}'` : ""}`
      : "",
    rsc ? `${operation ? "of" : "for"} resource '${rsc}'` : "",
    node ? `on node '${node}'` : "",
  ]
    .filter((x) => x !== "")
    .join(" ");
  if (found.length === 0) {
    ctx.io.stdout(`No failcounts${filter ? ` ${filter}` : ""}\n`);
    return 0;
  }
  const lines: string[] = [];
  const resources = [...new Set(found.map((f) => f.rsc))].sort();
  for (const r of resources) {
    lines.push(
      operation
        ? `Failcounts for operation '${operation}' of resource '${r}'`
        : `Failcounts for resource '${r}'`,
    );
    const mine = found.filter((f) => f.rsc === r);
    for (const n of [...new Set(mine.map((f) => f.node))].sort()) {
      const onNode = mine.filter((f) => f.node === n);
      if (!full) {
        lines.push(`  ${n}: ${onNode.map((f) => f.count).reduce(addCounts, "0")}`);
        continue;
      }
      lines.push(`  ${n}:`);
      const perOp = new Map<string, string>();
      for (const f of onNode) {
        const key = `${f.op} ${f.intervalMs}ms`;
        perOp.set(key, addCounts(perOp.get(key) ?? "0", f.count));
      }
      for (const k of [...perOp.keys()].sort()) lines.push(`    ${k}: ${perOp.get(k)}`);
    }
  }
  ctx.io.stdout(`${lines.join("\n")}\n`);
  return 0;
};
