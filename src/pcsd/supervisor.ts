// Starting and stopping a node's cluster daemon (tandemd) is pcsd's job: through systemd
// (`systemctl start tandem`) when systemd runs the host and the prefix is "/", otherwise as
// pcsd's own child process, in its own process group (so it outlives a killed pcsd), restarted
// with backoff when it dies unexpectedly, stopped with SIGTERM then SIGKILL after a timeout;
// only the daemon itself is signalled (services started by agents outlive it). The command is configurable
// (default: node <repo>/bin/tandemd, with TANDEM_ROOT set to the node's prefix).

import { type ChildProcess, execFile, spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ErrorCodes, TandemError } from "../core/errors.js";
import { type Logger, nullLogger } from "../core/log.js";
import { readFileIfExists, writeFileAtomic } from "./fsutil.js";
import type { PcsdPaths } from "./paths.js";

export type SupervisorMode = "systemd" | "child";

export interface DaemonState {
  running: boolean;
  pid: number | null;
  mode: SupervisorMode;
}

export interface SupervisorOptions {
  paths: PcsdPaths;
  /** "auto": systemd when it runs and the prefix is "/", else child. */
  mode?: SupervisorMode | "auto";
  /** argv of the cluster daemon (child mode). */
  command?: string[];
  /** Extra environment for the daemon (child mode), e.g. TANDEM_NODE_NAME. */
  env?: Record<string, string>;
  /** systemd unit (systemd mode). */
  unit?: string;
  /**
   * Restart the daemon when it exits unexpectedly (default true, as tandem.service's
   * Restart=on-failure; a restarted tandemd re-discovers running services with probes).
   */
  restartOnCrash?: boolean;
  /** First restart delay after an unexpected exit (default 2 s, tandem.service's RestartSec); doubles per crash (max 32x). */
  restartDelayMs?: number;
  /** How long a stop waits after SIGTERM before SIGKILL (default 45 s, under the client's 60 s). */
  stopTimeoutMs?: number;
  logger?: Logger;
}

/** The default daemon command: this checkout's bin/tandemd run by the current node binary. */
export function defaultDaemonCommand(): string[] {
  const repo = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
  return [process.execPath, join(repo, "bin", "tandemd")];
}

export function systemdRuns(root: string): boolean {
  return root === "/" && existsSync("/run/systemd/system");
}

export interface DaemonSupervisor {
  readonly mode: SupervisorMode;
  status(): Promise<DaemonState>;
  /** Starts the daemon; resolves true when it was already running. */
  start(): Promise<boolean>;
  /** Stops the daemon (SIGTERM, or SIGKILL at once with kill); resolves true when it was running. */
  stop(opts?: { kill?: boolean }): Promise<boolean>;
  setEnabled(on: boolean): Promise<void>;
  isEnabled(): Promise<boolean>;
  /** pcsd is exiting: a child daemon is stopped with it. */
  shutdown(): Promise<void>;
}

export function createSupervisor(opts: SupervisorOptions): DaemonSupervisor {
  const mode = opts.mode ?? "auto";
  const useSystemd = mode === "systemd" || (mode === "auto" && systemdRuns(opts.paths.root));
  return useSystemd ? new SystemdSupervisor(opts.unit ?? "tandem") : new ChildSupervisor(opts);
}

/** True if the process exists and is not a zombie (a dead child not reaped yet). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return true;
  }
}

function systemctl(args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((res) =>
    execFile("systemctl", args, { timeout: 120_000 }, (e, out, err) =>
      res({ code: e ? (typeof e.code === "number" ? e.code : 1) : 0, out: `${out}${err}`.trim() }),
    ),
  );
}

class SystemdSupervisor implements DaemonSupervisor {
  readonly mode = "systemd" as const;
  constructor(private readonly unit: string) {}
  async status(): Promise<DaemonState> {
    const active = (await systemctl(["is-active", "--quiet", this.unit])).code === 0;
    const pid = Number((await systemctl(["show", "-p", "MainPID", "--value", this.unit])).out) || null;
    return { running: active, pid: active ? pid : null, mode: "systemd" };
  }
  private async must(args: string[]): Promise<void> {
    const r = await systemctl(args);
    if (r.code !== 0)
      throw new TandemError(ErrorCodes.PCSD_DAEMON, `systemctl ${args.join(" ")} failed: ${r.out}`);
  }
  async start(): Promise<boolean> {
    const was = (await this.status()).running;
    if (!was) await this.must(["start", this.unit]);
    return was;
  }
  async stop(opts: { kill?: boolean } = {}): Promise<boolean> {
    const was = (await this.status()).running;
    if (was) await this.must(opts.kill ? ["kill", "--signal=SIGKILL", this.unit] : ["stop", this.unit]);
    return was;
  }
  async setEnabled(on: boolean): Promise<void> {
    await this.must([on ? "enable" : "disable", this.unit]);
  }
  async isEnabled(): Promise<boolean> {
    return (await systemctl(["is-enabled", "--quiet", this.unit])).code === 0;
  }
  async shutdown(): Promise<void> {}
}

class ChildSupervisor implements DaemonSupervisor {
  readonly mode = "child" as const;
  private child: ChildProcess | undefined;
  /** pid of a daemon started by an earlier pcsd (see adoptOrphan). */
  private adopted: number | undefined;
  private stopping = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private crashes = 0;
  private startedAt = 0;
  private readonly command: string[];
  private readonly log: Logger;

  constructor(private readonly opts: SupervisorOptions) {
    this.command = opts.command ?? defaultDaemonCommand();
    if (this.command.length === 0)
      throw new TandemError(ErrorCodes.USAGE, "the daemon command must not be empty");
    this.log = opts.logger ?? nullLogger;
  }

  private childAlive(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  private alive(): boolean {
    if (this.childAlive()) return true;
    if (this.adopted !== undefined && !pidAlive(this.adopted)) this.adopted = undefined;
    return this.adopted !== undefined;
  }

  /**
   * A daemon left running by an earlier pcsd that died without stopping it (pcsd killed -9)
   * is found through the pid file tandemd writes, and supervised again rather than started
   * twice. Only a live process whose command line is this supervisor's command is adopted,
   * so a stale pid file reused by another process is never signalled.
   */
  private adoptOrphan(): void {
    if (this.childAlive() || this.adopted !== undefined) return;
    const text = readFileIfExists(this.opts.paths.daemonPid);
    const pid = Number(text?.trim());
    if (!Number.isSafeInteger(pid) || pid <= 1 || !pidAlive(pid)) return;
    let cmdline: string[];
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    } catch {
      return;
    }
    const last = this.command[this.command.length - 1];
    if (!cmdline.includes(last)) return;
    this.adopted = pid;
    this.log.log("notice", "found the cluster daemon still running; supervising it again", { pid });
  }

  async status(): Promise<DaemonState> {
    this.adoptOrphan();
    const running = this.alive();
    const pid = this.childAlive() ? this.child?.pid : this.adopted;
    return { running, pid: running ? (pid ?? null) : null, mode: "child" };
  }

  async start(): Promise<boolean> {
    this.adoptOrphan();
    if (this.alive()) return true;
    this.stopping = false;
    this.crashes = 0;
    await this.spawnOnce();
    return false;
  }

  private spawnOnce(): Promise<void> {
    const p = this.opts.paths;
    mkdirSync(p.logDir, { recursive: true, mode: 0o755 });
    mkdirSync(p.runDir, { recursive: true, mode: 0o755 });
    const fd = openSync(p.daemonOutput, "a", 0o640);
    return new Promise((resolve, reject) => {
      let child: ChildProcess;
      try {
        child = spawn(this.command[0], this.command.slice(1), {
          env: { ...process.env, ...this.opts.env, TANDEM_ROOT: p.root },
          cwd: p.root,
          detached: true,
          stdio: ["ignore", fd, fd],
        });
      } finally {
        closeSync(fd);
      }
      child.once("error", (e) => {
        if (this.child === child) this.child = undefined;
        reject(
          new TandemError(
            ErrorCodes.PCSD_DAEMON,
            `cannot start the cluster daemon (${this.command[0]}): ${e.message}`,
          ),
        );
      });
      child.once("spawn", () => {
        this.child = child;
        this.startedAt = Date.now();
        this.log.log("notice", "cluster daemon started", { pid: child.pid, command: this.command });
        resolve();
      });
      child.once("exit", (code, signal) => this.onExit(child, code, signal));
    });
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.child !== child) return;
    if (this.stopping) {
      this.log.log("notice", "cluster daemon stopped", { pid: child.pid, code, signal });
      return;
    }
    if (this.opts.restartOnCrash === false) {
      this.log.log("warning", "cluster daemon exited unexpectedly; not restarting it", {
        pid: child.pid,
        code,
        signal,
      });
      return;
    }
    if (Date.now() - this.startedAt > 60_000) this.crashes = 0;
    const delay = (this.opts.restartDelayMs ?? 2000) * 2 ** Math.min(this.crashes, 5);
    this.crashes++;
    this.log.log("warning", "cluster daemon exited unexpectedly; restarting", {
      pid: child.pid,
      code,
      signal,
      delayMs: delay,
    });
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.stopping) return;
      this.spawnOnce().catch((e) =>
        this.log.log("error", "cluster daemon restart failed", { error: String(e) }),
      );
    }, delay);
  }

  async stop(opts: { kill?: boolean } = {}): Promise<boolean> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    this.adoptOrphan();
    if (!this.childAlive() && this.adopted !== undefined) return this.stopAdopted(this.adopted, opts);
    const child = this.child;
    if (!child || !this.alive()) return false;
    const exited = new Promise<void>((res) => child.once("exit", () => res()));
    // Only the daemon is signalled (tandem.service's KillMode=process): services started by
    // resource agents must outlive it, and a graceful stop moves them away first.
    const signal = (sig: NodeJS.Signals) => child.kill(sig);
    signal(opts.kill ? "SIGKILL" : "SIGTERM");
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      exited.then(() => false),
      new Promise<boolean>((res) => {
        timer = setTimeout(() => res(true), this.opts.stopTimeoutMs ?? 45_000);
      }),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      this.log.log("warning", "cluster daemon did not stop in time; killing it", { pid: child.pid });
      signal("SIGKILL");
      await exited;
    }
    return true;
  }

  /** Stops a daemon that is not our child: signals, then polls (no exit event for it). */
  private async stopAdopted(pid: number, opts: { kill?: boolean }): Promise<boolean> {
    const signal = (sig: NodeJS.Signals) => {
      try {
        process.kill(pid, sig);
      } catch {
        // already gone
      }
    };
    signal(opts.kill ? "SIGKILL" : "SIGTERM");
    const deadline = Date.now() + (this.opts.stopTimeoutMs ?? 45_000);
    while (pidAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (pidAlive(pid)) {
      this.log.log("warning", "cluster daemon did not stop in time; killing it", { pid });
      signal("SIGKILL");
      while (pidAlive(pid)) await new Promise((r) => setTimeout(r, 50));
    }
    this.adopted = undefined;
    this.log.log("notice", "cluster daemon stopped", { pid });
    return true;
  }

  async setEnabled(on: boolean): Promise<void> {
    if (on) writeFileAtomic(this.opts.paths.enabledFlag, "enabled\n", 0o644);
    else rmSync(this.opts.paths.enabledFlag, { force: true });
  }

  async isEnabled(): Promise<boolean> {
    return existsSync(this.opts.paths.enabledFlag);
  }

  async shutdown(): Promise<void> {
    await this.stop();
  }
}
