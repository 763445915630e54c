// `crm_resource`: where resources run and why, and the cluster's resource
// commands through the local tandemd, with Pacemaker 2.1.5's options and text:
//   crm_resource -L | -W -r RSC | -M -r RSC [-N NODE] | -B -r RSC [-N NODE]
//                | -U -r RSC [-N NODE] | -C [-r RSC] [-N NODE] [-n OP [-I INTERVAL]]
//                | -R [-r RSC] [-N NODE] | -Y [-r RSC] [-N NODE]
// move/ban/clear write the cli-prefer-RSC / cli-ban-RSC-on-NODE location constraints.

import { elements, escapeAttr, parseXml, serializeXml } from "../core/xml.js";
import {
  cliBan,
  cliPrefer,
  isCliConstraint,
  isExpired,
  LIFETIME_HINT,
  lifetimeEnd,
} from "../pcs/cli-constraint.js";
import { cibRequest } from "../daemon/protocol.js";
import { renderResources } from "../scheduler/render-status.js";
import type { SchedResource } from "../scheduler/working-set.js";
import { parseArgs, usageError } from "../status/args.js";
import {
  checkCleanupRequest,
  type CleanupRequest,
  parseIntervalMs,
  planCleanup,
  runCleanup,
} from "../status/cleanup.js";
import { statusOrFail } from "../status/connect.js";
import { fromStatus, type LiveStatus, socketOf } from "../status/live.js";
import { activeNodes, whyLines } from "../status/why.js";
import type { Command, CommandIO } from "./io.js";

const USAGE = `Usage:
  crm_resource [OPTION?]

Perform tasks related to Pacemaker cluster resources

Queries:
  -L, --list                Display all cluster resources with status
  -W, --locate              Show node(s) currently running resource
  -Y, --why                 Show why resources are (not) running; with -r also tandem's
                            explanation: every score per node and what the cluster does

Commands:
  -C, --cleanup             Forget the failed operations and fail counts of the resource(s)
                            that failed, so they are probed again (others are left alone)
  -R, --refresh             Forget the whole history (failures included) of the resource(s),
                            so the cluster re-probes their current state
  -M, --move                Move a resource from its current location to the named destination
                            (without --node: ban it from the node it runs on)
  -B, --ban                 Prevent the named resource from running on the named --node
  -U, --clear               Remove the constraints created by --ban and/or --move

Options:
  -r, --resource=ID         Resource ID
  -N, --node=NAME           Node name
  -n, --operation=OPERATION Operation whose failures to clear instead of all (with -C)
  -I, --interval=N          Interval of that operation (default 0) (with -C -n)
  -u, --lifetime=TIMESPEC   Lifespan (ISO 8601 duration, e.g. PT10M) of the constraints
                            created by --ban and --move
  --expired                 With --clear: remove only the constraints whose lifetime ended
  -Q, --quiet               Be less descriptive in output
  -h, --help                Show help options
`;

const SPEC = {
  list: { names: ["-L", "--list"] },
  locate: { names: ["-W", "--locate"] },
  why: { names: ["-Y", "--why"] },
  cleanup: { names: ["-C", "--cleanup"] },
  refresh: { names: ["-R", "--refresh"] },
  move: { names: ["-M", "--move"] },
  ban: { names: ["-B", "--ban"] },
  clear: { names: ["-U", "--clear", "--un-move", "--un-migrate"] },
  rsc: { names: ["-r", "--resource"], value: true },
  node: { names: ["-N", "--node"], value: true },
  operation: { names: ["-n", "--operation"], value: true },
  interval: { names: ["-I", "--interval"], value: true },
  lifetime: { names: ["-u", "--lifetime"], value: true },
  expired: { names: ["--expired"] },
  quiet: { names: ["-Q", "--quiet"] },
  help: { names: ["-h", "--help", "-?"] },
};

const COMMANDS = ["list", "locate", "why", "cleanup", "refresh", "move", "ban", "clear"] as const;

function findResource(s: LiveStatus, id: string): SchedResource | undefined {
  const walk = (rs: SchedResource[]): SchedResource | undefined => {
    for (const r of rs) {
      if (r.id === id || (r.kind === "primitive" && r.configId === id && !r.parent?.def)) return r;
      const f = walk(r.children);
      if (f) return f;
    }
    return undefined;
  };
  return walk(s.ws.resources);
}

function notFound(io: CommandIO, what: "Resource" | "Node", id: string): number {
  io.stderr(`crm_resource: ${what} '${id}' not found\nError performing operation: No such object\n`);
  return 105;
}

async function apply(io: CommandIO, op: Parameters<typeof cibRequest<"cib.apply">>[2]["op"]): Promise<void> {
  await cibRequest(socketOf(io.env), "cib.apply", {
    op,
    client: "crm_resource",
    user: io.env.USER ?? "root",
  });
}

async function putConstraint(io: CommandIO, c: ReturnType<typeof cliBan>): Promise<void> {
  await apply(io, { op: "modify", section: "constraints", allowCreate: true, xml: serializeXml(c) });
}

async function ban(io: CommandIO, rsc: string, node: string, quiet: boolean, end?: string): Promise<number> {
  const id = `cli-ban-${rsc}-on-${node}`;
  await putConstraint(io, cliBan(rsc, node, end));
  if (!quiet)
    io.stdout(
      `WARNING: Creating rsc_location constraint '${id}' with a score of -INFINITY for resource ${rsc} on ${node}.\n` +
        `\tThis will prevent ${rsc} from running on ${node} until the constraint is removed using the clear option or by editing the CIB with an appropriate tool\n` +
        `\tThis will be the case even if ${node} is the last node in the cluster\n`,
    );
  if (end !== undefined && !quiet) io.stdout(`Migration will take effect until: ${end}\n`);
  return 0;
}

export const crmResourceCommand: Command = async (argv, io) => {
  const { opts, rest } = parseArgs("crm_resource", argv, SPEC);
  if (opts.has("help")) {
    io.stdout(USAGE);
    return 0;
  }
  if (rest.length > 0) throw usageError("crm_resource", `unexpected argument '${rest[0]}'`);
  const cmds = COMMANDS.filter((c) => opts.has(c));
  if (cmds.length === 0) {
    io.stderr("crm_resource: No command specified\n");
    return 64;
  }
  if (cmds.length > 1) throw usageError("crm_resource", "only one command may be given");
  const cmd = cmds[0];
  const rscId = opts.get("rsc") as string | undefined;
  const nodeName = opts.get("node") as string | undefined;
  const quiet = opts.has("quiet");
  if (["locate", "move", "ban", "clear"].includes(cmd) && rscId === undefined) {
    io.stderr(`crm_resource: Must supply a resource id with -r\n`);
    return 64;
  }
  let cleanupRequest: CleanupRequest | undefined;
  if (cmd === "cleanup" || cmd === "refresh") {
    cleanupRequest = { refresh: cmd === "refresh" };
    if (nodeName !== undefined) cleanupRequest.node = nodeName;
    const op = opts.get("operation") as string | undefined;
    const iv = opts.get("interval") as string | undefined;
    if (op !== undefined) cleanupRequest.operation = op;
    if (iv !== undefined) {
      const ms = parseIntervalMs(iv);
      if (ms === undefined) throw usageError("crm_resource", `Invalid interval specification '${iv}'`);
      cleanupRequest.intervalMs = ms;
    }
    try {
      checkCleanupRequest(cleanupRequest);
    } catch (e) {
      throw usageError("crm_resource", (e as Error).message);
    }
  }
  let end: string | undefined;
  const lifetime = opts.get("lifetime") as string | undefined;
  if (lifetime !== undefined) {
    end = lifetimeEnd(lifetime, Date.now());
    if (end === undefined) {
      io.stderr(
        `Invalid duration specified: ${lifetime}\n${LIFETIME_HINT}\nError performing operation: Invalid argument\n`,
      );
      return 64;
    }
  }
  const res = await statusOrFail(io, "CIB");
  if (!res.ok) return res.code;
  const s = fromStatus(res.status);
  if (cmd === "list") {
    if (s.ws.resources.length === 0) {
      io.stdout("NO resources configured\n");
      return 105;
    }
    const lines = renderResources(s.ws, "");
    lines[0] = lines[0].replace(/^\* /, "");
    io.stdout(`${lines.join("\n")}\n`);
    return 0;
  }
  const r = rscId === undefined ? undefined : findResource(s, rscId);
  if (rscId !== undefined && !r) return notFound(io, "Resource", rscId);
  if (nodeName !== undefined && !s.ws.nodes.some((n) => n.uname === nodeName))
    return notFound(io, "Node", nodeName);
  const id = r?.id ?? "";
  switch (cmd) {
    case "locate": {
      const nodes = activeNodes(r!);
      if (nodes.length === 0) io.stderr(`resource ${id} is NOT running\n`);
      else io.stdout(nodes.map((n) => (quiet ? `${n}\n` : `resource ${id} is running on: ${n}\n`)).join(""));
      return 0;
    }
    case "why": {
      io.stdout(`${whyLines(s, r, nodeName, { explain: !quiet }).join("\n")}\n`);
      return 0;
    }
    case "move":
    case "ban": {
      if (cmd === "move" && nodeName !== undefined) {
        if (activeNodes(r!).length === 1 && activeNodes(r!)[0] === nodeName) {
          io.stderr(`Error performing operation: Situation already as requested\n`);
          return 79;
        }
        await putConstraint(io, cliPrefer(id, nodeName, end));
        if (end !== undefined && !quiet) io.stdout(`Migration will take effect until: ${end}\n`);
        return 0;
      }
      if (nodeName !== undefined) return ban(io, id, nodeName, quiet, end);
      const nodes = activeNodes(r!);
      if (nodes.length !== 1) {
        io.stderr(
          `Resource '${id}' not moved: active in ${nodes.length} locations.\nTo prevent '${id}' from running on a specific location, specify a node.\nError performing operation: Invalid argument\n`,
        );
        return 64;
      }
      return ban(io, id, nodes[0], quiet, end);
    }
    case "clear": {
      const q = await cibRequest(socketOf(io.env), "cib.query", { section: "constraints" });
      const now = res.status.now;
      const ids = elements(parseXml(q.xml), "rsc_location")
        .filter(
          (c) =>
            isCliConstraint(c, id) &&
            (nodeName === undefined ||
              c.attrs.id === `cli-prefer-${id}` ||
              c.attrs.id === `cli-ban-${id}-on-${nodeName}`) &&
            (!opts.has("expired") || isExpired(c, now)),
        )
        .map((c) => c.attrs.id);
      for (const c of ids) {
        await apply(io, {
          op: "delete",
          section: "constraints",
          xml: `<rsc_location id="${escapeAttr(c)}"/>`,
        });
        if (!quiet) io.stdout(`Removing constraint: ${c}\n`);
      }
      return 0;
    }
    default: {
      const req = cleanupRequest!;
      if (rscId !== undefined) req.rsc = id;
      const plan = planCleanup(s, req);
      await runCleanup(socketOf(io.env), plan, req);
      if (!quiet) io.stdout(`${plan.lines.join("\n")}\n`);
      return 0;
    }
  }
};
