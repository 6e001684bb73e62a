// Hostile tenant: a model name that would change the upstream URL's path. Gemini pastes the model into its
// path and Bedrock's SDK does the same for modelId; the others put it in the JSON body. Whatever the tenant
// sends, the fake providers (which record every path they got) see only their own API's paths, the operator's
// key goes nowhere else, and a name that would reach another path is refused, not billed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseConfig, startTestGateway, type TestGateway } from '../helpers/gateway';
import type { FakeProvider } from '../fakes/anthropic';
import { anthropicMessage, startFakeAnthropic } from '../fakes/anthropic';
import { bedrockRoute, converseAnswer, sendConverse, startFakeBedrock } from '../fakes/bedrock';
import { cohereAnswer, startFakeCohere } from '../fakes/cohere';
import { geminiAnswer, startFakeGemini } from '../fakes/gemini';
import { healthy } from '../fakes/faults';
import { sendJson, startFakeUpstream, type FakeUpstream } from '../fakes/upstream';

const GEMINI_KEY = 'AIza-fake-gemini-key-for-paths';
const ANTHROPIC_KEY = 'sk-ant-fake-paths';
const COHERE_KEY = 'cohere-fake-paths';
const REGION = 'eu-west-1';
const ACCESS_KEY_ID = 'AKIDFAKEPATHS0001';

/** names a tenant may send to reach another endpoint of the provider's host, or a different method */
const TRICKS = ['../../some/other/endpoint?x=', 'gemini-2.5-flash:generateContent#junk', 'gemini-2.5-flash:streamGenerateContent?alt=sse&', '..', '.', 'models/../../v1/files', 'cachedContents/x', 'gemini%2F..%2F..%2Fx', 'a\\..\\..\\b'];

describe('model names never change an upstream URL path', () => {
  let gw: TestGateway;
  let gemini: FakeProvider;
  let bedrock: FakeProvider;
  let anthropic: FakeProvider;
  let cohere: FakeProvider;
  let openai: FakeUpstream;
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: 'fake-secret-paths', AWS_EC2_METADATA_DISABLED: 'true' });
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;
    [gemini, bedrock, anthropic, cohere, openai] = await Promise.all([
      startFakeGemini(GEMINI_KEY),
      startFakeBedrock({ accessKeyId: ACCESS_KEY_ID, region: REGION }),
      startFakeAnthropic(ANTHROPIC_KEY),
      startFakeCohere(COHERE_KEY),
      startFakeUpstream(healthy()),
    ]);
    gemini.reply((_req, res) => sendJson(res, 200, geminiAnswer([{ text: 'hi' }], 'STOP', { promptTokenCount: 10, candidatesTokenCount: 2, totalTokenCount: 12 })));
    bedrock.reply((_req, res) => sendConverse(res, converseAnswer([{ text: 'hi' }], 'end_turn', { inputTokens: 10, outputTokens: 2, totalTokens: 12 } as never)));
    anthropic.reply((req, res) => sendJson(res, 200, anthropicMessage((req.body as { model: string }).model, [{ type: 'text', text: 'hi' }], 'end_turn', { input_tokens: 10, output_tokens: 2 })));
    cohere.reply((_req, res) => sendJson(res, 200, cohereAnswer({ role: 'assistant', content: [{ type: 'text', text: 'hi' }] }, 'COMPLETE')));
    const price = { inputPerMTok: 1, outputPerMTok: 2 };
    gw = await startTestGateway(
      baseConfig({
        providers: [
          { id: 'gem', type: 'gemini', baseUrl: gemini.url, apiKeyEnv: 'PATHS_GEMINI_KEY' },
          { id: 'aws', type: 'bedrock', region: REGION, baseUrl: bedrock.url },
          { id: 'claude', type: 'anthropic', baseUrl: anthropic.url, apiKeyEnv: 'PATHS_ANTHROPIC_KEY' },
          { id: 'co', type: 'cohere', baseUrl: cohere.url, apiKeyEnv: 'PATHS_COHERE_KEY' },
          { id: 'oai', type: 'openai', baseUrl: `${openai.url}/v1`, apiKeyEnv: 'PATHS_OPENAI_KEY' },
          { id: 'mistral', type: 'openai', preset: 'mistral', baseUrl: `${openai.url}/mistral/v1`, apiKeyEnv: 'PATHS_OPENAI_KEY' },
          { id: 'mock', type: 'mock' },
        ],
        pricing: {
          'gem/gemini-2.5-flash': price,
          'aws/anthropic.claude-3-5-haiku-20241022-v1:0': price,
          echo: price,
          ...Object.fromEntries(['gem', 'aws', 'claude', 'co', 'oai', 'mistral'].flatMap((p) => TRICKS.map((t) => [`${p}/${t}`, price]))),
        },
      }),
      { env: { PATHS_GEMINI_KEY: GEMINI_KEY, PATHS_ANTHROPIC_KEY: ANTHROPIC_KEY, PATHS_COHERE_KEY: COHERE_KEY, PATHS_OPENAI_KEY: 'sk-fake-paths-openai' } },
    );
  });

  afterAll(async () => {
    await gw?.close();
    await Promise.all([gemini, bedrock, anthropic, cohere, openai].map((f) => f?.close()));
    process.env = savedEnv;
  });

  const chat = (model: string) => gw.call('/v1/chat/completions', { body: { model, messages: [{ role: 'user', content: 'hello' }], max_tokens: 16 } });

  it('whatever the model name, every provider receives only its own API’s paths', async () => {
    const from = { gem: gemini.received.length, aws: bedrock.received.length, claude: anthropic.received.length, co: cohere.received.length, oai: openai.received.length };
    for (const trick of TRICKS) for (const p of ['gem', 'aws', 'claude', 'co', 'oai', 'mistral']) await chat(`${p}/${trick}`);
    // Gemini pastes the name into its path: none of these reached its host at all, with the operator's key or not
    expect(gemini.received.slice(from.gem).map((r) => r.path)).toEqual([]);
    // Bedrock's SDK encodes the id into one segment; the ids it cannot encode ("." and "..") never left
    const modelIds = bedrock.received.slice(from.aws).map((r) => bedrockRoute(r.path)?.modelId ?? `unrouted ${r.path}`);
    expect(modelIds.filter((id) => !TRICKS.includes(id) || id === '.' || id === '..')).toEqual([]);
    // the others send the name in the JSON body: their paths are fixed
    expect(new Set(anthropic.received.slice(from.claude).map((r) => r.path))).toEqual(new Set(['/v1/messages']));
    expect(new Set(cohere.received.slice(from.co).map((r) => r.path))).toEqual(new Set(['/v2/chat']));
    expect(new Set(openai.received.slice(from.oai).map((r) => r.path))).toEqual(new Set(['/v1/chat/completions', '/mistral/v1/chat/completions']));
  });

  it('a name that would change the path is refused before any call and never billed; ordinary names still reach theirs', async () => {
    const refused = [...TRICKS.map((t) => `gem/${t}`), 'aws/..', 'aws/.'];
    for (const model of refused) {
      const res = await chat(model);
      expect(res.status, model).toBeGreaterThanOrEqual(400);
      expect(res.status, model).toBeLessThan(500);
      expect(res.headers.get('x-gateway-cost-usd'), model).toBeNull();
    }
    const from = { gem: gemini.received.length, aws: bedrock.received.length };
    expect((await chat('gem/gemini-2.5-flash')).status).toBe(200);
    expect((await chat('aws/anthropic.claude-3-5-haiku-20241022-v1:0')).status).toBe(200);
    expect(gemini.received.slice(from.gem).map((r) => r.path)).toEqual(['/v1beta/models/gemini-2.5-flash:generateContent']);
    expect(bedrock.received.slice(from.aws).map((r) => r.path)).toEqual(['/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/converse']);
  });
});
