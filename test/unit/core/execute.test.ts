import { describe, expect, it } from 'vitest';
import { Deadline } from '../../../lambdas/core/deadline';
import type { ProviderConfig } from '../../../lambdas/core/config/schema';
import { executeWithFallback } from '../../../lambdas/core/routing/execute';
import type { ResolvedModel } from '../../../lambdas/core/routing/resolve';
import { Bill, type OperatorBudget } from '../../../lambdas/core/admission/bill';
import { ProviderError, type Provider } from '../../../lambdas/providers/types';
import { validateGatewayConfig } from '../../../lambdas/core/config/load';
import { Resilience } from '../../../lambdas/core/resilience/resilience';
import { MAX_BREAKERS } from '../../../lambdas/core/resilience/breaker-board';
import { MemoryLogger } from '../../helpers/logs';

type Behavior = (signal: AbortSignal) => Promise<string>;
type Settings = { configured?: boolean; timeoutMs?: number; [setting: string]: unknown };

function fakeProvider(config: ProviderConfig, behavior: () => Behavior, configured: boolean): Provider {
  const unused = async () => {
    throw new Error('unused');
  };
  return { id: config.id, type: 'openai', config, isConfigured: async () => configured, chat: unused, chatStream: unused, embeddings: unused, probe: async () => {} };
}

/**
 * Fake providers (each a behavior over the attempt's signal) behind one shared Resilience, so successive
 * runs see each other's breakers, budgets and throttles. Providers default to one attempt each.
 */
function setup(providers: Array<[string, Behavior, Settings?]>, deadlineMs = 5_000, route: Partial<ResolvedModel> = {}, random = Math.random) {
  const config = validateGatewayConfig({
    providers: providers.map(([id, , { configured: _c, ...settings } = {}]) => ({ id, type: 'openai', retry: { maxAttempts: 1 }, ...settings })),
  });
  const behaviors = new Map(providers.map(([id, b]) => [id, b]));
  const calls = new Map<string, number>();
  const map = new Map(
    config.providers.map((pc, i) => [pc.id, fakeProvider(pc, () => behaviors.get(pc.id)!, providers[i]![2]?.configured ?? true)]),
  );
  const price = { inputPerMTok: 1, outputPerMTok: 1 };
  const targets = providers.map(([id]) => ({ provider: id, model: `${id}-model`, price }));
  // an alias by default (its targets share their providers' breakers); `direct: true` is direct addressing
  const resolved: ResolvedModel = { requested: 'm', strategy: 'fallback', direct: false, unpriced: [], targets, alias: { name: 'm', strategy: 'fallback', targets }, ...route };
  const clock = { now: () => Date.now() };
  const logger = new MemoryLogger();
  const metrics = { add: () => {}, flush: () => {} };
  const resilience = new Resilience(config, { clock, logger, metrics, alerts: { publish: async () => {} } }, random);
  const deps = { providers: map, clock, logger, metrics, defaultTimeoutMs: 1_000, resilience, config };
  const operator: OperatorBudget & { holds: number } = {
    holds: 0,
    reserve: async () => (operator.holds++, { settle: async () => {}, release: async () => {} }),
    charge: async () => {},
  };
  const bills: Bill[] = [];
  const run = (ms = deadlineMs) => {
    const bill = new Bill(1, operator, () => ({ prompt_tokens: 1, completion_tokens: 0, total_tokens: 1 }));
    bills.push(bill);
    return executeWithFallback(resolved, new Deadline(ms, Date.now()), deps, 'req', (p, _t, attempt) => {
      calls.set(p.id, (calls.get(p.id) ?? 0) + 1);
      return behaviors.get(p.id)!(attempt.signal);
    }, { bill, drain: async () => undefined });
  };
  return { run, calls, behaviors, logger, resilience, config, bills, operator };
}

const fail = (status: number, retryable = true) => async () => {
  throw new ProviderError({ status, retryable, code: `http_${status}`, message: `failed with ${status}` });
};
const answer = (text: string) => async () => text;
const hang: Behavior = (signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));

describe('executeWithFallback', () => {
  it('serves from the first target that answers and records each attempt', async () => {
    const { run } = setup([['a', fail(503)], ['b', fail(429)], ['c', answer('ok')]]);
    const result = await run();
    expect(result.value).toBe('ok');
    expect(result.provider.id).toBe('c');
    expect(result.attempts.map((a) => [a.provider, a.status])).toEqual([['a', 503], ['b', 429], ['c', 200]]);
  });

  it('skips a provider with no key without calling it', async () => {
    let called = false;
    const { run } = setup([['a', async () => ((called = true), 'x'), { configured: false }], ['b', answer('ok')]]);
    const result = await run();
    expect(called).toBe(false);
    expect(result.attempts[0]).toMatchObject({ provider: 'a', skipped: expect.any(String) });
  });

  it('falls over when a provider cannot serve the model (404) or rejects its key (401)', async () => {
    const { run } = setup([['a', fail(404, false)], ['b', fail(401, false)], ['c', answer('ok')]]);
    expect((await run()).provider.id).toBe('c');
  });

  it('returns a request the provider rejected as malformed to the caller without trying others', async () => {
    let tried = false;
    const { run } = setup([['a', fail(400, false)], ['b', async () => ((tried = true), 'x')]]);
    await expect(run()).rejects.toMatchObject({ status: 400, code: 'upstream_error' });
    expect(tried).toBe(false);
  });

  it('reports context_length_exceeded as a 400 for the caller', async () => {
    const { run } = setup([
      ['a', async () => { throw new ProviderError({ status: 400, retryable: false, code: 'context_length_exceeded', message: 'too long' }); }],
    ]);
    await expect(run()).rejects.toMatchObject({ status: 400, code: 'context_length_exceeded' });
  });

  it('answers 502 upstream_error listing the attempts when every target fails', async () => {
    const { run } = setup([['a', fail(500)], ['b', fail(503)]]);
    const err = await run().catch((e) => e);
    expect(err).toMatchObject({ status: 502, code: 'upstream_error' });
    expect(err.toBody().error.attempts).toHaveLength(2);
  });

  it('answers 503 all_providers_unavailable when every target was skipped', async () => {
    const { run } = setup([['a', answer('x'), { configured: false }]]);
    await expect(run()).rejects.toMatchObject({ status: 503, code: 'all_providers_unavailable' });
  });

  it('times out a hanging attempt and moves on to the next target', async () => {
    const { run } = setup([['slow', hang, { timeoutMs: 50 }], ['b', answer('ok')]]);
    const result = await run();
    expect(result.provider.id).toBe('b');
    expect(result.attempts[0]).toMatchObject({ provider: 'slow', code: 'timeout' });
  });

  it('answers 504 timeout when the request deadline passes', async () => {
    const { run } = setup([['a', hang, { timeoutMs: 10_000 }]], 50);
    await expect(run()).rejects.toMatchObject({ status: 504, code: 'timeout' });
  });

  it('retries the only target after a jittered backoff, and says so', async () => {
    let n = 0;
    const { run, calls, logger } = setup([['a', async () => (++n === 1 ? fail(500)() : 'ok'), { retry: { maxAttempts: 2, baseDelayMs: 10 } }]]);
    const result = await run();
    expect(result.value).toBe('ok');
    expect(calls.get('a')).toBe(2);
    expect(result.attempts.map((a) => a.status)).toEqual([500, 200]);
    expect(logger.find('retry')).toHaveLength(1);
  });

  it('falls over to a fresh target before retrying a failed one, even when the jitter makes the retry due at once', async () => {
    const retries = { retry: { maxAttempts: 3, baseDelayMs: 100 } };
    const { run, calls, logger } = setup([['a', fail(503), retries], ['b', answer('ok'), retries]], 5_000, {}, () => 0);
    const result = await run();
    expect(result.provider.id).toBe('b');
    expect([calls.get('a'), calls.get('b')]).toEqual([1, 1]);
    expect(logger.find('retry')).toHaveLength(0);
    expect(logger.find('fallback')).toHaveLength(1);
  });

  it('makes at most maxAttempts calls to a target, then answers 502 listing them', async () => {
    const { run, calls } = setup([['a', fail(503), { retry: { maxAttempts: 3, baseDelayMs: 5 } }]]);
    const err = await run().catch((e) => e);
    expect(err).toMatchObject({ status: 502, code: 'upstream_error' });
    expect(calls.get('a')).toBe(3);
  });

  it('does not retry an answer that says this provider cannot serve the model', async () => {
    const { run, calls } = setup([['a', fail(404, false), { retry: { maxAttempts: 3 } }]]);
    await expect(run()).rejects.toMatchObject({ status: 502 });
    expect(calls.get('a')).toBe(1);
  });

  it('skips a provider inside its Retry-After window while a fallback exists, without calling it', async () => {
    const throttled = async () => {
      throw new ProviderError({ status: 429, retryable: true, code: 'rate_limited', message: 'slow down', retryAfterMs: 5_000 });
    };
    const { run, calls } = setup([['a', throttled, { retry: { maxAttempts: 2 } }], ['b', answer('ok')]]);
    expect((await run()).provider.id).toBe('b');
    const second = await run();
    expect(second.provider.id).toBe('b');
    expect(calls.get('a')).toBe(1);
    expect(second.attempts[0]).toMatchObject({ provider: 'a', skipped: expect.stringMatching(/throttled/) });
  });

  it('waits out a short Retry-After when no other target is left, but not a long one', async () => {
    let n = 0;
    const throttledOnce = (ms: number) => async () => {
      if (++n === 1) throw new ProviderError({ status: 429, retryable: true, code: 'rate_limited', message: 'wait', retryAfterMs: ms });
      return 'ok';
    };
    const short = setup([['a', throttledOnce(300), { retry: { maxAttempts: 2 } }]]);
    const started = Date.now();
    expect((await short.run()).value).toBe('ok');
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    n = 0;
    const long = setup([['a', throttledOnce(60_000), { retry: { maxAttempts: 2 } }]], 2_000);
    const t0 = Date.now();
    const err = await long.run().catch((e) => e);
    expect(err).toMatchObject({ status: 502, headers: { 'retry-after': '60' } });
    expect(Date.now() - t0).toBeLessThan(1_500);
  });

  it('stops calling a provider once its breaker opens, and serves from the next target', async () => {
    const { run, calls, logger } = setup([['a', fail(500)], ['b', answer('ok')]]);
    for (let i = 0; i < 5; i++) await run(); // the default breaker opens on 5 consecutive failures
    const later = await run();
    expect(later.provider.id).toBe('b');
    expect(later.attempts[0]).toMatchObject({ provider: 'a', skipped: expect.stringMatching(/breaker open until/) });
    expect(calls.get('a')).toBe(5);
    expect(logger.find('fallback').at(-1)).toMatchObject({ from: 'a', to: 'b', reason: expect.stringMatching(/breaker open/) });
  });

  it('when every breaker is open, tries the target whose cooldown ends first rather than refusing', async () => {
    let bUp = false;
    const { run, calls } = setup([
      ['a', fail(500), { breaker: { consecutiveFailures: 1, cooldownMs: 60_000 } }],
      ['b', async () => (bUp ? 'ok' : fail(500)()), { breaker: { consecutiveFailures: 1, cooldownMs: 30_000 } }],
    ]);
    await run().catch(() => undefined); // opens both
    bUp = true;
    const result = await run();
    expect(result.provider.id).toBe('b');
    expect(calls.get('a')).toBe(1);
    expect(result.attempts.map((a) => a.skipped ?? a.status)).toEqual([expect.stringMatching(/breaker open/), 200]);
  });

  it('lets one probe through once the cooldown ends, and closes the breaker when it succeeds', async () => {
    let up = false;
    const { run, calls, resilience, config } = setup([
      ['a', async () => (up ? 'ok' : fail(503)()), { breaker: { consecutiveFailures: 2, cooldownMs: 200 } }],
      ['b', answer('backup')],
    ]);
    await run();
    await run();
    await run();
    expect(calls.get('a')).toBe(2);
    up = true;
    await new Promise((r) => setTimeout(r, 250));
    expect((await run()).provider.id).toBe('a');
    expect(resilience.breakers.entry(config.providers[0]!, 'a-model').breaker.phase(Date.now())).toBe('closed');
  });

  it('hedges a first target slower than its p95 with the next, on an operator hold; the loser runs to its end for its cost', async () => {
    let slow = false;
    let aborted = false;
    const primary: Behavior = (signal) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => resolve('primary'), slow ? 300 : 5);
        signal.addEventListener('abort', () => {
          aborted = true;
          clearTimeout(timer);
          reject(signal.reason);
        });
      });
    const { run, logger, operator, bills } = setup([['a', primary], ['b', answer('backup')]], 5_000, { alias: { name: 'm', strategy: 'fallback', targets: [], hedge: true } });
    for (let i = 0; i < 6; i++) expect((await run()).value).toBe('primary');
    expect(operator.holds).toBe(0);
    slow = true;
    const started = Date.now();
    const result = await run();
    expect(result.value).toBe('backup');
    expect(Date.now() - started).toBeLessThan(250);
    expect(operator.holds).toBe(1);
    expect(result.attempts).toEqual(expect.arrayContaining([expect.objectContaining({ provider: 'a', code: 'hedge_lost' }), expect.objectContaining({ provider: 'b', status: 200 })]));
    expect(logger.find('hedge started')).toHaveLength(1);
    // the loser is not cut off: it answers, and its call in the bill ends with it
    const bill = bills.at(-1)!;
    await bill.calls[0]!.ended;
    expect(aborted).toBe(false);
    expect(bill.calls.map((c) => [c.provider, c.over])).toEqual([['a', true], ['b', false]]);
  });

  it('keeps a call past its timeout running beside the next target, and serves it if it answers first', async () => {
    const late: Behavior = () => new Promise((resolve) => setTimeout(() => resolve('late'), 120));
    const never: Behavior = () => new Promise(() => {});
    const { run, operator, calls } = setup([['slow', late, { timeoutMs: 50 }], ['b', never]]);
    const result = await run(2_000);
    expect(result.value).toBe('late');
    expect(calls.get('b')).toBe(1);
    expect(operator.holds).toBe(1);
    expect(result.attempts[0]).toMatchObject({ provider: 'slow', code: 'timeout' });
  });

  it('does not start a second call beside a running one when the operator budget has no room', async () => {
    const late: Behavior = () => new Promise((resolve) => setTimeout(() => resolve('late'), 120));
    const { run, operator, calls } = setup([['slow', late, { timeoutMs: 50 }], ['b', answer('b')]]);
    operator.reserve = async () => undefined;
    const result = await run(2_000);
    expect(result.value).toBe('late');
    expect(calls.get('b')).toBeUndefined();
  });

  it('keeps retries within the retry budget', async () => {
    const { run, calls, logger } = setup([['a', fail(500), { retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1, budgetRatio: 0 } }]]);
    for (let i = 0; i < 120; i++) await run().catch(() => undefined);
    // budget 0 × first attempts + a reserve of 10 a second over 10 s
    expect(calls.get('a')).toBe(120 + 100);
    expect(logger.find('retry budget spent: not retrying').length).toBe(20);
  });
});


describe('one tenant cannot open a breaker or spend a retry budget that others share', () => {
  it.each([400, 401, 403, 404, 413, 422])('a %i (an answer about the request) never counts against the breaker', async (status) => {
    const { run, resilience, config } = setup([['a', fail(status, false)], ['b', answer('ok')]]);
    // 401/403/404 fall over to b; the others go back to the caller
    for (let i = 0; i < 12; i++) await run().catch((err: Error) => expect(err.message).toContain(`failed with ${status}`));
    expect(resilience.breakers.entry(config.providers[0]!, 'a-model').breaker.phase(Date.now())).toBe('closed');
  });

  it('nor does a prompt over the context window', async () => {
    const tooLong = async () => {
      throw new ProviderError({ status: 400, retryable: false, code: 'context_length_exceeded', message: 'too long' });
    };
    const { run, resilience, config } = setup([['a', tooLong]]);
    for (let i = 0; i < 8; i++) await expect(run()).rejects.toMatchObject({ code: 'context_length_exceeded' });
    expect(resilience.breakers.entry(config.providers[0]!, 'a-model').breaker.phase(Date.now())).toBe('closed');
  });

  it('5xx, no answer and timeouts still open the provider breaker', async () => {
    for (const behavior of [fail(503), fail(0), hang]) {
      const { run, resilience, config } = setup([['a', behavior, { timeouts: { minMs: 20, maxMs: 20 } }], ['b', answer('ok')]]);
      for (let i = 0; i < 5; i++) await run();
      expect(resilience.breakers.entry(config.providers[0]!, 'a-model').breaker.phase(Date.now())).toBe('open');
    }
  });

  it('failures of a model a caller addressed directly open that model’s breaker only, not the one aliases share', async () => {
    const { run, resilience, config } = setup([['a', fail(500)]], 5_000, { alias: undefined, direct: true, targets: [{ provider: 'a', model: 'tenant-chosen', price: { inputPerMTok: 1, outputPerMTok: 1 } }] });
    for (let i = 0; i < 6; i++) await expect(run()).rejects.toMatchObject({ code: 'upstream_error' });
    const provider = config.providers[0]!;
    expect(resilience.breakers.entry(provider, 'tenant-chosen', true).breaker.phase(Date.now())).toBe('open');
    expect(resilience.breakers.entry(provider, 'a-model').breaker.phase(Date.now())).toBe('closed');
    // and /health's view of the provider knows nothing of the tenant's model
    expect(resilience.breakers.ofProvider('a').map((e) => e.breaker.key)).toEqual(['a']);
  });

  it('retries of a directly addressed model spend a budget of their own', async () => {
    const { run, resilience, config } = setup([['a', fail(500), { retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1, budgetRatio: 0 } }]], 5_000, {
      alias: undefined,
      direct: true,
      targets: [{ provider: 'a', model: 'tenant-chosen', price: { inputPerMTok: 1, outputPerMTok: 1 } }],
    });
    // the reserve (10 a second over 10 s) is all a budget of ratio 0 has: the direct model spends it
    for (let i = 0; i < 110; i++) await run().catch(() => undefined);
    const provider = config.providers[0]!;
    expect(resilience.budget(provider, 'tenant-chosen').canRetry(Date.now())).toBe(false);
    expect(resilience.budget(provider).canRetry(Date.now())).toBe(true);
  });

  it('keeps at most MAX_BREAKERS breakers: idle ones of directly addressed models make room, and past that a call gets its own', () => {
    const { resilience, config } = setup([['a', answer('ok')]]);
    const provider = config.providers[0]!;
    const board = resilience.breakers;
    const first = board.entry(provider, 'direct-0', true);
    for (let i = 1; i < MAX_BREAKERS + 50; i++) board.entry(provider, `direct-${i}`, true).usedAt = i;
    expect(board.entry(provider, 'direct-0', true)).not.toBe(first); // the idle one was let go
    expect(board.entry(provider, 'a-model')).toBe(board.entry(provider, 'a-model')); // the config's stays
    // a long name is bounded in the key the store keeps
    expect(board.entry(provider, 'x'.repeat(100_000), true).breaker.key.length).toBeLessThan(300);
  });
});
