// A loopback cluster of real membership node processes (dist/transport/node-main.js), for the
// integration test and bench/membership: writes a corosync.conf and an authkey into a temp
// directory, gives every node its own 127.x.y.z address, starts/kills/freezes processes and
// talks to each over its IPC socket. Every child is killed when the parent exits, whatever
// the reason.

import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeAuthkey } from "./crypto.js";
import { newClusterConf, writeCorosyncConf } from "./corosync-conf.js";
import { ipcRequest } from "./ipc.js";
import type { FaultRule } from "./links.js";

export interface NodeStatus {
  nodeid: number;
  pid: number;
  members: number[];
  ringId: string | null;
  quorate: boolean;
  history: Array<{ t: number; ringId: string; members: number[] }>;
  rssBytes: number;
  drops: Record<string, number>;
  /** UDP packets this node sent and received (pings and pongs included). */
  packets: { sent: number; received: number; faultDropped: number; sendErrors: number };
  /** What the node's scheduling priority became (priority.ts). */
  scheduling: { policy: string; nice?: number; refused?: string };
}

const live = new Set<ChildProcess>();
const liveDirs = new Set<string>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const c of live) {
      try {
        c.kill("SIGKILL");
      } catch {
        // already gone
      }
    }
    for (const d of liveDirs) rmSync(d, { recursive: true, force: true });
  });
}

export interface LoopbackClusterOptions {
  nodes: number;
  /** totem options written to corosync.conf (token, consensus...). */
  totem?: Record<string, string>;
  links?: number;
  quorum?: Record<string, string>;
  logLevel?: string;
  /** corosync.conf `system { }` options (sched_rr, priority); absent = corosync's defaults. */
  system?: Record<string, string>;
}

const nodeMain = join(dirname(fileURLToPath(import.meta.url)), "node-main.js");

export class LoopbackCluster {
  readonly dir: string;
  readonly confPath: string;
  readonly ids: number[];
  readonly addrs: Map<number, string[]>;
  private readonly procs = new Map<number, ChildProcess>();

  constructor(readonly opts: LoopbackClusterOptions) {
    installExitHook();
    this.dir = mkdtempSync(join(tmpdir(), "tandem-cluster-"));
    liveDirs.add(this.dir);
    const a = 2 + Math.floor(Math.random() * 250);
    const b = Math.floor(Math.random() * 200);
    const links = opts.links ?? 1;
    this.ids = Array.from({ length: opts.nodes }, (_, i) => i + 1);
    this.addrs = new Map(
      this.ids.map((id) => [id, Array.from({ length: links }, (_, l) => `127.${a}.${b + l}.${id}`)]),
    );
    const conf = newClusterConf({
      clusterName: "bench",
      nodes: this.ids.map((id) => ({ name: `node${id}`, addrs: this.addrs.get(id)! })),
      totem: opts.totem,
      quorum: opts.quorum,
      logfile: join(this.dir, "corosync.log"),
    });
    if (opts.system)
      conf.other.push({
        name: "system",
        line: 0,
        options: Object.entries(opts.system).map(([key, value]) => ({ key, value, line: 0 })),
        sections: [],
      });
    const port = 20000 + Math.floor(Math.random() * 40000);
    conf.interfaces = Array.from({ length: links }, (_, l) => ({
      linknumber: String(l),
      mcastport: String(port + l),
    }));
    this.confPath = join(this.dir, "corosync.conf");
    writeFileSync(this.confPath, writeCorosyncConf(conf));
    writeAuthkey(join(this.dir, "authkey"));
  }

  socket(id: number): string {
    return join(this.dir, `node${id}.sock`);
  }

  logFile(id: number): string {
    return join(this.dir, `node${id}.log`);
  }

  /** Starts a node process and waits for its "ready" line. */
  async start(id: number): Promise<void> {
    // Node.js takes ~0.1-0.2 s of CPU to start; 32 starting at once on a loaded 2-core machine,
    // next to running nodes with raised priority, can take longer than 30 s.
    const startTimeoutMs = 30_000 + 3_000 * this.ids.length;
    const child = spawn(
      process.execPath,
      [
        nodeMain,
        "--conf",
        this.confPath,
        "--nodeid",
        String(id),
        "--ipc",
        this.socket(id),
        "--log",
        this.logFile(id),
        "--log-level",
        this.opts.logLevel ?? "info",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    live.add(child);
    this.procs.set(id, child);
    let stderr = "";
    child.stderr?.on("data", (d) => {
      stderr += d.toString();
    });
    child.on("exit", () => live.delete(child));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`node ${id} did not start within ${startTimeoutMs / 1000} s: ${stderr}`)),
        startTimeoutMs,
      );
      child.stdout?.on("data", (d) => {
        if (d.toString().includes("ready")) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.on("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`node ${id} exited with ${code}: ${stderr}`));
      });
    });
  }

  async startAll(): Promise<void> {
    await Promise.all(this.ids.map((id) => this.start(id)));
  }

  pid(id: number): number | undefined {
    return this.procs.get(id)?.pid;
  }

  /** Sends a signal; for SIGKILL waits until the process is gone. */
  async signal(id: number, sig: NodeJS.Signals): Promise<void> {
    const c = this.procs.get(id);
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const gone = new Promise<void>((r) => c.once("exit", () => r()));
    c.kill(sig);
    if (sig === "SIGKILL" || sig === "SIGTERM") {
      await gone;
      this.procs.delete(id);
    }
  }

  running(): number[] {
    return [...this.procs.keys()];
  }

  async status(id: number): Promise<NodeStatus> {
    return (await ipcRequest(this.socket(id), "node.status", {}, { timeoutMs: 5000 })) as NodeStatus;
  }

  async request(id: number, method: string, params: unknown = {}): Promise<unknown> {
    return ipcRequest(this.socket(id), method, params, { timeoutMs: 10_000 });
  }

  async setFaults(id: number, rules: FaultRule[]): Promise<void> {
    await this.request(id, "node.faults", { rules });
  }

  /** Waits until every listed node has installed a configuration of exactly `members`. */
  async waitForMembers(nodes: number[], members: number[], timeoutMs: number): Promise<NodeStatus[]> {
    const want = [...members].sort((x, y) => x - y).join(",");
    const end = Date.now() + timeoutMs;
    let last: NodeStatus[] = [];
    for (;;) {
      try {
        last = await Promise.all(nodes.map((id) => this.status(id)));
        if (last.every((s) => [...s.members].sort((x, y) => x - y).join(",") === want)) return last;
      } catch {
        // a node not answering yet: retry
      }
      if (Date.now() > end)
        throw new Error(
          `nodes ${nodes.join(",")} did not agree on members [${want}] within ${timeoutMs} ms: ${last
            .map((s) => `${s.nodeid}:[${s.members.join(",")}]`)
            .join(" ")}`,
        );
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Kills every node (SIGCONT first so stopped ones die too) and removes the directory. */
  async destroy(keepDir = false): Promise<void> {
    for (const c of this.procs.values()) {
      try {
        c.kill("SIGCONT");
        c.kill("SIGKILL");
      } catch {
        // gone
      }
    }
    await Promise.all(
      [...this.procs.values()].map(
        (c) =>
          new Promise<void>((r) =>
            c.exitCode !== null || c.signalCode !== null ? r() : c.once("exit", () => r()),
          ),
      ),
    );
    this.procs.clear();
    if (!keepDir) rmSync(this.dir, { recursive: true, force: true });
    liveDirs.delete(this.dir);
  }
}
