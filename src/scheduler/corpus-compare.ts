// Comparing crm_simulate outputs the way the corpus evaluation does:
// the Transition Summary lines as a multiset, and the Revised Cluster Status
// placement (node list + resource lines keyed by their enclosing group/clone
// header), whitespace-normalised and order-insensitive.

function norm(line: string): string {
  return line.replace(/\s+/g, " ").trim();
}

function section(text: string, header: string, until: string[]): string[] {
  const lines = text.split("\n");
  const start = lines.findIndex((l) => l.trim() === header);
  if (start < 0) return [];
  const out: string[] = [];
  for (let i = start + 1; i < lines.length; i++) {
    const t = lines[i].trim();
    if (until.includes(t)) break;
    out.push(lines[i]);
  }
  return out;
}

export function summaryLines(text: string): string[] {
  return section(text, "Transition Summary:", ["Executing Cluster Transition:", "Revised Cluster Status:"])
    .map(norm)
    .filter((l) => l.startsWith("* "))
    .sort();
}

export function placementLines(text: string): string[] {
  const lines = section(text, "Revised Cluster Status:", []);
  const out: string[] = [];
  const stack: { indent: number; header: string }[] = [];
  for (const raw of lines) {
    if (raw.trim() === "" || !raw.trim().startsWith("*")) continue;
    if (raw.startsWith("Using the original")) continue;
    const indent = raw.length - raw.trimStart().length;
    while (stack.length > 0 && stack[stack.length - 1].indent >= indent) stack.pop();
    const l = norm(raw);
    if (l === "* Node List:" || l === "* Full List of Resources:") continue;
    const key = stack.map((s) => s.header).join(" / ");
    out.push(key ? `${key} :: ${l}` : l);
    if (/^\* (Resource Group|Clone Set|Bundle|Container)/.test(l)) stack.push({ indent, header: l });
  }
  return out.sort();
}

export interface Comparison {
  ok: boolean;
  summaryMissing: string[];
  summaryExtra: string[];
  placementMissing: string[];
  placementExtra: string[];
}

function diff(expected: string[], actual: string[]): { missing: string[]; extra: string[] } {
  const count = new Map<string, number>();
  for (const e of expected) count.set(e, (count.get(e) ?? 0) + 1);
  const extra: string[] = [];
  for (const a of actual) {
    const c = count.get(a) ?? 0;
    if (c > 0) count.set(a, c - 1);
    else extra.push(a);
  }
  const missing: string[] = [];
  for (const [k, c] of count) for (let i = 0; i < c; i++) missing.push(k);
  return { missing, extra };
}

export function compareOutputs(expected: string, actual: string): Comparison {
  const s = diff(summaryLines(expected), summaryLines(actual));
  const p = diff(placementLines(expected), placementLines(actual));
  return {
    ok: s.missing.length + s.extra.length + p.missing.length + p.extra.length === 0,
    summaryMissing: s.missing,
    summaryExtra: s.extra,
    placementMissing: p.missing,
    placementExtra: p.extra,
  };
}

/**
 * Where each resource runs after the transition, read from `crm_simulate -R`
 * output (ours or Pacemaker's): the current status ("Started NODE"), then the
 * Transition Summary's Start / Move / Recover / Restart / Migrate / Stop.
 * Resources that end up stopped are absent.
 */
export function placementFromOutput(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const raw of section(text, "Current cluster status:", ["Transition Summary:", "Allocation Scores:"])) {
    const t = /^\* (\S+)\s+\([^)]*\):\s+Started (\S+)\s*$/.exec(norm(raw));
    if (t) m.set(t[1], t[2]);
  }
  for (const l of summaryLines(text)) {
    const t = /^\* (Start|Move|Recover|Restart|Migrate|Stop) (\S+) \( (?:(\S+) -> )?(\S+) \)/.exec(l);
    if (!t) continue;
    if (t[1] === "Stop") m.delete(t[2]);
    else m.set(t[2], t[4]);
  }
  return m;
}
