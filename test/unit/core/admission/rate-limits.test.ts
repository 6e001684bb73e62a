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
