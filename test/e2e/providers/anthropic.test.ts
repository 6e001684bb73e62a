// The anthropic provider end to end: the official OpenAI client calls the local gateway, which speaks the
// Messages API to a fake Anthropic on loopback; each test checks the native request as Anthropic receives it.
import type OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readChatStream } from '../../helpers/chat-stream';
import { baseConfig, startTestGateway, TEST_KEY, type TestGateway } from '../../helpers/gateway';
import { anthropicMessage, anthropicTextEvents, hangingReply, sendAnthropicError, sseEvent, startFakeAnthropic, type FakeProvider } from '../../fakes/anthropic';
import { sendJson, sendSse } from '../../fakes/upstream';

const ANTHROPIC_KEY = 'sk-ant-fake-key-3c2b1a';
const MODEL = 'claude-sonnet-4-5';
const USAGE = { input_tokens: 100, output_tokens: 50, cache_read_input_tokens: 1000, cache_creation_input_tokens: 200 };
const WEATHER_TOOL = {
  type: 'function' as const,
  function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
};

describe('anthropic provider through the gateway', () => {
  let gw: TestGateway;
  let claude: FakeProvider;
  let client: OpenAI;

  beforeAll(async () => {
    claude = await startFakeAnthropic(ANTHROPIC_KEY);
    gw = await startTestGateway(
      baseConfig({
        // a call past its timeoutMs is read this long once another target answered, then cut off
        gateway: { abandonedCallMs: 300 },
        providers: [
          // these tests map one failure after another: keep the breaker from opening between them
          { id: 'claude', type: 'anthropic', baseUrl: claude.url, apiKeyEnv: 'ANTHROPIC_KEY_FOR_TEST', models: [MODEL], breaker: { consecutiveFailures: 1_000, minimumRequests: 1_000 } },
          { id: 'claude-slow', type: 'anthropic', baseUrl: claude.url, apiKeyEnv: 'ANTHROPIC_KEY_FOR_TEST', timeoutMs: 300 },
          { id: 'mock', type: 'mock' },
        ],
        models: [
          { name: 'smart', targets: [{ provider: 'claude', model: MODEL }] },
          { name: 'smart-or-mock', targets: [{ provider: 'claude', model: MODEL }, { provider: 'mock', model: 'echo' }] },
          { name: 'slow-or-mock', targets: [{ provider: 'claude-slow', model: MODEL }, { provider: 'mock', model: 'echo' }] },
        ],
        tenants: [{ id: 'test', apiKeys: [TEST_KEY], models: ['smart', 'smart-or-mock', 'slow-or-mock', 'claude/*'] }],
        pricing: { [MODEL]: { inputPerMTok: 3, outputPerMTok: 15, cachedInputPerMTok: 0.3, cacheWritePerMTok: 3.75 }, echo: { inputPerMTok: 0, outputPerMTok: 0 } },
      }),
      { env: { ANTHROPIC_KEY_FOR_TEST: ANTHROPIC_KEY } },
    );
    client = gw.client();
  });

  afterAll(async () => {
    await gw?.close();
    await claude?.close();
  });

  it('answers a chat: system prompt in `system`, max_tokens always the cap budgets reserved (4096 by default), key in x-api-key, cached tokens priced', async () => {
    claude.reply((_req, res) => sendJson(res, 200, anthropicMessage(MODEL, [{ type: 'text', text: 'Bonjour !' }], 'end_turn', USAGE)));
    const from = claude.received.length;
    const { data, response } = await client.chat.completions
      .create({ model: 'smart', messages: [{ role: 'system', content: 'Answer in French.' }, { role: 'user', content: 'Hello' }], temperature: 1.5 })
      .withResponse();

    const [sent] = claude.received.slice(from);
    expect(sent!.headers['x-api-key']).toBe(ANTHROPIC_KEY);
    expect(sent!.headers['anthropic-version']).toBe('2023-06-01');
    expect(sent!.headers.authorization).toBeUndefined();
    expect(sent!.body).toEqual({
      model: MODEL,
      max_tokens: 4096,
      system: [{ type: 'text', text: 'Answer in French.' }],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }],
      temperature: 1,
    });
    expect(data.choices[0]).toMatchObject({ message: { role: 'assistant', content: 'Bonjour !' }, finish_reason: 'stop' });
    expect(data.usage).toMatchObject({ prompt_tokens: 1300, completion_tokens: 50, total_tokens: 1350, prompt_tokens_details: { cached_tokens: 1000 } });
    // 100 fresh × $3 + 1000 cached × $0.30 + 200 written × $3.75 + 50 out × $15, per million
    expect(response.headers.get('x-gateway-cost-usd')).toBe('0.0021');
  });

  it('passes cache_control breakpoints on to Anthropic, and prices the cache reads and writes it reports', async () => {
    claude.reply((_req, res) => sendJson(res, 200, anthropicMessage(MODEL, [{ type: 'text', text: 'Page 12.' }], 'end_turn', USAGE)));
    const from = claude.received.length;
    const manual = { type: 'text', text: 'The whole manual…', cache_control: { type: 'ephemeral', ttl: '1h' } };
    const messages = [
      { role: 'system', content: [manual] },
      { role: 'user', content: [{ type: 'text', text: 'Where are resets?', cache_control: { type: 'ephemeral' } }] },
    ] as unknown as OpenAI.ChatCompletionMessageParam[]; // the OpenAI SDK's types do not name cache_control
    const { response } = await client.chat.completions.create({ model: 'smart', messages }).withResponse();
    const [sent] = claude.received.slice(from);
    expect(sent!.body).toMatchObject({
      system: [{ type: 'text', text: 'The whole manual…', cache_control: { type: 'ephemeral', ttl: '1h' } }],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Where are resets?', cache_control: { type: 'ephemeral' } }] }],
    });
    expect(response.headers.get('x-gateway-cost-usd')).toBe('0.0021');
  });

  it('streams text deltas and ends with usage', async () => {
    claude.reply((_req, res) => sendSse(res, anthropicTextEvents(MODEL, ['Un', ' deux', ' trois'], USAGE)));
    const from = claude.received.length;
    const stream = await client.chat.completions.create({ model: 'smart', messages: [{ role: 'user', content: 'Count' }], max_tokens: 64, stream: true, stream_options: { include_usage: true } });
    const { text, usage, finish } = await readChatStream(stream);
    expect(text).toBe('Un deux trois');
    expect(finish).toBe('stop');
    expect(usage).toMatchObject({ prompt_tokens: 1300, completion_tokens: 50 });
    expect(claude.bodies(from)[0]).toMatchObject({ stream: true, max_tokens: 64 });
  });

  it('calls a tool, then answers from the tool result (round trip)', async () => {
    claude.reply((_req, res) =>
      sendJson(res, 200, anthropicMessage(MODEL, [{ type: 'text', text: 'Let me check.' }, { type: 'tool_use', id: 'toolu_01A', name: 'get_weather', input: { city: 'Paris' } }], 'tool_use', USAGE)),
    );
    const from = claude.received.length;
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather in Paris?' }];
    const first = await client.chat.completions.create({ model: 'smart', messages, tools: [WEATHER_TOOL], tool_choice: 'required', parallel_tool_calls: false });
    const call = first.choices[0]!.message.tool_calls![0]!;
    expect(first.choices[0]!.finish_reason).toBe('tool_calls');
    expect(call).toMatchObject({ id: 'toolu_01A', type: 'function', function: { name: 'get_weather' } });
    expect(JSON.parse((call as OpenAI.ChatCompletionMessageFunctionToolCall).function.arguments)).toEqual({ city: 'Paris' });
    expect(claude.bodies(from)[0]).toMatchObject({
      tools: [{ name: 'get_weather', description: 'Weather for a city', input_schema: WEATHER_TOOL.function.parameters }],
      tool_choice: { type: 'any', disable_parallel_tool_use: true },
    });

    claude.reply((_req, res) => sendJson(res, 200, anthropicMessage(MODEL, [{ type: 'text', text: 'Sunny, 21°C.' }], 'end_turn', USAGE)));
    messages.push(first.choices[0]!.message, { role: 'tool', tool_call_id: call.id, content: '{"temp_c":21,"sky":"sunny"}' }, { role: 'user', content: 'Thanks!' });
    const second = await client.chat.completions.create({ model: 'smart', messages, tools: [WEATHER_TOOL] });
    expect(second.choices[0]!.message.content).toBe('Sunny, 21°C.');
    expect((claude.bodies(from)[1] as { messages: unknown }).messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Weather in Paris?' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'Let me check.' }, { type: 'tool_use', id: 'toolu_01A', name: 'get_weather', input: { city: 'Paris' } }] },
      // the tool result and the next user message share one user turn, the result first
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01A', content: '{"temp_c":21,"sky":"sunny"}' }, { type: 'text', text: 'Thanks!' }] },
    ]);
  });

  it('streams a tool call with its arguments in pieces', async () => {
    claude.reply((_req, res) =>
      sendSse(res, [
        sseEvent('message_start', { type: 'message_start', message: { ...anthropicMessage(MODEL, [], '', { input_tokens: 20, output_tokens: 1 }), stop_reason: null } }),
        sseEvent('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 'toolu_02B', name: 'get_weather', input: {} } }),
        sseEvent('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '' } }),
        sseEvent('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '{"city": "Os' } }),
        sseEvent('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: 'lo"}' } }),
        sseEvent('content_block_stop', { type: 'content_block_stop', index: 0 }),
        sseEvent('message_delta', { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 12 } }),
        sseEvent('message_stop', { type: 'message_stop' }),
      ]),
    );
    const stream = client.chat.completions.stream({ model: 'smart', messages: [{ role: 'user', content: 'Weather in Oslo?' }], tools: [WEATHER_TOOL] });
    const final = await stream.finalChatCompletion();
    const call = final.choices[0]!.message.tool_calls![0] as OpenAI.ChatCompletionMessageFunctionToolCall;
    expect(final.choices[0]!.finish_reason).toBe('tool_calls');
    expect(call.id).toBe('toolu_02B');
    expect(JSON.parse(call.function.arguments)).toEqual({ city: 'Oslo' });
  });

  it('answers a JSON response_format through a forced tool, as content', async () => {
    claude.reply((_req, res) => sendJson(res, 200, anthropicMessage(MODEL, [{ type: 'tool_use', id: 'toolu_03C', name: 'city', input: { name: 'Lyon' } }], 'tool_use', USAGE)));
    const from = claude.received.length;
    const schema = { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] };
    const answer = await client.chat.completions.create({
      model: 'smart',
      messages: [{ role: 'user', content: 'A French city' }],
      response_format: { type: 'json_schema', json_schema: { name: 'city', schema } },
    });
    expect(JSON.parse(answer.choices[0]!.message.content!)).toEqual({ name: 'Lyon' });
    expect(answer.choices[0]!.finish_reason).toBe('stop');
    expect(claude.bodies(from)[0]).toMatchObject({ tools: [{ name: 'city', input_schema: schema }], tool_choice: { type: 'tool', name: 'city' } });
  });

  it('falls over when Anthropic refuses the key (the fake checks x-api-key)', async () => {
    const wrongKey = await startTestGateway(
      baseConfig({
        providers: [{ id: 'claude', type: 'anthropic', baseUrl: claude.url, apiKeyEnv: 'K' }, { id: 'mock', type: 'mock' }],
        models: [{ name: 'm', targets: [{ provider: 'claude', model: MODEL }, { provider: 'mock', model: 'echo' }] }],
      }),
      { env: { K: 'sk-ant-not-the-right-one' }, dynamodbEndpoint: gw.dynamodbEndpoint },
    );
    try {
      const { data, response } = await wrongKey.client().chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'ok?' }] }).withResponse();
      expect(data.choices[0]!.message.content).toBe('ok?');
      expect(response.headers.get('x-gateway-attempts')).toBe('2');
    } finally {
      await wrongKey.close();
    }
  });

  it('reports a prompt that is too long as 400 context_length_exceeded', async () => {
    claude.reply((_req, res) => sendAnthropicError(res, 400, 'invalid_request_error', 'prompt is too long: 212345 tokens > 200000 maximum'));
    await expect(client.chat.completions.create({ model: 'smart-or-mock', messages: [{ role: 'user', content: 'long' }] })).rejects.toMatchObject({
      status: 400,
      code: 'context_length_exceeded',
    });
  });

  it('ends the stream with an error event when Anthropic reports one mid-stream', async () => {
    claude.reply((_req, res) => sendSse(res, [...anthropicTextEvents(MODEL, ['Half'], USAGE).slice(0, 4), sseEvent('error', { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } })]));
    const res = await gw.call('/v1/chat/completions', { body: { model: 'smart', stream: true, messages: [{ role: 'user', content: 'x' }] } });
    const text = await res.text();
    expect(text).toContain('"content":"Half"');
    expect(text).toMatch(/"error":\{[^}]*Overloaded/);
    expect(text).not.toContain('[DONE]');
  });

  it('does not take a cut stream for a finished one', async () => {
    // cut before any event: nothing was sent yet, so the next target answers
    claude.reply((_req, res) => sendSse(res, []));
    const early = await client.chat.completions.create({ model: 'smart-or-mock', stream: true, messages: [{ role: 'user', content: 'cut early' }] }).withResponse();
    expect((await readChatStream(early.data)).text).toBe('cut early');
    expect(early.response.headers.get('x-gateway-provider')).toBe('mock');

    // cut after text went out: the caller gets an error, not a silent end
    claude.reply((_req, res) => sendSse(res, anthropicTextEvents(MODEL, ['Partial', ' answer'], USAGE).slice(0, 5)));
    const late = await gw.call('/v1/chat/completions', { body: { model: 'smart', stream: true, messages: [{ role: 'user', content: 'x' }] } });
    const body = await late.text();
    expect(body).toContain('Partial');
    expect(body).toContain('"error"');
    expect(body).not.toContain('[DONE]');
  });

  // after the other chat tests: the Retry-After window it opens keeps the provider aside for later calls
  it('falls over to the next target on 429 and on overload, and reports the wait when none is left', async () => {
    claude.reply((_req, res) => sendAnthropicError(res, 429, 'rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit', { 'retry-after': '7' }));
    const { data, response } = await client.chat.completions.create({ model: 'smart-or-mock', messages: [{ role: 'user', content: 'still there?' }] }).withResponse();
    expect(data.choices[0]!.message.content).toBe('still there?');
    expect(response.headers.get('x-gateway-provider')).toBe('mock');

    // inside its Retry-After window the provider is not called again: nothing else is left, so 503
    const calls = claude.received.length;
    const alone = await gw.call('/v1/chat/completions', { body: { model: 'smart', messages: [{ role: 'user', content: 'x' }] } });
    expect(alone.status).toBe(503);
    expect(alone.headers.get('retry-after')).toBe('7');
    expect(claude.received.length).toBe(calls);

    claude.reply((_req, res) => sendAnthropicError(res, 529, 'overloaded_error', 'Overloaded'));
    const overloaded = await client.chat.completions.create({ model: 'smart-or-mock', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    expect(overloaded.response.headers.get('x-gateway-provider')).toBe('mock');
  });

  it('falls over from a call that outlives the entry’s timeoutMs, and cuts it off once another target answered', async () => {
    const hang = hangingReply();
    claude.reply(hang.handler);
    const { response } = await client.chat.completions.create({ model: 'slow-or-mock', messages: [{ role: 'user', content: 'hello?' }] }).withResponse();
    expect(response.headers.get('x-gateway-provider')).toBe('mock');
    await expect(Promise.race([hang.closed.then(() => 'aborted'), new Promise((r) => setTimeout(r, 2000, 'still open'))])).resolves.toBe('aborted');
  });

  it('probes with the cheapest authenticated call, the models list', async () => {
    claude.reply((_req, res) => sendJson(res, 200, { data: [], has_more: false, first_id: null, last_id: null }));
    const from = claude.received.length;
    await gw.runtime.deps.providers.get('claude')!.probe({ signal: new AbortController().signal, requestId: 'probe-1' });
    expect(claude.received[from]).toMatchObject({ method: 'GET', path: '/v1/models?limit=1', headers: { 'x-api-key': ANTHROPIC_KEY } });
  });

  it('lists its models as provider/model and its aliases', async () => {
    const ids = (await client.models.list()).data.map((m) => m.id);
    expect(ids).toEqual(expect.arrayContaining(['smart', 'smart-or-mock', `claude/${MODEL}`]));
  });

  it('writes no provider key into any log line', () => {
    expect(gw.logger.lines.length).toBeGreaterThan(0);
    for (const line of gw.logger.lines) expect(line).not.toContain(ANTHROPIC_KEY);
  });
});
