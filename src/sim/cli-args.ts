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
