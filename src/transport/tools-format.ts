// Text layouts of the corosync tools (corosync-cmapctl, corosync-quorumtool, corosync-cfgtool),
// as Corosync 3.1 prints them, from the typed IPC answers. Pure functions, so the layouts are
// tested against the reference outputs without a running node. Also: where a node's socket is.

import { join, resolve } from "node:path";
import type { CfgStatus, CmapEntry, QuorumStatus } from "./ipc-schema.js";

/** The node daemon's IPC socket: $TANDEM_SOCKET, else $TANDEM_ROOT/run/tandem/tandemd.sock. */
export function nodeSocketPath(env: Record<string, string | undefined>): string {
  if (env.TANDEM_SOCKET) return env.TANDEM_SOCKET;
  const root = resolve(env.TANDEM_ROOT && env.TANDEM_ROOT !== "" ? env.TANDEM_ROOT : "/");
  return join(root, "run/tandem/tandemd.sock");
}

/** `key (type) = value` lines, sorted by key as cmap iterates. */
export function formatCmap(entries: CmapEntry[], prefix = ""): string {
  return entries
    .filter((e) => e.key.startsWith(prefix))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((e) => `${e.key} (${e.type}) = ${e.value}\n`)
    .join("");
}

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** ctime(3) layout in local time: "Sat Nov 28 04:33:32 2026". */
export function ctime(ms: number): string {
  const d = new Date(ms);
  const p2 = (n: number) => String(n).padStart(2, "0");
  return `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2)} ${p2(d.getHours())}:${p2(
    d.getMinutes(),
  )}:${p2(d.getSeconds())} ${d.getFullYear()}`;
}

function membershipLines(q: QuorumStatus): string {
  let s = "Membership information\n----------------------\n    Nodeid      Votes Name\n";
  for (const m of [...q.members].sort((a, b) => a.nodeid - b.nodeid)) {
    const local = m.nodeid === q.nodeid ? " (local)" : "";
    s += `${String(m.nodeid).padStart(10)} ${String(m.votes).padStart(10)} ${m.name}${local}\n`;
  }
  return s;
}

/** corosync-quorumtool -s */
export function formatQuorumStatus(q: QuorumStatus): string {
  // Observed with corosync 3.1.7: "1  " when quorate, "2 Activity blocked" when not.
  const quorumLine = q.quorate ? `${q.quorum}  ` : `${q.quorum} Activity blocked`;
  return [
    "Quorum information",
    "------------------",
    `Date:             ${ctime(q.date)}`,
    `Quorum provider:  ${q.provider}`,
    `Nodes:            ${q.members.length}`,
    `Node ID:          ${q.nodeid}`,
    `Ring ID:          ${q.ringId}`,
    `Quorate:          ${q.quorate ? "Yes" : "No"}`,
    "",
    "Votequorum information",
    "----------------------",
    `Expected votes:   ${q.expectedVotes}`,
    `Highest expected: ${q.highestExpected}`,
    `Total votes:      ${q.totalVotes}`,
    `Quorum:           ${quorumLine}`,
    `Flags:            ${q.flags.map((f) => `${f} `).join("")}`,
    "",
    membershipLines(q),
  ].join("\n");
}

/** corosync-quorumtool -l */
export function formatQuorumList(q: QuorumStatus): string {
  return `\n${membershipLines(q)}`;
}

/** corosync-cfgtool -s */
export function formatCfgStatus(c: CfgStatus): string {
  let s = `Local node ID ${c.nodeid}, transport ${c.transport}\n`;
  for (const l of c.links) {
    s += `LINK ID ${l.link} ${l.kind}\n\taddr\t= ${l.addr}\n\tstatus:\n`;
    for (const p of [...l.peers].sort((a, b) => a.nodeid - b.nodeid))
      s += `\t\tnodeid: ${String(p.nodeid).padStart(10)}:\t${p.status}\n`;
  }
  return s;
}

/** "1.9": representative node id and ring sequence, both in hex, as corosync prints a ring id. */
export function formatRingId(rep: number, seq: number): string {
  return `${rep.toString(16)}.${seq.toString(16)}`;
}
