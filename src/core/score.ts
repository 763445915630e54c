// Pacemaker score arithmetic: integers clamped to ±INFINITY (1,000,000), where
// -INFINITY always wins over +INFINITY ("can never run here" beats "must run here").

export const INFINITY = 1_000_000;
export type Score = number;

/** Adds two scores with Pacemaker's rules: -INF dominates, then +INF, else a clamped sum. */
export function addScores(a: Score, b: Score): Score {
  if (a <= -INFINITY || b <= -INFINITY) return -INFINITY;
  if (a >= INFINITY || b >= INFINITY) return INFINITY;
  const s = a + b;
  if (s >= INFINITY) return INFINITY;
  if (s <= -INFINITY) return -INFINITY;
  return s;
}

/** Clamps any number into the score range. */
export function clampScore(n: number): Score {
  if (n >= INFINITY) return INFINITY;
  if (n <= -INFINITY) return -INFINITY;
  return Math.trunc(n);
}

/**
 * Parses a score string as Pacemaker does: "INFINITY", "+INFINITY", "-INFINITY"
 * (case-insensitive, also "inf"), or an integer. Returns undefined when the text
 * is not a score at all so the caller can report it with context.
 */
export function parseScore(text: string | undefined | null): Score | undefined {
  if (text === undefined || text === null) return undefined;
  const t = text.trim();
  if (t === "") return undefined;
  const lower = t.toLowerCase();
  if (lower === "infinity" || lower === "+infinity" || lower === "inf" || lower === "+inf") return INFINITY;
  if (lower === "-infinity" || lower === "-inf") return -INFINITY;
  if (!/^[+-]?\d+$/.test(t)) return undefined;
  return clampScore(Number.parseInt(t, 10));
}

/** Formats a score the way Pacemaker prints it (INFINITY / -INFINITY / integer). */
export function formatScore(s: Score): string {
  if (s >= INFINITY) return "INFINITY";
  if (s <= -INFINITY) return "-INFINITY";
  return String(s);
}
