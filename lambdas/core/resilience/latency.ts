// Rolling latency per provider+model and kind of call: the last samples within a few minutes, read as
// p50 (routing by latency) and p95 (adaptive timeouts, hedging).

/** samples kept per key: enough for a stable p95, small enough to sort on demand */
const SAMPLE_LIMIT = 128;
/** older samples say little about the provider today */
const SAMPLE_MAX_AGE_MS = 5 * 60_000;

export type CallKind = 'chat' | 'stream' | 'embeddings';

class LatencySamples {
  private readonly values: number[] = [];
  private readonly at: number[] = [];
  private next = 0;
  /** the fresh samples, sorted, as of the last read; good until the oldest of them expires or one is added */
  private sorted: number[] | undefined;
  private sortedUntil = 0;

  add(ms: number, now: number): void {
    if (this.values.length < SAMPLE_LIMIT) {
      this.values.push(ms);
      this.at.push(now);
    } else {
      this.values[this.next] = ms;
      this.at[this.next] = now;
      this.next = (this.next + 1) % SAMPLE_LIMIT;
    }
    this.sorted = undefined;
  }

  percentile(p: number, now: number, minSamples: number): number | undefined {
    // a target with no traffic adds no samples: its old ones must still age out of what routing and timeouts read
    if (!this.sorted || now > this.sortedUntil) {
      const fresh: number[] = [];
      let oldest = Number.POSITIVE_INFINITY;
      for (let i = 0; i < this.values.length; i++) {
        if (now - this.at[i]! > SAMPLE_MAX_AGE_MS) continue;
        fresh.push(this.values[i]!);
        oldest = Math.min(oldest, this.at[i]!);
      }
      this.sorted = fresh.sort((a, b) => a - b);
      this.sortedUntil = oldest + SAMPLE_MAX_AGE_MS;
    }
    const s = this.sorted;
    if (s.length < minSamples) return undefined;
    return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
  }
}

export class LatencyTracker {
  private readonly samples = new Map<string, LatencySamples>();

  record(provider: string, model: string, kind: CallKind, ms: number, now: number): void {
    const key = latencyKey(provider, model, kind);
    let s = this.samples.get(key);
    if (!s) this.samples.set(key, (s = new LatencySamples()));
    s.add(ms, now);
  }

  /** the p-th percentile of recent samples, or undefined with fewer than `minSamples` */
  percentile(provider: string, model: string, kind: CallKind, p: number, now: number, minSamples = 3): number | undefined {
    return this.samples.get(latencyKey(provider, model, kind))?.percentile(p, now, minSamples);
  }
}

function latencyKey(provider: string, model: string, kind: CallKind): string {
  return `${provider}\u0000${model}\u0000${kind}`;
}
