// The middy composition of the request/response Lambda entries: Powertools' Lambda context on each
// invocation's log lines, and its metrics published when it ends, also when it throws.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger, PowertoolsMetricsAdapter } from '../../../lambdas/adapters/observability/powertools';
import { lambdaHandler } from '../../../lambdas/handlers/middleware';
import { captured, lambdaContext } from '../../helpers/lambda';

describe('lambdaHandler (middy with injectLambdaContext and logMetrics)', () => {
  beforeEach(() => vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false'));
  afterEach(() => vi.unstubAllEnvs());

  it("puts each invocation's request id on the lines it logs", async () => {
    // Prepare
    const logger = createLogger();
    const handler = lambdaHandler(async (event: { n: number }) => (logger.info('probe ran', { n: event.n }), event.n), { logger });

    // Act
    const { lines } = await captured(async () => {
      await handler({ n: 1 }, lambdaContext('invocation-1'));
      await handler({ n: 2 }, lambdaContext('invocation-2'));
    });

    // Assess
    const probes = lines.filter((l) => l.message === 'probe ran');
    expect(probes.map((l) => [l.function_request_id, l.n])).toEqual([
      ['invocation-1', 1],
      ['invocation-2', 2],
    ]);
  });

  it('publishes what the invocation recorded when it ends, one EMF blob per dimension set, also when it throws', async () => {
    // Prepare
    const logger = createLogger();
    const metrics = new PowertoolsMetricsAdapter();
    const handler = lambdaHandler(async (event: { fail: boolean }) => {
      metrics.add('ProviderHealthy', 1, 'Count', { Provider: 'openai' });
      metrics.add('ProviderHealthy', 0, 'Count', { Provider: 'claude' });
      if (event.fail) throw new Error('the store is down');
      return 'ok';
    }, { logger, metrics });

    // Act
    const { lines } = await captured(async () => {
      await handler({ fail: false }, lambdaContext('invocation-1'));
      await handler({ fail: true }, lambdaContext('invocation-2')).catch(() => undefined);
    });

    // Assess: nothing here calls flush(); logMetrics did, after the handler and on its error
    const blobs = lines.filter((l) => '_aws' in l);
    expect(blobs.map((b) => [b.Provider, b.ProviderHealthy])).toEqual([
      ['openai', 1],
      ['claude', 0],
      ['openai', 1],
      ['claude', 0],
    ]);
  });

  it('prints no Powertools warning for an invocation that recorded no metrics (the authorizer records none)', async () => {
    // Prepare
    const logger = createLogger();
    const metrics = new PowertoolsMetricsAdapter();
    const handler = lambdaHandler(async () => 'allowed', { logger, metrics });

    // Act
    const { lines, stderr } = await captured(() => handler({}, lambdaContext('invocation-1')));

    // Assess
    expect(lines).toEqual([]);
    expect(stderr.join('')).toBe('');
  });
});
