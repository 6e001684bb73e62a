// Hostile tenant: a body nested thousands of levels deep, which JSON.parse and the schema accept but the call
// to the provider cannot serialize. It is refused with a 400 that says why, before it is admitted: it spends
// no rate limit, reaches no provider and leaves no ledger entry.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseConfig, startTestGateway, TEST_KEY, type TestGateway } from '../helpers/gateway';
import { healthy } from '../fakes/faults';
import { startFakeUpstream, type FakeUpstream } from '../fakes/upstream';
import { awayFromMinuteEnd, eventually } from '../helpers/wait';

const DEEP = '__deep__';
/** the JSON of `body` with each "__deep__" string replaced by arrays nested `levels` deep (JSON.stringify could not write it) */
const withDeep = (body: unknown, levels = 50_000) => JSON.stringify(body).replaceAll(`"${DEEP}"`, '['.repeat(levels) + ']'.repeat(levels));

describe('deeply nested request bodies', () => {
  let gw: TestGateway;
  let upstream: FakeUpstream;

  beforeAll(async () => {
    upstream = await startFakeUpstream(healthy());
    gw = await startTestGateway(
      baseConfig({
        providers: [{ id: 'oai', type: 'openai', baseUrl: `${upstream.url}/v1`, apiKeyEnv: 'NESTING_OPENAI_KEY' }],
        models: [{ name: 'fast', targets: [{ provider: 'oai', model: 'gpt-4o-mini' }] }],
        tenants: [{ id: 'test', apiKeys: [TEST_KEY], limits: { requestsPerMinute: 3 } }],
        pricing: { 'gpt-4o-mini': { inputPerMTok: 0.15, outputPerMTok: 0.6 } },
      }),
      { env: { NESTING_OPENAI_KEY: 'sk-fake-nesting' } },
    );
  });

  afterAll(async () => {
    await gw?.close();
    await upstream?.close();
  });

  it('gets 400 invalid_request naming the depth, spends no rate limit, calls no provider, and is not recorded', async () => {
    const attacks = [
      { tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: { a: DEEP } } } }] },
      { metadata_extra: DEEP },
      { messages: [{ role: 'user', content: 'hi', name: 'x', extra: DEEP }] },
    ];
    await awayFromMinuteEnd();
    for (const extra of attacks) {
      const res = await gw.call('/v1/chat/completions', { body: withDeep({ model: 'fast', messages: [{ role: 'user', content: 'hi' }], max_tokens: 8, ...extra }) });
      expect(res.status).toBe(400);
      const { error } = (await res.json()) as { error: { code: string; message: string } };
      expect(error.code).toBe('invalid_request');
      expect(error.message).toMatch(/nests objects and arrays more than \d+ levels deep/);
    }
    expect(upstream.received).toHaveLength(0);

    // the tenant's three requests a minute are all still there
    for (let i = 0; i < 3; i++) {
      const ok = await gw.call('/v1/chat/completions', { body: { model: 'fast', messages: [{ role: 'user', content: `hi ${i}` }], max_tokens: 8 } });
      expect(ok.status).toBe(200);
    }
    // settlements are written after the answers: only the three real calls ever land
    await eventually(async () => ((await (await gw.call('/v1/usage')).json()) as { day: { requests: number } }).day.requests === 3);
  });
});
