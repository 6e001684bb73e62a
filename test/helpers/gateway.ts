// Start the real local gateway (embedded dynalite, the Lambda handler through the streaming shim) on a free
// loopback port, with a config built for the test.
import OpenAI from 'openai';
import { validateGatewayConfig } from '../../lambdas/core/config/load';
import type { HttpClient, Metrics } from '../../lambdas/core/ports';
import { startLocalGateway, type LocalGateway } from '../../lambdas/local/server';
import { MemoryLogger } from './logs';

export const TEST_KEY = 'sk-test-tenant-key-0001';

export interface TestGateway extends LocalGateway {
  logger: MemoryLogger;
  /** an official OpenAI client pointed at the gateway with the test tenant's key */
  client(opts?: { apiKey?: string; maxRetries?: number }): OpenAI;
  /** fetch against the gateway, with the test key unless headers say otherwise */
  call(path: string, init?: { method?: string; body?: unknown; headers?: Record<string, string> }): Promise<Response>;
}

const silentMetrics: Metrics = { add: () => {}, flush: () => {} };

/** the smallest config a test needs: the mock provider, one tenant, an `echo` alias */
export function baseConfig(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    providers: [{ id: 'mock', type: 'mock' }],
    models: [{ name: 'echo', targets: [{ provider: 'mock', model: 'echo' }] }],
    tenants: [{ id: 'test', apiKeys: [TEST_KEY] }],
    pricing: { echo: { inputPerMTok: 1, outputPerMTok: 2 }, embed: { inputPerMTok: 0.02, outputPerMTok: 0 } },
    ...overrides,
  };
}

export async function startTestGateway(
  rawConfig: Record<string, unknown> = baseConfig(),
  opts: { env?: Record<string, string | undefined>; dynamodbEndpoint?: string; groupCommitMs?: number; metrics?: Metrics; http?: HttpClient; timeScale?: number } = {},
): Promise<TestGateway> {
  const logger = new MemoryLogger();
  const gateway = await startLocalGateway({
    config: validateGatewayConfig(rawConfig, 'test config'),
    port: 0,
    env: opts.env ?? {},
    dynamodbEndpoint: opts.dynamodbEndpoint,
    groupCommitMs: opts.groupCommitMs,
    timeScale: opts.timeScale,
    logger,
    metrics: opts.metrics ?? silentMetrics,
    http: opts.http,
  });
  return {
    ...gateway,
    logger,
    client: (o = {}) => new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: o.apiKey ?? TEST_KEY, maxRetries: o.maxRetries ?? 0 }),
    call: (path, init = {}) =>
      fetch(`${gateway.url}${path}`, {
        method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
        headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json', ...init.headers },
        body: init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
      }),
  };
}
