// Finding agents on disk: OCF roots (in order), fence agent directories, LSB
// init directories, systemd units. Also the environment every agent starts with.

import { accessSync, constants, existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { AgentPaths } from "./types.js";

/** The repository's (or installed package's) own `agents/` directory. */
export const TANDEM_AGENTS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../../agents");
/** OCF root of the agents tandem ships (provider `tandem`). */
export const TANDEM_OCF_ROOT = join(TANDEM_AGENTS_DIR, "ocf");
/** OCF root of the lab's loopback-safe stand-ins (`ocf:heartbeat:IPaddr2`, `ocf:heartbeat:apache`). */
export const TANDEM_LAB_OCF_ROOT = join(TANDEM_AGENTS_DIR, "lab/ocf");
/** Directory of tandem's fence agents (fence_tandem). */
export const TANDEM_FENCE_DIR = join(TANDEM_AGENTS_DIR, "fence");

const envList = (name: string): string[] => (process.env[name] ?? "").split(":").filter((p) => p !== "");

/**
 * Search paths: what the caller gives, else the colon-separated lists in
 * TANDEM_OCF_ROOTS / TANDEM_FENCE_DIRS / TANDEM_LSB_DIRS (searched first; the
 * lab puts its stand-ins there in tandemd's environment — the same variables
 * pcs reads), then the system's OCF root and tandem's own agents.
 */
export function defaultAgentPaths(over: Partial<AgentPaths> = {}): AgentPaths {
  return {
    ocfRoots: over.ocfRoots ?? [...envList("TANDEM_OCF_ROOTS"), "/usr/lib/ocf", TANDEM_OCF_ROOT],
    fenceDirs: over.fenceDirs ?? [...envList("TANDEM_FENCE_DIRS"), "/usr/sbin", TANDEM_FENCE_DIR],
    lsbDirs: over.lsbDirs ?? [...envList("TANDEM_LSB_DIRS"), "/etc/init.d"],
  };
}

/** Names of agents, providers and units: one path component, no tricks. */
export function isSafeName(name: string | undefined): name is string {
  return (
    typeof name === "string" &&
    name.length > 0 &&
    name.length <= 255 &&
    !/[/\0]/.test(name) &&
    name !== "." &&
    name !== ".."
  );
}

export function isExecutableFile(p: string): boolean {
  try {
    if (!statSync(p).isFile()) return false;
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The OCF agent file and the root it was found in, first match wins. */
export function findOcfAgent(
  paths: AgentPaths,
  provider: string,
  type: string,
): { file: string; root: string } | undefined {
  if (!isSafeName(provider) || !isSafeName(type)) return undefined;
  for (const root of paths.ocfRoots) {
    const file = join(root, "resource.d", provider, type);
    if (isExecutableFile(file)) return { file, root };
  }
  return undefined;
}

export function findInDirs(dirs: string[], name: string): string | undefined {
  if (!isSafeName(name)) return undefined;
  for (const d of dirs) {
    const file = join(d, name);
    if (isExecutableFile(file)) return file;
  }
  return undefined;
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

/** OCF providers across all roots (union, sorted). */
export function listOcfProviders(paths: AgentPaths): string[] {
  const set = new Set<string>();
  for (const root of paths.ocfRoots)
    for (const p of listDir(join(root, "resource.d"))) {
      try {
        if (statSync(join(root, "resource.d", p)).isDirectory()) set.add(p);
      } catch {
        // vanished meanwhile
      }
    }
  return [...set].sort();
}

/** OCF agent types of one provider across all roots (union, sorted). */
export function listOcfAgents(paths: AgentPaths, provider: string): string[] {
  if (!isSafeName(provider)) return [];
  const set = new Set<string>();
  for (const root of paths.ocfRoots)
    for (const t of listDir(join(root, "resource.d", provider)))
      if (!t.startsWith(".") && isExecutableFile(join(root, "resource.d", provider, t))) set.add(t);
  return [...set].sort();
}

export function listFenceAgents(paths: AgentPaths): string[] {
  const set = new Set<string>();
  for (const d of paths.fenceDirs)
    for (const t of listDir(d)) if (t.startsWith("fence_") && isExecutableFile(join(d, t))) set.add(t);
  return [...set].sort();
}

export function listLsbAgents(paths: AgentPaths): string[] {
  const set = new Set<string>();
  for (const d of paths.lsbDirs)
    for (const t of listDir(d))
      if (!t.startsWith(".") && !t.startsWith("README") && isExecutableFile(join(d, t))) set.add(t);
  return [...set].sort();
}

/** True when systemd is the init system (sd_booted(): /run/systemd/system exists). */
export function systemdRunning(): boolean {
  return existsSync("/run/systemd/system");
}

/** A systemd unit name for a resource type ("httpd" -> "httpd.service"). */
export function systemdUnitName(type: string): string {
  return /\.(service|socket|target|mount|timer|path|scope|slice)$/.test(type) ? type : `${type}.service`;
}

const UNIT_DIRS = [
  "/etc/systemd/system",
  "/run/systemd/system",
  "/lib/systemd/system",
  "/usr/lib/systemd/system",
];

export function systemdUnitExists(type: string): boolean {
  const unit = systemdUnitName(type);
  return isSafeName(unit) && UNIT_DIRS.some((d) => existsSync(join(d, unit)));
}

/**
 * The environment an agent starts with: the daemon's own, minus any OCF_*
 * leftovers, plus `extra`, with a PATH that has the sbin directories and the
 * directory of this Node.js binary (tandem's agents are partly Node scripts).
 */
export function baseAgentEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || k.startsWith("OCF_")) continue;
    env[k] = v;
  }
  Object.assign(env, extra);
  const parts = (env.PATH ?? "").split(":").filter((p) => p !== "");
  for (const p of [
    "/usr/local/sbin",
    "/usr/local/bin",
    "/usr/sbin",
    "/usr/bin",
    "/sbin",
    "/bin",
    dirname(process.execPath),
  ])
    if (!parts.includes(p)) parts.push(p);
  env.PATH = parts.join(":");
  if (!env.LC_ALL && !env.LANG) env.LANG = "C";
  return env;
}
