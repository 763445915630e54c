// Helpers for the executor's tests: temporary agent trees, process scans.
// Not used by production code.

import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ExecRequest, ExecResult } from "./types.js";

export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `tandem-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Writes an executable script (mode 0755), creating parent directories. */
export function writeScript(file: string, body: string): string {
  mkdirSync(join(file, ".."), { recursive: true });
  writeFileSync(file, body);
  chmodSync(file, 0o755);
  return file;
}

/** Pids of live processes whose process group is `pgid` (zombies excluded). */
export function processesInGroup(pgid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      // Fields after the ")" of the command name: state ppid pgrp ...
      const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (rest[0] !== "Z" && Number(rest[2]) === pgid) out.push(Number(name));
    } catch {
      // gone
    }
  }
  return out;
}

export function pidAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls until `cond` is true or `ms` elapse; returns the last value of cond. */
export async function waitFor(cond: () => boolean, ms: number, stepMs = 10): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await sleep(stepMs);
  }
  return cond();
}

export function ocfRequest(
  rscId: string,
  type: string,
  action: string,
  params: Record<string, string> = {},
  extra: Partial<ExecRequest> = {},
  provider = "tandem",
): ExecRequest {
  return {
    rscId,
    agent: { class: "ocf", provider, type },
    action,
    intervalMs: 0,
    timeoutMs: 10_000,
    params,
    ...extra,
  };
}

/** A compact view of a result for assertion messages. */
export function brief(r: ExecResult): string {
  return `${r.opKey} rc=${r.rc} status=${r.status} reason=${JSON.stringify(r.exitReason)} stderr=${JSON.stringify(r.stderr.slice(0, 300))}`;
}

/** Kills (SIGKILL) live processes whose environment has KEY=VALUE with VALUE under `prefix`: cleanup of agent daemons after a failed test. */
export function killByEnv(key: string, prefix: string): number {
  let n = 0;
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const env = readFileSync(`/proc/${name}/environ`, "utf8").split("\0");
      if (env.some((kv) => kv.startsWith(`${key}=${prefix}`))) {
        process.kill(Number(name), "SIGKILL");
        n++;
      }
    } catch {
      // gone or not ours
    }
  }
  return n;
}
