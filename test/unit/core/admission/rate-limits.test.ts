import { describe, expect, it } from 'vitest';
import { RateLimiter, rateLimitHeaders, RateTicket, type Refused } from '../../../../lambdas/core/admission/rate-limits';
import { formatDuration, windowAt } from '../../../../lambdas/core/admission/windows';
import type { CounterKey, RateCounterStore } from '../../../../lambdas/core/ports';

/** the rate counters table in memory: one count per scope, dimension and window */
class MemoryCounters implements RateCounterStore {
  readonly counts = new Map<string, number>();
  private id = (k: CounterKey) => `${k.scope}|${k.dimension}|${k.windowStart}`;
  async take(key: CounterKey, units: number, limit: number) {
    const count = (this.counts.get(this.id(key)) ?? 0) + units;
    if (count > limit) return undefined;
    this.counts.set(this.id(key), count);
    return count;
  }
  async charge(key: CounterKey, units: number) {
    this.counts.set(this.id(key), (this.counts.get(this.id(key)) ?? 0) + units);
  }
  async otherRegions() {
    return undefined;
  }
}

const tuning = { horizonMs: 2_000, shareDivisor: 4 };
const NOON = Date.UTC(2026, 10, 22, 12, 0, 15);

describe('RateLimiter', () => {
  it('takes from every limited dimension, or from none when one refuses', async () => {
    const store = new MemoryCounters();
    const limiter = new RateLimiter(store, { now: () => NOON }, tuning);
    expect(await limiter.take('T#a', { rpm: 10, tpm: 100 }, { requests: 1, tokens: 60 })).toBeInstanceOf(RateTicket);
    const refused = (await limiter.take('T#a', { rpm: 10, tpm: 100 }, { requests: 1, tokens: 60 })) as Refused[];
    expect(refused).toEqual([{ dimension: 'tpm', limit: 100, retryAfterMs: 45_000 }]);
    // the request unit taken for rpm went back to this instance: 9 more fit, not 8
    let admitted = 0;
    for (let i = 0; i < 12; i++) if ((await limiter.take('T#a', { rpm: 10 }, { requests: 1, tokens: 0 })) instanceof RateTicket) admitted++;
    expect(admitted).toBe(9);
  });

  it('corrects a token estimate: an over-estimate comes back, an under-estimate is charged', async () => {
    const store = new MemoryCounters();
    const limiter = new RateLimiter(store, { now: () => NOON }, tuning);
    const ticket = (await limiter.take('T#b', { tpm: 100 }, { requests: 1, tokens: 50 })) as RateTicket;
    await ticket.correctTokens(20);
    expect(await limiter.take('T#b', { tpm: 100 }, { requests: 1, tokens: 80 })).toBeInstanceOf(RateTicket);
    const under = (await limiter.take('T#c', { tpm: 100 }, { requests: 1, tokens: 10 })) as RateTicket;
    await under.correctTokens(95);
    expect(await limiter.take('T#c', { tpm: 100 }, { requests: 1, tokens: 10 })).not.toBeInstanceOf(RateTicket);
    expect([...store.counts.values()].some((c) => c === 95)).toBe(true);
  });

  it('starts counting anew in the next window', async () => {
    let now = NOON;
    const limiter = new RateLimiter(new MemoryCounters(), { now: () => now }, tuning);
    expect(await limiter.take('T#d', { rpm: 1 }, { requests: 1, tokens: 0 })).toBeInstanceOf(RateTicket);
    expect(await limiter.take('T#d', { rpm: 1 }, { requests: 1, tokens: 0 })).not.toBeInstanceOf(RateTicket);
    now += 45_000;
    expect(await limiter.take('T#d', { rpm: 1 }, { requests: 1, tokens: 0 })).toBeInstanceOf(RateTicket);
  });

  it("reports the dimension that binds most in OpenAI's header format", async () => {
    const limiter = new RateLimiter(new MemoryCounters(), { now: () => NOON }, tuning);
    const ticket = (await limiter.take('T#e', { rpm: 100, rpd: 3, tpm: 1_000 }, { requests: 1, tokens: 10 })) as RateTicket;
    const headers = rateLimitHeaders(ticket.status(NOON));
    expect(headers).toMatchObject({ 'x-ratelimit-limit-requests': '3', 'x-ratelimit-remaining-requests': '2', 'x-ratelimit-reset-requests': '11h59m45s' });
    expect(headers['x-ratelimit-limit-tokens']).toBe('1000');
  });
});

/**
 * A global table of window counts in memory: each region adds to its own count only, and sees the other regions'
 * counts as last replicated to it (`replicate()`), or as they are now when replication is instant.
 */
class RegionalCounters {
  readonly counts = new Map<string, number>();
  /** region → window → the other regions' counts as replicated there */
  readonly replicated = new Map<string, Map<string, number>>();
  constructor(
    readonly regions: string[],
    readonly instant: boolean,
  ) {}

  private window = (k: CounterKey) => `${k.scope}|${k.dimension}|${k.windowStart}`;
  private others = (region: string, window: string) =>
    this.regions.filter((r) => r !== region).reduce((sum, r) => sum + (this.counts.get(`${r}|${window}`) ?? 0), 0);

  replicate(): void {
    for (const region of this.regions) {
      const seen = new Map<string, number>();
      for (const id of this.counts.keys()) {
        const window = id.slice(id.indexOf('|') + 1);
        seen.set(window, this.others(region, window));
      }
      this.replicated.set(region, seen);
    }
  }

  /** what `region` has counted in all */
  total(region: string): number {
    return [...this.counts].filter(([id]) => id.startsWith(`${region}|`)).reduce((sum, [, n]) => sum + n, 0);
  }

  store(region: string): RateCounterStore {
    const add = (key: CounterKey, units: number) => {
      const id = `${region}|${this.window(key)}`;
      const count = (this.counts.get(id) ?? 0) + units;
      this.counts.set(id, count);
      return count;
    };
    return {
      take: async (key, units, limit) => ((this.counts.get(`${region}|${this.window(key)}`) ?? 0) + units > limit ? undefined : add(key, units)),
      charge: async (key, units) => void add(key, units),
      otherRegions: async (key) => (this.instant ? this.others(region, this.window(key)) : (this.replicated.get(region)?.get(this.window(key)) ?? 0)),
    };
  }
}

describe('RateLimiter across regions', () => {
  const clock = { now: () => NOON };
  const admittedOf = async (limiter: RateLimiter, n: number, limit: number) => {
    let admitted = 0;
    for (let i = 0; i < n; i++) if ((await limiter.take('T#r', { rpm: limit }, { requests: 1, tokens: 0 })) instanceof RateTicket) admitted++;
    return admitted;
  };

  it("holds the limit over the sum of the regions' counts: a region admits what the others left", async () => {
    const table = new RegionalCounters(['us-east-1', 'eu-west-1'], true);
    const [east, west] = table.regions.map((r) => new RateLimiter(table.store(r), clock, tuning));
    expect(await admittedOf(east!, 7, 10)).toBe(7);
    const westAdmitted = await admittedOf(west!, 10, 10);
    expect(westAdmitted).toBe(10 - table.total('us-east-1'));
    // what is left is what us-east-1 leased ahead and holds: it admits that, eu-west-1 nothing more
    const more = (await admittedOf(east!, 5, 10)) + (await admittedOf(west!, 5, 10));
    expect(7 + westAdmitted + more).toBe(10);
  });

  it('refuses a take that the fresh counts of the other regions show past the limit, though its own count allowed it', async () => {
    const table = new RegionalCounters(['us-east-1', 'eu-west-1'], true);
    const [east, west] = table.regions.map((r) => new RateLimiter(table.store(r), clock, tuning));
    expect(await admittedOf(west!, 10, 10)).toBe(10);
    // east has never read west's count: its own item alone would admit
    expect(await admittedOf(east!, 3, 10)).toBe(0);
  });

  it('passes the limit, while replication lags, by no more than what the other region took unseen, and stops once it is seen', async () => {
    const table = new RegionalCounters(['us-east-1', 'eu-west-1'], false);
    const [east, west] = table.regions.map((r) => new RateLimiter(table.store(r), clock, tuning));
    expect(await admittedOf(east!, 4, 10)).toBe(4);
    table.replicate();
    const eastSeen = table.total('us-east-1');
    const unseen = await admittedOf(east!, 3, 10); // not yet replicated to eu-west-1
    const westAdmitted = await admittedOf(west!, 10, 10);
    expect(westAdmitted).toBe(10 - eastSeen);
    expect(4 + unseen + westAdmitted - 10).toBeLessThanOrEqual(table.total('us-east-1') - eastSeen);
    table.replicate();
    expect(await admittedOf(east!, 3, 10)).toBe(0);
    expect(await admittedOf(west!, 3, 10)).toBe(0);
  });
});

describe('windows', () => {
  it('aligns minute, hour and day windows to UTC', () => {
    expect(windowAt('minute', NOON)).toEqual({ kind: 'minute', start: Date.UTC(2026, 10, 22, 12, 0), end: Date.UTC(2026, 10, 22, 12, 1) });
    expect(windowAt('day', NOON).start).toBe(Date.UTC(2026, 10, 22));
  });

  it('formats durations as OpenAI does, rounding up to whole seconds', () => {
    expect(formatDuration(1)).toBe('1s');
    expect(formatDuration(59_001)).toBe('1m0s');
    expect(formatDuration(360_000)).toBe('6m0s');
    expect(formatDuration(3_723_000)).toBe('1h2m3s');
  });
});
