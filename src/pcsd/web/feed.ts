// The live feed behind the dashboard's server-sent events: one poller per pcsd reads the
// cluster snapshot every few seconds while at least one dashboard is open, and hands each
// change (and only changes) to every subscriber. Polling tandemd's status is what
// `crm_mon` does too; the browser side is pushed, not polled.

import type { ClusterSnapshot } from "./snapshot.js";

export type SnapshotListener = (snap: ClusterSnapshot) => void;

export class SnapshotFeed {
  private readonly listeners = new Set<SnapshotListener>();
  private last: ClusterSnapshot | undefined;
  private lastKey = "";
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private inFlight = false;
  /** A poke arrived during a read: read again right after it. */
  private again = false;
  private closed = false;

  constructor(
    private readonly read: () => Promise<ClusterSnapshot>,
    private readonly intervalMs: number,
    /** Started while someone watches: calls `poke` when the cluster changes (CIB events). */
    private readonly watch?: { start(): void; stop(): void },
  ) {}

  /** Adds a listener; it gets the latest snapshot at once (if any), then every change. */
  subscribe(fn: SnapshotListener): () => void {
    this.listeners.add(fn);
    if (this.last) fn(this.last);
    if (!this.running && !this.closed) this.loop();
    return () => {
      this.listeners.delete(fn);
    };
  }

  get subscribers(): number {
    return this.listeners.size;
  }

  /** Reads now (after an action), so every dashboard sees its effect without waiting a tick. */
  poke(): void {
    if (!this.running) return;
    if (this.inFlight) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.tick();
  }

  close(): void {
    this.closed = true;
    this.watch?.stop();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.listeners.clear();
  }

  private loop(): void {
    this.running = true;
    this.watch?.start();
    this.tick();
  }

  private tick(): void {
    this.inFlight = true;
    this.again = false;
    this.read()
      .then((snap) => {
        // `updated` changes on every read: only a change of the facts is news.
        const key = JSON.stringify({ ...snap, updated: 0 });
        if (key !== this.lastKey) {
          this.lastKey = key;
          this.last = snap;
          for (const fn of this.listeners) fn(snap);
        }
      })
      .catch(() => undefined)
      .finally(() => {
        this.inFlight = false;
        if (this.closed || this.listeners.size === 0) {
          this.running = false;
          this.watch?.stop();
          // Nobody watches: the next subscriber must not get a stale picture.
          this.last = undefined;
          this.lastKey = "";
          return;
        }
        this.timer = setTimeout(
          () => {
            this.timer = undefined;
            this.tick();
          },
          // A burst of CIB events (each operation result is one) costs a read per 150 ms at most.
          this.again ? 150 : this.intervalMs,
        );
      });
  }
}
