// The three front doors share one tenant's budget and ledger: /v1/usage shows each door's calls by route.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../../helpers/gateway';

describe('usage by front door', () => {
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await startTestGateway();
  });

  afterAll(async () => {
    await gw?.close();
  });

  it('counts the calls of chat, messages and responses under their routes', async () => {
    const said = [
      await gw.call('/v1/chat/completions', { body: { model: 'echo', messages: [{ role: 'user', content: 'one' }] } }),
      await gw.call('/v1/messages', { body: { model: 'echo', max_tokens: 20, messages: [{ role: 'user', content: 'two' }] } }),
      await gw.call('/v1/responses', { body: { model: 'echo', input: 'three', store: false } }),
      await gw.call('/v1/responses', { body: { model: 'echo', input: 'four', store: false } }),
    ];
    expect(said.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    type Usage = { day: { requests: number; by_route: Record<string, { requests: number; cost_usd: string }> } };
    let usage = (await (await gw.call('/v1/usage')).json()) as Usage;
    for (let i = 0; i < 100 && usage.day.requests < 4; i++) {
      await new Promise((r) => setTimeout(r, 20));
      usage = (await (await gw.call('/v1/usage')).json()) as Usage;
    }
    expect(Object.fromEntries(Object.entries(usage.day.by_route).map(([route, b]) => [route, b.requests]))).toEqual({ chat: 1, messages: 1, responses: 2 });
    for (const b of Object.values(usage.day.by_route)) expect(Number(b.cost_usd)).toBeGreaterThan(0);
  });
});
