// GET /health (no auth): whether this region can serve. Route 53 health checks read the status code.
import { jsonResponse, type GatewayRequest, type GatewayResponse } from '../http';
import type { GatewayDeps, RequestScope } from '../gateway';

export async function handleHealth(_req: GatewayRequest, _scope: RequestScope, deps: GatewayDeps): Promise<GatewayResponse> {
  const providers: Record<string, { breaker: string; healthy: boolean }> = {};
  await Promise.all(
    [...deps.providers.values()].map(async (p) => {
      providers[p.id] = { breaker: 'closed', healthy: await p.isConfigured() };
    }),
  );
  const anyHealthy = Object.values(providers).some((p) => p.healthy);
  return jsonResponse(anyHealthy ? 200 : 503, {
    status: anyHealthy ? 'ok' : 'unhealthy',
    region: deps.region,
    version: deps.version,
    providers,
  });
}
