// The Switchboard config the bench runs with: one OpenAI-compatible provider at the fake upstream, an alias
// with the model name the request body carries, and a tenant with rate limits and a budget (set far above
// what a bench run spends, so the tenant is admitted on every request, as a tenant far from its limits is).
import { parseGatewayConfig } from '../lambdas/core/config/load';
import type { GatewayConfig } from '../lambdas/core/config/schema';
import { CACHED_MODEL, MODEL, TENANT_KEY } from './workload';

export const UPSTREAM_KEY_ENV = 'BENCH_UPSTREAM_KEY';

export function benchGatewayConfig(upstreamUrl: string): { json: string; config: GatewayConfig } {
  const raw = {
    // private: the fake upstream is on loopback, which a deployed function (the cold-start variants run the
    // bundle as Lambda does) refuses for a provider not marked private (docs/guardrails.md, provider URLs)
    providers: [{ id: 'bench-upstream', type: 'openai', baseUrl: `${upstreamUrl}/v1`, apiKeyEnv: UPSTREAM_KEY_ENV, models: [MODEL], private: true }],
    models: [
      { name: MODEL, strategy: 'fallback', targets: [{ provider: 'bench-upstream', model: MODEL }] },
      // the cache-miss and cache-hit targets: the same upstream model behind a response cache
      { name: CACHED_MODEL, strategy: 'fallback', targets: [{ provider: 'bench-upstream', model: MODEL }], cache: { ttlSeconds: 3600 } },
    ],
    tenants: [
      {
        id: 'bench',
        apiKeys: [TENANT_KEY],
        limits: { requestsPerMinute: 1_000_000, requestsPerDay: 100_000_000, tokensPerMinute: 1_000_000_000 },
        budget: { perRequestUsd: 1, dailyUsd: 100_000, monthlyUsd: 1_000_000 },
      },
    ],
    pricing: { [MODEL]: { inputPerMTok: 0.15, outputPerMTok: 0.6, cachedInputPerMTok: 0.075 } },
  };
  const json = JSON.stringify(raw, null, 2);
  // fail here, with the schema's message, rather than in a child process's log
  return { json, config: parseGatewayConfig(json, 'the bench gateway config') };
}
