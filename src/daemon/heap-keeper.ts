// Keeps tandemd's V8 heap near its live size (docs/daemon.md, "Memory"). An idle node still
// allocates all the time (every token visit, every message), and what outlives two scavenges is
// promoted to the old generation as garbage. V8 collects the old generation only once it has
// grown by at least 8 MiB past the live size, and its memory reducer never runs on a node that
// keeps allocating — so an idle node's RSS climbed 52 -> 58 MiB in a few minutes before
// falling back. This runs two major GCs (collect, then compact) as soon as the old generation
// has grown by `slackBytes` since the last time (checked every `intervalMs`): a few ms of CPU
// a minute or two apart.

import { getHeapSpaceStatistics, setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { Logger } from "../core/log.js";

export interface HeapKeeperOptions {
  /** How often the old generation is looked at (default 5 s). */
  intervalMs?: number;
  /** Growth of the old generation since the last major GC that triggers the next (default 2 MiB). */
  slackBytes?: number;
  log?: Logger;
}

export interface HeapKeeper {
  /** How many times it has collected (two major GCs each). */
  readonly collections: number;
  stop(): void;
}

type GcFn = (opts: { type: "major"; execution: "async" }) => Promise<void>;

/** V8's gc() (the flag is read when a context is made, so a fresh context gets it even now). */
function gcFunction(): GcFn {
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as GcFn;
}

function oldSpaceUsed(): number {
  return getHeapSpaceStatistics().find((s) => s.space_name === "old_space")?.space_used_size ?? 0;
}

export function startHeapKeeper(opts: HeapKeeperOptions = {}): HeapKeeper {
  const intervalMs = opts.intervalMs ?? 5_000;
  const slack = opts.slackBytes ?? 2 * 1024 * 1024;
  const gc = gcFunction();
  let base = oldSpaceUsed();
  let running = false;
  let collections = 0;
  const timer = setInterval(() => {
    if (running || oldSpaceUsed() < base + slack) return;
    running = true;
    const before = oldSpaceUsed();
    // Two in a row: the first finds the garbage, the second then moves the survivors out of the
    // pages it left sparse (V8 picks pages to compact from the previous collection's findings).
    gc({ type: "major", execution: "async" })
      .then(() => gc({ type: "major", execution: "async" }))
      .then(() => {
        collections++;
        base = oldSpaceUsed();
        opts.log?.log(
          "trace",
          `heap keeper: old generation ${(before / 1048576).toFixed(1)} -> ${(base / 1048576).toFixed(1)} MiB`,
        );
      })
      .catch(() => {})
      .finally(() => {
        running = false;
      });
  }, intervalMs);
  timer.unref();
  return {
    get collections() {
      return collections;
    },
    stop: () => clearInterval(timer),
  };
}
