// The lab's client: polls a URL every 20 ms (a new request every tick, each on its own
// connection with a short timeout, so a hung server does not slow the polling down) and
// records for every request when it was sent, when it ended and who answered. And the
// pure analysis of such a record: the client-visible gap of a failover and whether two
// nodes ever answered "at once" (the old node answering after the new one already had).

import { httpGet } from "./http.js";

export interface Sample {
  /** Wall-clock ms (fractional) the request was sent / ended. */
  t0: number;
  t1: number;
  ok: boolean;
  node?: string;
  error?: string;
}

export const nowMs = () => performance.timeOrigin + performance.now();

/** What the failover runner needs of a client (in-process, or in the client namespace). */
export interface VipClient {
  readonly samples: Sample[];
  start(): void;
  stop(): Promise<Sample[]>;
}

export class Poller implements VipClient {
  readonly samples: Sample[] = [];
  private timer?: NodeJS.Timeout;
  private inflight = new Set<Promise<void>>();
  constructor(
    readonly url: string,
    readonly intervalMs = 20,
    readonly timeoutMs = 250,
    readonly onSample?: (s: Sample) => void,
  ) {}

  start(): void {
    const tick = () => {
      const t0 = nowMs();
      const p = httpGet(this.url, this.timeoutMs).then((a) => {
        const s: Sample = {
          t0,
          t1: nowMs(),
          ok: a.ok,
          node: a.node,
          error: a.ok ? undefined : (a.error ?? `HTTP ${a.status}`),
        };
        this.samples.push(s);
        this.onSample?.(s);
        this.inflight.delete(p);
      });
      this.inflight.add(p);
    };
    tick();
    this.timer = setInterval(tick, this.intervalMs);
  }

  async stop(): Promise<Sample[]> {
    clearInterval(this.timer);
    await Promise.all([...this.inflight]);
    this.samples.sort((a, b) => a.t0 - b.t0);
    return this.samples;
  }
}

export interface Switch {
  /** The node that served before the fault. */
  from: string;
  /** The first other node that served after it (null: none did). */
  to: string | null;
  /** End of the last good answer from `from` before `to` first answered. */
  lastOldEnd?: number;
  /** End of the first good answer from `to`. */
  firstNewEnd?: number;
  gapMs?: number;
  /** Good answers from `from` to requests sent after `to` had answered one. */
  doubleAnswers: number;
  failedRequests: number;
}

/**
 * Finds the switch from `from` to another node after `tFault` in a poll record.
 * With `sameNodeRecovers` (a failed resource restarted in place), a good answer from
 * `from` after a failed request also ends the outage.
 */
export function analyzeSwitch(
  samples: Sample[],
  from: string,
  tFault: number,
  sameNodeRecovers = false,
): Switch {
  const byEnd = [...samples].sort((a, b) => a.t1 - b.t1);
  let firstNew: Sample | undefined;
  let sawFailure = false;
  for (const s of byEnd) {
    if (s.t0 < tFault) continue;
    if (!s.ok) sawFailure = true;
    else if (s.node !== from || (sameNodeRecovers && sawFailure)) {
      firstNew = s;
      break;
    }
  }
  const failedRequests = samples.filter(
    (s) => !s.ok && s.t0 >= tFault && (!firstNew || s.t1 <= firstNew.t1),
  ).length;
  if (!firstNew) return { from, to: null, doubleAnswers: 0, failedRequests };
  const to = firstNew.node ?? null;
  const fEnd = firstNew.t1;
  let lastOldEnd: number | undefined;
  for (const s of byEnd) {
    if (s.t1 >= fEnd) break;
    if (s.ok && s.node === from) lastOldEnd = s.t1;
  }
  // "Answered by two nodes at once": once the new node answered, any good answer from
  // the old node to a later request means both held the service.
  const doubleAnswers =
    to === from ? 0 : samples.filter((s) => s.ok && s.node === from && s.t0 > fEnd).length;
  return {
    from,
    to,
    lastOldEnd,
    firstNewEnd: fEnd,
    gapMs: lastOldEnd === undefined ? undefined : fEnd - lastOldEnd,
    doubleAnswers,
    failedRequests,
  };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
