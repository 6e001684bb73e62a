// OpenAI-compatible presets end to end: a preset fills in the key variable and adjusts the request for its
// service; usage reported the service's way (on the last content chunk, DeepSeek's cache counts, Groq's
// x_groq) still reaches the caller as OpenAI's and is priced. The fake speaks OpenAI's wire format.
import type OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readChatStream } from '../../helpers/chat-stream';
import { baseConfig, startTestGateway, type TestGateway } from '../../helpers/gateway';
import { openaiCompletion, sendJson, sendSse, startFakeUpstream, type FakeUpstream } from '../../fakes/upstream';

const GROQ_KEY = 'gsk_fake_groq_key_1234';
const DEEPSEEK_KEY = 'sk-fake-deepseek-5678';
const chunk = (model: string, delta: object, finish: string | null, extra: object = {}) =>
  `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model, choices: [{ index: 0, delta, finish_reason: finish }], ...extra })}\n\n`;

describe('OpenAI-compatible presets through the gateway', () => {
  let gw: TestGateway;
  let upstream: FakeUpstream;
  let client: OpenAI;

  beforeAll(async () => {
    upstream = await startFakeUpstream((_req, res) => sendJson(res, 500, { error: { message: 'no reply scripted' } }));
    gw = await startTestGateway(
      baseConfig({
        providers: [
          // baseUrl overrides the preset's (the fake stands in for each service); the key variable comes from the preset
          { id: 'groq', type: 'openai', preset: 'groq', baseUrl: `${upstream.url}/groq/v1` },
          { id: 'mistral', type: 'openai', preset: 'mistral', baseUrl: `${upstream.url}/mistral/v1`, apiKeyEnv: 'MY_MISTRAL' },
          { id: 'deepseek', type: 'openai', preset: 'deepseek', baseUrl: `${upstream.url}/deepseek/v1` },
          { id: 'ollama', type: 'openai', preset: 'ollama', baseUrl: `${upstream.url}/ollama/v1`, free: true },
          { id: 'together', type: 'openai', preset: 'together', baseUrl: `${upstream.url}/together/v1` },
        ],
        models: [
          { name: 'groq', targets: [{ provider: 'groq', model: 'llama-3.3-70b-versatile' }] },
          { name: 'mistral', targets: [{ provider: 'mistral', model: 'mistral-small-latest' }] },
          { name: 'deepseek', targets: [{ provider: 'deepseek', model: 'deepseek-chat' }] },
          { name: 'local', targets: [{ provider: 'ollama', model: 'llama3.2' }] },
          { name: 'together', targets: [{ provider: 'together', model: 'meta-llama/Llama-3.3-70B-Instruct-Turbo' }] },
        ],
        pricing: {
          'mistral-small-latest': { inputPerMTok: 0.1, outputPerMTok: 0.3 },
          'deepseek-chat': { inputPerMTok: 0.28, outputPerMTok: 0.42, cachedInputPerMTok: 0.028 },
        },
      }),
      // TOGETHER_API_KEY is not set: that preset's entry is skipped, not called
      { env: { GROQ_API_KEY: GROQ_KEY, MY_MISTRAL: 'mistral-own-key', DEEPSEEK_API_KEY: DEEPSEEK_KEY } },
    );
    client = gw.client();
  });

  afterAll(async () => {
    await gw?.close();
    await upstream?.close();
  });

  it('groq: the key comes from GROQ_API_KEY; fields Groq refuses (logprobs, message names) are dropped; the output cap is always sent', async () => {
    upstream.handle((_req, res) => sendJson(res, 200, openaiCompletion('llama-3.3-70b-versatile', 'fast')));
    const from = upstream.received.length;
    await client.chat.completions.create({ model: 'groq', messages: [{ role: 'user', content: 'hi', name: 'ada' }], logprobs: true });
    const [sent] = upstream.received.slice(from);
    expect(sent!.path).toBe('/groq/v1/chat/completions');
    expect(sent!.headers.authorization).toBe(`Bearer ${GROQ_KEY}`);
    expect(sent!.body).toEqual({ model: 'llama-3.3-70b-versatile', messages: [{ role: 'user', content: 'hi' }], max_completion_tokens: 4096 });
  });

  it('groq: usage reported in x_groq on the last chunk reaches the caller as a usage chunk', async () => {
    const usage = { prompt_tokens: 12, completion_tokens: 2, total_tokens: 14 };
    upstream.handle((_req, res) => sendSse(res, [chunk('l', { role: 'assistant', content: 'a b' }, null), chunk('l', {}, 'stop', { x_groq: { id: 'req_1', usage } }), 'data: [DONE]\n\n']));
    const stream = await client.chat.completions.create({ model: 'groq', messages: [{ role: 'user', content: 'x' }], stream: true, stream_options: { include_usage: true } });
    const { chunks } = await readChatStream(stream);
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage });
  });

  it('mistral: the entry key wins; max_completion_tokens becomes max_tokens, seed random_seed, stream_options is not sent', async () => {
    const usage = { prompt_tokens: 100, completion_tokens: 10, total_tokens: 110 };
    // Mistral puts usage on its last content chunk
    upstream.handle((_req, res) => sendSse(res, [chunk('m', { role: 'assistant', content: 'Bon' }, null), chunk('m', { content: 'jour' }, 'stop', { usage }), 'data: [DONE]\n\n']));
    const from = upstream.received.length;
    const { data: stream, response } = await client.chat.completions
      .create({ model: 'mistral', messages: [{ role: 'user', content: 'x' }], max_completion_tokens: 20, seed: 3, user: 'u1', stream: true, stream_options: { include_usage: true } })
      .withResponse();
    const { chunks } = await readChatStream(stream);
    const [sent] = upstream.received.slice(from);
    expect(sent!.headers.authorization).toBe('Bearer mistral-own-key');
    expect(sent!.body).toEqual({ model: 'mistral-small-latest', messages: [{ role: 'user', content: 'x' }], max_tokens: 20, random_seed: 3, stream: true });
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Bonjour');
    // the content chunk is passed on without usage; usage follows in its own chunk, as OpenAI sends it
    expect(chunks.filter((c) => c.usage)).toEqual([expect.objectContaining({ choices: [], usage })]);
    expect(response.headers.get('x-gateway-provider')).toBe('mistral');
  });

  it('deepseek: prompt_cache_hit_tokens are priced as cached tokens', async () => {
    upstream.handle((_req, res) =>
      sendJson(res, 200, openaiCompletion('deepseek-chat', 'ok', { prompt_tokens: 1000, completion_tokens: 100, total_tokens: 1100, prompt_cache_hit_tokens: 800, prompt_cache_miss_tokens: 200 } as never)),
    );
    const { data, response } = await client.chat.completions.create({ model: 'deepseek', messages: [{ role: 'user', content: 'x' }] }).withResponse();
    expect(data.usage?.prompt_tokens_details?.cached_tokens).toBe(800);
    // 200 fresh × $0.28 + 800 cached × $0.028 + 100 out × $0.42, per million
    expect(response.headers.get('x-gateway-cost-usd')).toBe('0.0001204');
  });

  it('ollama: no key needed, none sent', async () => {
    upstream.handle((_req, res) => sendJson(res, 200, openaiCompletion('llama3.2', 'local answer')));
    const from = upstream.received.length;
    const answer = await client.chat.completions.create({ model: 'local', messages: [{ role: 'user', content: 'x' }], max_completion_tokens: 5 });
    expect(answer.choices[0]!.message.content).toBe('local answer');
    const [sent] = upstream.received.slice(from);
    expect(sent!.headers.authorization).toBeUndefined();
    expect(sent!.body).toMatchObject({ max_tokens: 5 });
  });

  it('together: without TOGETHER_API_KEY the entry is skipped, not called', async () => {
    const from = upstream.received.length;
    await expect(client.chat.completions.create({ model: 'together', messages: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({ status: 503, code: 'all_providers_unavailable' });
    expect(upstream.received.length).toBe(from);
  });

  it('refuses a stream that ends before [DONE]', async () => {
    upstream.handle((_req, res) => sendSse(res, [chunk('m', { role: 'assistant', content: 'Demi' }, null)]));
    const body = await (await gw.call('/v1/chat/completions', { body: { model: 'mistral', stream: true, messages: [{ role: 'user', content: 'x' }] } })).text();
    expect(body).toContain('Demi');
    expect(body).toContain('"error"');
    expect(body).not.toContain('[DONE]');
  });
});
