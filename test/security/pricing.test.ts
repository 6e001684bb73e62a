// Hostile tenant, item 1: unpriced meant free on 6f4b92c. A model with no `pricing` entry cost $0, so its worst
// case was $0 and no budget applied: a dated snapshot, another spelling (gem/models/gemini-2.5-pro reached the
// priced gem/gemini-2.5-pro's URL at $0), mock/anything. Now prices come from the catalogue or the config, a model
// nothing prices is refused before any call, and one upstream model has one price whatever its spelling. Also
// item 8's unknown fields: refused unless the provider lets them through, since nothing prices what they do.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { costNanoUsd, formatUsd } from '../../lambdas/core/pricing/cost';
import { geminiAnswer, startFakeGemini } from '../fakes/gemini';
import type { FakeProvider } from '../fakes/anthropic';
import { startMeteredUpstream, type MeteredUpstream } from '../fakes/metered';
import { sendJson } from '../fakes/upstream';
import { baseConfig, startTestGateway, type TestGateway } from '../helpers/gateway';

const GEMINI_KEY = 'gemini-key-for-pricing-test';
/** the catalogue's prices (genai-prices) for the models called here */
const GPT_4O_MINI = { inputPerMTok: 0.15, outputPerMTok: 0.6 };
const GEMINI_25_PRO = { inputPerMTok: 1.25, outputPerMTok: 10 };

describe('prices fail closed', () => {
  let gw: TestGateway;
  let openai: MeteredUpstream;
  let gemini: FakeProvider;

  beforeAll(async () => {
    openai = await startMeteredUpstream();
    gemini = await startFakeGemini(GEMINI_KEY);
    gemini.reply((_req, res) => sendJson(res, 200, geminiAnswer([{ text: 'ok' }], 'STOP', { promptTokenCount: 1000, candidatesTokenCount: 100, totalTokenCount: 1100 })));
    gw = await startTestGateway(
      baseConfig({
        providers: [
          // an OpenAI-compatible endpoint priced from the catalogue as OpenAI (a proxy in front of it)
          { id: 'oai', type: 'openai', baseUrl: `${openai.url}/v1`, apiKeyEnv: 'PRICING_OAI_KEY', priceCatalog: 'openai', models: ['gpt-4o-mini'] },
          // every model the catalogue prices for OpenAI may be addressed here
          { id: 'every', type: 'openai', baseUrl: `${openai.url}/v1`, apiKeyEnv: 'PRICING_OAI_KEY', priceCatalog: 'openai', models: ['*'] },
          { id: 'other', type: 'openai', baseUrl: `${openai.url}/v1`, apiKeyEnv: 'PRICING_OAI_KEY', passthroughFields: ['top_a'], models: ['priced', 'unpriced'] },
          { id: 'gem', type: 'gemini', baseUrl: gemini.url, apiKeyEnv: 'PRICING_GEMINI_KEY', models: ['gemini-2.5-pro'] },
          { id: 'mock', type: 'mock' },
        ],
        models: [{ name: 'echo', targets: [{ provider: 'mock', model: 'echo' }] }],
        pricing: { echo: { inputPerMTok: 1, outputPerMTok: 2 }, 'other/priced': { inputPerMTok: 1, outputPerMTok: 1 } },
      }),
      { env: { PRICING_OAI_KEY: 'sk-upstream-pricing', PRICING_GEMINI_KEY: GEMINI_KEY } },
    );
  });

  afterAll(async () => {
    await gw?.close();
    await openai?.close();
    await gemini?.close();
  });

  const chat = (model: string, extra: Record<string, unknown> = {}) =>
    gw.call('/v1/chat/completions', { body: { model, messages: [{ role: 'user', content: 'what does this cost?' }], max_tokens: 20, ...extra } });

  it.each(['oai/gpt-4o-2099-01-01', 'oai/not-a-model', 'mock/anything', 'other/unpriced'])('refuses %s with 403 model_not_priced before any call', async (model) => {
    const calls = openai.received.length;
    const res = await chat(model);
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string; param: string } }).error).toMatchObject({ code: 'model_not_priced', param: 'model' });
    expect(openai.received.length).toBe(calls);
  });

  it('charges a catalogue-priced snapshot at its catalogue price, to the nano-dollar of what the provider billed', async () => {
    const res = await chat('oai/gpt-4o-mini-2024-07-18');
    expect(res.status).toBe(200);
    const billed = openai.bill.at(-1)!;
    const expected = costNanoUsd({ input: billed.input, output: billed.output, cachedInput: 0, cacheWrite: 0 }, GPT_4O_MINI);
    expect(expected).toBeGreaterThan(0);
    expect(res.headers.get('x-gateway-cost-usd')).toBe(formatUsd(expected));
  });

  it('reaches a catalogue model the provider does not list only when its entry lists "*"', async () => {
    expect((await chat('oai/gpt-4.1-mini')).status).toBe(403);
    expect((await chat('every/gpt-4.1-mini')).status).toBe(200);
    expect((await chat('every/gpt-4o-2099-01-01')).status).toBe(403);
  });

  it('prices two spellings of one Gemini model alike, and calls the same upstream model', async () => {
    const costs: string[] = [];
    for (const model of ['gem/gemini-2.5-pro', 'gem/models/gemini-2.5-pro']) {
      const res = await chat(model);
      expect(res.status).toBe(200);
      costs.push(res.headers.get('x-gateway-cost-usd')!);
      expect(gemini.received.at(-1)!.path).toBe('/v1beta/models/gemini-2.5-pro:generateContent');
    }
    const expected = formatUsd(costNanoUsd({ input: 1000, output: 100, cachedInput: 0, cacheWrite: 0 }, GEMINI_25_PRO));
    expect(costs).toEqual([expected, expected]);
  });

  it.each([
    ['service_tier', 'priority'],
    ['web_search_options', {}],
    ['audio', { voice: 'alloy', format: 'mp3' }],
    ['prediction', { type: 'content', content: 'x' }],
  ])('refuses %s, which would be billed beyond the tokens, naming it', async (field, value) => {
    const calls = openai.received.length;
    const res = await chat('oai/gpt-4o-mini', { [field]: value });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { param: string } }).error.param).toBe(field);
    expect(openai.received.length).toBe(calls);
  });

  it('lets an unknown field through to a provider whose entry allows it', async () => {
    expect((await chat('other/priced', { top_a: 0.1 })).status).toBe(200);
    expect((openai.received.at(-1)!.body as { top_a?: number }).top_a).toBe(0.1);
    expect((await chat('oai/gpt-4o-mini', { top_a: 0.1 })).status).toBe(400);
  });

  it('lists only models a call can reach', async () => {
    const ids = (await gw.client().models.list()).data.map((m) => m.id);
    expect(ids).toEqual(expect.arrayContaining(['echo', 'mock/echo', 'other/priced']));
    expect(ids).not.toContain('other/unpriced');
  });
});
