import { describe, expect, it } from 'vitest';
import { providerConfig } from '../../../../lambdas/core/config/schema';
import { runHealthChecks, type ProviderHealth } from '../../../../lambdas/core/health/check-providers';
import type { Logger, Metrics } from '../../../../lambdas/core/ports';
import { ProviderError, type Provider } from '../../../../lambdas/providers/types';

function provider(id: string, behaviour: { configured?: boolean; fail?: unknown; delayMs?: number }): Provider {
  return {
    id,
    type: 'openai',
    config: providerConfig.parse({ id, type: 'openai' }),
    isConfigured: async () => behaviour.configured ?? true,
    probe: async ({ signal }) => {
      if (behaviour.delayMs) {
        await new Promise((resolve, reject) => {
          const t = setTimeout(resolve, behaviour.delayMs);
          signal.addEventListener('abort', () => {
            clearTimeout(t);
            reject(signal.reason as Error);
          });
        });
      }
      if (behaviour.fail) throw behaviour.fail;
    },
    chat: async () => { throw new Error('not used'); },
    chatStream: async () => { throw new Error('not used'); },
    embeddings: async () => { throw new Error('not used'); },
  } as Provider;
}

function harness(providers: Provider[]) {
  const recorded: Array<{ region: string; results: readonly ProviderHealth[] }> = [];
  const points: Array<{ name: string; value: number; dimensions?: Record<string, string> }> = [];
  let flushed = 0;
  const metrics: Metrics = { add: (name, value, _unit, dimensions) => points.push({ name, value, dimensions }), flush: () => void flushed++ };
  const logger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
  let t = 1_000;
  return {
    recorded,
    points,
    flushed: () => flushed,
    run: (timeoutMs?: number) =>
      runHealthChecks({
        providers: new Map(providers.map((p) => [p.id, p])),
        store: { record: async (region, results) => void recorded.push({ region, results }) },
        clock: { now: () => (t += 7) },
        logger,
        metrics,
        region: 'eu-west-1',
        timeoutMs,
      }),
  };
}

describe('scheduled provider health check', () => {
  it('probes configured providers, records each result for the region, and emits ProviderHealthy per provider', async () => {
    const h = harness([
      provider('up', {}),
      provider('down', { fail: new ProviderError({ status: 503, retryable: true, code: 'upstream_error', message: 'Service Unavailable: body text' }) }),
      provider('keyless', { configured: false }),
    ]);
    const result = await h.run();
    expect(result.canServe).toBe(true);
    expect(h.recorded).toHaveLength(1);
    expect(h.recorded[0]!.region).toBe('eu-west-1');
    expect(h.recorded[0]!.results.map((r) => [r.providerId, r.configured, r.healthy, r.error])).toEqual([
      ['up', true, true, undefined],
      ['down', true, false, 'HTTP 503'],
      ['keyless', false, false, undefined],
    ]);
    expect(h.points.filter((p) => p.name === 'ProviderHealthy')).toEqual([
      { name: 'ProviderHealthy', value: 1, dimensions: { Provider: 'up' } },
      { name: 'ProviderHealthy', value: 0, dimensions: { Provider: 'down' } },
    ]);
    expect(h.flushed()).toBe(1);
  });

  it('says the region cannot serve when no configured provider answers', async () => {
    const h = harness([provider('down', { fail: new Error('ECONNREFUSED') }), provider('keyless', { configured: false })]);
    expect((await h.run()).canServe).toBe(false);
  });

  it('gives up on a provider that does not answer within the timeout', async () => {
    const h = harness([provider('slow', { delayMs: 5_000 })]);
    const started = Date.now();
    const result = await h.run(50);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(result.providers[0]).toMatchObject({ healthy: false, error: expect.stringMatching(/Timeout|Abort/) });
  });
});
