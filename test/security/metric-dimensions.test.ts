// Hostile tenant: every distinct metric dimension value is a CloudWatch custom metric the operator pays for
// ($0.30 a month each), so a caller who could choose one could mint unlimited metrics. Paths, model names,
// headers and bodies of the tenant's choosing never become a dimension: routes are templates or "other",
// error codes a fixed list, providers the config's ids.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Metrics } from '../../lambdas/core/ports';
import { baseConfig, startTestGateway, type TestGateway } from '../helpers/gateway';
import { until } from '../helpers/wait';

const MARK = 'tenant-minted';
const ROUTES = new Set(['/v1/chat/completions', '/v1/embeddings', '/v1/models', '/v1/usage', '/health', 'other']);

describe('metric dimensions come from fixed sets', () => {
  let gw: TestGateway;
  const points: Array<{ name: string; dimensions: Record<string, string> }> = [];
  const metrics: Metrics = { add: (name, _v, _u, dimensions = {}) => void points.push({ name, dimensions }), flush: () => {} };

  beforeAll(async () => {
    gw = await startTestGateway(baseConfig(), { metrics });
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('whatever paths, models and headers a tenant sends', async () => {
    const answers: Response[] = [];
    for (let i = 0; i < 5; i++) {
      answers.push(await gw.call(`/v1/${MARK}-${i}`));
      answers.push(await gw.call(`/v1/chat/completions/${MARK}-${i}`, { body: { model: 'echo', messages: [{ role: 'user', content: 'hi' }] } }));
      answers.push(await gw.call(`/prod/v1/${MARK}/${i}/health`));
      answers.push(await gw.call('/v1/chat/completions', { body: { model: `mock/${MARK}-${i}`, messages: [{ role: 'user', content: 'hi' }] } }));
      answers.push(await gw.call('/v1/chat/completions', { body: { model: `${MARK}-${i}/x`, messages: [{ role: 'user', content: 'hi' }] }, headers: { 'x-gateway-policy': `task=${MARK}` } }));
    }
    await Promise.all(answers.map((a) => a.arrayBuffer()));
    // the Requests metric (with its Route) is recorded after each answer's last byte
    const routes = () => points.filter((p) => p.dimensions.Route !== undefined).map((p) => p.dimensions.Route!);
    await until(() => routes().length >= answers.length);
    for (const route of routes()) expect(ROUTES).toContain(route);
    for (const { dimensions } of points) {
      for (const value of Object.values(dimensions)) expect(value).not.toContain(MARK);
      if (dimensions.Provider) expect(['mock']).toContain(dimensions.Provider);
      if (dimensions.Code) expect(dimensions.Code).toMatch(/^[a-z_]{1,40}$/);
    }
  });
});
