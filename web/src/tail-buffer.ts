// Bounded holding for the live tail: while paused, events wait in a queue that never grows past its capacity
// (the oldest are let go and counted), and a meter tells the rate over the last few seconds.

/** A first-in first-out queue of at most `capacity` items; pushing past it drops the oldest. */
export class BoundedQueue<T> {
  private items: T[] = [];
  private head = 0;
  private dropped = 0;

  constructor(readonly capacity: number) {
    if (!(capacity > 0)) {
      throw new Error('capacity must be above 0');
    }
  }

  get size(): number {
    return this.items.length - this.head;
  }

  /** Items let go since the last drain because the queue was full. */
  get droppedCount(): number {
    return this.dropped;
  }

  push(item: T): void {
    this.items.push(item);
    if (this.size > this.capacity) {
      this.head++;
      this.dropped++;
    }
    // Compact now and then so the array does not grow without bound behind the head.
    if (this.head > this.capacity) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  /** Takes every held item, oldest first, and resets the dropped count. */
  drain(): { items: T[]; dropped: number } {
    const items = this.items.slice(this.head);
    const dropped = this.dropped;
    this.items = [];
    this.head = 0;
    this.dropped = 0;
    return { items, dropped };
  }
}

/** Events per second over a sliding window, from counts recorded per whole second. */
export class RateMeter {
  private readonly counts = new Map<number, number>();

  constructor(private readonly windowMs = 5000) {}

  record(count: number, now: number): void {
    const second = Math.floor(now / 1000);
    this.counts.set(second, (this.counts.get(second) ?? 0) + count);
    this.prune(now);
  }

  /** The mean rate over the window that ends now. */
  rate(now: number): number {
    this.prune(now);
    let total = 0;
    for (const n of this.counts.values()) {
      total += n;
    }
    return total / (this.windowMs / 1000);
  }

  private prune(now: number): void {
    const oldest = Math.floor((now - this.windowMs) / 1000);
    for (const second of this.counts.keys()) {
      if (second <= oldest) {
        this.counts.delete(second);
      }
    }
  }
}

/**
 * The delay before reconnect attempt n (0-based): doubling from `baseMs` up to `maxMs`, with up to 20 % jitter
 * so many tabs do not reconnect at the same instant. `random` is injectable for tests.
 */
export function backoffDelay(attempt: number, baseMs = 1000, maxMs = 30_000, random = Math.random): number {
  const plain = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt));
  return Math.round(plain * (1 - 0.2 * random()));
}
