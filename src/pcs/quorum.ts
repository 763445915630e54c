// `pcs quorum status` and `pcs status corosync`: votequorum and membership of the local
// node, asked from tandemd over IPC and laid out as pcs prints them (corosync-quorumtool's
// text, with pcs's extra Qdevice column in `quorum status`).

import { ErrorCodes, TandemError } from "../core/errors.js";
import { membershipRequest } from "../transport/ipc-schema.js";
import { formatQuorumList, formatQuorumStatus, nodeSocketPath } from "../transport/tools-format.js";
import { PcsError } from "./errors.js";
import type { PcsContext, PcsHandler } from "./types.js";

async function quorumOf(ctx: PcsContext, onError: string) {
  try {
    return await membershipRequest(nodeSocketPath(ctx.io.env), "quorum.status", {});
  } catch (e) {
    if (e instanceof TandemError && e.code === ErrorCodes.IPC_UNAVAILABLE) throw new PcsError(onError);
    throw e;
  }
}

export const quorumStatus: PcsHandler = async (ctx) => {
  const q = await quorumOf(ctx, "Unable to get quorum status: Cannot initialize QUORUM service");
  const text = formatQuorumStatus(q);
  const at = text.indexOf("Membership information");
  let members = "Membership information\n----------------------\n    Nodeid      Votes    Qdevice Name\n";
  for (const m of [...q.members].sort((a, b) => a.nodeid - b.nodeid))
    members += `${String(m.nodeid).padStart(10)} ${String(m.votes).padStart(10)} ${"NR".padStart(10)} ${m.name}${m.nodeid === q.nodeid ? " (local)" : ""}\n`;
  ctx.io.stdout(`${text.slice(0, at)}${members}\n`);
  return 0;
};

export const statusCorosync: PcsHandler = async (ctx) => {
  const q = await quorumOf(ctx, "corosync not running");
  ctx.io.stdout(formatQuorumList(q));
  return 0;
};

/** `pcs quorum [config]`: the quorum options of corosync.conf (as in `pcs config`). */
export const quorumConfig: PcsHandler = async (ctx) => {
  const { readCorosync } = await import("./config.js");
  const coro = readCorosync(ctx);
  if (!coro) throw new PcsError("Unable to read Corosync configuration: no corosync.conf found");
  ctx.io.stdout(`Options:\n${coro.quorum.map(([k, v]) => `  ${k}: ${v}\n`).join("")}`);
  return 0;
};
