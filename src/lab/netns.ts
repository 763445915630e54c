// netns mode plumbing (root): one network namespace per node and one for the client,
// all on a bridge in 198.18.0.0/24 (only that range), created and removed with `ip`;
// and each node's holder: PID 1 of the node's own PID and mount namespaces, which every
// process of the node is started in (nsenter), so the node has a private /run and
// /var/www/html, its own process list, and an init that reaps its orphans.

import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { LabConfig, LabNode } from "./config.js";

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

/** netns: the host pid of the node's holder (PID 1 of its PID + mount namespaces). */
export const holderPidFile = (node: LabNode) => join(node.root, "run/tandem/lab-holder.pid");

/** The holder's host pid when it runs, else undefined (the node is down). */
export function holderPid(node: LabNode): number | undefined {
  try {
    const pid = Number(readFileSync(holderPidFile(node), "utf8").trim());
    if (!Number.isInteger(pid) || pid <= 0) return undefined;
    // Still the holder: alive and in the node's environment (pids are reused).
    const env = readFileSync(`/proc/${pid}/environ`, "utf8");
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    if (state === "Z" || state === "X") return undefined;
    return env.split("\0").includes(`TANDEM_ROOT=${node.root}`) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * PID 1 of a node: private mounts (a tmpfs on /run, the node's docroot on /var/www/html
 * when that exists) and a reaper. Daemons the agents start (apache) are orphaned into it
 * and reaped at once: without it they would be reparented to the host's init, and an
 * init that reaps late keeps the dead apache in /proc, so the apache agent's stop,
 * which polls /proc/PID every second, took a second or two longer.
 */
export function holderScript(root: string): string {
  const lines = [
    "set -e",
    // DIR under /run (unusual) stays visible: then /run is not replaced.
    `case "${root}" in /run/*) ;; *) mount -t tmpfs -o mode=0755 tandem-lab-run /run; mkdir -p /run/lock /run/resource-agents /run/apache2; chmod 1777 /run/lock ;; esac`,
    `if [ -d /var/www/html ]; then mount --bind "${root}/var/www/html" /var/www/html; fi`,
    "set +e",
    "trap 'exit 0' TERM",
    // bash reaps every child that exits (orphans included) while it waits.
    "while :; do sleep 3600 & wait $!; done",
  ];
  return lines.join("\n");
}

/** Starts the node's holder (once); returns its host pid. */
export async function ensureHolder(node: LabNode, env: Record<string, string>): Promise<number> {
  const have = holderPid(node);
  if (have !== undefined) return have;
  if (!node.netns) throw new Error(`${node.name} has no network namespace`);
  mkdirSync(dirname(holderPidFile(node)), { recursive: true });
  // `ip netns exec` execs unshare (same pid); unshare forks the namespace's PID 1.
  const child = spawn(
    "ip",
    [
      "netns",
      "exec",
      node.netns,
      "unshare",
      "--pid",
      "--fork",
      "--mount-proc",
      "--mount",
      "--propagation",
      "private",
      "bash",
      "-c",
      holderScript(node.root),
    ],
    { env, cwd: "/", detached: true, stdio: "ignore" },
  );
  child.unref();
  const outer = child.pid;
  if (outer === undefined) throw new Error(`could not start the holder of ${node.name}`);
  const deadline = Date.now() + 10_000;
  for (;;) {
    let kids: string[] = [];
    try {
      kids = readFileSync(`/proc/${outer}/task/${outer}/children`, "utf8").trim().split(/\s+/);
    } catch {}
    const pid = Number(kids[0]);
    // The child is the holder once it runs bash (not unshare's fork before exec), and
    // its mounts are in place once it has started its first sleep.
    if (pid > 0) {
      let cmd = "";
      let grand = "";
      try {
        cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
        grand = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim();
      } catch {}
      if (cmd.startsWith("bash") && grand !== "") {
        writeFileSync(holderPidFile(node), `${pid}\n`);
        return pid;
      }
    }
    if (Date.now() > deadline) throw new Error(`the holder of ${node.name} did not start in 10 s`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
