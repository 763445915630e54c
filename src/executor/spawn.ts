// Runs one agent process: argv only (no shell), environment and optional stdin,
// its own process group (spawn detached) so a timeout kills everything the agent
// started in that group: SIGTERM to -pgid, then SIGKILL after a grace period.
// Output is captured up to a size limit. Daemons the agent starts must leave the
// group (setsid) — those are meant to outlive the agent, as with Pacemaker.

import { spawn } from "node:child_process";
import type { Clock, TimerHandle } from "../core/clock.js";

export interface RunSpec {
  file: string;
  args: string[];
  env: Record<string, string>;
  stdin?: string;
  cwd?: string;
  timeoutMs: number;
  /** Time between SIGTERM and SIGKILL to the group after a timeout. */
  killGraceMs: number;
  /** Max bytes kept of stdout and of stderr each. */
  maxOutputBytes: number;
}

export interface RunOutcome {
  /** Exit code, or null when killed by a signal / failed to spawn. */
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  /** Spawn error (ENOENT, EACCES...), if the process could not start. */
  spawnError?: NodeJS.ErrnoException;
  stdout: string;
  stderr: string;
  truncated: boolean;
  startedAt: number;
  finishedAt: number;
}

export interface RunningProcess {
  readonly pid: number | undefined;
  readonly done: Promise<RunOutcome>;
  /** Kill the whole process group now (SIGTERM, SIGKILL after grace). */
  kill(): void;
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is gone already.
  }
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Grace after the agent exits for its pipes to drain, when something it started still
 * holds them open (IPaddr2's start leaves its gratuitous-ARP sender running in the
 * background on the agent's stderr for a second). What the agent wrote before it
 * exited is already in the pipe and is read in the event-loop turn that sees the exit,
 * so a few ms suffice; each ms here is a ms of the failover gap (IPaddr2 start).
 */
const DRAIN_MS = 5;

export function runProcess(spec: RunSpec, clock: Clock): RunningProcess {
  const startedAt = clock.now();
  let resolveDone!: (o: RunOutcome) => void;
  const done = new Promise<RunOutcome>((r) => {
    resolveDone = r;
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let outLen = 0;
  let errLen = 0;
  let truncated = false;
  let timedOut = false;
  let hardKilled = false;
  let finished = false;
  let timer: TimerHandle | undefined;
  let killTimer: TimerHandle | undefined;

  const child = spawn(spec.file, spec.args, {
    env: spec.env,
    cwd: spec.cwd ?? "/",
    detached: true,
    stdio: ["pipe", "pipe", "pipe"],
  });
  const pid = child.pid;

  const finish = (
    exitCode: number | null,
    signal: string | null,
    spawnError?: NodeJS.ErrnoException,
  ): void => {
    if (finished) return;
    finished = true;
    if (timer) clock.clearTimer(timer);
    if (killTimer) clock.clearTimer(killTimer);
    child.stdout?.destroy();
    child.stderr?.destroy();
    child.stdin?.destroy();
    resolveDone({
      exitCode,
      signal,
      timedOut,
      spawnError,
      stdout: Buffer.concat(out).toString("utf8"),
      stderr: Buffer.concat(err).toString("utf8"),
      truncated,
      startedAt,
      finishedAt: clock.now(),
    });
  };

  const collect = (buf: Buffer, into: Buffer[], which: "out" | "err"): void => {
    const have = which === "out" ? outLen : errLen;
    const room = spec.maxOutputBytes - have;
    if (room <= 0) {
      truncated = true;
      return;
    }
    const piece = buf.length > room ? buf.subarray(0, room) : buf;
    if (piece.length < buf.length) truncated = true;
    into.push(piece);
    if (which === "out") outLen += piece.length;
    else errLen += piece.length;
  };
  child.stdout?.on("data", (b: Buffer) => collect(b, out, "out"));
  child.stderr?.on("data", (b: Buffer) => collect(b, err, "err"));
  child.stdin?.on("error", () => {
    // EPIPE: the agent did not read its stdin; that is its business.
  });

  child.on("error", (e: NodeJS.ErrnoException) => {
    if (pid === undefined) finish(null, null, e);
  });
  let exited: { code: number | null; signal: string | null } | undefined;
  child.on("exit", (code, signal) => {
    exited = { code, signal };
    // After a timeout, report only once the whole group is gone (SIGKILL after grace).
    if (timedOut && !hardKilled && pid !== undefined && groupAlive(pid)) return;
    // Wait briefly for the pipes, but never for a grandchild that keeps them open.
    let pending = 2;
    const maybe = (): void => {
      pending--;
      if (pending === 0) finish(code, signal);
    };
    const drain = clock.setTimer(DRAIN_MS, () => finish(code, signal));
    const end = (): void => {
      maybe();
      if (finished) clock.clearTimer(drain);
    };
    if (child.stdout && !child.stdout.readableEnded) child.stdout.once("end", end);
    else end();
    if (child.stderr && !child.stderr.readableEnded) child.stderr.once("end", end);
    else end();
  });

  const kill = (): void => {
    if (pid === undefined) return;
    killGroup(pid, "SIGTERM");
    killTimer = clock.setTimer(spec.killGraceMs, () => {
      killTimer = undefined;
      hardKilled = true;
      killGroup(pid, "SIGKILL");
      if (exited) finish(exited.code, exited.signal);
    });
  };

  if (pid !== undefined) {
    if (spec.stdin !== undefined) child.stdin?.end(spec.stdin);
    else child.stdin?.end();
    if (spec.timeoutMs > 0)
      timer = clock.setTimer(spec.timeoutMs, () => {
        if (finished) return;
        timedOut = true;
        kill();
      });
  }
  return {
    pid,
    done,
    kill: () => {
      if (!finished) {
        timedOut = true;
        kill();
      }
    },
  };
}
