// `stonith_admin`: the fence devices the cluster has and which can fence a node,
// from the live CIB through the local tandemd (Pacemaker 2.1.5's options):
//   stonith_admin -L | -l NODE | -H NODE|'*' | -B NODE | -F NODE
// -B/-F fence through tandemd's fencer (`fence.request`: the cluster's device
// selection, recorded cluster-wide); -H reads the cluster-wide fencing history.

import { child, elements, type XmlElement } from "../core/xml.js";
import { parseArgs, usageError } from "../status/args.js";
import { statusOrFail } from "../status/connect.js";
import { fromStatus, socketOf } from "../status/live.js";
import { historyLine } from "../daemon/fence-history.js";
import { fenceRequest } from "../daemon/protocol.js";
import type { Command } from "./io.js";

const USAGE = `Usage:
  stonith_admin [OPTION?] <command>

Access the Pacemaker fencing API

Queries:
  -l, --list=HOST           List devices that can terminate the specified host
  -L, --list-registered     List all registered devices
  -H, --history=NODE        Show last successful fencing operation for named node (or '*' for all nodes)

Fencing Commands:
  -B, --reboot=HOST         Fence named host
  -F, --fence=HOST          Fence named host (off)

  -t, --timeout=SECONDS     Operation timeout in seconds (default 120)
  -q, --quiet               Be less descriptive in output
  -h, --help                Show help options
`;

const SPEC = {
  list: { names: ["-l", "--list"], value: true },
  registered: { names: ["-L", "--list-registered"] },
  history: { names: ["-H", "--history"], value: true },
  reboot: { names: ["-B", "--reboot"], value: true },
  off: { names: ["-F", "--fence", "--off"], value: true },
  quiet: { names: ["-q", "--quiet"] },
  timeout: { names: ["-t", "--timeout"], value: true },
  help: { names: ["--help", "-?"] },
};

interface Device {
  id: string;
  agent: string;
  params: Map<string, string>;
}

function devices(cib: XmlElement): Device[] {
  const out: Device[] = [];
  const conf = child(cib, "configuration");
  const rs = conf && child(conf, "resources");
  const walk = (e: XmlElement) => {
    for (const c of elements(e)) {
      if (c.name === "primitive" && c.attrs.class === "stonith") {
        const params = new Map<string, string>();
        for (const ia of elements(c, "instance_attributes"))
          for (const nv of elements(ia, "nvpair")) params.set(nv.attrs.name, nv.attrs.value ?? "");
        out.push({ id: c.attrs.id, agent: c.attrs.type, params });
      } else walk(c);
    }
  };
  if (rs) walk(rs);
  return out;
}

function count(n: number): string {
  return `${n} fence device${n === 1 ? "" : "s"} found\n`;
}

export const stonithAdminCommand: Command = async (argv, io) => {
  const { opts, rest } = parseArgs("stonith_admin", argv, SPEC);
  if (opts.has("help")) {
    io.stdout(USAGE);
    return 0;
  }
  if (rest.length > 0) throw usageError("stonith_admin", `unexpected argument '${rest[0]}'`);
  const cmds = ["list", "registered", "history", "reboot", "off"].filter((c) => opts.has(c));
  if (cmds.length === 0) {
    io.stderr("stonith_admin: Must specify a command\n");
    return 64;
  }
  if (cmds.length > 1) throw usageError("stonith_admin", "only one command may be given");
  const res = await statusOrFail(io, "fencer");
  if (!res.ok) return res.code;
  const s = fromStatus(res.status);
  const quiet = opts.has("quiet");
  const devs = devices(s.cib);
  switch (cmds[0]) {
    case "registered":
      io.stdout(devs.map((d) => ` ${d.id}\n`).join("") + (quiet ? "" : count(devs.length)));
      return 0;
    case "list": {
      const node = opts.get("list") as string;
      const { devices: mine } = await fenceRequest(socketOf(io.env), "fence.devices", { target: node });
      io.stdout(mine.map((d) => ` ${d}\n`).join("") + (quiet ? "" : count(mine.length)));
      return 0;
    }
    case "history": {
      const target = opts.get("history") as string;
      const { entries } = await fenceRequest(socketOf(io.env), "fence.history", {
        ...(target !== "*" ? { target } : {}),
      });
      io.stdout(entries.map((e) => `${historyLine(e)}\n`).join(""));
      return 0;
    }
    default: {
      const target = (opts.get(cmds[0]) as string) ?? "";
      if (!s.ws.nodes.some((n) => n.uname === target)) {
        io.stderr(`Command failed: No such device\n`);
        return 105;
      }
      const t = opts.get("timeout") as string | undefined;
      const secs = t === undefined ? 120 : Number.parseInt(t, 10);
      if (!Number.isFinite(secs) || secs <= 0) throw usageError("stonith_admin", `invalid timeout '${t}'`);
      const r = await fenceRequest(
        socketOf(io.env),
        "fence.request",
        {
          target,
          action: cmds[0] === "reboot" ? "reboot" : "off",
          timeoutMs: secs * 1000,
          client: `stonith_admin.${process.pid}`,
        },
        { timeoutMs: secs * 1000 + 30_000 },
      );
      if (r.ok) return 0;
      if (r.noDevice) {
        io.stderr(`Command failed: No such device\n`);
        return 105;
      }
      if (r.reason === "Timer expired") {
        io.stderr(`Command failed: Timer expired\n`);
        return 124;
      }
      io.stderr(`Command failed: ${r.reason}\n`);
      return 1;
    }
  }
};
