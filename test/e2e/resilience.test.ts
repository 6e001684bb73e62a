// Resilience through the local gateway end to end: /health from breakers, health checks and the store;
// the stream idle timeout; shadow traffic; policy hints; breaker alerts. Faults come from fake providers
// on loopback.
import { afterEach, describe, expect, it } from 'vitest';
import { ANSWER, failing, healthy } from '../fakes/faults';
import { openaiStreamFrames, startFakeUpstream, type FakeUpstream } from '../fakes/upstream';
import { startTestDynamo } from '../helpers/dynalite';
import { baseConfig, startTestGateway, type TestGateway } from '../helpers/gateway';

const KEY = 'sk-upstream-resilience-0001';
const env = { UPSTREAM_KEY: KEY };
const upstreamProvider = (id: string, fake: FakeUpstream, extra: Record<string, unknown> = {}) => ({
  id,
  type: 'openai',
  baseUrl: `${fake.url}/v1`,
  apiKeyEnv: 'UPSTREAM_KEY',
  ...extra,
});

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

async function fake(handler: Parameters<typeof startFakeUpstream>[0]) {
  const f = await startFakeUpstream(handler);
  cleanup.push(() => f.close());
  return f;
}

/** the models these tests call, priced (money is not what they are about) */
const PRICES = Object.fromEntries(['m', 'x', 'y', 'p', 's', 'c', 'o'].map((m) => [m, { inputPerMTok: 1, outputPerMTok: 1 }]));

async function gateway(config: Record<string, unknown>, opts: Parameters<typeof startTestGateway>[1] = { env }) {
  const gw = await startTestGateway(baseConfig({ ...config, pricing: { ...PRICES, ...(config.pricing as object) } }), opts);
  cleanup.push(() => gw.close());
  return gw;
}

async function health(gw: TestGateway) {
  const res = await fetch(`${gw.url}/health`);
  return { status: res.status, body: (await res.json()) as { status: string; store?: string; providers: Record<string, { breaker: string; healthy: boolean; error?: string }> } };
}

describe('GET /health', () => {
  it('reports each breaker, turns 503 once every provider is open, and alerts once when a breaker opens', async () => {
    const dead = await fake(failing(500));
    const gw = await gateway({
      providers: [upstreamProvider('dead', dead, { breaker: { consecutiveFailures: 2, cooldownMs: 60_000 } })],
      models: [{ name: 'only-dead', targets: [{ provider: 'dead', model: 'm' }] }],
    });
    expect(await health(gw)).toMatchObject({ status: 200, body: { status: 'ok', providers: { dead: { breaker: 'closed', healthy: true } } } });
    for (let i = 0; i < 2; i++) {
      const res = await gw.call('/v1/chat/completions', { body: { model: 'only-dead', messages: [{ role: 'user', content: 'x' }] } });
      expect(res.status).toBe(502);
    }
    expect(await health(gw)).toMatchObject({ status: 503, body: { status: 'unhealthy', providers: { dead: { breaker: 'open' } } } });
    // the alert goes out with the breaker's transition, shared after the response
    await waitFor(() => gw.logger.find('ALERT dead breaker opened').length > 0);
    expect(gw.logger.find('ALERT dead breaker opened')).toHaveLength(1);
    expect(gw.logger.find('breaker opened')[0]).toMatchObject({ breaker: 'dead', provider: 'dead', consecutive: 2 });
  });

  it('shows the health check results, and answers 503 when the state store is unreachable', async () => {
    const up = await fake(healthy());
    const down = await fake(failing(503));
    const db = await startTestDynamo();
    const gw = await gateway({ providers: [upstreamProvider('up', up), upstreamProvider('down', down)], models: [] }, { env, dynamodbEndpoint: db.endpoint });
    const checked = await gw.checkHealth();
    expect(checked.canServe).toBe(true);
    expect(down.received.at(-1)).toMatchObject({ method: 'GET', path: '/v1/models' });
    const ok = await health(gw);
    expect(ok).toMatchObject({ status: 200, body: { providers: { up: { healthy: true }, down: { healthy: false, error: 'HTTP 503' } } } });
    await db.stop();
    // /health reads the store at most once per few seconds: wait that out
    await new Promise((r) => setTimeout(r, 5_100));
    expect(await health(gw)).toMatchObject({ status: 503, body: { status: 'unhealthy', store: 'unreachable' } });
  });
});

describe('breakers shared by instances through the breaker table', () => {
  it('an open breaker reaches the other instance within a second, and after the cooldown only one instance probes', async () => {
    const dead = await fake(failing(500));
    const backup = await fake(healthy());
    const db = await startTestDynamo();
    cleanup.push(() => db.stop());
    const config = {
      providers: [upstreamProvider('dead', dead, { breaker: { cooldownMs: 2_000 }, retry: { maxAttempts: 1 } }), upstreamProvider('backup', backup)],
      models: [{ name: 'm', targets: [{ provider: 'dead', model: 'x' }, { provider: 'backup', model: 'y' }] }],
    };
    const a = await gateway(config, { env, dynamodbEndpoint: db.endpoint });
    const b = await gateway(config, { env, dynamodbEndpoint: db.endpoint });
    const ask = (gw: TestGateway) => gw.call('/v1/chat/completions', { body: { model: 'm', messages: [{ role: 'user', content: 'x' }] } });
    for (let i = 0; i < 5; i++) expect((await ask(a)).status).toBe(200);
    await waitFor(() => a.logger.find('breaker opened').length === 1);
    expect(dead.received).toHaveLength(5);
    await new Promise((r) => setTimeout(r, 1_100)); // b's cached view is now stale: its next request reads the table
    for (let i = 0; i < 5; i++) expect((await ask(b)).headers.get('x-gateway-provider')).toBe('backup');
    expect(dead.received).toHaveLength(5);
    expect(b.logger.find('breaker opened')).toHaveLength(0); // one transition, logged (and alerted) once

    await new Promise((r) => setTimeout(r, 2_000)); // the cooldown ends: half-open
    const answers = await Promise.all([ask(a), ask(b), ask(a), ask(b)]);
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    // at most one probe among both instances (none if the store was too slow to grant the lease in time)
    const probes = [...a.logger.find('breaker half-open: probing'), ...b.logger.find('breaker half-open: probing')];
    expect(probes.length).toBeLessThanOrEqual(1);
    expect(dead.received).toHaveLength(5 + probes.length);
  });
});

describe('streams', () => {
  it('end with an error event the SDK raises when the provider goes silent past the idle timeout', async () => {
    const stalls = await fake(async (req, res) => {
      const frames = openaiStreamFrames('m', ['alpha ', 'beta']);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(frames[0]);
      res.write(frames[1]);
      await new Promise((r) => setTimeout(r, 10_000)); // then nothing, until the gateway gives up
    });
    const gw = await gateway({
      providers: [upstreamProvider('stalls', stalls, { timeouts: { idleMs: 300 } })],
      models: [{ name: 'stalling', targets: [{ provider: 'stalls', model: 'm' }] }],
    });
    const started = Date.now();
    const stream = await gw.client().chat.completions.create({ model: 'stalling', stream: true, messages: [{ role: 'user', content: 'x' }] });
    let text = '';
    await expect(
      (async () => {
        for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
      })(),
    ).rejects.toThrow(/no chunk for 300 ms/);
    expect(text).toBe('alpha ');
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe('shadow traffic', () => {
  it('mirrors the request after the answer, records both side by side, and charges only the primary', async () => {
    const primary = await fake(healthy());
    const shadow = await fake(healthy({ delayMs: 200 }));
    const gw = await gateway({
      providers: [upstreamProvider('primary', primary), upstreamProvider('shadow', shadow)],
      models: [{ name: 'shadowed', targets: [{ provider: 'primary', model: 'p-model' }], shadow: { provider: 'shadow', model: 's-model', percent: 100 } }],
      pricing: { 'p-model': { inputPerMTok: 1, outputPerMTok: 2 }, 's-model': { inputPerMTok: 10, outputPerMTok: 20 } },
    });
    const { data, response } = await gw.client().chat.completions.create({ model: 'shadowed', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    expect(data.choices[0]!.message.content).toBe(ANSWER);
    expect(response.headers.get('x-gateway-provider')).toBe('primary');
    await waitFor(() => gw.logger.find('shadow compared').length === 1);
    const line = gw.logger.find('shadow compared')[0]!;
    expect(line).toMatchObject({
      alias: 'shadowed',
      primary: { provider: 'primary', model: 'p-model', chars: ANSWER.length },
      shadow: { provider: 'shadow', model: 's-model', chars: ANSWER.length },
    });
    expect((line.shadow as { latencyMs: number }).latencyMs).toBeGreaterThanOrEqual(190);
    expect((shadow.received[0]!.body as { stream?: boolean; model: string }).model).toBe('s-model');
    // the shadow call is the operator's: in the same request, beside the tenant's cost, never in it
    let usage = (await (await gw.call('/v1/usage')).json()) as { day: { requests: number; cost_usd: string; operator_cost_usd: string } };
    for (let i = 0; i < 50 && usage.day.requests === 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
      usage = (await (await gw.call('/v1/usage')).json()) as typeof usage;
    }
    expect(usage.day.requests).toBe(1);
    expect(usage.day.cost_usd).toBe(response.headers.get('x-gateway-cost-usd'));
    expect(Number(usage.day.operator_cost_usd)).toBeGreaterThan(Number(usage.day.cost_usd));
  });

  it('never affects the caller when the shadow fails', async () => {
    const primary = await fake(healthy());
    const shadow = await fake(failing(500));
    const gw = await gateway({
      providers: [upstreamProvider('primary', primary), upstreamProvider('shadow', shadow)],
      models: [{ name: 'shadowed', targets: [{ provider: 'primary', model: 'p' }], shadow: { provider: 'shadow', model: 's', percent: 100 } }],
    });
    const res = await gw.client().chat.completions.create({ model: 'shadowed', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    let text = '';
    for await (const chunk of res) text += chunk.choices[0]?.delta?.content ?? '';
    expect(text).toBe(ANSWER);
    await waitFor(() => gw.logger.find('shadow call failed').length === 1);
    expect(gw.logger.find('shadow call failed')[0]).toMatchObject({ shadow: { provider: 'shadow', error: '500 http_500' } });
  });
});

describe('policy hints', () => {
  it('sends sensitivity=high requests only to private providers, and refuses a model that has none', async () => {
    const cloud = await fake(healthy());
    const onprem = await fake(healthy());
    const gw = await gateway({
      providers: [upstreamProvider('cloud', cloud), upstreamProvider('onprem', onprem, { private: true })],
      models: [
        { name: 'mixed', targets: [{ provider: 'cloud', model: 'c' }, { provider: 'onprem', model: 'o' }] },
        { name: 'cloud-only', targets: [{ provider: 'cloud', model: 'c' }] },
      ],
    });
    const viaHeader = await gw.call('/v1/chat/completions', { body: { model: 'mixed', messages: [{ role: 'user', content: 'x' }] }, headers: { 'x-gateway-policy': 'sensitivity=high' } });
    expect(viaHeader.headers.get('x-gateway-provider')).toBe('onprem');
    const viaMetadata = await gw.client().chat.completions.create({ model: 'mixed', metadata: { sensitivity: 'high' }, messages: [{ role: 'user', content: 'x' }] }).withResponse();
    expect(viaMetadata.response.headers.get('x-gateway-provider')).toBe('onprem');
    expect(cloud.received).toHaveLength(0);
    await expect(
      gw.client().chat.completions.create({ model: 'cloud-only', metadata: { sensitivity: 'high' }, messages: [{ role: 'user', content: 'x' }] }),
    ).rejects.toMatchObject({ status: 400, code: 'invalid_request' });
    expect(cloud.received).toHaveLength(0);
  });
});

async function waitFor(condition: () => boolean, ms = 5_000): Promise<void> {
  const until = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}
