// The cohere provider end to end: the official OpenAI client calls the local gateway, which speaks Cohere's
// v2 API to a fake Cohere on loopback; each test checks the native request as Cohere receives it.
import type OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readChatStream } from '../../helpers/chat-stream';
import { baseConfig, startTestGateway, type TestGateway } from '../../helpers/gateway';
import type { FakeProvider } from '../../fakes/anthropic';
import { cohereAnswer, cohereEvent, cohereTextEvents, COHERE_USAGE, sendCohereError, startFakeCohere } from '../../fakes/cohere';
import { sendJson, sendSse } from '../../fakes/upstream';

const COHERE_KEY = 'co-fake-key-5e6f7a';
const MODEL = 'command-a-03-2025';
const WEATHER_TOOL = {
  type: 'function' as const,
  function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
};
const TIME_TOOL = { type: 'function' as const, function: { name: 'get_time', parameters: { type: 'object', properties: {} } } };

describe('cohere provider through the gateway', () => {
  let gw: TestGateway;
  let cohere: FakeProvider;
  let client: OpenAI;

  beforeAll(async () => {
    cohere = await startFakeCohere(COHERE_KEY);
    gw = await startTestGateway(
      baseConfig({
        providers: [
          { id: 'cohere', type: 'cohere', baseUrl: cohere.url, apiKeyEnv: 'COHERE_KEY_FOR_TEST', models: [MODEL, 'embed-v4.0'] },
          { id: 'mock', type: 'mock' },
        ],
        models: [
          { name: 'command', targets: [{ provider: 'cohere', model: MODEL }] },
          { name: 'command-or-mock', targets: [{ provider: 'cohere', model: MODEL }, { provider: 'mock', model: 'echo' }] },
          { name: 'embed', targets: [{ provider: 'cohere', model: 'embed-v4.0' }] },
        ],
        pricing: { [MODEL]: { inputPerMTok: 2.5, outputPerMTok: 10, cachedInputPerMTok: 1 }, 'embed-v4.0': { inputPerMTok: 0.12, outputPerMTok: 0 }, echo: { inputPerMTok: 0, outputPerMTok: 0 } },
      }),
      { env: { COHERE_KEY_FOR_TEST: COHERE_KEY } },
    );
    client = gw.client();
  });

  afterAll(async () => {
    await gw?.close();
    await cohere?.close();
  });

  it('answers a chat: system message kept in place, Cohere parameter names, bearer key, billed units priced', async () => {
    cohere.reply((_req, res) => sendJson(res, 200, cohereAnswer({ content: [{ type: 'text', text: 'Hola.' }] }, 'COMPLETE')));
    const from = cohere.received.length;
    const { data, response } = await client.chat.completions
      .create({ model: 'command', messages: [{ role: 'system', content: 'Answer in Spanish.' }, { role: 'user', content: 'Hello' }], top_p: 1, temperature: 0.2, max_tokens: 50, seed: 7 })
      .withResponse();

    const [sent] = cohere.received.slice(from);
    expect(sent!.path).toBe('/v2/chat');
    expect(sent!.headers.authorization).toBe(`Bearer ${COHERE_KEY}`);
    expect(sent!.body).toEqual({
      model: MODEL,
      messages: [{ role: 'system', content: 'Answer in Spanish.' }, { role: 'user', content: 'Hello' }],
      temperature: 0.2,
      p: 0.99,
      max_tokens: 50,
      seed: 7,
    });
    expect(data.choices[0]).toMatchObject({ message: { content: 'Hola.' }, finish_reason: 'stop' });
    expect(data.usage).toMatchObject({ prompt_tokens: 90, completion_tokens: 30, prompt_tokens_details: { cached_tokens: 40 } });
    // 50 fresh × $2.50 + 40 cached × $1 + 30 out × $10, per million
    expect(response.headers.get('x-gateway-cost-usd')).toBe('0.000465');
  });

  it('streams content deltas and ends with usage', async () => {
    cohere.reply((_req, res) => sendSse(res, cohereTextEvents(['Uno', ', dos', ', tres'])));
    const from = cohere.received.length;
    const stream = await client.chat.completions.create({ model: 'command', messages: [{ role: 'user', content: 'Count' }], stream: true, stream_options: { include_usage: true } });
    const { text, usage } = await readChatStream(stream);
    expect(text).toBe('Uno, dos, tres');
    expect(usage).toMatchObject({ prompt_tokens: 90, completion_tokens: 30 });
    expect(cohere.bodies(from)[0]).toMatchObject({ stream: true });
  });

  it('calls a named tool as REQUIRED over that tool alone, then answers from the tool result (round trip)', async () => {
    cohere.reply((_req, res) =>
      sendJson(res, 200, cohereAnswer({ tool_plan: 'I will look up the weather.', tool_calls: [{ id: 'get_weather_x7k2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Madrid"}' } }] }, 'TOOL_CALL')),
    );
    const from = cohere.received.length;
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather in Madrid?' }];
    const first = await client.chat.completions.create({ model: 'command', messages, tools: [WEATHER_TOOL, TIME_TOOL], tool_choice: { type: 'function', function: { name: 'get_weather' } } });
    const call = first.choices[0]!.message.tool_calls![0] as OpenAI.ChatCompletionMessageFunctionToolCall;
    expect(first.choices[0]).toMatchObject({ finish_reason: 'tool_calls', message: { content: 'I will look up the weather.' } });
    expect(call).toMatchObject({ id: 'get_weather_x7k2', function: { name: 'get_weather', arguments: '{"city":"Madrid"}' } });
    expect(cohere.bodies(from)[0]).toMatchObject({ tools: [WEATHER_TOOL], tool_choice: 'REQUIRED' });

    cohere.reply((_req, res) => sendJson(res, 200, cohereAnswer({ content: [{ type: 'text', text: 'Hot: 35°C.' }] }, 'COMPLETE')));
    messages.push(first.choices[0]!.message, { role: 'tool', tool_call_id: call.id, content: '{"temp_c":35}' });
    const second = await client.chat.completions.create({ model: 'command', messages, tools: [WEATHER_TOOL] });
    expect(second.choices[0]!.message.content).toBe('Hot: 35°C.');
    expect((cohere.bodies(from)[1] as { messages: unknown }).messages).toEqual([
      { role: 'user', content: 'Weather in Madrid?' },
      { role: 'assistant', tool_plan: 'I will look up the weather.', tool_calls: [{ id: 'get_weather_x7k2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Madrid"}' } }] },
      { role: 'tool', tool_call_id: 'get_weather_x7k2', content: '{"temp_c":35}' },
    ]);
  });

  it('streams a tool call with its arguments in pieces', async () => {
    cohere.reply((_req, res) =>
      sendSse(res, [
        cohereEvent('message-start', { id: 'c0h3re-tools', delta: { message: { role: 'assistant' } } }),
        cohereEvent('tool-plan-delta', { delta: { message: { tool_plan: 'Checking.' } } }),
        cohereEvent('tool-call-start', { index: 0, delta: { message: { tool_calls: { id: 'get_weather_q1', type: 'function', function: { name: 'get_weather', arguments: '' } } } } }),
        cohereEvent('tool-call-delta', { index: 0, delta: { message: { tool_calls: { function: { arguments: '{"city":' } } } } }),
        cohereEvent('tool-call-delta', { index: 0, delta: { message: { tool_calls: { function: { arguments: ' "Lima"}' } } } } }),
        cohereEvent('tool-call-end', { index: 0 }),
        cohereEvent('message-end', { delta: { finish_reason: 'TOOL_CALL', usage: COHERE_USAGE } }),
      ]),
    );
    const final = await client.chat.completions.stream({ model: 'command', messages: [{ role: 'user', content: 'Weather in Lima?' }], tools: [WEATHER_TOOL] }).finalChatCompletion();
    const call = final.choices[0]!.message.tool_calls![0] as OpenAI.ChatCompletionMessageFunctionToolCall;
    expect(final.choices[0]!.finish_reason).toBe('tool_calls');
    expect(call.id).toBe('get_weather_q1');
    expect(JSON.parse(call.function.arguments)).toEqual({ city: 'Lima' });
  });

  it('reports too many tokens as 400 context_length_exceeded, and a failed generation as an upstream error', async () => {
    cohere.reply((_req, res) => sendCohereError(res, 400, 'too many tokens: total number of tokens in the prompt cannot exceed 256000 - received 300000'));
    await expect(client.chat.completions.create({ model: 'command', messages: [{ role: 'user', content: 'long' }] })).rejects.toMatchObject({ status: 400, code: 'context_length_exceeded' });

    cohere.reply((_req, res) => sendJson(res, 200, cohereAnswer({ content: [] }, 'ERROR')));
    const failed = await client.chat.completions.create({ model: 'command-or-mock', messages: [{ role: 'user', content: 'again' }] }).withResponse();
    expect(failed.response.headers.get('x-gateway-provider')).toBe('mock');
  });

  it('ends the stream with an error when message-end reports one, and refuses a cut stream', async () => {
    cohere.reply((_req, res) => sendSse(res, [...cohereTextEvents(['Medio']).slice(0, 3), cohereEvent('message-end', { delta: { finish_reason: 'ERROR', error: 'internal generation error' } })]));
    const errored = await (await gw.call('/v1/chat/completions', { body: { model: 'command', stream: true, messages: [{ role: 'user', content: 'x' }] } })).text();
    expect(errored).toContain('Medio');
    expect(errored).toContain('internal generation error');
    expect(errored).not.toContain('[DONE]');

    cohere.reply((_req, res) => sendSse(res, cohereTextEvents(['Cut']).slice(0, 3)));
    const cut = await (await gw.call('/v1/chat/completions', { body: { model: 'command', stream: true, messages: [{ role: 'user', content: 'x' }] } })).text();
    expect(cut).toContain('Cut');
    expect(cut).toContain('"error"');
    expect(cut).not.toContain('[DONE]');
  });

  // after the other chat tests: the Retry-After window it opens keeps the provider aside for later calls
  it('falls over on 429, and reports its retry-after when no target is left', async () => {
    cohere.reply((_req, res) => sendCohereError(res, 429, "You are using a Trial key, which is limited to 10 API calls / minute.", { 'retry-after': '60' }));
    const limited = await client.chat.completions.create({ model: 'command-or-mock', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    expect(limited.response.headers.get('x-gateway-provider')).toBe('mock');
    // inside its Retry-After window the provider is not called again: nothing else is left, so 503
    const calls = cohere.received.length;
    const alone = await gw.call('/v1/chat/completions', { body: { model: 'command', messages: [{ role: 'user', content: 'x' }] } });
    expect(alone.status).toBe(503);
    expect(alone.headers.get('retry-after')).toBe('60');
    expect(cohere.received.length).toBe(calls);
  });

  it('embeds with input_type and float embedding types, priced from billed units', async () => {
    cohere.reply((_req, res) => sendJson(res, 200, { id: 'e1', embeddings: { float: [[0.5, 0.5], [0.25, 0.75]] }, texts: ['a', 'b'], meta: { billed_units: { input_tokens: 1000 } } }));
    const from = cohere.received.length;
    const { data, response } = await client.embeddings.create({ model: 'embed', input: ['a', 'b'] }).withResponse();
    expect(data.data.map((d) => d.embedding)).toEqual([[0.5, 0.5], [0.25, 0.75]]);
    expect(data.usage.prompt_tokens).toBe(1000);
    expect(response.headers.get('x-gateway-cost-usd')).toBe('0.00012');
    expect(cohere.bodies(from)[0]).toEqual({ model: 'embed-v4.0', texts: ['a', 'b'], input_type: 'search_document', embedding_types: ['float'] });
  });

  it('probes with the cheapest authenticated call, the models list', async () => {
    cohere.reply((_req, res) => sendJson(res, 200, { models: [] }));
    const from = cohere.received.length;
    await gw.runtime.deps.providers.get('cohere')!.probe({ signal: new AbortController().signal, requestId: 'probe-1' });
    expect(cohere.received[from]).toMatchObject({ method: 'GET', path: '/v1/models?page_size=1', headers: { authorization: `Bearer ${COHERE_KEY}` } });
  });

  it('lists its models as provider/model', async () => {
    const ids = (await client.models.list()).data.map((m) => m.id);
    expect(ids).toEqual(expect.arrayContaining(['command', `cohere/${MODEL}`, 'cohere/embed-v4.0']));
  });

  it('writes no provider key into any log line', () => {
    for (const line of gw.logger.lines) expect(line).not.toContain(COHERE_KEY);
  });
});
