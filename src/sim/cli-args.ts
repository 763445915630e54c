// Argument checks shared by the simulator commands (`tandem sim`, `tandem cluster-sim`):
// the same seed/size options and fault lists, the same one-line errors.

import { ErrorCodes, TandemError } from "../core/errors.js";

/** An integer option value within [min, max]. */
export function intArg(name: string, v: string | undefined, min: number, max: number): number {
  if (v === undefined || !/^\d+$/.test(v))
    throw new TandemError(ErrorCodes.USAGE, `'${name}' must be an integer: got '${v ?? ""}'`);
  const n = Number(v);
  if (n < min || n > max)
    throw new TandemError(ErrorCodes.USAGE, `'${name}' must be between ${min} and ${max}: got ${n}`);
  return n;
}

/** A `--faults` value: a comma-separated list of known kinds, or "none" (an empty list). */
export function faultListArg<K extends string>(v: string | undefined, known: readonly K[]): K[] {
  const text = v ?? "";
  if (text === "none") return [];
  const list = text.split(",").filter((x) => x !== "");
  for (const f of list)
    if (!(known as readonly string[]).includes(f))
      throw new TandemError(ErrorCodes.USAGE, `unknown fault '${f}' (known: ${known.join(", ")}, none)`);
  if (list.length === 0) throw new TandemError(ErrorCodes.USAGE, "'--faults' needs a list");
  return list as K[];
}

/** What every simulator command takes: how many seeds from where, or one seed, and --trace. */
export interface SeedRunArgs {
  seeds: number;
  start: number;
  single: number | null;
  trace: boolean;
  help: boolean;
}

/**
 * The options both simulator commands share (--seeds, --start, --seed, --trace, -h/--help);
 * `own(option, next)` takes the command's other options and returns false for an unknown one.
 */
export function parseSeedRunArgs(
  program: string,
  argv: string[],
  own: (option: string, next: () => string | undefined) => boolean,
): SeedRunArgs {
  const r: SeedRunArgs = { seeds: 100, start: 1, single: null, trace: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i];
    switch (a) {
      case "--seeds":
        r.seeds = intArg(a, next(), 1, 100_000_000);
        break;
      case "--start":
        r.start = intArg(a, next(), 0, 2 ** 48);
        break;
      case "--seed":
        r.single = intArg(a, next(), 0, 2 ** 48);
        break;
      case "--trace":
        r.trace = true;
        break;
      case "-h":
      case "--help":
        r.help = true;
        return r;
      default:
        if (!own(a, next))
          throw new TandemError(ErrorCodes.USAGE, `unknown option '${a}' (see '${program} --help')`);
    }
  }
  if (r.trace && r.single === null)
    throw new TandemError(ErrorCodes.USAGE, "'--trace' replays one run: give '--seed S'");
  return r;
}
