// A standalone membership node (the Corosync part alone), for integration tests, benchmarks
// and the lab until tandemd embeds the runtime:
//   node dist/transport/node-main.js --conf FILE --nodeid N --ipc SOCKET [--authkey FILE]
//        [--log FILE] [--log-level LEVEL]
// It serves the membership IPC schema (cmap.list, quorum.status, cfg.status) plus test and
// benchmark methods (node.status, node.faults, cpg.join/send/subscribe, bench.*), prints
// "ready" on stdout once bound, and exits cleanly on SIGTERM/SIGINT.

import { appendFileSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { ErrorCodes, TandemError } from "../core/errors.js";
import { MembershipEngine } from "../membership/engine.js";
import { createLogger, type LogLevel } from "../core/log.js";
import { loadClusterConfig } from "./cluster-config.js";
import { readAuthkey } from "./crypto.js";
import { serveIpc } from "./ipc.js";
import type { FaultRule } from "./links.js";
import { applyScheduling, DEFAULT_SCHEDULING } from "./priority.js";
import { type EngineFactory, MembershipRuntime } from "./runtime.js";

/** Wall-clock ms with sub-ms precision, comparable between processes on one machine. */
export function wallNow(): number {
  return performance.timeOrigin + performance.now();
}

function parseArgs(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("--")) throw new TandemError(ErrorCodes.USAGE, `unexpected argument '${a}'`);
    const v = argv[i + 1];
    if (v === undefined) throw new TandemError(ErrorCodes.USAGE, `option ${a} needs a value`);
    out[a.slice(2)] = v;
    i++;
  }
  return out;
}

export async function runNode(argv: string[], engine: EngineFactory): Promise<void> {
  const args = parseArgs(argv);
  for (const k of ["conf", "nodeid", "ipc"])
    if (!args[k])
      throw new TandemError(ErrorCodes.USAGE, `missing --${k} (usage: --conf FILE --nodeid N --ipc SOCKET)`);
  const nodeid = Number(args.nodeid);
  if (!Number.isInteger(nodeid) || nodeid < 1)
    throw new TandemError(ErrorCodes.USAGE, `--nodeid must be a positive integer: got '${args.nodeid}'`);
  let text: string;
  try {
    text = readFileSync(args.conf, "utf8");
  } catch (e) {
    throw new TandemError(ErrorCodes.IO, `cannot read ${args.conf}: ${(e as NodeJS.ErrnoException).code}`);
  }
  const cluster = loadClusterConfig(text);
  const authkey = readAuthkey(args.authkey ?? join(dirname(args.conf), "authkey"));
  const logFile = args.log;
  const logger = createLogger({
    level: (args["log-level"] as LogLevel) ?? "info",
    subsystem: `node${nodeid}`,
    sink: logFile ? (l) => appendFileSync(logFile, `${l}\n`) : undefined,
  });
  // As corosync and tandemd: real-time scheduling (or nice -20) when permitted.
  const scheduling = applyScheduling(cluster.scheduling ?? DEFAULT_SCHEDULING, logger);
  const rt = new MembershipRuntime({ cluster, nodeid, authkey, engine, logger });

  // History for tests and benchmarks: every regular configuration with its wall time.
  const history: Array<{ t: number; ringId: string; members: number[] }> = [];
  rt.onConfigChange((c) => {
    if (c.kind === "regular")
      history.push({ t: wallNow(), ringId: `${c.ringId.rep}.${c.ringId.seq}`, members: c.members });
  });
  // Benchmark sink: deliveries in group "bench" carry [sendWallTime f64][seq u32].
  const bench = { count: 0, firstT: 0, lastT: 0, latencies: [] as number[] };
  rt.onCpgDeliver((e) => {
    if (e.group !== "bench" || e.data.length < 12) return;
    const now = wallNow();
    if (bench.count === 0) bench.firstT = now;
    bench.count++;
    bench.lastT = now;
    bench.latencies.push(now - e.data.readDoubleBE(0));
  });

  await rt.start();
  const server = await serveIpc(
    args.ipc,
    {
      ...rt.ipcHandlers(),
      "node.status": () => {
        const c = rt.configuration();
        return {
          nodeid,
          pid: process.pid,
          members: c?.members ?? [],
          ringId: c ? `${c.ringId.rep}.${c.ringId.seq}` : null,
          quorate: rt.quorum()?.quorate ?? false,
          history,
          rssBytes: process.memoryUsage().rss,
          drops: rt.codec.dropCounts(),
          packets: { ...rt.transport.stats },
          scheduling,
        };
      },
      "node.faults": (p) => {
        rt.setFaults((p as { rules: FaultRule[] }).rules);
        return null;
      },
      "cpg.join": (p) => {
        rt.cpgJoin((p as { group: string }).group);
        return null;
      },
      "cpg.send": (p) => {
        const { group, data } = p as { group: string; data: string };
        rt.cpgSend(group, Buffer.from(data, "utf8"));
        return null;
      },
      "cpg.subscribe": (_p, ctx) => {
        const off1 = rt.onCpgDeliver((e) =>
          ctx.push("cpg.deliver", { group: e.group, sender: e.sender, data: e.data.toString("utf8") }),
        );
        const off2 = rt.onCpgConfChange((e) => ctx.push("cpg.confchg", e));
        ctx.onClose(() => {
          off1();
          off2();
        });
        return null;
      },
      "bench.send": (p) => {
        const { count, size } = p as { count: number; size: number };
        for (let i = 0; i < count; i++) {
          const b = Buffer.alloc(Math.max(12, size));
          b.writeDoubleBE(wallNow(), 0);
          b.writeUInt32BE(i, 8);
          rt.cpgSend("bench", b);
        }
        return null;
      },
      "bench.report": () => {
        const r = {
          count: bench.count,
          firstT: bench.firstT,
          lastT: bench.lastT,
          latencies: bench.latencies,
        };
        return r;
      },
      "bench.reset": () => {
        bench.count = 0;
        bench.latencies = [];
        return null;
      },
    },
    { logger },
  );
  const shutdown = async () => {
    rt.stop();
    await server.close();
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown());
  process.on("SIGINT", () => void shutdown());
  process.stdout.write("ready\n");
}

async function main(): Promise<void> {
  try {
    await runNode(process.argv.slice(2), (cfg) => new MembershipEngine(cfg));
  } catch (e) {
    process.stderr.write(`node-main: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(e instanceof TandemError ? e.exitCode : 70);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) void main();
