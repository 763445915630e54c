// A binary min-heap of timed events: ordered by time, then by insertion (so equal times
// replay in a fixed order).

export interface Timed<T> {
  at: number;
  order: number;
  item: T;
}

export class EventHeap<T> {
  private h: Timed<T>[] = [];
  private counter = 0;

  get size(): number {
    return this.h.length;
  }

  push(at: number, item: T): void {
    const e = { at, order: this.counter++, item };
    const h = this.h;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }

  peek(): Timed<T> | undefined {
    return this.h[0];
  }

  pop(): Timed<T> | undefined {
    const h = this.h;
    if (h.length === 0) return undefined;
    const top = h[0];
    const last = h.pop() as Timed<T>;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && less(h[l], h[m])) m = l;
        if (r < h.length && less(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top;
  }
}

function less<T>(a: Timed<T>, b: Timed<T>): boolean {
  return a.at < b.at || (a.at === b.at && a.order < b.order);
}
