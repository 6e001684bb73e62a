import { describe, expect, it } from 'vitest';
import { validateGatewayConfig } from '../../../../lambdas/core/config/load';
import { attemptTimeouts, MIN_SAMPLES_FOR_TIMEOUT } from '../../../../lambdas/core/resilience/adaptive-timeout';
import { LatencyTracker } from '../../../../lambdas/core/resilience/latency';

const provider = (over: Record<string, unknown> = {}) => validateGatewayConfig({ providers: [{ id: 'p', type: 'openai', ...over }] }).providers[0]!;

describe('LatencyTracker', () => {
  it('reads p50 and p95 of the recent samples per provider, model and kind', () => {
    const t = new LatencyTracker();
    for (let ms = 1; ms <= 100; ms++) t.record('p', 'm', 'chat', ms, 0);
    t.record('p', 'm', 'stream', 5_000, 0);
    expect(t.percentile('p', 'm', 'chat', 50, 0)).toBe(50);
    expect(t.percentile('p', 'm', 'chat', 95, 0)).toBe(95);
    expect(t.percentile('p', 'm', 'stream', 50, 0, 3)).toBeUndefined();
    expect(t.percentile('p', 'other', 'chat', 50, 0)).toBeUndefined();
  });

  it('keeps only the last samples, so a provider that got faster is seen as fast', () => {
    const t = new LatencyTracker();
    for (let i = 0; i < 200; i++) t.record('p', 'm', 'chat', 1_000, 0);
    for (let i = 0; i < 128; i++) t.record('p', 'm', 'chat', 10, 1);
    expect(t.percentile('p', 'm', 'chat', 95, 1)).toBe(10);
  });

  it('drops samples older than a few minutes', () => {
    const t = new LatencyTracker();
    for (let i = 0; i < 10; i++) t.record('p', 'm', 'chat', 100, 0);
    expect(t.percentile('p', 'm', 'chat', 50, 10 * 60_000)).toBeUndefined();
  });

  it('forgets the p50 and p95 of a target that got no traffic for 5 minutes, though it was read meanwhile', () => {
    // Prepare: a fake clock; the samples were read (and sorted) while fresh
    let now = 0;
    const t = new LatencyTracker();
    for (let i = 0; i < 10; i++) t.record('p', 'm', 'chat', 100, now);
    expect(t.percentile('p', 'm', 'chat', 50, now)).toBe(100);

    // Act: no sample arrives; routing and timeouts keep reading
    now = 4 * 60_000;
    const stillFresh = t.percentile('p', 'm', 'chat', 95, now);
    now = 5 * 60_000 + 1;
    const expired = [t.percentile('p', 'm', 'chat', 50, now), t.percentile('p', 'm', 'chat', 95, now)];

    // Assess
    expect(stillFresh).toBe(100);
    expect(expired).toEqual([undefined, undefined]);
  });

  it('drops the expired samples from a read and keeps the fresh ones', () => {
    // Prepare: a slow spell, then fast answers four minutes later
    let now = 0;
    const t = new LatencyTracker();
    for (let i = 0; i < 5; i++) t.record('p', 'm', 'chat', 2_000, now);
    now = 4 * 60_000;
    for (let i = 0; i < 5; i++) t.record('p', 'm', 'chat', 40, now);
    expect(t.percentile('p', 'm', 'chat', 95, now)).toBe(2_000);

    // Act: the slow spell passes 5 minutes of age with no new sample
    now = 5 * 60_000 + 1;

    // Assess
    expect(t.percentile('p', 'm', 'chat', 95, now)).toBe(40);
  });
});

describe('attemptTimeouts', () => {
  const tracker = (ms: number, n = MIN_SAMPLES_FOR_TIMEOUT) => {
    const t = new LatencyTracker();
    for (let i = 0; i < n; i++) t.record('p', 'm', 'chat', ms, 0);
    t.record('p', 'm', 'stream', ms, 0);
    return t;
  };

  it('uses the configured timeout until the p95 rests on enough samples', () => {
    expect(attemptTimeouts(provider({ timeoutMs: 7_000 }), 'm', 'chat', tracker(100, 3), 0, 60_000).attemptMs).toBe(7_000);
    expect(attemptTimeouts(provider(), 'm', 'chat', new LatencyTracker(), 0, 60_000).attemptMs).toBe(60_000);
  });

  it('adapts to p95 × 1.5, clamped to the configured bounds', () => {
    expect(attemptTimeouts(provider({ timeoutMs: 30_000 }), 'm', 'chat', tracker(2_000), 0, 60_000).attemptMs).toBe(3_000);
    expect(attemptTimeouts(provider({ timeoutMs: 30_000 }), 'm', 'chat', tracker(100), 0, 60_000).attemptMs).toBe(1_000);
    expect(attemptTimeouts(provider({ timeoutMs: 30_000, timeouts: { minMs: 200 } }), 'm', 'chat', tracker(100), 0, 60_000).attemptMs).toBe(200);
    expect(attemptTimeouts(provider({ timeoutMs: 30_000 }), 'm', 'chat', tracker(50_000), 0, 60_000).attemptMs).toBe(30_000);
    // a provider timeout below the default minimum is its own floor
    expect(attemptTimeouts(provider({ timeoutMs: 500 }), 'm', 'chat', tracker(10), 0, 60_000).attemptMs).toBe(500);
  });

  it('goes back to the configured timeout once the samples it adapted to are 5 minutes old', () => {
    // Prepare: p95 of 2 s gave a 3 s timeout while the samples were fresh
    const t = tracker(2_000);
    const config = provider({ timeoutMs: 30_000 });
    expect(attemptTimeouts(config, 'm', 'chat', t, 60_000, 60_000).attemptMs).toBe(3_000);

    // Act: no traffic for five minutes
    const later = attemptTimeouts(config, 'm', 'chat', t, 5 * 60_000 + 1, 60_000).attemptMs;

    // Assess
    expect(later).toBe(30_000);
  });

  it('bounds a stream by its first byte and the gaps between chunks', () => {
    const t = attemptTimeouts(provider({ timeouts: { firstByteMs: 2_000, idleMs: 5_000 } }), 'm', 'stream', tracker(100), 0, 60_000);
    expect(t).toEqual({ attemptMs: 2_000, idleMs: 5_000 });
    expect(attemptTimeouts(provider({ timeoutMs: 9_000 }), 'm', 'stream', new LatencyTracker(), 0, 60_000)).toEqual({ attemptMs: 9_000, idleMs: 9_000 });
  });
});
