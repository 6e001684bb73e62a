// The bedrock provider end to end: the official OpenAI client calls the local gateway, whose adapter drives
// the real AWS SDK (Converse, ConverseStream, InvokeModel) against a fake Bedrock on loopback; each test
// checks the native request as Bedrock receives it (SigV4 scope, Converse body) and the SDK decodes real
// event-stream frames.
import type OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readChatStream } from '../../helpers/chat-stream';
import { baseConfig, startTestGateway, type TestGateway } from '../../helpers/gateway';
import { hangingReply, type FakeProvider } from '../../fakes/anthropic';
import {
  BEDROCK_USAGE,
  bedrockRoute,
  converseAnswer,
  eventFrame,
  exceptionFrame,
  sendBedrockError,
  sendConverse,
  sendEventStream,
  startFakeBedrock,
  textStreamFrames,
} from '../../fakes/bedrock';
import { sendJson } from '../../fakes/upstream';

const REGION = 'eu-west-1';
const ACCESS_KEY_ID = 'AKIDFAKEBEDROCK0001';
const SECRET = 'fake-secret-access-key-do-not-log';
const MODEL = 'anthropic.claude-3-5-sonnet-20241022-v2:0';
const WEATHER_TOOL = {
  type: 'function' as const,
  function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
};
const PIXEL = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

describe('bedrock provider through the gateway', () => {
  let gw: TestGateway;
  let bedrock: FakeProvider;
  let client: OpenAI;
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    // the SDK's default credential chain reads these; only this test process sees them
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: SECRET, AWS_EC2_METADATA_DISABLED: 'true' });
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;
    bedrock = await startFakeBedrock({ accessKeyId: ACCESS_KEY_ID, region: REGION });
    gw = await startTestGateway(
      baseConfig({
        // a call past its timeoutMs is read this long once another target answered, then cut off
        gateway: { abandonedCallMs: 300 },
        providers: [
          { id: 'aws', type: 'bedrock', region: REGION, baseUrl: bedrock.url, models: [MODEL, 'amazon.titan-embed-text-v2:0', 'cohere.embed-english-v3'] },
          { id: 'aws-elsewhere', type: 'bedrock', region: 'us-east-1', baseUrl: bedrock.url },
          { id: 'aws-slow', type: 'bedrock', region: REGION, baseUrl: bedrock.url, timeoutMs: 300 },
          { id: 'mock', type: 'mock' },
        ],
        models: [
          { name: 'sonnet', targets: [{ provider: 'aws', model: MODEL }] },
          { name: 'sonnet-or-mock', targets: [{ provider: 'aws', model: MODEL }, { provider: 'mock', model: 'echo' }] },
          { name: 'other-region', targets: [{ provider: 'aws-elsewhere', model: MODEL }, { provider: 'mock', model: 'echo' }] },
          { name: 'slow-or-mock', targets: [{ provider: 'aws-slow', model: MODEL }, { provider: 'mock', model: 'echo' }] },
          { name: 'titan', targets: [{ provider: 'aws', model: 'amazon.titan-embed-text-v2:0' }] },
          { name: 'cohere-embed', targets: [{ provider: 'aws', model: 'cohere.embed-english-v3' }] },
        ],
        pricing: {
          [MODEL]: { inputPerMTok: 3, outputPerMTok: 15, cachedInputPerMTok: 0.3, cacheWritePerMTok: 3.75 },
          'amazon.titan-embed-text-v2:0': { inputPerMTok: 0.02, outputPerMTok: 0 },
          'cohere.embed-english-v3': { inputPerMTok: 0.1, outputPerMTok: 0 },
          echo: { inputPerMTok: 0, outputPerMTok: 0 },
        },
      }),
    );
    client = gw.client();
  });

  afterAll(async () => {
    await gw?.close();
    await bedrock?.close();
    process.env = savedEnv;
  });

  it('answers a chat through Converse: system prompt in `system`, SigV4 for the entry region, cache tokens priced', async () => {
    bedrock.reply((_req, res) => sendConverse(res, converseAnswer([{ text: 'Guten Tag.' }], 'end_turn')));
    const from = bedrock.received.length;
    const { data, response } = await client.chat.completions
      .create({
        model: 'sonnet',
        messages: [{ role: 'system', content: 'Answer in German.' }, { role: 'user', content: [{ type: 'text', text: 'Hello, what is this?' }, { type: 'image_url', image_url: { url: `data:image/png;base64,${PIXEL}` } }] }],
        max_tokens: 300,
        temperature: 1.7,
        stop: ['END'],
      })
      .withResponse();

    const [sent] = bedrock.received.slice(from);
    expect(bedrockRoute(sent!.path)).toEqual({ modelId: MODEL, action: 'converse' });
    expect(sent!.headers.authorization).toMatch(new RegExp(`^AWS4-HMAC-SHA256 Credential=${ACCESS_KEY_ID}/\\d{8}/${REGION}/bedrock/aws4_request`));
    expect(sent!.body).toEqual({
      system: [{ text: 'Answer in German.' }],
      messages: [{ role: 'user', content: [{ text: 'Hello, what is this?' }, { image: { format: 'png', source: { bytes: PIXEL } } }] }],
      inferenceConfig: { maxTokens: 300, temperature: 1, stopSequences: ['END'] },
    });
    expect(data.choices[0]).toMatchObject({ message: { content: 'Guten Tag.' }, finish_reason: 'stop' });
    expect(data.usage).toMatchObject({ prompt_tokens: 1580, completion_tokens: 20, prompt_tokens_details: { cached_tokens: 1200 } });
    // 80 fresh × $3 + 1200 cached × $0.30 + 300 written × $3.75 + 20 out × $15, per million
    expect(response.headers.get('x-gateway-cost-usd')).toBe('0.002025');
  });

  it('sends cache_control breakpoints as cachePoint blocks, as Converse receives them', async () => {
    bedrock.reply((_req, res) => sendConverse(res, converseAnswer([{ text: 'Seite 12.' }], 'end_turn')));
    const from = bedrock.received.length;
    const messages = [
      { role: 'system', content: [{ type: 'text', text: 'The whole manual…', cache_control: { type: 'ephemeral' } }] },
      { role: 'user', content: 'Where are resets?' },
    ] as unknown as OpenAI.ChatCompletionMessageParam[]; // the OpenAI SDK's types do not name cache_control
    await client.chat.completions.create({ model: 'sonnet', messages });
    const [sent] = bedrock.received.slice(from);
    expect(sent!.body).toMatchObject({
      system: [{ text: 'The whole manual…' }, { cachePoint: { type: 'default' } }],
      messages: [{ role: 'user', content: [{ text: 'Where are resets?' }] }],
    });
  });

  it('streams through ConverseStream (event-stream frames) and ends with usage', async () => {
    bedrock.reply((_req, res) => sendEventStream(res, textStreamFrames(['Eins', ' zwei', ' drei'])));
    const from = bedrock.received.length;
    const stream = await client.chat.completions.create({ model: 'sonnet', messages: [{ role: 'user', content: 'Count' }], stream: true, stream_options: { include_usage: true } });
    const { text, usage } = await readChatStream(stream);
    expect(text).toBe('Eins zwei drei');
    expect(usage).toMatchObject({ prompt_tokens: 1580, completion_tokens: 20 });
    expect(bedrockRoute(bedrock.received[from]!.path)?.action).toBe('converse-stream');
  });

  it('calls a tool, then answers from the tool result (round trip)', async () => {
    bedrock.reply((_req, res) => sendConverse(res, converseAnswer([{ toolUse: { toolUseId: 'tooluse_kZJMlvQmRJ6eAyJE5GIl7Q', name: 'get_weather', input: { city: 'Vienna' } } }], 'tool_use')));
    const from = bedrock.received.length;
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather in Vienna?' }];
    const first = await client.chat.completions.create({ model: 'sonnet', messages, tools: [WEATHER_TOOL], tool_choice: 'required' });
    const call = first.choices[0]!.message.tool_calls![0] as OpenAI.ChatCompletionMessageFunctionToolCall;
    expect(first.choices[0]!.finish_reason).toBe('tool_calls');
    expect(call).toMatchObject({ id: 'tooluse_kZJMlvQmRJ6eAyJE5GIl7Q', function: { name: 'get_weather' } });
    expect(JSON.parse(call.function.arguments)).toEqual({ city: 'Vienna' });
    expect(bedrock.bodies(from)[0]).toMatchObject({
      toolConfig: { tools: [{ toolSpec: { name: 'get_weather', description: 'Weather for a city', inputSchema: { json: WEATHER_TOOL.function.parameters } } }], toolChoice: { any: {} } },
    });

    bedrock.reply((_req, res) => sendConverse(res, converseAnswer([{ text: 'Windy, 9°C.' }], 'end_turn')));
    messages.push(first.choices[0]!.message, { role: 'tool', tool_call_id: call.id, content: '{"temp_c":9}' });
    const second = await client.chat.completions.create({ model: 'sonnet', messages, tools: [WEATHER_TOOL] });
    expect(second.choices[0]!.message.content).toBe('Windy, 9°C.');
    expect((bedrock.bodies(from)[1] as { messages: unknown }).messages).toEqual([
      { role: 'user', content: [{ text: 'Weather in Vienna?' }] },
      { role: 'assistant', content: [{ toolUse: { toolUseId: 'tooluse_kZJMlvQmRJ6eAyJE5GIl7Q', name: 'get_weather', input: { city: 'Vienna' } } }] },
      { role: 'user', content: [{ toolResult: { toolUseId: 'tooluse_kZJMlvQmRJ6eAyJE5GIl7Q', content: [{ text: '{"temp_c":9}' }] } }] },
    ]);
  });

  it('streams a tool call with its arguments in pieces', async () => {
    bedrock.reply((_req, res) =>
      sendEventStream(res, [
        eventFrame('messageStart', { role: 'assistant' }),
        eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Checking.' } }),
        eventFrame('contentBlockStop', { contentBlockIndex: 0 }),
        eventFrame('contentBlockStart', { contentBlockIndex: 1, start: { toolUse: { toolUseId: 'tooluse_stream1', name: 'get_weather' } } }),
        eventFrame('contentBlockDelta', { contentBlockIndex: 1, delta: { toolUse: { input: '{"city":' } } }),
        eventFrame('contentBlockDelta', { contentBlockIndex: 1, delta: { toolUse: { input: '"Graz"}' } } }),
        eventFrame('contentBlockStop', { contentBlockIndex: 1 }),
        eventFrame('messageStop', { stopReason: 'tool_use' }),
        eventFrame('metadata', { usage: BEDROCK_USAGE, metrics: { latencyMs: 42 } }),
      ]),
    );
    const final = await client.chat.completions.stream({ model: 'sonnet', messages: [{ role: 'user', content: 'Weather in Graz?' }], tools: [WEATHER_TOOL] }).finalChatCompletion();
    const call = final.choices[0]!.message.tool_calls![0] as OpenAI.ChatCompletionMessageFunctionToolCall;
    expect(final.choices[0]).toMatchObject({ finish_reason: 'tool_calls', message: { content: 'Checking.' } });
    expect(call.id).toBe('tooluse_stream1');
    expect(JSON.parse(call.function.arguments)).toEqual({ city: 'Graz' });
  });

  it('signs for the entry region: a fake in another region refuses, and routing falls over', async () => {
    bedrock.reply((_req, res) => sendConverse(res, converseAnswer([{ text: 'unreachable' }], 'end_turn')));
    const { response } = await client.chat.completions.create({ model: 'other-region', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    expect(response.headers.get('x-gateway-provider')).toBe('mock');
    expect(response.headers.get('x-gateway-attempts')).toBe('2');
  });

  it('falls over on ThrottlingException, and reports input too long as 400 context_length_exceeded', async () => {
    bedrock.reply((_req, res) => sendBedrockError(res, 429, 'ThrottlingException', 'Too many requests, please wait before trying again.'));
    const { response } = await client.chat.completions.create({ model: 'sonnet-or-mock', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    expect(response.headers.get('x-gateway-provider')).toBe('mock');
    // a 429 without a retry hint keeps the provider aside for a second: let it pass
    await new Promise((r) => setTimeout(r, 1_100));

    bedrock.reply((_req, res) => sendBedrockError(res, 400, 'ValidationException', 'Input is too long for requested model.'));
    await expect(client.chat.completions.create({ model: 'sonnet-or-mock', messages: [{ role: 'user', content: 'long' }] })).rejects.toMatchObject({
      status: 400,
      code: 'context_length_exceeded',
    });
  });

  it('ends the stream with an error on an exception event, and refuses a stream cut before messageStop', async () => {
    bedrock.reply((_req, res) => sendEventStream(res, [...textStreamFrames(['Halb']).slice(0, 2), exceptionFrame('modelStreamErrorException', 'The model stream failed.')]));
    const errored = await (await gw.call('/v1/chat/completions', { body: { model: 'sonnet', stream: true, messages: [{ role: 'user', content: 'x' }] } })).text();
    expect(errored).toContain('Halb');
    expect(errored).toContain('The model stream failed.');
    expect(errored).not.toContain('[DONE]');

    bedrock.reply((_req, res) => sendEventStream(res, textStreamFrames(['Abgeschnitten']).slice(0, 2)));
    const cut = await (await gw.call('/v1/chat/completions', { body: { model: 'sonnet', stream: true, messages: [{ role: 'user', content: 'x' }] } })).text();
    expect(cut).toContain('Abgeschnitten');
    expect(cut).toContain('"error"');
    expect(cut).not.toContain('[DONE]');
  });

  it('embeds with Titan (one InvokeModel a text, tokens as reported) and with Cohere (one call)', async () => {
    bedrock.reply((req, res) => {
      const { inputText } = req.body as { inputText: string };
      sendJson(res, 200, { embedding: inputText === 'a' ? [1, 0] : [0, 1], inputTextTokenCount: 500 });
    });
    const from = bedrock.received.length;
    const titan = await client.embeddings.create({ model: 'titan', input: ['a', 'b'], dimensions: 256 }).withResponse();
    expect(titan.data.data.map((d) => d.embedding)).toEqual([[1, 0], [0, 1]]);
    expect(titan.data.usage.prompt_tokens).toBe(1000);
    expect(titan.response.headers.get('x-gateway-cost-usd')).toBe('0.00002');
    expect(bedrock.bodies(from)).toEqual(expect.arrayContaining([{ inputText: 'a', dimensions: 256 }, { inputText: 'b', dimensions: 256 }]));

    bedrock.reply((_req, res) => sendJson(res, 200, { id: 'e', embeddings: { float: [[0.1], [0.2]] }, response_type: 'embeddings_by_type', texts: ['a', 'b'] }));
    const afterTitan = bedrock.received.length;
    const cohere = await client.embeddings.create({ model: 'cohere-embed', input: ['a', 'b'], encoding_format: 'float' });
    expect(cohere.data.map((d) => d.embedding)).toEqual([[0.1], [0.2]]);
    expect(bedrockRoute(bedrock.received[afterTitan]!.path)).toEqual({ modelId: 'cohere.embed-english-v3', action: 'invoke' });
    expect(bedrock.bodies(afterTitan)[0]).toEqual({ texts: ['a', 'b'], input_type: 'search_document', embedding_types: ['float'] });
  });

  it('falls over from an SDK call that outlives the entry’s timeoutMs, and cuts it off once another target answered', async () => {
    for (const stream of [false, true]) {
      const hang = hangingReply();
      bedrock.reply(hang.handler);
      const { response } = await client.chat.completions.create({ model: 'slow-or-mock', stream, messages: [{ role: 'user', content: 'hello?' }] }).withResponse();
      expect(response.headers.get('x-gateway-provider')).toBe('mock');
      await expect(Promise.race([hang.closed.then(() => 'aborted'), new Promise((r) => setTimeout(r, 2000, 'still open'))])).resolves.toBe('aborted');
    }
  });

  it('probes by resolving the IAM credentials', async () => {
    const from = bedrock.received.length;
    await expect(gw.runtime.deps.providers.get('aws')!.probe({ signal: new AbortController().signal, requestId: 'probe-1' })).resolves.toBeUndefined();
    expect(bedrock.received.length).toBe(from);
  });

  it('lists its models as provider/model', async () => {
    const ids = (await client.models.list()).data.map((m) => m.id);
    expect(ids).toEqual(expect.arrayContaining(['sonnet', `aws/${MODEL}`, 'aws/amazon.titan-embed-text-v2:0']));
  });

  it('writes no AWS secret into any log line', () => {
    for (const line of gw.logger.lines) expect(line).not.toContain(SECRET);
  });
});
