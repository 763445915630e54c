// Time spans as Pacemaker and Corosync write them: "30s", "1min", "500ms", "2h",
// a bare number (seconds for Pacemaker intervals), or ISO 8601 "PT1M30S".

const UNIT_MS: Record<string, number> = {
  ms: 1,
  msec: 1,
  us: 0.001,
  usec: 0.001,
  s: 1000,
  sec: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  hr: 3_600_000,
};

/**
 * Parses a duration into milliseconds. `bareUnitMs` is what a number without a
 * unit means (1000 for Pacemaker's op interval/timeout, which default to seconds).
 * Returns undefined for text that is not a duration.
 */
export function parseDurationMs(text: string | undefined | null, bareUnitMs = 1000): number | undefined {
  if (text === undefined || text === null) return undefined;
  const t = text.trim();
  if (t === "") return undefined;
  if (/^P/i.test(t)) return parseIso8601Duration(t);
  const m = /^([0-9]+(?:\.[0-9]+)?)\s*([a-zA-Z]*)$/.exec(t);
  if (!m) return undefined;
  const n = Number.parseFloat(m[1]);
  const unit = m[2].toLowerCase();
  if (unit === "") return Math.round(n * bareUnitMs);
  const mult = UNIT_MS[unit];
  if (mult === undefined) return undefined;
  return Math.round(n * mult);
}

/** ISO 8601 durations without years/months ambiguity: PnW, PnDTnHnMnS. */
export function parseIso8601Duration(text: string): number | undefined {
  const m =
    /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i.exec(
      text.trim(),
    );
  if (!m || text.trim().toUpperCase() === "P" || /T$/i.test(text.trim())) return undefined;
  const [, y, mo, w, d, h, mi, s] = m;
  const days =
    (Number(y ?? 0) * 365 + Number(mo ?? 0) * 30 + Number(w ?? 0) * 7 + Number(d ?? 0)) * 86_400_000;
  return days + Number(h ?? 0) * 3_600_000 + Number(mi ?? 0) * 60_000 + Math.round(Number(s ?? 0) * 1000);
}
