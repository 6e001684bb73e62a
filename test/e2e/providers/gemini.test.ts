// The gemini provider end to end: the official OpenAI client calls the local gateway, which speaks the
// Generative Language API to a fake Gemini on loopback; each test checks the native request as Gemini gets it.
import type OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readChatStream } from '../../helpers/chat-stream';
import { baseConfig, startTestGateway, type TestGateway } from '../../helpers/gateway';
import type { FakeProvider } from '../../fakes/anthropic';
import { geminiAnswer, geminiFrame, sendGeminiError, startFakeGemini } from '../../fakes/gemini';
import { sendJson, sendSse } from '../../fakes/upstream';

const GEMINI_KEY = 'AIza-fake-gemini-key-77aa';
const MODEL = 'gemini-2.5-flash';
const USAGE = { promptTokenCount: 1200, candidatesTokenCount: 40, thoughtsTokenCount: 60, cachedContentTokenCount: 1000, totalTokenCount: 1300 };
const WEATHER_TOOL = {
  type: 'function' as const,
  function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false } },
};

describe('gemini provider through the gateway', () => {
  let gw: TestGateway;
  let gemini: FakeProvider;
  let client: OpenAI;

  beforeAll(async () => {
    gemini = await startFakeGemini(GEMINI_KEY);
    gw = await startTestGateway(
      baseConfig({
        providers: [
          { id: 'google', type: 'gemini', baseUrl: gemini.url, apiKeyEnv: 'GEMINI_KEY_FOR_TEST', models: [MODEL, 'text-embedding-004'] },
          { id: 'mock', type: 'mock' },
        ],
        models: [
          { name: 'flash', targets: [{ provider: 'google', model: MODEL }] },
          { name: 'flash-or-mock', targets: [{ provider: 'google', model: MODEL }, { provider: 'mock', model: 'echo' }] },
          { name: 'embed', targets: [{ provider: 'google', model: 'text-embedding-004' }] },
        ],
        pricing: { [MODEL]: { inputPerMTok: 0.3, outputPerMTok: 2.5, cachedInputPerMTok: 0.075 }, 'text-embedding-004': { inputPerMTok: 0.1, outputPerMTok: 0 }, echo: { inputPerMTok: 0, outputPerMTok: 0 } },
      }),
      { env: { GEMINI_KEY_FOR_TEST: GEMINI_KEY } },
    );
    client = gw.client();
  });

  afterAll(async () => {
    await gw?.close();
    await gemini?.close();
  });

  it('answers a chat: system prompt in systemInstruction, roles user/model, key in x-goog-api-key, thinking priced as output', async () => {
    gemini.reply((_req, res) => sendJson(res, 200, geminiAnswer([{ text: 'thinking about it…', thought: true }, { text: 'Hallo!' }], 'STOP', USAGE)));
    const from = gemini.received.length;
    const { data, response } = await client.chat.completions
      .create({
        model: 'flash',
        messages: [
          { role: 'system', content: 'Answer in German.' },
          { role: 'user', content: 'Hello' },
          { role: 'assistant', content: 'Hallo.' },
          { role: 'user', content: 'Again' },
        ],
        max_completion_tokens: 100,
        stop: 'END',
      })
      .withResponse();

    const [sent] = gemini.received.slice(from);
    expect(sent!.path).toBe(`/v1beta/models/${MODEL}:generateContent`);
    expect(sent!.headers['x-goog-api-key']).toBe(GEMINI_KEY);
    expect(sent!.body).toEqual({
      contents: [
        { role: 'user', parts: [{ text: 'Hello' }] },
        { role: 'model', parts: [{ text: 'Hallo.' }] },
        { role: 'user', parts: [{ text: 'Again' }] },
      ],
      systemInstruction: { parts: [{ text: 'Answer in German.' }] },
      generationConfig: { maxOutputTokens: 100, stopSequences: ['END'] },
    });
    expect(data.choices[0]).toMatchObject({ message: { content: 'Hallo!' }, finish_reason: 'stop' });
    expect(data.usage).toMatchObject({ prompt_tokens: 1200, completion_tokens: 100, prompt_tokens_details: { cached_tokens: 1000 }, completion_tokens_details: { reasoning_tokens: 60 } });
    // 200 fresh × $0.30 + 1000 cached × $0.075 + 100 out × $2.50, per million
    expect(response.headers.get('x-gateway-cost-usd')).toBe('0.000385');
  });

  it('streams from streamGenerateContent?alt=sse and ends with usage', async () => {
    gemini.reply((_req, res) =>
      sendSse(res, [
        geminiFrame(geminiAnswer([{ text: 'Eins' }], undefined, { promptTokenCount: 10 })),
        geminiFrame(geminiAnswer([{ text: ', zwei' }], undefined, { promptTokenCount: 10 })),
        geminiFrame(geminiAnswer([{ text: ', drei' }], 'STOP', { promptTokenCount: 10, candidatesTokenCount: 6, totalTokenCount: 16 })),
      ]),
    );
    const from = gemini.received.length;
    const stream = await client.chat.completions.create({ model: 'flash', messages: [{ role: 'user', content: 'Count' }], stream: true, stream_options: { include_usage: true } });
    const { text, usage } = await readChatStream(stream);
    expect(text).toBe('Eins, zwei, drei');
    expect(usage).toMatchObject({ prompt_tokens: 10, completion_tokens: 6, total_tokens: 16 });
    expect(gemini.received[from]!.path).toBe(`/v1beta/models/${MODEL}:streamGenerateContent?alt=sse`);
  });

  it('calls a function, then answers from its functionResponse (round trip, thought signature kept)', async () => {
    gemini.reply((_req, res) =>
      sendJson(res, 200, geminiAnswer([{ functionCall: { name: 'get_weather', args: { city: 'Berlin' } }, thoughtSignature: 'c2lnbmF0dXJlK29mL3RoZT0=' }], 'STOP', USAGE)),
    );
    const from = gemini.received.length;
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather in Berlin?' }];
    const first = await client.chat.completions.create({ model: 'flash', messages, tools: [WEATHER_TOOL], tool_choice: { type: 'function', function: { name: 'get_weather' } } });
    const call = first.choices[0]!.message.tool_calls![0] as OpenAI.ChatCompletionMessageFunctionToolCall;
    expect(first.choices[0]!.finish_reason).toBe('tool_calls');
    expect(call.id).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(JSON.parse(call.function.arguments)).toEqual({ city: 'Berlin' });
    expect(gemini.bodies(from)[0]).toMatchObject({
      tools: [{ functionDeclarations: [{ name: 'get_weather', parametersJsonSchema: WEATHER_TOOL.function.parameters }] }],
      toolConfig: { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_weather'] } },
    });

    gemini.reply((_req, res) => sendJson(res, 200, geminiAnswer([{ text: 'Cloudy, 14°C.' }], 'STOP', USAGE)));
    messages.push(first.choices[0]!.message, { role: 'tool', tool_call_id: call.id, content: '{"temp_c":14}' });
    const second = await client.chat.completions.create({ model: 'flash', messages, tools: [WEATHER_TOOL] });
    expect(second.choices[0]!.message.content).toBe('Cloudy, 14°C.');
    expect((gemini.bodies(from)[1] as { contents: unknown }).contents).toEqual([
      { role: 'user', parts: [{ text: 'Weather in Berlin?' }] },
      { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { city: 'Berlin' } }, thoughtSignature: 'c2lnbmF0dXJlK29mL3RoZT0=' }] },
      { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { temp_c: 14 } } }] },
    ]);
  });

  it('streams a function call', async () => {
    gemini.reply((_req, res) => sendSse(res, [geminiFrame(geminiAnswer([{ functionCall: { name: 'get_weather', args: { city: 'Rome' } } }], 'STOP', USAGE))]));
    const final = await client.chat.completions.stream({ model: 'flash', messages: [{ role: 'user', content: 'Weather in Rome?' }], tools: [WEATHER_TOOL] }).finalChatCompletion();
    const call = final.choices[0]!.message.tool_calls![0] as OpenAI.ChatCompletionMessageFunctionToolCall;
    expect(final.choices[0]!.finish_reason).toBe('tool_calls');
    expect(JSON.parse(call.function.arguments)).toEqual({ city: 'Rome' });
  });

  it('maps a safety block to finish_reason content_filter', async () => {
    gemini.reply((_req, res) => sendJson(res, 200, { promptFeedback: { blockReason: 'SAFETY' }, usageMetadata: { promptTokenCount: 8, totalTokenCount: 8 } }));
    const blocked = await client.chat.completions.create({ model: 'flash', messages: [{ role: 'user', content: 'something unsafe' }] });
    expect(blocked.choices[0]).toMatchObject({ finish_reason: 'content_filter', message: { content: '' } });

    gemini.reply((_req, res) => sendJson(res, 200, geminiAnswer([], 'SAFETY', USAGE)));
    const stopped = await client.chat.completions.create({ model: 'flash', messages: [{ role: 'user', content: 'x' }] });
    expect(stopped.choices[0]!.finish_reason).toBe('content_filter');
  });

  it('treats 400 API_KEY_INVALID as an auth failure and falls over', async () => {
    const wrongKey = await startTestGateway(
      baseConfig({
        providers: [{ id: 'google', type: 'gemini', baseUrl: gemini.url, apiKeyEnv: 'K' }, { id: 'mock', type: 'mock' }],
        models: [{ name: 'm', targets: [{ provider: 'google', model: MODEL }, { provider: 'mock', model: 'echo' }] }],
      }),
      { env: { K: 'AIza-wrong' }, dynamodbEndpoint: gw.dynamodbEndpoint },
    );
    try {
      const { response } = await wrongKey.client().chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'ok?' }] }).withResponse();
      expect(response.headers.get('x-gateway-provider')).toBe('mock');
      expect(response.headers.get('x-gateway-attempts')).toBe('2');
    } finally {
      await wrongKey.close();
    }
  });

  it('reports too many input tokens as 400 context_length_exceeded', async () => {
    gemini.reply((_req, res) => sendGeminiError(res, 400, 'INVALID_ARGUMENT', 'The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).'));
    await expect(client.chat.completions.create({ model: 'flash', messages: [{ role: 'user', content: 'long' }] })).rejects.toMatchObject({ status: 400, code: 'context_length_exceeded' });
  });

  it('refuses a stream that ends without a finish reason', async () => {
    gemini.reply((_req, res) => sendSse(res, [geminiFrame(geminiAnswer([{ text: 'Half an' }], undefined))]));
    const res = await gw.call('/v1/chat/completions', { body: { model: 'flash', stream: true, messages: [{ role: 'user', content: 'x' }] } });
    const body = await res.text();
    expect(body).toContain('Half an');
    expect(body).toContain('"error"');
    expect(body).not.toContain('[DONE]');
  });

  // after the other chat tests: the Retry-After window it opens keeps the provider aside for later calls
  it('falls over on RESOURCE_EXHAUSTED and reports its RetryInfo delay', async () => {
    gemini.reply((_req, res) =>
      sendGeminiError(res, 429, 'RESOURCE_EXHAUSTED', 'You exceeded your current quota.', [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '31s' }]),
    );
    const { response } = await client.chat.completions.create({ model: 'flash-or-mock', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    expect(response.headers.get('x-gateway-provider')).toBe('mock');
    // inside its Retry-After window the provider is not called again: nothing else is left, so 503
    const calls = gemini.received.length;
    const alone = await gw.call('/v1/chat/completions', { body: { model: 'flash', messages: [{ role: 'user', content: 'x' }] } });
    expect(alone.status).toBe(503);
    expect(alone.headers.get('retry-after')).toBe('31');
    expect(gemini.received.length).toBe(calls);
  });

  it('embeds one text with embedContent and several with batchEmbedContents', async () => {
    gemini.reply((req, res) =>
      sendJson(res, 200, req.path.endsWith(':embedContent') ? { embedding: { values: [0.1, 0.2, 0.3] } } : { embeddings: [{ values: [1, 0, 0] }, { values: [0, 1, 0] }] }),
    );
    const from = gemini.received.length;
    const one = await client.embeddings.create({ model: 'embed', input: 'alpha', encoding_format: 'float', dimensions: 3 });
    expect(one.data[0]!.embedding).toEqual([0.1, 0.2, 0.3]);
    const two = await client.embeddings.create({ model: 'embed', input: ['a', 'b'] }); // the SDK asks for base64
    expect(two.data.map((d) => d.embedding)).toEqual([[1, 0, 0], [0, 1, 0]]);
    const [single, batch] = gemini.received.slice(from);
    expect(single!.body).toEqual({ content: { parts: [{ text: 'alpha' }] }, outputDimensionality: 3 });
    expect(batch!.path).toBe('/v1beta/models/text-embedding-004:batchEmbedContents');
    expect(batch!.body).toEqual({ requests: [{ model: 'models/text-embedding-004', content: { parts: [{ text: 'a' }] } }, { model: 'models/text-embedding-004', content: { parts: [{ text: 'b' }] } }] });
  });

  it('probes with the cheapest authenticated call, the models list', async () => {
    gemini.reply((_req, res) => sendJson(res, 200, { models: [] }));
    const from = gemini.received.length;
    await gw.runtime.deps.providers.get('google')!.probe({ signal: new AbortController().signal, requestId: 'probe-1' });
    expect(gemini.received[from]).toMatchObject({ method: 'GET', path: '/v1beta/models?pageSize=1', headers: { 'x-goog-api-key': GEMINI_KEY } });
  });

  it('lists its models as provider/model', async () => {
    const ids = (await client.models.list()).data.map((m) => m.id);
    expect(ids).toEqual(expect.arrayContaining(['flash', `google/${MODEL}`, 'google/text-embedding-004']));
  });

  it('writes no provider key into any log line', () => {
    for (const line of gw.logger.lines) expect(line).not.toContain(GEMINI_KEY);
  });
});
