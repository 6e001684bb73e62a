// GET /health (no auth): whether this region can serve. Route 53 health checks read the status code:
// 503 when no provider can take traffic (every breaker open, or unkeyed, or failing its health check) or
// when the state store does not answer. Cheap by design: breaker state is in memory, and the store is read
// at most once per few seconds whatever the probe rate.
import { jsonResponse, type GatewayRequest, type GatewayResponse } from '../http';
import type { GatewayDeps, RequestScope } from '../gateway';
import type { BreakerPhase } from '../resilience/breaker';

/** the store is read (one BatchGetItem) at most this often for /health */
export const HEALTH_STORE_CHECK_MS = 5_000;

interface ProviderStatus {
  breaker: BreakerPhase;
  healthy: boolean;
  /** per-model breakers, for providers configured with breaker.perModel */
  models?: Record<string, BreakerPhase>;
  latencyMs?: number;
  checkedAt?: string;
  error?: string;
}

export async function handleHealth(_req: GatewayRequest, _scope: RequestScope, deps: GatewayDeps): Promise<GatewayResponse> {
  const board = deps.resilience.breakers;
  const storeOk = await board.checkStore(HEALTH_STORE_CHECK_MS);
  const now = deps.clock.now();
  const providers: Record<string, ProviderStatus> = {};
  await Promise.all(
    [...deps.providers.values()].map(async (p) => {
      const entries = board.ofProvider(p.id);
      const phases = entries.map((e) => e.breaker.phase(now));
      const check = board.lastHealth(p.id, now);
      const status: ProviderStatus = {
        breaker: summary(phases),
        healthy: (await p.isConfigured()) && !board.failedHealthCheck(p.id, now),
      };
      if (entries.some((e) => e.model)) status.models = Object.fromEntries(entries.map((e, i) => [e.model!, phases[i]!]));
      if (check?.configured) Object.assign(status, { latencyMs: check.latencyMs, checkedAt: new Date(check.checkedAt).toISOString(), error: check.error });
      providers[p.id] = status;
    }),
  );
  const canServe = storeOk && Object.values(providers).some((p) => p.healthy && p.breaker !== 'open');
  return jsonResponse(canServe ? 200 : 503, {
    status: canServe ? 'ok' : 'unhealthy',
    region: deps.region,
    version: deps.version,
    providers,
    ...(deps.cache ? { cache: deps.cache.stats() } : {}),
    ...(storeOk ? {} : { store: 'unreachable' }),
  });
}

/** a provider with per-model breakers is open only when all are; any open or probing one makes it half-open */
function summary(phases: BreakerPhase[]): BreakerPhase {
  if (phases.length === 0) return 'closed';
  if (phases.every((p) => p === 'open')) return 'open';
  return phases.some((p) => p !== 'closed') ? 'half-open' : 'closed';
}
