// netns mode plumbing (root): one network namespace per node and one for the client,
// all on a bridge in 198.18.0.0/24 (only that range), created and removed with `ip`.

import { execFileSync } from "node:child_process";
import type { LabConfig } from "./config.js";

export function ip(args: string[], opts: { ignoreErrors?: boolean } = {}): string {
  try {
    return execFileSync("ip", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    if (opts.ignoreErrors) return "";
    const err = e as { stderr?: string; message: string };
    throw new Error(`ip ${args.join(" ")}: ${(err.stderr ?? err.message).trim()}`);
  }
}

export function listNetns(): string[] {
  return ip(["netns", "list"], { ignoreErrors: true })
    .split("\n")
    .map((l) => l.split(" ")[0])
    .filter(Boolean);
}

/** Removes the lab's namespaces and bridge; returns the namespaces removed. */
export async function netnsTeardown(lab: LabConfig): Promise<string[]> {
  if (lab.mode !== "netns") return [];
  const existing = new Set(listNetns());
  const removed: string[] = [];
  for (const ns of [...lab.nodes.map((n) => n.netns), lab.clientNetns]) {
    if (!ns || !existing.has(ns)) continue;
    // Whatever still runs in it (services started by agents) is killed first.
    const pids = ip(["netns", "pids", ns], { ignoreErrors: true }).split(/\s+/).filter(Boolean);
    for (const p of pids)
      try {
        process.kill(Number(p), "SIGKILL");
      } catch {}
    ip(["netns", "del", ns], { ignoreErrors: true });
    removed.push(ns);
  }
  if (lab.bridge) ip(["link", "del", lab.bridge], { ignoreErrors: true });
  return removed;
}
