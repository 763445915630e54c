// Stage 1: unpack. CIB model -> working set: cluster options, nodes and their
// membership state, the resource tree (with clone instances) and what every
// resource's operation history says about each node: active, failed, fail
// counts, pending operations, orphans.

import type { Cib, LrmOp, LrmResource, NodeState, Operation, Primitive, Resource } from "../cib/model.js";
import { resolveNvSets } from "../cib/rules.js";
import { isTrue } from "../cib/unpack.js";
import { parseDurationMs } from "../core/duration.js";
import { INFINITY, parseScore } from "../core/score.js";
import { assignCloneHistory, expandClone } from "./clone-status.js";
import type { NodeHistory, Options, SchedNode, SchedResource, WorkingSet } from "./working-set.js";

export interface ScheduleInput {
  /** Seconds since the epoch; defaults to the CIB's execution-date, else 0. */
  now?: number;
  /** Collects "RESOURCE NODE" lines in assignment order (diagnostics, see WorkingSet.assignLog). */
  assignLog?: string[];
}

function parseOptions(cib: Cib, now: number): Options {
  const p = resolveNvSets(cib.crmConfig, { now }, "cib-bootstrap-options");
  const dflt = resolveNvSets(cib.rscDefaults, { now });
  const stick = parseScore(dflt["resource-stickiness"] ?? dflt["default-resource-stickiness"]) ?? 0;
  return {
    stonithEnabled: p["stonith-enabled"] === undefined ? true : isTrue(p["stonith-enabled"]),
    symmetricCluster: p["symmetric-cluster"] === undefined ? true : isTrue(p["symmetric-cluster"]),
    noQuorumPolicy: (p["no-quorum-policy"] ?? "stop").toLowerCase(),
    stopOrphanResources: p["stop-orphan-resources"] === undefined ? true : isTrue(p["stop-orphan-resources"]),
    startFailureIsFatal:
      p["start-failure-is-fatal"] === undefined ? true : isTrue(p["start-failure-is-fatal"]),
    maintenanceMode: isTrue(p["maintenance-mode"]),
    startupFencing: p["startup-fencing"] === undefined ? true : isTrue(p["startup-fencing"]),
    stonithAction: p["stonith-action"] ?? "reboot",
    haveQuorum: cib.haveQuorum,
    now,
    defaultStickiness: stick,
  };
}

/** Seconds since the epoch from the CIB's execution-date (set by crm_simulate's -t), if any. */
export function executionDate(cib: Cib): number | undefined {
  const d = cib.attrs["execution-date"];
  if (d === undefined) return undefined;
  const n = Number(d);
  return Number.isFinite(n) ? n : undefined;
}

function isOnline(v: string | undefined, word: string): boolean {
  if (v === undefined) return false;
  if (v === word || v === "true") return true;
  // Newer Pacemaker writes a timestamp instead of "true"/"online".
  return /^[1-9]\d*$/.test(v);
}

function unpackNodes(cib: Cib, opts: Options): SchedNode[] {
  const states = new Map<string, NodeState>();
  for (const s of cib.status) states.set(s.id, s);
  const clusterName = resolveNvSets(cib.crmConfig, { now: opts.now })["cluster-name"];
  return cib.nodes
    .filter((n) => n.type !== "ping")
    .map((n, index) => {
      const st = states.get(n.id);
      const attrs: Record<string, string> = {};
      const isDc = cib.dcUuid !== undefined && cib.dcUuid === n.id;
      attrs["#uname"] = n.uname;
      attrs["#id"] = n.id;
      attrs["#kind"] = n.type === "remote" ? "remote" : "cluster";
      attrs["#is_dc"] = isDc ? "true" : "false";
      if (clusterName !== undefined) attrs["#cluster-name"] = clusterName;
      resolveNvSets(n.attributes, { now: opts.now, nodeAttrs: attrs }, undefined, attrs);
      if (st) for (const [k, v] of Object.entries(st.transient)) attrs[k] = v;
      const node: SchedNode = {
        id: n.id,
        uname: n.uname,
        index,
        online: false,
        unclean: false,
        pending: false,
        standby: isTrue(attrs.standby),
        maintenance: isTrue(attrs.maintenance),
        shutdown: attrs.shutdown !== undefined && attrs.shutdown !== "0",
        hasState: st !== undefined,
        attrs,
        isDc,
        assignedCount: 0,
        canRun: false,
      };
      membership(node, st, opts);
      return node;
    });
}

/** Online / offline / unclean / pending from the node_state, as the fencing setting sees it. */
function membership(node: SchedNode, st: NodeState | undefined, opts: Options): void {
  if (!st) {
    if (opts.stonithEnabled && opts.startupFencing) {
      node.unclean = true;
      node.fenceReason = "node is unclean";
    }
    return;
  }
  const inCluster = isOnline(st.inCcm, "true");
  const crmdOnline = isOnline(st.crmd, "online");
  const join = st.join ?? "down";
  const expectedUp = st.expected === "member";
  if (!inCluster) {
    // Gone from the membership while expected up: it must be fenced (when fencing is on).
    if (expectedUp && opts.stonithEnabled) {
      node.unclean = true;
      node.fenceReason = "peer is no longer part of the cluster";
    }
    return;
  }
  if (!crmdOnline) {
    if (st.expected === undefined) node.pending = true;
    else if (expectedUp && opts.stonithEnabled) {
      node.unclean = true;
      node.fenceReason = "peer process is no longer available";
    }
    return;
  }
  if (join === "member") node.online = true;
  else if (join === "down" || join === "banned") {
    if (expectedUp && opts.stonithEnabled) {
      node.unclean = true;
      node.fenceReason = "peer failed to join";
    }
  } else node.pending = true;
}

function resourceMeta(
  sets: Resource["meta"],
  now: number,
  into: Record<string, string>,
): Record<string, string> {
  return resolveNvSets(sets, { now }, undefined, into);
}

function newResource(
  id: string,
  configId: string,
  kind: SchedResource["kind"],
  def: Resource | undefined,
  parent: SchedResource | undefined,
  meta: Record<string, string>,
  opts: Options,
): SchedResource {
  const stickRaw = meta["resource-stickiness"];
  const r: SchedResource = {
    id,
    configId,
    kind,
    def,
    parent,
    children: [],
    meta,
    ops: [],
    priority: parseScore(meta.priority) ?? 0,
    stickiness: stickRaw === undefined ? opts.defaultStickiness : (parseScore(stickRaw) ?? 0),
    migrationThreshold:
      meta["migration-threshold"] === undefined
        ? INFINITY
        : (parseScore(meta["migration-threshold"]) ?? INFINITY),
    failureTimeout: Math.floor((parseDurationMs(meta["failure-timeout"] ?? "0") ?? 0) / 1000),
    targetRole: (meta["target-role"] ?? "Started").toLowerCase(),
    managed:
      (meta["is-managed"] === undefined ? true : isTrue(meta["is-managed"])) &&
      !opts.maintenanceMode &&
      !isTrue(meta.maintenance),
    isStonith: false,
    orphan: false,
    history: new Map(),
    runningOn: [],
    scores: new Map(),
    assigned: null,
    assignState: "none",
    blocked: false,
  };
  return r;
}

/** Builds the resource tree for one configured resource (clones expand into instances). */
export function buildResource(
  def: Resource,
  parent: SchedResource | undefined,
  inherited: Record<string, string>,
  ws: WorkingSet,
  idSuffix = "",
): SchedResource {
  const opts = ws.options;
  const meta = resourceMeta(def.meta, opts.now, {});
  for (const [k, v] of Object.entries(inherited)) if (!(k in meta)) meta[k] = v;
  const full = { ...meta };
  // rsc_defaults resolve the same for every resource: once per run.
  ws.rscDefaultsMeta ??= resolveNvSets(ws.cib.rscDefaults, { now: opts.now });
  for (const k in ws.rscDefaultsMeta) if (!(k in full)) full[k] = ws.rscDefaultsMeta[k];
  if (def.kind === "clone")
    return expandClone(def, parent, meta, full, ws, (m) =>
      newResource(def.id, def.id, "clone", def, parent, m, opts),
    );
  const r = newResource(
    def.id + idSuffix,
    def.id,
    def.kind === "bundle" ? "primitive" : def.kind,
    def,
    parent,
    full,
    opts,
  );
  ws.byId.set(r.id, r);
  if (def.kind === "group") {
    for (const c of def.children) r.children.push(buildResource(c, r, meta, ws, idSuffix));
  } else if (def.kind === "primitive") {
    r.agent = { class: def.class, provider: def.provider, type: def.type };
    r.ops = def.operations;
    r.isStonith = def.class === "stonith";
    ws.primitives.push(r);
  }
  return r;
}

function opKey(op: LrmOp): number {
  // Pending operations (call-id -1) are the newest.
  return op.callId < 0 ? Number.MAX_SAFE_INTEGER : op.callId;
}

function configuredOp(r: SchedResource, name: string, interval: number): Operation | undefined {
  return r.ops.find((o) => o.name === name && o.interval === interval);
}

/** Reads one resource's history on one node. */
export function unpackHistory(
  r: SchedResource,
  lrm: LrmResource,
  node: SchedNode,
  ws: WorkingSet,
): NodeHistory {
  const opts = ws.options;
  const h: NodeHistory = {
    node: node.uname,
    active: false,
    failed: false,
    blocked: false,
    known: false,
    notInstalled: false,
    failCount: 0,
    lastFailure: 0,
    recurring: new Map(),
  };
  const ops = [...lrm.ops].sort((a, b) => opKey(a) - opKey(b));
  for (const op of ops) {
    h.known = true;
    const task = op.operation;
    const isProbe = task === "monitor" && op.interval === 0;
    if (op.opStatus === -1 || op.callId === -1) {
      h.pending = op;
      // A stop in flight has not stopped anything yet: the resource may still be active there.
      if (
        task === "start" ||
        task === "stop" ||
        task === "promote" ||
        task === "demote" ||
        task === "migrate_from"
      )
        h.active = true;
      if (task === "monitor" && op.interval > 0) h.recurring.set(op.interval, op);
      continue;
    }
    h.lastOp = op;
    if (task === "cancel" || (task === "monitor" && op.interval > 0 && op.opStatus === 1)) continue;
    const rc = op.rcCode;
    const target = op.transitionKey || op.transitionMagic ? op.targetRc : isProbe ? 7 : 0;
    let ok: boolean;
    // "done" and "error" statuses are judged by the rc (old CIBs record an rc
    // mismatch as error); timeouts and other statuses are failures.
    const judged = op.opStatus === 0 || op.opStatus === 4;
    if (isProbe) ok = judged && (rc === 0 || rc === 7 || rc === 8);
    else ok = judged && (rc === target || (target === 0 && rc === 8 && task === "monitor"));
    // An error status with a successful rc from old CIBs: the op-status decides.
    const when = op.lastRcChange ?? op.lastRun ?? 0;
    const expired = r.failureTimeout > 0 && when > 0 && when + r.failureTimeout <= opts.now;
    if (ok) {
      if (isProbe || task === "monitor") {
        if (rc === 7) {
          h.active = false;
          if (isProbe) clearFailure(h);
        } else h.active = true;
        if (op.interval > 0 && rc !== 7) h.recurring.set(op.interval, op);
      } else if (task === "start" || task === "promote" || task === "demote" || task === "migrate_from") {
        h.active = true;
        if (task === "start" || task === "migrate_from") {
          h.startOp = op;
          // Recurring operations recorded before this (re)start ended with the stop before it
          // (the executor cancels them): only those started after it are active.
          h.recurring.clear();
        }
        clearFailure(h);
      } else if ((task === "reload-agent" || task === "reload") && h.active) {
        // The definition now in effect is the reloaded one.
        h.startOp = op;
      } else if (task === "stop" || task === "migrate_to") {
        h.active = false;
        h.startOp = undefined;
        h.recurring.clear();
        clearFailure(h);
      }
      continue;
    }
    if (task === "monitor" && op.interval > 0) h.recurring.set(op.interval, op);
    const cfg = configuredOp(r, task, op.interval);
    let onFail = cfg?.onFail?.toLowerCase();
    if (onFail === undefined)
      onFail = task === "stop" ? (opts.stonithEnabled ? "fence" : "block") : "restart";
    if (expired && task !== "stop") {
      if (isProbe) h.active = false;
      continue;
    }
    if (isProbe && rc === 5) {
      // Not installed: the resource cannot run here; it is not active.
      h.active = false;
      h.notInstalled = true;
      h.failed = true;
      h.failedOp = op;
      continue;
    }
    if (onFail === "ignore") {
      h.active = task !== "stop" || true;
      continue;
    }
    h.failed = true;
    h.failedOp = op;
    h.active = true;
    // (a failed start bans the node through the fail count attrd sets to INFINITY, not here)
    if (onFail === "block" || (task === "stop" && onFail !== "fence")) h.blocked = true;
    if (onFail === "fence" && opts.stonithEnabled) h.fence = true;
    if (onFail === "stop") {
      // Stop it and leave it stopped.
      h.blocked = false;
      h.stopOnFail = true;
    }
    if (onFail === "standby") h.standbyNode = true;
  }
  return h;
}

function mergeHistory(into: NodeHistory, h: NodeHistory, lrmId: string): void {
  into.lrmIds = [...(into.lrmIds ?? []), lrmId];
  into.known ||= h.known;
  if (h.active) {
    into.active = true;
    into.startOp = h.startOp ?? into.startOp;
    for (const [k, v] of h.recurring) into.recurring.set(k, v);
  }
  if (h.failed) {
    into.failed = true;
    into.failedOp = h.failedOp;
  }
  into.blocked ||= h.blocked;
  into.fence ||= h.fence;
  into.notInstalled ||= h.notInstalled;
  into.pending ??= h.pending;
  into.failCount = Math.max(into.failCount, h.failCount);
}

function clearFailure(h: NodeHistory): void {
  if (h.blocked || h.fence) return;
  h.failed = false;
  h.failedOp = undefined;
}

/** Fail count and last failure of a resource on a node, from the transient attributes. */
/**
 * Fail count and last failure of a resource on a node, from the transient
 * attributes. CIBs from before feature set 3.0.13 keep one count per resource
 * ("fail-count-RSC"); later ones one per operation ("fail-count-RSC#op_interval").
 * Pacemaker reads only the form matching the CIB's feature set, and so do we.
 */
function failCountOf(
  configId: string,
  attrs: Record<string, string>,
  legacy: boolean,
  unique: boolean,
): { count: number; last: number } {
  let count = 0;
  let last = 0;
  const matches = (k: string, prefix: string) => {
    if (!k.startsWith(prefix)) return false;
    let rest = k.slice(prefix.length);
    if (!unique) rest = rest.replace(/^:\d+/, "");
    return legacy ? rest === "" : /^#.+_\d+$/.test(rest);
  };
  const fc = `fail-count-${configId}`;
  const lf = `last-failure-${configId}`;
  for (const [k, v] of Object.entries(attrs)) {
    if (matches(k, fc)) {
      const n = parseScore(v) ?? 0;
      count = Math.min(count + n, INFINITY);
    } else if (matches(k, lf)) {
      const n = Number.parseInt(v, 10);
      if (Number.isFinite(n) && n > last) last = n;
    }
  }
  return { count, last };
}

/** Feature sets before 3.0.13 count failures per resource, not per operation. */
export function legacyFailCounts(featureSet: string | undefined): boolean {
  if (featureSet === undefined) return true;
  const [a, b, c] = featureSet.split(".").map((x) => Number.parseInt(x, 10) || 0);
  return a < 3 || (a === 3 && (b ?? 0) === 0 && (c ?? 0) < 13);
}

/** Stage 1 entry point. */
export function unpackStatus(cib: Cib, input: ScheduleInput = {}): WorkingSet {
  const now = input.now ?? executionDate(cib) ?? 0;
  const options = parseOptions(cib, now);
  const nodes = unpackNodes(cib, options);
  const ws: WorkingSet = {
    cib,
    options,
    nodes,
    nodeByName: new Map(nodes.map((n) => [n.uname, n])),
    resources: [],
    byId: new Map(),
    primitives: [],
    haveStonith: false,
    warnings: [],
    assignLog: input.assignLog,
  };
  for (const def of cib.resources) ws.resources.push(buildResource(def, undefined, {}, ws));
  // Pacemaker keeps its resources by priority (stable): status lists, the
  // transition summary and assignment all follow it. (Orphans come later, last.)
  ws.resources.sort((a, b) => b.priority - a.priority);
  ws.haveStonith = ws.primitives.some((p) => p.isStonith);

  const nodeById = new Map(nodes.map((n) => [n.id, n]));
  for (const st of cib.status) {
    const node = nodeById.get(st.id) ?? (st.uname ? ws.nodeByName.get(st.uname) : undefined);
    if (!node) continue;
    // A node that is down and clean runs nothing: its history is stale.
    if (!node.online && !node.unclean && !node.pending) continue;
    for (const lrm of st.lrm) {
      let r = ws.byId.get(lrm.id);
      if (r && r.kind !== "primitive") r = undefined;
      // Anonymous clone instances are matched by the child's id, never by the number in the status.
      const clone =
        r?.parent?.kind === "clone"
          ? r.parent
          : r?.parent?.parent?.kind === "clone"
            ? r.parent.parent
            : undefined;
      if (clone && !clone.unique) r = undefined;
      if (!r) r = assignCloneHistory(lrm, node, ws);
      if (!r) {
        r = orphan(lrm, ws);
        if (!r) continue;
      }
      // Several status entries can describe one instance on one node
      // (anonymous clones): it is active there if any of them says so.
      const h = unpackHistory(r, lrm, node, ws);
      const prev = r.history.get(node.uname);
      if (prev) mergeHistory(prev, h, lrm.id);
      else {
        h.lrmIds = [lrm.id];
        recordHistory(r, h, node, ws);
      }
    }
  }
  for (const r of ws.primitives) {
    r.runningOn = [];
    if (r.history.size > 0) {
      for (let i = 0; i < nodes.length; i++) {
        const h = r.history.get(nodes[i].uname);
        if (h?.active) r.runningOn.push(nodes[i].uname);
      }
      // on-fail=stop: a current failure keeps the resource stopped.
      let stopOnFail = false;
      r.history.forEach((h) => {
        if (h.failed && h.stopOnFail) stopOnFail = true;
      });
      if (stopOnFail) r.forceStop = "on-fail=stop";
    }
    // What runs on a node in maintenance is left alone.
    if (r.runningOn.some((n) => ws.nodeByName.get(n)?.maintenance)) r.managed = false;
    const live = r.runningOn.filter((n) => !ws.nodeByName.get(n)?.unclean);
    if (live.length > 1) {
      const policy = (r.meta["multiple-active"] ?? "stop_start").toLowerCase();
      if (policy === "block") r.blocked = true;
      else if (policy === "stop_only") r.forceStop = "multiple-active=stop_only";
    }
  }
  return ws;
}

export function recordHistory(r: SchedResource, h: NodeHistory, node: SchedNode, ws: WorkingSet): void {
  const unique = r.parent?.kind === "clone" ? r.parent.unique === true : r.parent?.parent?.unique === true;
  const fc = failCountOf(r.configId, node.attrs, legacyFailCounts(ws.cib.attrs.crm_feature_set), unique);
  let count = Math.max(h.failCount, fc.count);
  if (fc.count > 0 && r.failureTimeout > 0 && fc.last > 0 && fc.last + r.failureTimeout <= ws.options.now)
    count = h.failCount;
  h.failCount = count;
  h.lastFailure = fc.last;
  r.history.set(node.uname, h);
}

/** A resource in the status that the configuration no longer has. */
function orphan(lrm: LrmResource, ws: WorkingSet): SchedResource | undefined {
  const prim: Primitive = {
    kind: "primitive",
    id: lrm.id,
    class: lrm.class ?? "ocf",
    provider: lrm.provider,
    type: lrm.type ?? "unknown",
    operations: [],
    meta: [],
    instance: [],
    utilization: [],
    xml: lrm.xml,
  };
  const r = buildResource(prim, undefined, {}, ws);
  r.orphan = true;
  if (!ws.options.stopOrphanResources) r.managed = false;
  else r.forceStop = "orphaned";
  ws.resources.push(r);
  return r;
}

export { isTrue };
