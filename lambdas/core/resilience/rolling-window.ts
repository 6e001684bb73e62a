// Counts over a sliding time window, kept as a ring of fixed buckets so memory stays constant whatever
// the traffic. Used for breaker failure rates and retry budgets.

import type { WindowBucket } from '../ports';

export const WINDOW_BUCKETS = 10;

export class RollingWindow {
  private readonly buckets: WindowBucket[] = [];
  readonly bucketMs: number;

  constructor(readonly windowMs: number) {
    this.bucketMs = Math.max(1, Math.ceil(windowMs / WINDOW_BUCKETS));
  }

  bucketStart(now: number): number {
    return now - (now % this.bucketMs);
  }

  /** the start of the oldest bucket still inside the window */
  oldestStart(now: number): number {
    return this.bucketStart(now) - (WINDOW_BUCKETS - 1) * this.bucketMs;
  }

  add(now: number, total: number, failures: number): void {
    const start = this.bucketStart(now);
    let bucket = this.buckets[this.buckets.length - 1];
    if (!bucket || bucket.start !== start) {
      this.prune(now);
      bucket = { start, total: 0, failures: 0 };
      this.buckets.push(bucket);
    }
    bucket.total += total;
    bucket.failures += failures;
  }

  /** the counts of the buckets still inside the window */
  sum(now: number): { total: number; failures: number } {
    const oldest = this.oldestStart(now);
    let total = 0;
    let failures = 0;
    for (const b of this.buckets) {
      if (b.start < oldest) continue;
      total += b.total;
      failures += b.failures;
    }
    return { total, failures };
  }

  /** hand over the buckets counted so far (to be written to the shared store) and start afresh */
  drain(now: number): WindowBucket[] {
    this.prune(now);
    return this.buckets.splice(0, this.buckets.length);
  }

  /** put back buckets that could not be written, so their evidence still counts here */
  restore(buckets: WindowBucket[], now: number): void {
    for (const b of buckets) {
      const mine = this.buckets.find((x) => x.start === b.start);
      if (mine) {
        mine.total += b.total;
        mine.failures += b.failures;
      } else {
        this.buckets.push({ ...b });
      }
    }
    this.buckets.sort((a, b) => a.start - b.start);
    this.prune(now);
  }

  clear(): void {
    this.buckets.length = 0;
  }

  private prune(now: number): void {
    const oldest = this.oldestStart(now);
    while (this.buckets.length && this.buckets[0]!.start < oldest) this.buckets.shift();
  }
}
