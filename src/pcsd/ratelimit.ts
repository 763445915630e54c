// Login rate limiting: failures are counted per source address and per user name; after a
// few free attempts each further failure doubles the wait before the next attempt is even
// checked (exponential backoff, capped). A success clears the counters of that address and
// user. Time is injected so the policy is tested without sleeping.

export interface RateLimitPolicy {
  /** Failures allowed before any waiting is imposed. */
  freeAttempts: number;
  /** Wait after the first failure past the free ones, in ms; doubles with each further one. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Counters of keys idle for this long are forgotten. */
  forgetAfterMs: number;
}

export const DEFAULT_RATE_LIMIT: RateLimitPolicy = {
  freeAttempts: 3,
  baseDelayMs: 1000,
  maxDelayMs: 5 * 60 * 1000,
  forgetAfterMs: 60 * 60 * 1000,
};

interface Entry {
  failures: number;
  /** No attempt is checked before this time. */
  blockedUntil: number;
  last: number;
}

export class LoginRateLimiter {
  private readonly entries = new Map<string, Entry>();
  constructor(
    private readonly policy: RateLimitPolicy = DEFAULT_RATE_LIMIT,
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds to wait before an attempt from `addr` for `user` may be checked (0 = go). */
  retryAfterMs(addr: string, user: string): number {
    const t = this.now();
    this.gc(t);
    let wait = 0;
    for (const k of keys(addr, user)) {
      const e = this.entries.get(k);
      if (e) wait = Math.max(wait, e.blockedUntil - t);
    }
    return Math.max(0, wait);
  }

  recordFailure(addr: string, user: string): void {
    const t = this.now();
    for (const k of keys(addr, user)) {
      const e = this.entries.get(k) ?? { failures: 0, blockedUntil: 0, last: t };
      e.failures++;
      e.last = t;
      const over = e.failures - this.policy.freeAttempts;
      if (over > 0)
        e.blockedUntil =
          t + Math.min(this.policy.maxDelayMs, this.policy.baseDelayMs * 2 ** Math.min(over - 1, 30));
      this.entries.set(k, e);
    }
  }

  recordSuccess(addr: string, user: string): void {
    for (const k of keys(addr, user)) this.entries.delete(k);
  }

  failures(addr: string, user: string): { addr: number; user: number } {
    return {
      addr: this.entries.get(`addr:${addr}`)?.failures ?? 0,
      user: this.entries.get(`user:${user}`)?.failures ?? 0,
    };
  }

  private gc(t: number): void {
    if (this.entries.size < 1024) return;
    for (const [k, e] of this.entries) if (t - e.last > this.policy.forgetAfterMs) this.entries.delete(k);
  }
}

function keys(addr: string, user: string): string[] {
  return [`addr:${addr}`, `user:${user}`];
}
