// Hostile tenant, item 2: the cap reserved was not the cap the provider got on 6f4b92c. `max_completion_tokens: 1,
// max_tokens: 100000` reserved 1 output token while Mistral, DeepSeek and Ollama upstreams received
// max_tokens: 100000 (one call spent 42× its per-request limit), and a request with no cap reserved 4,096 tokens
// but sent OpenAI-type upstreams no cap at all. Now two caps that disagree are a 400, and every call carries
// the cap its budgets reserved, in the field its provider reads.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMeteredUpstream, WANTED, type MeteredUpstream } from '../fakes/metered';
import { baseConfig, startTestGateway, type TestGateway } from '../helpers/gateway';

const PRICE = { inputPerMTok: 1, outputPerMTok: 100 };
const DEFAULT_CAP = 64;

describe('the reserved output cap is the sent cap', () => {
  let gw: TestGateway;
  let upstream: MeteredUpstream;

  beforeAll(async () => {
    upstream = await startMeteredUpstream();
    const base = (id: string, extra: Record<string, unknown> = {}) => ({ id, type: 'openai', baseUrl: `${upstream.url}/${id}/v1`, apiKeyEnv: 'CAPS_KEY', ...extra });
    gw = await startTestGateway(
      baseConfig({
        gateway: { defaultMaxOutputTokens: DEFAULT_CAP },
        providers: [
          base('mistral', { preset: 'mistral', apiKeyEnv: 'CAPS_KEY' }),
          base('deepseek', { preset: 'deepseek', apiKeyEnv: 'CAPS_KEY' }),
          base('ollama', { preset: 'ollama' }),
          base('openai', { preset: 'openai', apiKeyEnv: 'CAPS_KEY' }),
          base('compatible'),
          { id: 'mock', type: 'mock' },
        ],
        tenants: [{ id: 'test', apiKeys: ['sk-test-tenant-key-0001'], budget: { perRequestUsd: 0.01 } }],
        pricing: { m: PRICE, echo: PRICE },
      }),
      { env: { CAPS_KEY: 'sk-upstream-caps' } },
    );
  });

  afterAll(async () => {
    await gw?.close();
    await upstream?.close();
  });

  const chat = (model: string, extra: Record<string, unknown> = {}) => gw.call('/v1/chat/completions', { body: { model, messages: [{ role: 'user', content: 'write a lot' }], ...extra } });

  it('refuses two caps that disagree with a 400 naming both, before any call', async () => {
    const calls = upstream.received.length;
    const res = await chat('mistral/m', { max_completion_tokens: 1, max_tokens: 100_000 });
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: { message: string; param: string } };
    expect(error.message).toContain('max_tokens and max_completion_tokens disagree');
    expect(upstream.received.length).toBe(calls);
  });

  it.each([
    ['mistral', { max_tokens: 7 }],
    ['deepseek', { max_tokens: 7 }],
    ['ollama', { max_tokens: 7 }],
    ['openai', { max_completion_tokens: 7 }],
    ['compatible', { max_tokens: 7, max_completion_tokens: 7 }],
  ])('%s receives the reserved cap in the field it reads, and serves no more', async (provider, caps) => {
    const res = await chat(`${provider}/m`, { max_completion_tokens: 7 });
    expect(res.status).toBe(200);
    const billed = upstream.bill.at(-1)!;
    expect(billed.caps).toEqual({ max_tokens: undefined, max_completion_tokens: undefined, ...caps });
    expect(billed.output).toBe(7);
  });

  it('sends the default cap when the request sets none, and charges only what it allowed', async () => {
    const res = await chat('compatible/m');
    expect(res.status).toBe(200);
    const billed = upstream.bill.at(-1)!;
    expect(billed.caps).toEqual({ max_tokens: DEFAULT_CAP, max_completion_tokens: DEFAULT_CAP });
    expect(billed.output).toBe(DEFAULT_CAP);
    expect(billed.output).toBeLessThan(WANTED);
  });

  it('refuses a cap whose worst case passes the per-request budget, and the mock too honours the cap it was sent', async () => {
    // 100 output tokens at $100/M is $0.01 plus the input: over the $0.01 per-request budget
    expect((await chat('compatible/m', { max_tokens: 100 })).status).toBe(429);
    const echoed = (await (await chat('mock/echo', { max_tokens: 2, messages: [{ role: 'user', content: 'one two three four five' }] })).json()) as { choices: Array<{ message: { content: string }; finish_reason: string }>; usage: { completion_tokens: number } };
    expect(echoed.choices[0]).toMatchObject({ message: { content: 'one two' }, finish_reason: 'length' });
    expect(echoed.usage.completion_tokens).toBe(2);
  });
});
