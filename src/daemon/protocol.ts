// The tandemd IPC protocol for the CIB, node attributes and cluster status:
// method name -> params and result, shared by the daemon (server) and the
// CLIs (cibadmin, crm_attribute, crm_failcount, crm_mon, crm_resource, pcs).
// Frames and versioning are src/transport/ipc.ts's (protocol version 1); the
// membership methods (cmap.list, quorum.status, cfg.status) live in
// src/transport/ipc-schema.ts and are served on the same socket.

import { ipcRequest } from "../transport/ipc.js";
import type { CibadminOp } from "../cib/store.js";
import type { FenceHistoryEntry } from "./fence-history.js";

/** A CIB version as "admin_epoch.epoch.num_updates" plus its parts. */
export interface VersionInfo {
  adminEpoch: number;
  epoch: number;
  numUpdates: number;
}

export interface NodeSummary {
  id: number;
  name: string;
  /** In the current membership (online). */
  member: boolean;
}

export interface StatusResult {
  clusterName: string;
  /** This node. */
  nodeId: number;
  nodeName: string;
  /** DC node id and name (undefined while this node is in no membership). */
  dcId?: number;
  dcName?: string;
  quorate: boolean;
  /** All nodes of the nodelist with their membership. */
  nodes: NodeSummary[];
  /** CIB replica phase: offline (no membership yet), syncing, ready. */
  cibPhase: string;
  version: VersionInfo;
  /** The whole CIB (configuration + status) as XML text. */
  cib: string;
  /** The transition the DC is executing (only on the DC). */
  transition?: { id: number; actions: number; done: number; aborted: boolean };
  /** Wall-clock ms of the answer (crm_mon's "Last updated"). */
  now: number;
  /** Wall-clock ms of the last CIB change seen by this node ("Last change"). */
  lastChange?: number;
  lastChangeBy?: { node?: string; client?: string };
}

export interface CibMethods {
  /** The whole CIB or one section (cibadmin -Q [-o SECTION]). */
  "cib.query": { params: { section?: string }; result: { xml: string; version: VersionInfo } };
  /** A change (cibadmin -R/-C/-M/-D): answered once every member has applied it. */
  "cib.apply": {
    params: { op: CibadminOp; client?: string; user?: string };
    result: { version: VersionInfo; changed: boolean };
  };
  /**
   * Subscribe: events "cib.changed" {version, configChanged, origin?, cause, diff?} follow on this
   * connection; `diff` (src/cib/diff.ts, applyCibDiff) takes the previous event's CIB to this one
   * (absent: query again). The first diff applies to the CIB returned by the subscribe call.
   */
  "cib.subscribe": { params: Record<string, never>; result: { version: VersionInfo; xml: string } };
  /** Set (value) or delete (value absent) a transient node attribute (attrd). */
  "attr.update": {
    params: { node: string; name: string; value?: string };
    result: { version: VersionInfo; changed: boolean };
  };
  /**
   * Forget a resource's operation history and fail counts (crm_resource --cleanup/--refresh).
   * `operation` (+ `interval`, ms, default 0): only that operation's fail count is cleared.
   */
  "resource.cleanup": {
    params: { rsc?: string; node?: string; operation?: string; interval?: number };
    result: { cleaned: { rsc: string; node: string }[] };
  };
  /** Everything crm_mon / pcs status need, in one answer. */
  status: { params: Record<string, never>; result: StatusResult };
  /** Leave the cluster gracefully (resources move away first); the daemon then exits. */
  "node.shutdown": { params: Record<string, never>; result: { accepted: boolean } };
}

/** The fencer's calls (served by src/daemon/fencer.ts on the same socket). */
export interface FenceMethods {
  /** Fence a node now (stonith_admin -B/-F, pcs stonith fence); answered when it is done or failed. */
  "fence.request": {
    params: { target: string; action: "reboot" | "off" | "on"; timeoutMs?: number; client?: string };
    result: { ok: boolean; device?: string; reason: string; noDevice: boolean };
  };
  /** The devices that may fence `target` (the selection fence.request uses). */
  "fence.devices": { params: { target: string }; result: { devices: string[] } };
  /** The cluster-wide fencing history, newest first (all nodes, or one: target). */
  "fence.history": { params: { target?: string }; result: { entries: FenceHistoryEntry[] } };
}

export type CibMethod = keyof CibMethods;

/** A typed request to the local tandemd. */
export async function cibRequest<M extends CibMethod>(
  socket: string,
  method: M,
  params: CibMethods[M]["params"],
  opts: { timeoutMs?: number } = {},
): Promise<CibMethods[M]["result"]> {
  return (await ipcRequest(socket, method, params, opts)) as CibMethods[M]["result"];
}

/** A typed fencer request to the local tandemd. */
export async function fenceRequest<M extends keyof FenceMethods>(
  socket: string,
  method: M,
  params: FenceMethods[M]["params"],
  opts: { timeoutMs?: number } = {},
): Promise<FenceMethods[M]["result"]> {
  return (await ipcRequest(socket, method, params, opts)) as FenceMethods[M]["result"];
}
