// The provider health check: probe every configured provider with its cheapest call (the scheduled Lambda
// every minute, the local server on an interval), record health and latency where the breakers and
// GET /health read them, and emit the ProviderHealthy metric the "no healthy provider" alarm watches.
// A probe never moves a breaker: a cheap endpoint answering says little about chat; real calls do that.
import { METRICS } from '../observability';
import type { Clock, HttpClient, Logger, Metrics, ProviderHealth, ProviderHealthStore } from '../ports';
import { probeRegion, type RegionProbe } from './region-probe';
import type { Provider } from '../../providers/types';

export type { ProviderHealth, ProviderHealthStore } from '../ports';

export interface HealthCheckDeps {
  providers: ReadonlyMap<string, Provider>;
  store: ProviderHealthStore;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  region: string;
  /** per probe @default 5000 */
  timeoutMs?: number;
  /**
   * The region's own GET /health (through its API), probed alongside the providers; its answer is the
   * RegionHealthy metric that regional failover follows @default - not probed (local runs)
   */
  regionEndpoint?: { url: string; http: HttpClient };
}

export interface HealthCheckResult {
  providers: ProviderHealth[];
  /** at least one configured provider answered: this region can serve */
  canServe: boolean;
  /** what the region's own /health answered, when it was probed */
  region?: RegionProbe;
}

export const HEALTH_PROBE_TIMEOUT_MS = 5_000;

/**
 * Probe every provider in parallel, record the results, flush the metrics. Never throws for a provider;
 * throws only when the results cannot be recorded (the caller's retry or alarm should notice).
 */
export async function runHealthChecks(deps: HealthCheckDeps): Promise<HealthCheckResult> {
  const timeoutMs = deps.timeoutMs ?? HEALTH_PROBE_TIMEOUT_MS;
  const endpoint = deps.regionEndpoint;
  const regionProbe = endpoint ? probeRegion(endpoint.url, endpoint.http, deps.clock) : undefined;
  const results = await Promise.all([...deps.providers.values()].map((p) => probeOne(p, deps, timeoutMs)));
  const region = await regionProbe;
  // one series per configured provider and one for the region: each is a custom metric billed monthly, so
  // the probe's latency stays in the log and the breaker table rather than becoming more of them
  for (const r of results) {
    if (r.configured) deps.metrics.add(METRICS.providerHealthy, r.healthy ? 1 : 0, 'None', { Provider: r.providerId });
  }
  if (region) deps.metrics.add(METRICS.regionHealthy, region.healthy ? 1 : 0, 'None');
  const canServe = results.some((r) => r.configured && r.healthy);
  deps.logger.info('health check done', {
    region: deps.region,
    canServe,
    providers: Object.fromEntries(results.map((r) => [r.providerId, r.configured ? (r.healthy ? `healthy ${r.latencyMs} ms` : `unhealthy: ${r.error}`) : 'not configured'])),
    ...(region ? { endpoint: region.healthy ? `healthy ${region.latencyMs} ms` : `unhealthy: ${region.reason}` } : {}),
  });
  try {
    await deps.store.record(deps.region, results);
  } finally {
    // the region's answer is published even when the store cannot take the providers' results
    await deps.metrics.flush();
  }
  return { providers: results, canServe, ...(region ? { region } : {}) };
}


async function probeOne(provider: Provider, deps: HealthCheckDeps, timeoutMs: number): Promise<ProviderHealth> {
  const checkedAt = deps.clock.now();
  const base = { providerId: provider.id, checkedAt };
  let configured: boolean;
  try {
    configured = await provider.isConfigured();
  } catch (err) {
    return { ...base, configured: true, healthy: false, latencyMs: 0, error: `key unreadable: ${reasonOf(err)}` };
  }
  if (!configured) return { ...base, configured: false, healthy: false, latencyMs: 0 };
  try {
    await provider.probe({ signal: AbortSignal.timeout(timeoutMs), requestId: `health-${checkedAt}-${provider.id}` });
    return { ...base, configured: true, healthy: true, latencyMs: deps.clock.now() - checkedAt };
  } catch (err) {
    return { ...base, configured: true, healthy: false, latencyMs: deps.clock.now() - checkedAt, error: reasonOf(err) };
  }
}

/** a short reason (status, code or error name): a provider's message may echo request details */
function reasonOf(err: unknown): string {
  if (err && typeof err === 'object') {
    const e = err as { status?: number; code?: unknown; name?: string };
    if (typeof e.status === 'number' && e.status > 0) return `HTTP ${e.status}`;
    // string codes are errno-like (ECONNREFUSED); DOMException carries a legacy numeric code: use its name
    if (typeof e.code === 'string' && e.code) return e.code;
    if (e.name) return e.name;
  }
  return 'unknown';
}
