// The gateway entry point: metric dimensions come from fixed sets, whatever path a caller sends.
import { describe, expect, it } from 'vitest';
import { validateGatewayConfig } from '../../../lambdas/core/config/load';
import { createGateway, OTHER_ROUTE, routeOf, type GatewayDeps } from '../../../lambdas/core/gateway';
import type { GatewayRequest } from '../../../lambdas/core/http';
import type { Metrics } from '../../../lambdas/core/ports';
import { Resilience } from '../../../lambdas/core/resilience/resilience';
import { MemoryLogger } from '../../helpers/logs';

function recordingMetrics(): Metrics & { points: Array<{ name: string; dimensions?: Record<string, string> }> } {
  const points: Array<{ name: string; dimensions?: Record<string, string> }> = [];
  return { points, add: (name, _value, _unit, dimensions) => void points.push({ name, dimensions }), flush: () => {} };
}

function gatewayWith(metrics: Metrics) {
  const config = validateGatewayConfig({ providers: [{ id: 'mock', type: 'mock' }] });
  const clock = { now: () => Date.now() };
  const logger = new MemoryLogger();
  const alerts = { publish: async () => {} };
  const unused = new Proxy({}, { get: () => () => Promise.reject(new Error('not used for an unknown path')) });
  const deps = {
    config,
    providers: new Map(),
    tenants: unused,
    admission: unused,
    ledger: unused,
    clock,
    logger,
    metrics,
    alerts,
    resilience: new Resilience(config, { clock, logger, metrics, alerts }),
    region: 'local',
    version: 'test',
    doors: {},
  } as unknown as GatewayDeps;
  return { gateway: createGateway(deps), logger };
}

const request = (path: string, method = 'GET'): GatewayRequest => ({ method, path, headers: {}, query: {}, body: undefined, bodyBytes: 0, requestId: 'r1', receivedAt: Date.now(), identity: {} });

describe('metric dimensions', () => {
  it('names a route by its template, and every other path "other"', () => {
    expect(routeOf('/v1/chat/completions')).toBe('/v1/chat/completions');
    expect(routeOf('/health')).toBe('/health');
    for (const path of ['/v1/chat/completions/x', '/v1/anything-a-tenant-likes-8c1f', '/__proto__', '/constructor', '/v1/models/../usage']) expect(routeOf(path)).toBe(OTHER_ROUTE);
  });

  it('takes the template of a path with an id in it, never the id a caller sent', () => {
    expect(routeOf('/v1/responses/resp_0123abcd')).toBe('/v1/responses/{id}');
    expect(routeOf('/v1/responses/resp_any-thing/input_items')).toBe('/v1/responses/{id}/input_items');
    expect(routeOf('/v1/responses/x/cancel')).toBe('/v1/responses/{id}/cancel');
    for (const path of ['/v1/responses/', '/v1/responses//input_items', '/v1/responses/a/b', '/v1/responses/a/input_items/b']) expect(routeOf(path)).toBe(OTHER_ROUTE);
  });

  it('records an unknown path as Route "other" and its error by code, not the path a caller chose', async () => {
    const metrics = recordingMetrics();
    const { gateway, logger } = gatewayWith(metrics);
    for (const path of ['/v1/tenant-minted-metric-0001', '/v1/tenant-minted-metric-0002', '/constructor']) {
      const res = await gateway(request(path));
      expect(res.status).toBe(404);
      await res.after?.();
    }
    const dimensions = metrics.points.flatMap((p) => Object.values(p.dimensions ?? {}));
    expect(new Set(dimensions)).toEqual(new Set([OTHER_ROUTE, 'not_found']));
    expect(logger.find('request').map((l) => l.route)).toEqual([OTHER_ROUTE, OTHER_ROUTE, OTHER_ROUTE]);
  });
});
