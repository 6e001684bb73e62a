// Every answer of the OpenAI-shaped routes against the official OpenAPI document (openai/openai-openapi, the
// schemas in test/fixtures/openapi/openai.json): chat completions whole and streamed from every provider type,
// including an OpenAI-compatible upstream that leaves out what the document requires, embeddings in both
// encodings (also from an upstream that ignores base64), the models list, and errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anthropicMessage, anthropicTextEvents, startFakeAnthropic, type FakeProvider } from '../fakes/anthropic';
import { geminiAnswer, geminiFrame, startFakeGemini } from '../fakes/gemini';
import { sendJson, sendSse, startFakeUpstream, type FakeUpstream } from '../fakes/upstream';
import { contract } from '../helpers/openapi';
import { baseConfig, startTestGateway, TEST_KEY, type TestGateway } from '../helpers/gateway';

const conforms = contract('test/fixtures/openapi/openai.json');

const KEYS = { anthropic: 'sk-ant-contract', gemini: 'gemini-contract', upstream: 'sk-contract-upstream' };
const price = { inputPerMTok: 1, outputPerMTok: 2 };

describe('answers conform to the OpenAI OpenAPI document', () => {
  let gw: TestGateway;
  let compat: FakeUpstream;
  let anthropic: FakeProvider;
  let gemini: FakeProvider;

  beforeAll(async () => {
    // a compatible server that answers as little as it can: no refusal, no logprobs, floats whatever was asked
    compat = await startFakeUpstream(async (req, res) => {
      const body = req.body as { model: string; stream?: boolean; input?: unknown };
      if (req.path.endsWith('/embeddings')) {
        const inputs = Array.isArray(body.input) ? body.input : [body.input];
        return sendJson(res, 200, { object: 'list', model: body.model, data: inputs.map((_, i) => ({ object: 'embedding', index: i, embedding: [0.5, -0.25, 1] })), usage: { prompt_tokens: 2, total_tokens: 2 } });
      }
      const base = { id: 'chatcmpl-min', created: 1_700_000_000, model: body.model };
      if (!body.stream) {
        return sendJson(res, 200, { ...base, object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } });
      }
      const chunk = (choices: unknown[], extra = {}) => `data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices, ...extra })}\n\n`;
      await sendSse(res, [
        chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]),
        chunk([{ index: 0, delta: { content: 'hi' }, finish_reason: null }]),
        chunk([{ index: 0, delta: {}, finish_reason: 'stop' }]),
        chunk([], { usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } }),
        'data: [DONE]\n\n',
      ]);
    });
    anthropic = await startFakeAnthropic(KEYS.anthropic);
    anthropic.reply((req, res) => {
      const usage = { input_tokens: 5, output_tokens: 2 };
      if ((req.body as { stream?: boolean }).stream) return sendSse(res, anthropicTextEvents('claude-sonnet-4-5', ['hello ', 'there'], usage));
      sendJson(res, 200, anthropicMessage('claude-sonnet-4-5', [{ type: 'text', text: 'hello there' }], 'end_turn', usage));
    });
    gemini = await startFakeGemini(KEYS.gemini);
    gemini.reply((req, res) => {
      const usage = { promptTokenCount: 4, candidatesTokenCount: 2, totalTokenCount: 6 };
      if (req.path.includes('stream')) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end(geminiFrame(geminiAnswer([{ text: 'hola' }], 'STOP', usage)));
        return;
      }
      sendJson(res, 200, geminiAnswer([{ text: 'hola' }], 'STOP', usage));
    });
    gw = await startTestGateway(
      baseConfig({
        providers: [
          { id: 'mock', type: 'mock' },
          { id: 'compat', type: 'openai', baseUrl: `${compat.url}/v1`, apiKeyEnv: 'CONTRACT_UPSTREAM_KEY' },
          { id: 'claude', type: 'anthropic', baseUrl: anthropic.url, apiKeyEnv: 'CONTRACT_ANTHROPIC_KEY' },
          { id: 'gem', type: 'gemini', baseUrl: gemini.url, apiKeyEnv: 'CONTRACT_GEMINI_KEY' },
        ],
        models: [
          { name: 'echo', targets: [{ provider: 'mock', model: 'echo' }] },
          { name: 'compat', targets: [{ provider: 'compat', model: 'm' }] },
          { name: 'claude', targets: [{ provider: 'claude', model: 'claude-sonnet-4-5' }] },
          { name: 'gem', targets: [{ provider: 'gem', model: 'gemini-2.5-flash' }] },
          { name: 'embed', targets: [{ provider: 'mock', model: 'embed' }] },
          { name: 'compat-embed', targets: [{ provider: 'compat', model: 'e' }] },
        ],
        pricing: { echo: price, m: price, 'claude-sonnet-4-5': price, 'gemini-2.5-flash': price, embed: price, e: price },
      }),
      { env: { CONTRACT_UPSTREAM_KEY: KEYS.upstream, CONTRACT_ANTHROPIC_KEY: KEYS.anthropic, CONTRACT_GEMINI_KEY: KEYS.gemini } },
    );
  });

  afterAll(async () => {
    await gw?.close();
    await Promise.all([compat?.close(), anthropic?.close(), gemini?.close()]);
  });

  const post = async (path: string, body: unknown, key = TEST_KEY) => {
    const res = await gw.call(path, { body, headers: { authorization: `Bearer ${key}` } });
    return { status: res.status, json: (await res.json()) as unknown };
  };

  async function chunks(model: string): Promise<unknown[]> {
    const res = await gw.call('/v1/chat/completions', { body: { model, stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi there' }] } });
    const text = await res.text();
    const frames = text.split('\n\n').filter((f) => f.startsWith('data: ') && f !== 'data: [DONE]');
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
    return frames.map((f) => JSON.parse(f.slice('data: '.length)) as unknown);
  }

  it.each(['echo', 'compat', 'claude', 'gem'])('a chat completion served by %s', async (model) => {
    const { status, json } = await post('/v1/chat/completions', { model, messages: [{ role: 'user', content: 'hi there' }] });
    expect(status).toBe(200);
    conforms('CreateChatCompletionResponse', json);
  });

  it.each(['echo', 'compat', 'claude', 'gem'])('every chunk of a chat completion streamed by %s', async (model) => {
    const all = await chunks(model);
    expect(all.length).toBeGreaterThan(2);
    for (const chunk of all) conforms('CreateChatCompletionStreamResponse', chunk);
  });

  it('a tool call', async () => {
    const { json } = await post('/v1/chat/completions', {
      model: 'echo',
      messages: [{ role: 'user', content: 'call it' }],
      tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } } } } }],
      tool_choice: 'required',
    });
    conforms('CreateChatCompletionResponse', json);
  });

  it.each([
    ['embed', 'float'],
    ['embed', 'base64'],
    ['compat-embed', 'float'],
    ['compat-embed', 'base64'],
  ])('embeddings from %s in %s', async (model, encoding) => {
    const { status, json } = await post('/v1/embeddings', { model, input: ['alpha', 'beta'], encoding_format: encoding });
    expect(status).toBe(200);
    const data = (json as { data: Array<{ embedding: unknown }> }).data;
    expect(typeof data[0]!.embedding).toBe(encoding === 'base64' ? 'string' : 'object');
    // the document lists only float arrays; base64 is the same floats, little-endian float32, encoded
    const floats = (e: unknown) => (typeof e === 'string' ? [...new Float32Array(new Uint8Array(Buffer.from(e, 'base64')).buffer)] : e);
    conforms('CreateEmbeddingResponse', { ...(json as object), data: data.map((d) => ({ ...d, embedding: floats(d.embedding) })) });
  });

  it('the models list', async () => {
    const res = await gw.call('/v1/models');
    conforms('ListModelsResponse', await res.json());
  });

  it.each([
    ['a wrong key', () => post('/v1/chat/completions', { model: 'echo', messages: [{ role: 'user', content: 'x' }] }, 'sk-wrong-key-000000')],
    ['an unknown model', () => post('/v1/chat/completions', { model: 'nope', messages: [{ role: 'user', content: 'x' }] })],
    ['a bad body', () => post('/v1/chat/completions', { model: 'echo', messages: [] })],
    ['an unpriced model', () => post('/v1/chat/completions', { model: 'compat/unpriced', messages: [{ role: 'user', content: 'x' }] })],
  ])('the error for %s', async (_what, call) => {
    const { status, json } = await call();
    expect(status).toBeGreaterThanOrEqual(400);
    conforms('ErrorResponse', json);
  });
});
