// The response cache on the Anthropic Messages and OpenAI Responses doors, with their official clients: a
// repeated request is a hit whole or streamed, in either order, rendered in the door's own format with a new id;
// the same question through another door is another entry (the route is part of the key).
import http from 'node:http';
import Anthropic from '@anthropic-ai/sdk';
import type OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseConfig, startTestGateway, TEST_KEY, type TestGateway } from '../../helpers/gateway';
import { openaiCompletion, openaiStreamFrames, sendJson, sendSse, startFakeUpstream, type FakeUpstream } from '../../fakes/upstream';
import { openaiResponse, openaiResponseEvents, outputMessage } from '../../fakes/openai-responses';
import { anthropicMessage, sseEvent, startFakeAnthropic, type FakeProvider } from '../../fakes/anthropic';

const CLAUDE = 'claude-sonnet-4-5';
const TOOL = { type: 'tool_use', id: 'toolu_01', name: 'lookup', input: { city: 'Paris', days: 3 } };
/** a native Messages stream of one tool_use block, its input in two JSON pieces */
function toolEvents(): string[] {
  const usage = { input_tokens: 30, output_tokens: 12 };
  return [
    sseEvent('message_start', { type: 'message_start', message: anthropicMessage(CLAUDE, [], null as never, { ...usage, output_tokens: 1 }) }),
    sseEvent('content_block_start', { type: 'content_block_start', index: 0, content_block: { ...TOOL, input: {} } }),
    sseEvent('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '{"city":"Par' } }),
    sseEvent('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: 'is","days":3}' } }),
    sseEvent('content_block_stop', { type: 'content_block_stop', index: 0 }),
    sseEvent('message_delta', { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 12 } }),
    sseEvent('message_stop', { type: 'message_stop' }),
  ];
}

type ChatBody = { model: string; stream?: boolean; messages: Array<{ role: string; content: string | Array<{ text?: string }> }> };
type ResponsesBody = { model: string; stream?: boolean; input: string | Array<{ content: string | Array<{ text?: string }> }> };

function textOf(content: string | Array<{ text?: string }>): string {
  return typeof content === 'string' ? content : content.map((p) => p.text ?? '').join('');
}

function answer(req: { path: string; body: unknown }, res: http.ServerResponse): void | Promise<void> {
  if (req.path === '/v1/responses') {
    const body = req.body as ResponsesBody;
    const input = typeof body.input === 'string' ? body.input : textOf(body.input.at(-1)!.content);
    const words = ['answer ', 'to ', input];
    if (body.stream) return sendSse(res, openaiResponseEvents(body.model, words));
    return sendJson(res, 200, openaiResponse(body.model, [outputMessage(words.join(''))]));
  }
  const body = req.body as ChatBody;
  const words = ['answer ', 'to ', textOf(body.messages.at(-1)!.content)];
  if (body.stream) return sendSse(res, openaiStreamFrames(body.model, words));
  return sendJson(res, 200, openaiCompletion(body.model, words.join('')));
}

describe('response cache on every front door', () => {
  let upstream: FakeUpstream;
  let gw: TestGateway;
  let openai: OpenAI;
  let anthropic: Anthropic;
  let claude: FakeProvider;
  const calls = () => upstream.received.length;
  const settle = () => new Promise((r) => setTimeout(r, 250));

  beforeAll(async () => {
    upstream = await startFakeUpstream(answer);
    claude = await startFakeAnthropic('sk-ant-cache-0001');
    claude.reply((req, res) => ((req.body as { stream?: boolean }).stream ? sendSse(res, toolEvents()) : sendJson(res, 200, anthropicMessage(CLAUDE, [TOOL], 'tool_use', { input_tokens: 30, output_tokens: 12 }))));
    gw = await startTestGateway(
      baseConfig({
        providers: [
          { id: 'up', type: 'openai', baseUrl: `${upstream.url}/v1`, apiKeyEnv: 'UP_KEY' },
          { id: 'anthropic', type: 'anthropic', baseUrl: claude.url, apiKeyEnv: 'ANT_KEY' },
        ],
        models: [
          { name: 'cached', targets: [{ provider: 'up', model: 'gpt-4o-mini' }], cache: { ttlSeconds: 600 } },
          { name: 'claude', targets: [{ provider: 'anthropic', model: CLAUDE }], cache: { ttlSeconds: 600 } },
        ],
        pricing: { 'gpt-4o-mini': { inputPerMTok: 1, outputPerMTok: 2 }, [CLAUDE]: { inputPerMTok: 3, outputPerMTok: 15 } },
      }),
      { env: { UP_KEY: 'sk-upstream', ANT_KEY: 'sk-ant-cache-0001' } },
    );
    openai = gw.client();
    anthropic = new Anthropic({ baseURL: gw.url, apiKey: TEST_KEY, maxRetries: 0 });
  });

  afterAll(async () => {
    await gw?.close();
    await upstream?.close();
    await claude?.close();
  });

  it('messages, native target: a streamed tool_use answer serves later whole and streamed requests', async () => {
    const params = { model: 'claude', max_tokens: 100, tools: [{ name: 'lookup', input_schema: { type: 'object' as const } }], messages: [{ role: 'user' as const, content: 'weather in Paris' }] };
    const first = await anthropic.messages.stream(params).finalMessage();
    expect(first.content).toMatchObject([TOOL]);
    await settle();
    const before = claude.received.length;
    const whole = await anthropic.messages.create(params).withResponse();
    expect(whole.response.headers.get('x-gateway-cache')).toBe('hit');
    expect(whole.data.content).toMatchObject([TOOL]);
    expect(whole.data.stop_reason).toBe('tool_use');
    const streamed = await anthropic.messages.stream(params).finalMessage();
    expect(streamed.content).toMatchObject([TOOL]);
    expect(claude.received.length).toBe(before);
  });

  it('messages: a whole answer serves a later stream, and a streamed one a later whole request', async () => {
    const params = { model: 'cached', max_tokens: 100, messages: [{ role: 'user' as const, content: 'messages whole' }] };
    const first = await anthropic.messages.create(params);
    await settle();
    const before = calls();
    const streamed = await anthropic.messages.stream(params).finalMessage();
    expect(streamed.content).toEqual(first.content);
    expect(streamed.stop_reason).toBe('end_turn');
    const raw = await anthropic.messages.create(params).withResponse();
    expect(raw.response.headers.get('x-gateway-cache')).toBe('hit');
    expect(raw.data.id).not.toBe(first.id);
    expect(calls()).toBe(before);

    const params2 = { ...params, messages: [{ role: 'user' as const, content: 'messages streamed' }] };
    const s = await anthropic.messages.stream(params2).finalMessage();
    await settle();
    const whole = await anthropic.messages.create(params2);
    expect(whole.content).toEqual(s.content);
    expect(calls()).toBe(before + 1);
  });

  it('responses: a native whole answer serves a later stream, and a streamed one a later whole request', async () => {
    const first = await openai.responses.create({ model: 'cached', input: 'responses whole', store: false });
    expect(first.output_text).toBe('answer to responses whole');
    await settle();
    const before = calls();
    const events: string[] = [];
    let text = '';
    for await (const event of await openai.responses.create({ model: 'cached', input: 'responses whole', store: false, stream: true })) {
      events.push(event.type);
      if (event.type === 'response.output_text.delta') text += event.delta;
    }
    expect(text).toBe(first.output_text);
    expect(events.at(-1)).toBe('response.completed');
    expect(calls()).toBe(before);

    for await (const _ of await openai.responses.create({ model: 'cached', input: 'responses streamed', store: false, stream: true })) void _;
    await settle();
    const whole = await openai.responses.create({ model: 'cached', input: 'responses streamed', store: false }).withResponse();
    expect(whole.response.headers.get('x-gateway-cache')).toBe('hit');
    expect(whole.data.output_text).toBe('answer to responses streamed');
    expect(whole.data.id).not.toBe(first.id);
    expect(calls()).toBe(before + 1);
  });

  it('keys on the door: the same question through chat after messages is a miss', async () => {
    await anthropic.messages.create({ model: 'cached', max_tokens: 100, messages: [{ role: 'user', content: 'which door' }] });
    await settle();
    const chat = await openai.chat.completions.create({ model: 'cached', max_tokens: 100, messages: [{ role: 'user', content: 'which door' }] }).withResponse();
    expect(chat.response.headers.get('x-gateway-cache')).toBe('miss');
  });

  it('shares the DynamoDB level with another gateway process on the same store', async () => {
    await openai.chat.completions.create({ model: 'cached', messages: [{ role: 'user', content: 'across instances' }] });
    await settle();
    const second = await startTestGateway(
      baseConfig({
        providers: [{ id: 'up', type: 'openai', baseUrl: `${upstream.url}/v1`, apiKeyEnv: 'UP_KEY' }],
        models: [{ name: 'cached', targets: [{ provider: 'up', model: 'gpt-4o-mini' }], cache: { ttlSeconds: 600 } }],
        pricing: { 'gpt-4o-mini': { inputPerMTok: 1, outputPerMTok: 2 } },
      }),
      { env: { UP_KEY: 'sk-upstream' }, dynamodbEndpoint: gw.dynamodbEndpoint },
    );
    try {
      const before = calls();
      const hit = await second.client().chat.completions.create({ model: 'cached', messages: [{ role: 'user', content: 'across instances' }] }).withResponse();
      expect(hit.response.headers.get('x-gateway-cache')).toBe('hit');
      expect(hit.data.choices[0]!.message.content).toBe('answer to across instances');
      expect(calls()).toBe(before);
    } finally {
      await second.close();
    }
  });
});
