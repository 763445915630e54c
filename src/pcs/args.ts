// Command-line parsing as pcs does it: options may appear anywhere (GNU getopt),
// positional words are kept in order. "-INFINITY" and negative numbers are scores,
// not options, as in pcs.

import { PcsError } from "./errors.js";
import type { PcsOptions } from "./types.js";

/** Options that take a value ("-f FILE", "--group G" or "--group=G"). */
export const VALUE_OPTIONS = new Set([
  "-f",
  "-u",
  "-p",
  "--name",
  "--group",
  "--after",
  "--before",
  "--corosync_conf",
  "--request-timeout",
  "--token",
  "--token_coefficient",
  "--join",
  "--consensus",
  "--miss_count_const",
  "--fail_recv_const",
  "--transport",
  "--addr0",
  "--addr1",
  "--lifetime",
  "--node",
  "--output-format",
  "--from",
  "--to",
  "--bundle",
  "--authkey",
  "--pcsd-port",
]);

/** Options whose value is optional and only given as "--wait=N". */
export const OPTIONAL_VALUE_OPTIONS = new Set(["--wait"]);

/** Boolean options pcs knows. Anything else starting with "-" is refused like getopt does. */
export const FLAG_OPTIONS = new Set([
  "-h",
  "--help",
  "--debug",
  "--version",
  "--force",
  "--full",
  "--all",
  "--defaults",
  "--disabled",
  "--enable",
  "--start",
  "--config",
  "--local",
  "--no-default-ops",
  "--agent-validation",
  "--master",
  "--promoted",
  "--clone",
  "--nodesc",
  "--hide-inactive",
  "--monitor",
  "--no-strict",
  "--safe",
  "--simulate",
  "--strict",
  "--autodelete",
  "--autocorrect",
  "--skip-offline",
  "--no-keys-sync",
  "--overwrite",
  "--no-cluster-uuid",
  "--no-watchdog-validation",
  "--yes",
  "--off",
  "--encryption",
  "--interactive",
  "--wait",
  "-V",
  "--quiet",
  "--expired",
  "--ipv6",
]);

export interface ParsedArgs {
  options: PcsOptions;
  positional: string[];
}

function isScoreLike(a: string): boolean {
  return /^-(INFINITY|inf|\d+)$/i.test(a) || /^-\d/.test(a);
}

export function parsePcsArgs(argv: string[]): ParsedArgs {
  const flags = new Set<string>();
  const values = new Map<string, string>();
  const given: string[] = [];
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith("-") || a === "-" || isScoreLike(a)) {
      positional.push(a);
      continue;
    }
    if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      const name = eq >= 0 ? a.slice(0, eq) : a;
      if (eq >= 0) {
        if (!VALUE_OPTIONS.has(name) && !OPTIONAL_VALUE_OPTIONS.has(name))
          throw new PcsError(`option ${name} doesn't allow an argument`);
        values.set(name, a.slice(eq + 1));
      } else if (VALUE_OPTIONS.has(name)) {
        if (i + 1 >= argv.length) throw new PcsError(`option ${name} requires argument`);
        values.set(name, argv[++i]);
      } else if (FLAG_OPTIONS.has(name) || OPTIONAL_VALUE_OPTIONS.has(name)) {
        flags.add(name);
      } else throw new PcsError(`option ${name} not recognized`);
      given.push(name);
      continue;
    }
    // Short options: "-f FILE", "-fFILE", "-h", "-V".
    const name = a.slice(0, 2);
    if (VALUE_OPTIONS.has(name)) {
      const v = a.length > 2 ? a.slice(2) : argv[++i];
      if (v === undefined) throw new PcsError(`option ${name} requires argument`);
      values.set(name, v);
    } else if (FLAG_OPTIONS.has(name) && a.length === 2) flags.add(name);
    else throw new PcsError(`option ${a} not recognized`);
    given.push(name);
  }
  return { options: { flags, values, given }, positional };
}

/** Splits "key=value" words; returns undefined for a word without "=". */
export function splitKeyValue(word: string): [string, string] | undefined {
  const eq = word.indexOf("=");
  if (eq <= 0) return undefined;
  return [word.slice(0, eq), word.slice(eq + 1)];
}
