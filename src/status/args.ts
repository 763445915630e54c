// A small option parser shared by the status tools: short flags may be bundled
// (-1rAf), values given inline (-rNAME, --name=NAME) or as the next word.

import { ErrorCodes, TandemError } from "../core/errors.js";

export interface OptSpec {
  /** Canonical name -> the spellings ("-r", "--resource") and whether it takes a value. */
  [name: string]: { names: string[]; value?: boolean };
}

export type Parsed = { opts: Map<string, string | true>; rest: string[] };

export function usageError(program: string, msg: string): TandemError {
  return new TandemError(ErrorCodes.USAGE, `${msg} (see ${program} --help)`, { exitCode: 64 });
}

export function parseArgs(program: string, argv: string[], spec: OptSpec): Parsed {
  const byName = new Map<string, { key: string; value?: boolean }>();
  for (const [key, s] of Object.entries(spec))
    for (const n of s.names) byName.set(n, { key, value: s.value });
  const opts = new Map<string, string | true>();
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      const name = eq >= 0 ? a.slice(0, eq) : a;
      const s = byName.get(name);
      if (!s) throw usageError(program, `unknown option '${name}'`);
      if (s.value) {
        const v = eq >= 0 ? a.slice(eq + 1) : argv[++i];
        if (v === undefined) throw usageError(program, `option '${name}' needs a value`);
        opts.set(s.key, v);
      } else {
        if (eq >= 0) throw usageError(program, `option '${name}' takes no value`);
        opts.set(s.key, true);
      }
    } else if (a.startsWith("-") && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const name = `-${a[j]}`;
        const s = byName.get(name);
        if (!s) throw usageError(program, `unknown option '${name}'`);
        if (s.value) {
          const v = j + 1 < a.length ? a.slice(j + 1) : argv[++i];
          if (v === undefined) throw usageError(program, `option '${name}' needs a value`);
          opts.set(s.key, v);
          break;
        }
        opts.set(s.key, true);
      }
    } else rest.push(a);
  }
  return { opts, rest };
}
