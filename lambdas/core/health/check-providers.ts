// The scheduled provider health check: probe every configured provider with the cheapest call that proves
// it answers with our key, record health and latency for the breaker and /health, and emit metrics.
import { METRICS } from '../observability';
import type { Clock, Logger, Metrics } from '../ports';
import type { Provider } from '../../providers/types';

export interface ProviderHealth {
  providerId: string;
  /** false: no key in this region; such a provider is skipped by routing and not probed */
  configured: boolean;
  healthy: boolean;
  latencyMs: number;
  checkedAt: number;
  /** status or error code of a failed probe */
  error?: string;
}

export interface ProviderHealthStore {
  record(region: string, results: readonly ProviderHealth[]): Promise<void>;
}

export interface HealthCheckDeps {
  providers: ReadonlyMap<string, Provider>;
  store: ProviderHealthStore;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  region: string;
  /** per probe @default 5000 */
  timeoutMs?: number;
}

export interface HealthCheckResult {
  providers: ProviderHealth[];
  /** at least one configured provider answered: this region can serve */
  canServe: boolean;
}

export async function checkProviders(deps: HealthCheckDeps): Promise<HealthCheckResult> {
  const timeoutMs = deps.timeoutMs ?? 5_000;
  const results = await Promise.all([...deps.providers.values()].map((p) => probeOne(p, deps, timeoutMs)));
  for (const r of results) {
    if (!r.configured) continue;
    deps.metrics.add(METRICS.providerHealthy, r.healthy ? 1 : 0, 'None', { Provider: r.providerId });
    if (r.healthy) deps.metrics.add(METRICS.upstreamLatency, r.latencyMs, 'Milliseconds', { Provider: r.providerId, Source: 'HealthCheck' });
  }
  await deps.store.record(deps.region, results);
  await deps.metrics.flush();
  const canServe = results.some((r) => r.configured && r.healthy);
  deps.logger.info('health check done', {
    canServe,
    providers: Object.fromEntries(results.map((r) => [r.providerId, r.configured ? (r.healthy ? 'healthy' : `unhealthy: ${r.error}`) : 'not configured'])),
  });
  return { providers: results, canServe };
}

async function probeOne(provider: Provider, deps: HealthCheckDeps, timeoutMs: number): Promise<ProviderHealth> {
  const start = deps.clock.now();
  const base = { providerId: provider.id, checkedAt: start };
  let configured: boolean;
  try {
    configured = await provider.isConfigured();
  } catch (err) {
    return { ...base, configured: true, healthy: false, latencyMs: 0, error: `key unreadable: ${errorCode(err)}` };
  }
  if (!configured) return { ...base, configured: false, healthy: false, latencyMs: 0 };
  try {
    await provider.probe({ signal: AbortSignal.timeout(timeoutMs), requestId: `health-${start}-${provider.id}` });
    return { ...base, configured: true, healthy: true, latencyMs: deps.clock.now() - start };
  } catch (err) {
    return { ...base, configured: true, healthy: false, latencyMs: deps.clock.now() - start, error: errorCode(err) };
  }
}

/** A short reason without the message body, which may echo request details. */
function errorCode(err: unknown): string {
  if (err && typeof err === 'object') {
    const e = err as { status?: number; code?: unknown; name?: string };
    if (typeof e.status === 'number' && e.status > 0) return `HTTP ${e.status}`;
    // string codes are errno-like (ECONNREFUSED); DOMException carries a legacy numeric code: use its name
    if (typeof e.code === 'string' && e.code) return e.code;
    if (e.name) return e.name;
  }
  return 'unknown';
}
