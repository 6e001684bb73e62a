import { describe, expect, it } from 'vitest';
import { backoffDelay, sleep } from '../../../../lambdas/core/resilience/backoff';
import { RETRY_RESERVE_PER_SECOND, RETRY_BUDGET_WINDOW_MS, RetryBudget } from '../../../../lambdas/core/resilience/retry-budget';

describe('backoffDelay (full jitter)', () => {
  const opts = { baseMs: 100, maxMs: 1_000 };

  it('draws uniformly below base × 2^(retry-1), capped at the maximum', () => {
    expect(backoffDelay(1, opts, () => 0)).toBe(0);
    expect(backoffDelay(1, opts, () => 0.999)).toBe(99);
    expect(backoffDelay(3, opts, () => 0.5)).toBe(200);
    expect(backoffDelay(10, opts, () => 0.999)).toBe(999);
  });

  it('never waits less than the provider asked for', () => {
    expect(backoffDelay(1, { ...opts, retryAfterMs: 5_000 }, () => 0.3)).toBe(5_000);
  });

  it('spreads retries out: many draws cover the range', () => {
    let seed = 42;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const draws = Array.from({ length: 1_000 }, () => backoffDelay(2, opts, random));
    expect(Math.min(...draws)).toBeLessThan(20);
    expect(Math.max(...draws)).toBeGreaterThan(180);
    expect(draws.every((d) => d >= 0 && d < 200)).toBe(true);
  });
});

describe('sleep', () => {
  it('rejects with the reason as soon as its signal aborts', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const waiting = sleep(10_000, controller.signal);
    controller.abort(new Error('deadline'));
    await expect(waiting).rejects.toThrow('deadline');
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});

describe('RetryBudget', () => {
  it('allows retries up to the ratio of first attempts plus the reserve, then refuses', () => {
    const budget = new RetryBudget(0.2);
    const reserve = (RETRY_RESERVE_PER_SECOND * RETRY_BUDGET_WINDOW_MS) / 1000;
    for (let i = 0; i < 1_000; i++) budget.recordCall(0, false);
    let retries = 0;
    while (budget.canRetry(0)) {
      budget.recordCall(0, true);
      retries++;
    }
    expect(retries).toBe(200 + reserve);
  });

  it('frees the budget as the window slides', () => {
    const budget = new RetryBudget(0);
    while (budget.canRetry(0)) budget.recordCall(0, true);
    expect(budget.canRetry(RETRY_BUDGET_WINDOW_MS - 1)).toBe(false);
    expect(budget.canRetry(RETRY_BUDGET_WINDOW_MS * 2)).toBe(true);
  });
});
