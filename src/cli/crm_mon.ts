// `crm_mon`: the cluster's status as Pacemaker 2.1.5's crm_mon prints it, from the
// local tandemd. One-shot (-1) or live: the screen is redrawn whenever the CIB
// changes (a cib.subscribe connection) and every --interval seconds; Ctrl-C or
// SIGTERM ends it with status 0.
//   crm_mon [-1] [-r] [-A] [-f] [-o] [-t] [-i SEC] [--output-as text|xml]

import { connect, type Socket } from "node:net";
import { IpcClient } from "../transport/ipc.js";
import { cibRequest, type StatusResult } from "../daemon/protocol.js";
import {
  EXIT_NOT_CONNECTED,
  connectionReason,
  fetchStatus,
  fromStatus,
  NotConnected,
  socketOf,
} from "../status/live.js";
import { parseArgs, usageError } from "../status/args.js";
import { type MonOptions, renderMonText } from "../status/text.js";
import { notConnectedXml, renderMonXml } from "../status/xml.js";
import type { Command, CommandIO } from "./io.js";

const USAGE = `Usage:
  crm_mon [OPTION?]

Provides a summary of cluster's current state.

Outputs varying levels of detail in a number of different formats.

Display Options:
  -1, --one-shot               Display the cluster status once and exit
  -r, --inactive               Display inactive resources
  -A, --show-node-attributes   Display node attributes
  -f, --failcounts             Display resource fail counts
  -o, --operations             Display resource operation history
  -t, --timing-details         Display resource operation history with timing details
  -s, --simple-status         Display the cluster status once as a simple one line output (for nagios)
  -i, --interval=TIMESPEC      Update frequency (default is 5 seconds)
  --output-as=FORMAT           Specify output format as one of: text (default), xml
  -X, --as-xml                 Write cluster status as XML (deprecated: --output-as=xml)
  -h, --help                   Show help options
`;

const SPEC = {
  oneShot: { names: ["-1", "--one-shot"] },
  simple: { names: ["-s", "--simple-status"] },
  inactive: { names: ["-r", "--inactive"] },
  attrs: { names: ["-A", "--show-node-attributes"] },
  fail: { names: ["-f", "--failcounts"] },
  ops: { names: ["-o", "--operations"] },
  timing: { names: ["-t", "--timing-details"] },
  interval: { names: ["-i", "--interval"], value: true },
  output: { names: ["--output-as", "--as"], value: true },
  xml: { names: ["-X", "--as-xml"] },
  help: { names: ["-h", "--help", "-?"] },
};

/** "5", "5s", "500ms", "1min" -> ms. */
function intervalMs(v: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|msec|s|sec|m|min|h|hr)?$/.exec(v.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = m[2] ?? "s";
  const f = unit.startsWith("ms")
    ? 1
    : unit.startsWith("s")
      ? 1000
      : unit.startsWith("m")
        ? 60_000
        : 3_600_000;
  return n * f;
}

interface Run {
  format: "text" | "xml";
  mon: MonOptions;
  argv: string[];
}

function render(r: Run, st: StatusResult): string {
  const s = fromStatus(st);
  return r.format === "xml" ? renderMonXml(s, r.argv) : renderMonText(s, r.mon);
}

function failMessage(r: Run, io: CommandIO, reason: string): number {
  if (r.format === "xml") io.stdout(notConnectedXml(r.argv, reason));
  // As crm_mon 2.1.5: its pacemakerd ("launcher") check fails first, then the connection.
  else
    io.stderr(
      `error: Could not connect to launcher: ${reason}\ncrm_mon: Connection to cluster failed: ${reason}\n`,
    );
  return EXIT_NOT_CONNECTED;
}

const CLEAR = "\x1b[H\x1b[2J";

/**
 * Live mode until `stop` is aborted: redraw on every CIB change event and every interval.
 * Losing the daemon shows the reason at once (a second, idle connection to the socket
 * sees it close) and reconnects every interval.
 */
export async function crmMonLive(r: Run, io: CommandIO, everyMs: number, stop: AbortSignal): Promise<number> {
  const socket = socketOf(io.env);
  let client: IpcClient | undefined;
  let watch: Socket | undefined;
  let last = "";
  let busy = false;
  let again = false;
  const draw = async () => {
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    try {
      do {
        again = false;
        let text: string;
        try {
          if (!client) {
            client = await IpcClient.connect(socket);
            const c = client;
            c.onEvent((e) => {
              if (e.event === "cib.changed") void draw();
            });
            await c.request("cib.subscribe", {});
            watch?.destroy();
            watch = connect(socket);
            watch.on("error", () => {});
            watch.on("close", () => {
              if (client !== c || stop.aborted) return;
              c.close();
              client = undefined;
              void draw();
            });
          }
          text = render(r, (await client.request("status", {})) as StatusResult);
        } catch (e) {
          client?.close();
          client = undefined;
          text = `Connection to the cluster-daemons terminated\nReconnecting...\ncrm_mon: Connection to cluster failed: ${connectionReason(e)}\n`;
        }
        if (stop.aborted) return;
        if (text !== last || r.format === "text") io.stdout(`${r.format === "text" ? CLEAR : ""}${text}`);
        last = text;
      } while (again && !stop.aborted);
    } finally {
      busy = false;
    }
  };
  await draw();
  const timer = setInterval(() => void draw(), everyMs);
  await new Promise<void>((resolve) => {
    if (stop.aborted) resolve();
    stop.addEventListener("abort", () => resolve(), { once: true });
  });
  clearInterval(timer);
  const c = client;
  client = undefined;
  c?.close();
  watch?.destroy();
  return 0;
}

export const crmMonCommand: Command = async (argv, io) => {
  const { opts, rest } = parseArgs("crm_mon", argv, SPEC);
  if (opts.has("help")) {
    io.stdout(USAGE);
    return 0;
  }
  if (rest.length > 0) throw usageError("crm_mon", `unexpected argument '${rest[0]}'`);
  const out = opts.has("xml") ? "xml" : ((opts.get("output") as string | undefined) ?? "text");
  if (out !== "text" && out !== "xml")
    throw usageError("crm_mon", `--output-as must be text or xml: got '${out}'`);
  const every = opts.has("interval") ? intervalMs(opts.get("interval") as string) : 5000;
  if (every === undefined || every <= 0)
    throw usageError("crm_mon", `invalid --interval '${opts.get("interval")}'`);
  const r: Run = {
    format: out,
    argv,
    mon: {
      inactive: opts.has("inactive"),
      attributes: opts.has("attrs"),
      failcounts: opts.has("fail"),
      operations: opts.has("ops"),
      timing: opts.has("timing"),
    },
  };
  if (opts.has("simple")) {
    try {
      const line = simpleStatus(fromStatus(await fetchStatus(io.env)));
      io.stdout(`${line.text}\n`);
      return line.code;
    } catch (e) {
      if (!(e instanceof NotConnected)) throw e;
      io.stdout(`CLUSTER CRIT: Connection to cluster failed: ${e.reason}\n`);
      return 2;
    }
  }
  // XML and piped output are one-shot, as with Pacemaker's crm_mon.
  const live = !opts.has("oneShot") && out === "text" && io.env.TANDEM_CRM_MON_LIVE !== "0" && isTty(io);
  if (!live) {
    try {
      io.stdout(render(r, await fetchStatus(io.env)));
      return 0;
    } catch (e) {
      if (e instanceof NotConnected) return failMessage(r, io, e.reason);
      throw e;
    }
  }
  // Live: the first connection must work (as crm_mon: it refuses to start otherwise).
  try {
    await cibRequest(socketOf(io.env), "status", {}, { timeoutMs: 10_000 });
  } catch (e) {
    return failMessage(r, io, connectionReason(e));
  }
  const ac = new AbortController();
  const onSig = () => ac.abort();
  process.once("SIGINT", onSig);
  process.once("SIGTERM", onSig);
  try {
    return await crmMonLive(r, io, every, ac.signal);
  } finally {
    process.off("SIGINT", onSig);
    process.off("SIGTERM", onSig);
  }
};

/** crm_mon -s: one line for monitoring systems; 0 OK, 1 WARN (offline nodes), 2 CRIT. */
function simpleStatus(s: ReturnType<typeof fromStatus>): { text: string; code: number } {
  if (!s.status.dcName) return { text: "CLUSTER CRIT: No DC", code: 2 };
  const offline = s.ws.nodes.filter((n) => !n.online).map((n) => n.uname);
  if (offline.length > 0)
    return { text: offline.map((n) => `CLUSTER WARN: offline node: ${n}`).join(", "), code: 1 };
  const online = s.ws.nodes.length;
  const rsc = s.ws.primitives.filter((p) => !p.orphan).length;
  return {
    text: `CLUSTER OK: ${online} node${online === 1 ? "" : "s"} online, ${rsc} resource instance${rsc === 1 ? "" : "s"} configured`,
    code: 0,
  };
}

/** Live mode when stdout is a terminal, or when TANDEM_CRM_MON_LIVE=1 forces it. */
function isTty(io: CommandIO): boolean {
  if (io.env.TANDEM_CRM_MON_LIVE === "1") return true;
  return io.stdout === undefined ? false : process.stdout.isTTY === true;
}
