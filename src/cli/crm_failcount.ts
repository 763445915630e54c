// `crm_failcount`: show or reset a resource's fail count on a node, through
// the local tandemd, as Pacemaker's tool does:
//   crm_failcount -r RSC [-N NODE] [-G | -D] [-n OPERATION] [-I INTERVAL] [-q]
// The count shown is the sum over the resource's operations (INFINITY wins);
// -D clears the failure history so the resource is probed again.

import { parseDurationMs } from "../core/duration.js";
import { ErrorCodes, TandemError } from "../core/errors.js";
import { INFINITY } from "../core/score.js";
import { child, elements, parseXml } from "../core/xml.js";
import { socketPathFromEnv } from "../daemon/paths.js";
import { cibRequest } from "../daemon/protocol.js";
import { type OptSpec, parseArgs } from "../status/args.js";
import type { Command } from "./io.js";

const USAGE = `Usage: crm_failcount -r RESOURCE [-N NODE] [-G | -D] [-n OPERATION -I INTERVAL] [-q]
Query or reset a resource's fail count.
  -r, --resource=RSC    The resource
  -N, --node=NODE       The node (default: this node)
  -G, --query           Show the fail count (default)
  -D, --delete          Reset the fail count (clears the resource's failure history on the node)
  -n, --operation=OP    Only failures of this operation (e.g. monitor)
  -I, --interval=N      ... with this interval (e.g. 10s)
  -q, --quiet           Print only the value
`;

function usageError(msg: string): TandemError {
  return new TandemError(ErrorCodes.USAGE, msg, { exitCode: 64 });
}

const SPEC: OptSpec = {
  help: { names: ["-h", "--help", "-?"] },
  rsc: { names: ["-r", "--resource", "--resource-id"], value: true },
  node: { names: ["-N", "--node"], value: true },
  query: { names: ["-G", "--query"] },
  del: { names: ["-D", "--delete"] },
  quiet: { names: ["-q", "--quiet"] },
  op: { names: ["-n", "--operation"], value: true },
  interval: { names: ["-I", "--interval"], value: true },
};

export const crmFailcountCommand: Command = async (argv, io) => {
  const { opts, rest } = parseArgs("crm_failcount", argv, SPEC);
  if (opts.has("help")) {
    io.stdout(USAGE);
    return 0;
  }
  if (rest.length > 0) throw usageError(`unexpected argument '${rest[0]}' (see crm_failcount --help)`);
  const str = (k: string) => opts.get(k) as string | undefined;
  const rsc = str("rsc");
  const node = str("node");
  const del = opts.has("del");
  const quiet = opts.has("quiet");
  const op = str("op");
  const interval = str("interval");
  if (!rsc) throw usageError("a resource is required (-r RESOURCE)");
  const intervalMs = interval === undefined ? undefined : parseDurationMs(interval);
  if (interval !== undefined && intervalMs === undefined)
    throw usageError(`--interval must be a duration: got '${interval}'`);
  const socket = socketPathFromEnv(io.env);
  const st = await cibRequest(socket, "status", {});
  const nodeName = node ?? st.nodeName;
  const n = st.nodes.find((x) => x.name === nodeName || String(x.id) === nodeName);
  if (!n)
    throw new TandemError(ErrorCodes.USAGE, `Could not map name=${nodeName} to a UUID`, { exitCode: 105 });
  if (del) {
    await cibRequest(socket, "resource.cleanup", { rsc, node: n.name });
    return 0;
  }
  const cib = parseXml(st.cib);
  const status = child(cib, "status");
  const ns = status && elements(status, "node_state").find((x) => x.attrs.id === String(n.id));
  const ta = ns && child(ns, "transient_attributes");
  let total = 0;
  for (const set of ta ? elements(ta) : [])
    for (const p of elements(set, "nvpair")) {
      const m = /^fail-count-(.+)#([^_#]+)_(\d+)$/.exec(p.attrs.name ?? "");
      if (!m || m[1] !== rsc) continue;
      if (op !== undefined && m[2] !== op) continue;
      if (intervalMs !== undefined && Number(m[3]) !== intervalMs) continue;
      const v = /^\+?INFINITY$/i.test(p.attrs.value) ? INFINITY : Number.parseInt(p.attrs.value, 10) || 0;
      total = Math.min(INFINITY, total + v);
    }
  const text = total >= INFINITY ? "INFINITY" : String(total);
  io.stdout(quiet ? `${text}\n` : `scope=status  name=fail-count-${rsc} value=${text}\n`);
  return 0;
};
