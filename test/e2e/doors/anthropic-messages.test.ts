// The Anthropic Messages door end to end: the official Anthropic SDK calls the local gateway, served once by an
// Anthropic target (natively: the fake receives the request as the client sent it) and once each by an
// OpenAI-type and a Gemini target (translated both ways); then Claude on Bedrock natively, fallbacks across
// APIs before the first byte, Anthropic-shaped errors before and during a stream, and the ledger's route.
import Anthropic from '@anthropic-ai/sdk';
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import type http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ledgerKeys } from '../../../lambdas/adapters/dynamodb/cost-ledger';
import { fromItem } from '../../../lambdas/adapters/dynamodb/marshal';
import { anthropicMessage, sendAnthropicError, sseEvent, startFakeAnthropic, type FakeProvider } from '../../fakes/anthropic';
import { chunkFrame, sendBedrockError, sendEventStream, startFakeBedrock } from '../../fakes/bedrock';
import { geminiAnswer, geminiFrame, startFakeGemini } from '../../fakes/gemini';
import { openaiCompletion, sendJson, sendSse, startFakeUpstream, type FakeUpstream, type ReceivedRequest } from '../../fakes/upstream';
import { startTestDynamo, type TestDynamo } from '../../helpers/dynalite';
import { baseConfig, startTestGateway, TEST_KEY, type TestGateway } from '../../helpers/gateway';

const ANTHROPIC_KEY = 'sk-ant-fake-door-0001';
const OPENAI_KEY = 'sk-openai-fake-door-0001';
const GEMINI_KEY = 'gemini-fake-door-0001';
const POOR_KEY = 'sk-test-poor-tenant-0001';
const SLOW_KEY = 'sk-test-slow-tenant-0001';
const REGION = 'us-west-2';
const ACCESS_KEY_ID = 'AKIDFAKEDOORBEDROCK1';
const CLAUDE = 'claude-sonnet-4-5';
const BEDROCK_CLAUDE = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';
const READ_TOOL = { name: 'read_file', description: 'Read a file', input_schema: { type: 'object' as const, properties: { path: { type: 'string' } }, required: ['path'] } };
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

type Reply = { text: string } | { tool: { id: string; name: string; input: Record<string, unknown> } } | { thinking: string; signature: string; text: string };

/** One upstream as the tests script it: what it answers next (whole or streamed, in its own wire format). */
interface Upstream {
  alias: string;
  native: boolean;
  fake: FakeUpstream;
  answer(reply: Reply): void;
}

function anthropicBlocks(reply: Reply): unknown[] {
  if ('tool' in reply) return [{ type: 'tool_use', id: reply.tool.id, name: reply.tool.name, input: reply.tool.input }];
  if ('thinking' in reply) return [{ type: 'thinking', thinking: reply.thinking, signature: reply.signature }, { type: 'text', text: reply.text }];
  return [{ type: 'text', text: reply.text }];
}

const A_USAGE = { input_tokens: 30, output_tokens: 12, cache_read_input_tokens: 200, cache_creation_input_tokens: 0 };

/** Anthropic's events for these blocks, as the API streams them (a ping after the first block starts) */
function anthropicEvents(model: string, blocks: unknown[], stop: string): string[] {
  const events = [sseEvent('message_start', { type: 'message_start', message: { ...anthropicMessage(model, [], null as never, { ...A_USAGE, output_tokens: 1 }) } })];
  blocks.forEach((block, index) => {
    const b = block as Record<string, unknown>;
    const empty = b.type === 'text' ? { type: 'text', text: '' } : b.type === 'thinking' ? { type: 'thinking', thinking: '', signature: '' } : { ...b, input: {} };
    events.push(sseEvent('content_block_start', { type: 'content_block_start', index, content_block: empty }));
    if (index === 0) events.push(sseEvent('ping', { type: 'ping' }));
    if (b.type === 'text') events.push(sseEvent('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text: b.text } }));
    if (b.type === 'thinking') {
      events.push(sseEvent('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'thinking_delta', thinking: b.thinking } }));
      events.push(sseEvent('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'signature_delta', signature: b.signature } }));
    }
    if (b.type === 'tool_use') events.push(sseEvent('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: JSON.stringify(b.input) } }));
    events.push(sseEvent('content_block_stop', { type: 'content_block_stop', index }));
  });
  events.push(sseEvent('message_delta', { type: 'message_delta', delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: A_USAGE.output_tokens } }));
  events.push(sseEvent('message_stop', { type: 'message_stop' }));
  return events;
}

function answerAnthropic(model: string, reply: Reply) {
  const stop = 'tool' in reply ? 'tool_use' : 'end_turn';
  return (req: ReceivedRequest, res: http.ServerResponse) => {
    if (req.path === '/v1/messages/count_tokens') return sendJson(res, 200, { input_tokens: 4242 });
    if ((req.body as { stream?: boolean }).stream) return sendSse(res, anthropicEvents(model, anthropicBlocks(reply), stop));
    return sendJson(res, 200, anthropicMessage(model, anthropicBlocks(reply), stop, A_USAGE));
  };
}

const O_USAGE = { prompt_tokens: 50, completion_tokens: 9, total_tokens: 59 };

function answerOpenAI(reply: Reply) {
  return (req: ReceivedRequest, res: http.ServerResponse) => {
    const model = (req.body as { model: string }).model;
    const text = 'tool' in reply ? null : reply.text;
    const calls = 'tool' in reply ? [{ id: reply.tool.id, type: 'function', function: { name: reply.tool.name, arguments: JSON.stringify(reply.tool.input) } }] : undefined;
    const finish = calls ? 'tool_calls' : 'stop';
    if (!(req.body as { stream?: boolean }).stream) {
      const completion = openaiCompletion(model, text ?? '', O_USAGE);
      completion.choices[0] = { index: 0, message: { role: 'assistant', content: text, ...(calls ? { tool_calls: calls } : {}) } as never, finish_reason: finish, logprobs: null };
      return sendJson(res, 200, completion);
    }
    const base = { id: 'chatcmpl-door', object: 'chat.completion.chunk', created: 1_700_000_000, model };
    const frame = (choices: unknown[], usage: unknown = null) => `data: ${JSON.stringify({ ...base, choices, usage })}\n\n`;
    const frames = [frame([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }])];
    if (text) for (const word of text.split(/(?<= )/)) frames.push(frame([{ index: 0, delta: { content: word }, finish_reason: null }]));
    if (calls) {
      const [call] = calls;
      frames.push(frame([{ index: 0, delta: { tool_calls: [{ index: 0, id: call!.id, type: 'function', function: { name: call!.function.name, arguments: '' } }] }, finish_reason: null }]));
      frames.push(frame([{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: call!.function.arguments } }] }, finish_reason: null }]));
    }
    frames.push(frame([{ index: 0, delta: {}, finish_reason: finish }]), frame([], O_USAGE), 'data: [DONE]\n\n');
    return sendSse(res, frames);
  };
}

const G_USAGE = { promptTokenCount: 40, candidatesTokenCount: 8, totalTokenCount: 48 };

function answerGemini(reply: Reply) {
  const parts = 'tool' in reply ? [{ functionCall: { name: reply.tool.name, args: reply.tool.input } }] : [{ text: reply.text }];
  return (req: ReceivedRequest, res: http.ServerResponse) =>
    req.path.includes('streamGenerateContent') ? sendSse(res, [geminiFrame(geminiAnswer(parts, 'STOP', G_USAGE))]) : sendJson(res, 200, geminiAnswer(parts, 'STOP', G_USAGE));
}

describe('the Anthropic Messages door', () => {
  let gw: TestGateway;
  let db: TestDynamo;
  let claude: FakeProvider;
  let openai: FakeUpstream;
  let gemini: FakeProvider;
  let bedrock: FakeProvider;
  let client: Anthropic;
  const upstreams: Upstream[] = [];
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: 'fake-secret-door', AWS_EC2_METADATA_DISABLED: 'true' });
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;
    [claude, gemini, bedrock, db] = await Promise.all([startFakeAnthropic(ANTHROPIC_KEY), startFakeGemini(GEMINI_KEY), startFakeBedrock({ accessKeyId: ACCESS_KEY_ID, region: REGION }), startTestDynamo()]);
    let openaiReply: ReturnType<typeof answerOpenAI> = answerOpenAI({ text: 'unscripted' });
    openai = await startFakeUpstream((req, res) => {
      if (req.headers.authorization !== `Bearer ${OPENAI_KEY}`) return sendJson(res, 401, { error: { message: 'bad key', type: 'invalid_request_error', code: 'invalid_api_key' } });
      return openaiReply(req, res);
    });
    upstreams.push(
      { alias: 'claude', native: true, fake: claude, answer: (r) => claude.reply(answerAnthropic(CLAUDE, r)) },
      { alias: 'gpt', native: false, fake: openai, answer: (r) => (openaiReply = answerOpenAI(r)) },
      { alias: 'gemini', native: false, fake: gemini, answer: (r) => gemini.reply(answerGemini(r)) },
    );
    const breaker = { consecutiveFailures: 1_000, minimumRequests: 1_000 };
    gw = await startTestGateway(
      baseConfig({
        providers: [
          { id: 'anthropic', type: 'anthropic', baseUrl: claude.url, apiKeyEnv: 'DOOR_ANTHROPIC_KEY', breaker },
          { id: 'oai', type: 'openai', baseUrl: `${openai.url}/v1`, apiKeyEnv: 'DOOR_OPENAI_KEY', breaker },
          { id: 'gem', type: 'gemini', baseUrl: gemini.url, apiKeyEnv: 'DOOR_GEMINI_KEY', breaker },
          { id: 'aws', type: 'bedrock', region: REGION, baseUrl: bedrock.url, breaker },
          { id: 'mock', type: 'mock' },
        ],
        models: [
          { name: 'claude', targets: [{ provider: 'anthropic', model: CLAUDE }] },
          { name: 'gpt', targets: [{ provider: 'oai', model: 'gpt-4o-mini' }] },
          { name: 'gemini', targets: [{ provider: 'gem', model: 'gemini-2.5-flash' }] },
          { name: 'bedrock-claude', targets: [{ provider: 'aws', model: BEDROCK_CLAUDE }] },
          { name: 'claude-then-bedrock', targets: [{ provider: 'anthropic', model: CLAUDE }, { provider: 'aws', model: BEDROCK_CLAUDE }] },
          { name: 'claude-then-gpt', targets: [{ provider: 'anthropic', model: CLAUDE }, { provider: 'oai', model: 'gpt-4o-mini' }] },
          { name: 'echo', targets: [{ provider: 'mock', model: 'echo' }] },
        ],
        tenants: [
          { id: 'test', apiKeys: [TEST_KEY] },
          { id: 'poor', apiKeys: [POOR_KEY], budget: { dailyUsd: 0.01 } },
          { id: 'slow', apiKeys: [SLOW_KEY], limits: { requestsPerMinute: 1 } },
        ],
        pricing: {
          [CLAUDE]: { inputPerMTok: 3, outputPerMTok: 15, cachedInputPerMTok: 0.3, cacheWritePerMTok: 3.75 },
          [BEDROCK_CLAUDE]: { inputPerMTok: 3, outputPerMTok: 15, cachedInputPerMTok: 0.3, cacheWritePerMTok: 3.75 },
          'gpt-4o-mini': { inputPerMTok: 0.15, outputPerMTok: 0.6 },
          'gemini-2.5-flash': { inputPerMTok: 0.3, outputPerMTok: 2.5 },
          echo: { inputPerMTok: 1, outputPerMTok: 2 },
        },
      }),
      { env: { DOOR_ANTHROPIC_KEY: ANTHROPIC_KEY, DOOR_OPENAI_KEY: OPENAI_KEY, DOOR_GEMINI_KEY: GEMINI_KEY }, dynamodbEndpoint: db.endpoint, groupCommitMs: 0 },
    );
    client = new Anthropic({ baseURL: gw.url, apiKey: TEST_KEY, maxRetries: 0 });
  });

  afterAll(async () => {
    await gw?.close();
    await Promise.all([claude?.close(), openai?.close(), gemini?.close(), bedrock?.close()]);
    await db?.stop();
    process.env = savedEnv;
  });

  /** the JSON body the upstream received last */
  const lastBody = (fake: FakeUpstream) => fake.received.at(-1)!.body as Record<string, unknown>;

  describe.each(['claude', 'gpt', 'gemini'])('with the SDK, served by %s', (alias) => {
    const up = () => upstreams.find((u) => u.alias === alias)!;

    it('creates a message: system, sampling and stop sequences reach the target in its own form; the answer is a Message', async () => {
      up().answer({ text: 'Bonjour !' });
      const { data, response } = await client.messages
        // temperature is no longer in the SDK's types; clients built on older ones still send it
        .create({ model: alias, max_tokens: 300, system: 'Answer in French.', messages: [{ role: 'user', content: 'Hello' }], stop_sequences: ['END'], ...({ temperature: 0.3 } as object) })
        .withResponse();
      expect(data).toMatchObject({ type: 'message', role: 'assistant', content: [{ type: 'text', text: 'Bonjour !' }], stop_reason: 'end_turn' });
      expect(data.usage.output_tokens).toBeGreaterThan(0);
      expect(response.headers.get('x-gateway-provider')).toBe(up().native ? 'anthropic' : alias === 'gpt' ? 'oai' : 'gem');
      expect(Number(response.headers.get('x-gateway-cost-usd'))).toBeGreaterThan(0);
      const sent = lastBody(up().fake);
      if (alias === 'claude') {
        expect(sent).toEqual({ model: CLAUDE, max_tokens: 300, system: 'Answer in French.', messages: [{ role: 'user', content: 'Hello' }], temperature: 0.3, stop_sequences: ['END'] });
      } else if (alias === 'gpt') {
        expect(sent).toMatchObject({ model: 'gpt-4o-mini', max_completion_tokens: 300, temperature: 0.3, stop: ['END'], messages: [{ role: 'system', content: 'Answer in French.' }, { role: 'user', content: 'Hello' }] });
      } else {
        expect(sent).toMatchObject({ systemInstruction: { parts: [{ text: 'Answer in French.' }] }, contents: [{ role: 'user', parts: [{ text: 'Hello' }] }], generationConfig: { maxOutputTokens: 300, stopSequences: ['END'] } });
      }
    });

    it('streams: the SDK reads the events into the same Message, the raw events in Anthropic order', async () => {
      up().answer({ text: 'One two three' });
      const stream = client.messages.stream({ model: alias, max_tokens: 100, messages: [{ role: 'user', content: 'Count' }] });
      const names: string[] = [];
      stream.on('streamEvent', (event) => names.push(event.type));
      const final = await stream.finalMessage();
      expect(final.content).toEqual([expect.objectContaining({ type: 'text', text: 'One two three' })]);
      expect(final.stop_reason).toBe('end_turn');
      expect(final.usage.output_tokens).toBe(alias === 'claude' ? 12 : alias === 'gpt' ? 9 : 8);
      expect(names[0]).toBe('message_start');
      expect(names.slice(-2)).toEqual(['message_delta', 'message_stop']);
      expect(names.filter((n) => n === 'content_block_start')).toHaveLength(1);

      const raw = await gw.call('/v1/messages?beta=true', { body: { model: alias, max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'Count' }] }, headers: { authorization: '', 'x-api-key': TEST_KEY } });
      expect(raw.headers.get('content-type')).toContain('text/event-stream');
      const frames = (await raw.text()).split('\n\n').filter(Boolean);
      expect(frames.map((f) => f.split('\n')[0])).toEqual([
        'event: message_start',
        'event: content_block_start',
        'event: ping',
        ...frames.filter((f) => f.startsWith('event: content_block_delta')).map(() => 'event: content_block_delta'),
        'event: content_block_stop',
        'event: message_delta',
        'event: message_stop',
      ]);
    });

    it('runs a tool round trip: tool_use out, tool_result (an error, and an image) back in the target\'s own form', async () => {
      up().answer({ tool: { id: 'toolu_01A', name: 'read_file', input: { path: 'a.txt' } } });
      const first = await client.messages.create({ model: alias, max_tokens: 200, tools: [READ_TOOL], messages: [{ role: 'user', content: 'Read a.txt' }] });
      expect(first.stop_reason).toBe('tool_use');
      const use = first.content.find((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use')!;
      expect(use).toMatchObject({ name: 'read_file', input: { path: 'a.txt' } });

      up().answer({ text: 'It is empty.' });
      const second = await client.messages.create({
        model: alias,
        max_tokens: 200,
        tools: [READ_TOOL],
        messages: [
          { role: 'user', content: 'Read a.txt' },
          { role: 'assistant', content: first.content },
          {
            role: 'user',
            content: [
              { type: 'tool_result', tool_use_id: use.id, is_error: true, content: [{ type: 'text', text: 'permission denied' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } }] },
            ],
          },
        ],
      });
      expect(second.content).toEqual([expect.objectContaining({ type: 'text', text: 'It is empty.' })]);
      const sent = lastBody(up().fake);
      if (alias === 'claude') {
        expect((sent.messages as unknown[])[2]).toEqual({
          role: 'user',
          content: [{ type: 'tool_result', tool_use_id: 'toolu_01A', is_error: true, content: [{ type: 'text', text: 'permission denied' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } }] }],
        });
      } else if (alias === 'gpt') {
        expect((sent.messages as unknown[]).slice(1)).toEqual([
          { role: 'assistant', content: null, tool_calls: [{ id: 'toolu_01A', type: 'function', function: { name: 'read_file', arguments: '{"path":"a.txt"}' } }] },
          { role: 'tool', tool_call_id: 'toolu_01A', content: 'Error: permission denied' },
          { role: 'user', content: [{ type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } }] },
        ]);
      } else {
        expect((sent.contents as unknown[]).slice(1)).toEqual([
          { role: 'model', parts: [{ functionCall: { name: 'read_file', args: { path: 'a.txt' } } }] },
          { role: 'user', parts: [{ functionResponse: { name: 'read_file', response: { output: 'Error: permission denied' } } }, { inlineData: { mimeType: 'image/png', data: PNG } }] },
        ]);
      }
    });

    it('thinking: signatures and redacted thinking reach an Anthropic target intact; a chat target is sent neither, nor the thinking setting', async () => {
      up().answer(alias === 'claude' ? { thinking: 'Two plus two…', signature: 'EqQBCkgIARABGAIiQLe3', text: '4' } : { text: '4' });
      const stream = client.messages.stream({ model: alias, max_tokens: 2048, thinking: { type: 'enabled', budget_tokens: 1024 }, messages: [{ role: 'user', content: '2+2?' }] });
      const final = await stream.finalMessage();
      if (alias === 'claude') expect(final.content[0]).toEqual({ type: 'thinking', thinking: 'Two plus two…', signature: 'EqQBCkgIARABGAIiQLe3' });
      expect(final.content.at(-1)).toMatchObject({ type: 'text', text: '4' });

      up().answer({ text: '8' });
      const earlier: Anthropic.ContentBlockParam[] = [
        { type: 'thinking', thinking: 'Two plus two…', signature: 'EqQBCkgIARABGAIiQLe3' },
        { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP' },
        { type: 'text', text: '4' },
      ];
      await client.messages.create({ model: alias, max_tokens: 2048, thinking: { type: 'enabled', budget_tokens: 1024 }, messages: [{ role: 'user', content: '2+2?' }, { role: 'assistant', content: earlier }, { role: 'user', content: 'And 4+4?' }] });
      const sent = lastBody(up().fake);
      if (alias === 'claude') {
        expect(sent.thinking).toEqual({ type: 'enabled', budget_tokens: 1024 });
        expect((sent.messages as unknown[])[1]).toEqual({ role: 'assistant', content: earlier });
      } else {
        expect(JSON.stringify(sent)).not.toMatch(/thinking|EqQBCkgI|budget/);
      }
    });

    it('counts tokens: the provider\'s count for an Anthropic target, else the bound budgets reserve; never billed', async () => {
      up().answer({ text: 'unused' });
      const before = up().fake.received.length;
      const counted = await client.messages.countTokens({ model: alias, system: 'Be brief.', tools: [READ_TOOL], messages: [{ role: 'user', content: 'How many tokens is this?' }] });
      if (alias === 'claude') {
        expect(counted.input_tokens).toBe(4242);
        expect(lastBody(claude)).toEqual({ model: CLAUDE, system: 'Be brief.', tools: [READ_TOOL], messages: [{ role: 'user', content: 'How many tokens is this?' }] });
      } else {
        expect(counted.input_tokens).toBeGreaterThan(600);
        expect(up().fake.received.length).toBe(before);
      }
    });
  });

  it('serves Claude on Bedrock natively: InvokeModel with the Messages body (Bedrock\'s version, betas it takes, no model or metadata), stream chunks forwarded', async () => {
    const events = anthropicEvents(BEDROCK_CLAUDE, [{ type: 'text', text: 'From Bedrock' }], 'end_turn').map((f) => JSON.parse(f.split('\n')[1]!.slice(6)));
    const stop = events.pop();
    bedrock.reply((req, res) => {
      if (req.path.endsWith('/count-tokens')) return sendJson(res, 200, { inputTokens: 77 });
      if (req.path.endsWith('/invoke')) return sendJson(res, 200, anthropicMessage(BEDROCK_CLAUDE, [{ type: 'text', text: 'From Bedrock' }], 'end_turn', A_USAGE));
      return sendEventStream(res, [...events, { ...stop, 'amazon-bedrock-invocationMetrics': { inputTokenCount: 30, outputTokenCount: 12 } }].map(chunkFrame));
    });
    const betas = { headers: { 'anthropic-beta': 'interleaved-thinking-2025-05-14,claude-code-20250219,mid-conversation-system-2026-04-07' } };
    const params = { model: 'bedrock-claude', max_tokens: 500, metadata: { user_id: 'u-1' }, messages: [{ role: 'user' as const, content: 'Hi' }] };
    const whole = await client.messages.create(params, betas);
    expect(whole.content).toEqual([{ type: 'text', text: 'From Bedrock' }]);
    expect(bedrock.received.at(-1)!.path).toBe(`/model/${encodeURIComponent(BEDROCK_CLAUDE)}/invoke`);
    expect(lastBody(bedrock)).toEqual({ anthropic_version: 'bedrock-2023-05-31', anthropic_beta: ['interleaved-thinking-2025-05-14'], max_tokens: 500, messages: [{ role: 'user', content: 'Hi' }] });

    const raw = await gw.call('/v1/messages', { body: { ...params, stream: true }, headers: betas.headers });
    const text = await raw.text();
    expect(text).not.toContain('amazon-bedrock-invocationMetrics');
    expect(text.endsWith('event: message_stop\ndata: {"type":"message_stop"}\n\n')).toBe(true);
    const final = await client.messages.stream(params).finalMessage();
    expect(final.content).toEqual([expect.objectContaining({ text: 'From Bedrock' })]);
    expect((await client.messages.countTokens({ model: 'bedrock-claude', messages: params.messages })).input_tokens).toBe(77);
  });

  it('sends a mid-conversation system turn to Bedrock in its system prompt (not one of Bedrock\'s betas)', async () => {
    bedrock.reply((_req, res) => sendJson(res, 200, anthropicMessage(BEDROCK_CLAUDE, [{ type: 'text', text: 'ok' }], 'end_turn', A_USAGE)));
    await client.messages.create(
      { model: 'bedrock-claude', max_tokens: 100, system: [{ type: 'text', text: 'Base.' }], messages: [{ role: 'user', content: 'Hi' }, { role: 'system', content: 'Now terse.' } as never] },
      { headers: { 'anthropic-beta': 'mid-conversation-system-2026-04-07' } },
    );
    expect(lastBody(bedrock)).toMatchObject({ system: [{ type: 'text', text: 'Base.' }, { type: 'text', text: 'Now terse.' }], messages: [{ role: 'user', content: 'Hi' }] });
  });

  describe('falling over across APIs before the first byte', () => {
    it('an Anthropic target answering 529 overloaded falls over to Claude on Bedrock, whole and streamed', async () => {
      claude.reply((_req, res) => sendAnthropicError(res, 529, 'overloaded_error', 'Overloaded'));
      bedrock.reply((req, res) =>
        req.path.endsWith('/invoke')
          ? sendJson(res, 200, anthropicMessage(BEDROCK_CLAUDE, [{ type: 'text', text: 'Bedrock served' }], 'end_turn', A_USAGE))
          : sendEventStream(res, anthropicEvents(BEDROCK_CLAUDE, [{ type: 'text', text: 'Bedrock streamed' }], 'end_turn').map((f) => chunkFrame(JSON.parse(f.split('\n')[1]!.slice(6))))),
      );
      const { data, response } = await client.messages.create({ model: 'claude-then-bedrock', max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }] }).withResponse();
      expect(data.content).toEqual([{ type: 'text', text: 'Bedrock served' }]);
      expect(response.headers.get('x-gateway-provider')).toBe('aws');
      expect(response.headers.get('x-gateway-attempts')).toBe('2');
      const streamed = await client.messages.stream({ model: 'claude-then-bedrock', max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }] }).finalMessage();
      expect(streamed.content).toEqual([expect.objectContaining({ text: 'Bedrock streamed' })]);
    });

    it('an overloaded error event before any content falls over too: to an OpenAI-type target, translated', async () => {
      claude.reply((_req, res) =>
        sendSse(res, [
          sseEvent('message_start', { type: 'message_start', message: anthropicMessage(CLAUDE, [], null as never, A_USAGE) }),
          sseEvent('error', { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }),
        ]),
      );
      upstreams.find((u) => u.alias === 'gpt')!.answer({ text: 'GPT served' });
      const final = await client.messages.stream({ model: 'claude-then-gpt', max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }] }).finalMessage();
      expect(final.content).toEqual([expect.objectContaining({ text: 'GPT served' })]);
    });

    it('every target overloaded: 529 overloaded_error, as Anthropic says it', async () => {
      claude.reply((_req, res) => sendAnthropicError(res, 529, 'overloaded_error', 'Overloaded'));
      bedrock.reply((_req, res) => sendBedrockError(res, 503, 'ServiceUnavailableException', 'busy'));
      const err = await client.messages.create({ model: 'claude', max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Anthropic.APIError);
      expect((err as InstanceType<typeof Anthropic.APIError>).status).toBe(529);
      expect((err as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({ type: 'error', error: { type: 'overloaded_error' } });
    });
  });

  describe('errors in Anthropic shape', () => {
    it('a stream cut after its content ends with an error event the SDK raises, typed by the provider', async () => {
      claude.reply((_req, res) =>
        sendSse(res, [
          ...anthropicEvents(CLAUDE, [{ type: 'text', text: 'Half an' }], 'end_turn').slice(0, 4),
          sseEvent('error', { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }),
        ]),
      );
      const stream = client.messages.stream({ model: 'claude', max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }] });
      const err = await stream.finalMessage().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Anthropic.APIError);
      expect((err as Error).message).toContain('overloaded_error');
    });

    it('a malformed request: 400 invalid_request_error naming the field, before any call', async () => {
      const before = claude.received.length;
      const err = await client.messages.create({ model: 'claude', max_tokens: -1, messages: [{ role: 'user', content: 'Hi' }] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Anthropic.BadRequestError);
      expect((err as InstanceType<typeof Anthropic.BadRequestError>).error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringContaining('max_tokens') } });
      expect(claude.received.length).toBe(before);
    });

    it('a tenant over its budget: 429 rate_limit_error with x-should-retry: false, which the SDK does not retry', async () => {
      const poor = new Anthropic({ baseURL: gw.url, apiKey: POOR_KEY, maxRetries: 2 });
      const before = gw.logger.lines.length;
      const err = await poor.messages.create({ model: 'claude', max_tokens: 4096, messages: [{ role: 'user', content: 'Hi' }] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Anthropic.RateLimitError);
      const error = err as InstanceType<typeof Anthropic.RateLimitError>;
      expect(error.error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error', message: expect.stringMatching(/budget|max_tokens/i) } });
      expect(error.headers?.get('x-should-retry')).toBe('false');
      // one request: the SDK (two retries allowed) did not send it again (its log line is written once the request
      // is settled, after the response: wait for it)
      const lines = () => gw.logger.lines.slice(before).filter((l) => l.includes('"route":"/v1/messages"') && l.includes('"tenant":"poor"'));
      for (let i = 0; i < 100 && lines().length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(lines()).toHaveLength(1);
    });

    it('a tenant over its rate limit: 429 rate_limit_error with retry-after', async () => {
      const slow = new Anthropic({ baseURL: gw.url, apiKey: SLOW_KEY, maxRetries: 0 });
      await slow.messages.create({ model: 'echo', max_tokens: 10, messages: [{ role: 'user', content: 'one' }] });
      const err = await slow.messages.create({ model: 'echo', max_tokens: 10, messages: [{ role: 'user', content: 'two' }] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Anthropic.RateLimitError);
      expect((err as InstanceType<typeof Anthropic.RateLimitError>).error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
      expect(Number((err as InstanceType<typeof Anthropic.RateLimitError>).headers?.get('retry-after'))).toBeGreaterThan(0);
    });

    it('a wrong key: 401 authentication_error, from x-api-key or Authorization: Bearer alike', async () => {
      for (const headers of [{ 'x-api-key': 'sk-wrong' }, { authorization: 'Bearer sk-wrong' }] as Array<Record<string, string>>) {
        const res = await fetch(`${gw.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ model: 'echo', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }) });
        expect(res.status).toBe(401);
        expect(await res.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
      }
      const bearer = await fetch(`${gw.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_KEY}` }, body: JSON.stringify({ model: 'echo', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }) });
      expect(bearer.status).toBe(200);
    });
  });

  it('records each call in the ledger under the messages route', async () => {
    await client.messages.create({ model: 'echo', max_tokens: 10, messages: [{ role: 'user', content: 'ledger me' }] });
    const today = new Date().toISOString().slice(0, 10);
    const { Items } = await db.client.send(new QueryCommand({ TableName: db.tables.costLedger, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: ledgerKeys.entries('test', today) } } }));
    const entries = (Items ?? []).map((i) => fromItem(i) as { route: string; alias?: string });
    expect(entries.length).toBeGreaterThan(10);
    expect(new Set(entries.map((e) => e.route))).toEqual(new Set(['messages']));
    expect(entries.some((e) => e.alias === 'echo')).toBe(true);
  });
});
