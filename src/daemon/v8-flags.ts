// The V8 settings of the node daemon, which keep an idle tandemd small (docs/daemon.md,
// "Memory"). bin/tandemd applies them first, before any other module loads, so they hold
// however tandemd is started (systemd, pcsd's supervisor, the lab, `node bin/tandemd`) without
// NODE_OPTIONS — which would also reach the resource agents tandemd runs. Only tandemd: the
// other programs of bin/ keep Node's defaults. This module imports nothing of tandem's own
// but the error codes, so applying the flags loads next to nothing.

import { setFlagsFromString } from "node:v8";
import { ErrorCodes, TandemError } from "../core/errors.js";

/**
 * The defaults, each measured on an idle node of a 3-node cluster (bench/daemon):
 * - `--no-opt`: no TurboFan. The optimizing compiler's own code pages of the node binary
 *   (≈ 4 MiB mapped) and its compile zones in the worker threads' malloc arenas (≈ 5 MiB)
 *   are never touched; Ignition + Sparkplug run everything (the daemon's hot path is the
 *   token/UDP loop, mostly native crypto and syscalls).
 * - `--semi-space-growth-factor=1`: the young generation stays at its initial two 1 MiB
 *   semi-spaces instead of growing to 4–8 MiB each under the token traffic (≈ 6 MiB), as
 *   `--max-semi-space-size=1` would — which cannot be set once the process runs.
 */
export const DEFAULT_TANDEMD_V8_FLAGS: readonly string[] = ["--no-opt", "--semi-space-growth-factor=1"];

const FLAG = /^--[a-z0-9][a-z0-9_-]*(=[^\s]+)?$/;

/**
 * The flags to apply: `TANDEMD_V8_FLAGS` (space-separated V8 flags) replaces the defaults
 * when set, "" = none (e.g. `TANDEMD_V8_FLAGS=--semi-space-growth-factor=1` keeps TurboFan).
 */
export function tandemdV8Flags(env: Record<string, string | undefined>): string[] {
  const text = env.TANDEMD_V8_FLAGS;
  if (text === undefined) return [...DEFAULT_TANDEMD_V8_FLAGS];
  const flags = text.split(/\s+/).filter((w) => w !== "");
  for (const f of flags)
    if (!FLAG.test(f))
      throw new TandemError(
        ErrorCodes.USAGE,
        `TANDEMD_V8_FLAGS: '${f}' is not a V8 flag (--name or --name=value, separated by spaces)`,
        { exitCode: 2 },
      );
  return flags;
}

let applied: string[] | undefined;

/** Sets the flags in this process's V8 (once; later calls return what the first applied). */
export function applyTandemdV8Flags(env: Record<string, string | undefined> = process.env): string[] {
  if (applied) return applied;
  const flags = tandemdV8Flags(env);
  for (const f of flags) setFlagsFromString(f);
  applied = flags;
  return flags;
}

/** What applyTandemdV8Flags set in this process (undefined: not called — not started by bin/tandemd). */
export function appliedTandemdV8Flags(): readonly string[] | undefined {
  return applied;
}
