// Admission reserves the input-token bound of every part of a request (core/tokens), through the local gateway:
// a tenant whose per-request budget fits a short text but not an image, CJK text or a response schema is
// refused before the provider is called; it used to be admitted, those parts counting nothing or a quarter.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openaiCompletion, sendJson, startFakeUpstream, type FakeUpstream } from '../fakes/upstream';
import { startTestGateway, type TestGateway } from '../helpers/gateway';
import { dataUrl, png } from '../helpers/media-fixtures';

const KEY = 'sk-test-estimate-capped';

describe('admission reserves the input bound of every part', () => {
  let gw: TestGateway;
  let upstream: FakeUpstream;

  beforeAll(async () => {
    upstream = await startFakeUpstream((req, res) => sendJson(res, 200, openaiCompletion((req.body as { model: string }).model, 'ok', { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 })));
    gw = await startTestGateway({
      providers: [{ id: 'up', type: 'openai', baseUrl: `${upstream.url}/v1`, apiKeyEnv: 'UP_KEY' }],
      models: [{ name: 'vision', targets: [{ provider: 'up', model: 'gpt-4o' }] }],
      // $10 per million input tokens, output free: the per-request budget of $0.005 holds 500 input tokens
      tenants: [{ id: 'capped', apiKeys: [KEY], budget: { perRequestUsd: 0.005 } }],
      pricing: { 'gpt-4o': { inputPerMTok: 10, outputPerMTok: 0 } },
    }, { env: { UP_KEY: 'sk-upstream-estimate' } });
  });

  afterAll(async () => {
    await gw?.close();
    await upstream?.close();
  });

  const chat = async (content: unknown, extra: Record<string, unknown> = {}) => {
    const res = await gw.call('/v1/chat/completions', { body: { model: 'vision', messages: [{ role: 'user', content }], max_tokens: 16, ...extra }, headers: { authorization: `Bearer ${KEY}` } });
    const body = (await res.json()) as { error?: { code: string } };
    return { status: res.status, code: body.error?.code };
  };
  const image = (detail: 'low' | 'high') => [
    { type: 'text', text: 'What is in this picture?' },
    { type: 'image_url', image_url: { url: dataUrl('image/png', png(1024, 1024)), detail } },
  ];

  it('admits a short text', async () => {
    expect(await chat('Hello there')).toEqual({ status: 200, code: undefined });
  });

  it("refuses a 1024 px image at high detail (GPT-4o bills 765 tokens for it), and admits it at low detail (85)", async () => {
    const before = upstream.received.length;
    expect(await chat(image('high'))).toEqual({ status: 429, code: 'budget_exceeded' });
    expect(upstream.received.length).toBe(before);
    expect(await chat(image('low'))).toEqual({ status: 200, code: undefined });
  });

  it('refuses 200 CJK characters (600 UTF-8 bytes; four characters a token made them 50)', async () => {
    expect(await chat('网关为每一次调用记账。'.repeat(20))).toEqual({ status: 429, code: 'budget_exceeded' });
  });

  it('refuses a response schema of 2 KB (it counted nothing)', async () => {
    const properties = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`field_${i}`, { type: 'string', description: `the value of field ${i}` }]));
    const format = { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object', properties } } };
    expect(JSON.stringify(format).length).toBeGreaterThan(2000);
    expect(await chat('Fill the form', { response_format: format })).toEqual({ status: 429, code: 'budget_exceeded' });
  });
});
