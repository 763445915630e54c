// The membership part of the node IPC protocol: one schema shared by the server (runtime /
// daemon) and the clients (corosync-cmapctl, corosync-quorumtool, corosync-cfgtool, pcs).
// Method name -> params and result types, plus a typed request helper.

import { ipcRequest } from "./ipc.js";

/** cmap value types as corosync-cmapctl prints them. */
export type CmapType =
  | "i8"
  | "u8"
  | "i16"
  | "u16"
  | "i32"
  | "u32"
  | "i64"
  | "u64"
  | "flt"
  | "dbl"
  | "str"
  | "bin";

export interface CmapEntry {
  key: string;
  type: CmapType;
  value: string | number;
}

export interface QuorumMember {
  nodeid: number;
  votes: number;
  name: string;
}

export interface QuorumStatus {
  /** ms since epoch of the answer (the "Date:" line). */
  date: number;
  provider: string;
  nodeid: number;
  /** "<representative nodeid hex>.<ring seq hex>", as corosync prints it. */
  ringId: string;
  quorate: boolean;
  expectedVotes: number;
  highestExpected: number;
  totalVotes: number;
  quorum: number;
  /** votequorum flags in corosync's order: 2Node, Quorate, WaitForAll, LastManStanding, AutoTieBreaker... */
  flags: string[];
  members: QuorumMember[];
}

export interface LinkPeerStatus {
  nodeid: number;
  /** "localhost" for this node, else "connected" / "disconnected". */
  status: string;
}

export interface LinkStatus {
  link: number;
  /** Transport of the link ("udp"). */
  kind: string;
  addr: string;
  peers: LinkPeerStatus[];
}

export interface CfgStatus {
  nodeid: number;
  transport: string;
  links: LinkStatus[];
}

export interface MembershipMethods {
  "cmap.list": { params: { prefix?: string }; result: CmapEntry[] };
  "quorum.status": { params: Record<string, never>; result: QuorumStatus };
  "cfg.status": { params: Record<string, never>; result: CfgStatus };
  /** corosync-quorumtool -e: change expected votes at run time. */
  "quorum.setExpectedVotes": { params: { expectedVotes: number }; result: null };
}

export type MembershipMethod = keyof MembershipMethods;

/** A typed request to a node's IPC socket. */
export async function membershipRequest<M extends MembershipMethod>(
  socket: string,
  method: M,
  params: MembershipMethods[M]["params"],
  opts: { timeoutMs?: number } = {},
): Promise<MembershipMethods[M]["result"]> {
  return (await ipcRequest(socket, method, params, opts)) as MembershipMethods[M]["result"];
}
