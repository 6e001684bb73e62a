import { describe, expect, it } from 'vitest';
import { Deadline } from '../../../lambdas/core/deadline';
import type { ModelTarget } from '../../../lambdas/core/config/schema';
import { executeWithFallback } from '../../../lambdas/core/routing/execute';
import type { ResolvedModel } from '../../../lambdas/core/routing/resolve';
import { ProviderError, type Provider } from '../../../lambdas/providers/types';
import { MemoryLogger } from '../../helpers/logs';

type Behavior = (signal: AbortSignal) => Promise<string>;

function fakeProvider(id: string, behavior: Behavior, opts: { configured?: boolean; timeoutMs?: number } = {}): Provider {
  return {
    id,
    type: 'openai',
    config: { id, type: 'openai', timeoutMs: opts.timeoutMs },
    isConfigured: async () => opts.configured ?? true,
    chat: async () => {
      throw new Error('unused');
    },
    chatStream: async () => {
      throw new Error('unused');
    },
    embeddings: async () => {
      throw new Error('unused');
    },
    probe: async () => {},
  };
}

function setup(providers: Array<[string, Behavior, { configured?: boolean; timeoutMs?: number }?]>, deadlineMs = 5_000) {
  const map = new Map(providers.map(([id, b, o]) => [id, fakeProvider(id, b, o)]));
  const behaviors = new Map(providers.map(([id, b]) => [id, b]));
  const route: ResolvedModel = { requested: 'm', strategy: 'fallback', targets: providers.map(([id]) => ({ provider: id, model: `${id}-model` }) as ModelTarget) };
  const deps = { providers: map, clock: { now: () => Date.now() }, logger: new MemoryLogger(), metrics: { add: () => {}, flush: () => {} }, defaultTimeoutMs: 1_000 };
  const deadline = new Deadline(deadlineMs, Date.now());
  const run = () => executeWithFallback(route, deadline, deps, 'req', (p, _t, attempt) => behaviors.get(p.id)!(attempt.signal));
  return { run, deadline };
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
});
