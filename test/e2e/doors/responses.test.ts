// The Responses door end to end with the official OpenAI client (`responses.create`, whole and streamed):
// served once natively by a fake OpenAI Responses API and once each by fake Anthropic and Bedrock APIs through
// the chat core; a function tool round trip and a previous_response_id follow-up on each, a follow-up served by
// another provider than the turn before, turns kept per tenant, and the door's errors.
import OpenAI from 'openai';
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anthropicMessage, anthropicTextEvents, sseEvent, startFakeAnthropic, type FakeProvider } from '../../fakes/anthropic';
import { converseAnswer, eventFrame, sendConverse, sendEventStream, startFakeBedrock, textStreamFrames } from '../../fakes/bedrock';
import { functionCall, openaiFunctionCallEvents, openaiResponse, openaiResponseEvents, outputMessage, reasoningItem, startFakeOpenAIResponses } from '../../fakes/openai-responses';
import { sendJson, sendSse } from '../../fakes/upstream';
import { baseConfig, startTestGateway, TEST_KEY, type TestGateway } from '../../helpers/gateway';
import { awayFromMinuteEnd, eventually } from '../../helpers/wait';

const KEYS = { openai: 'sk-openai-fake-responses', anthropic: 'sk-ant-fake-responses' };
const REGION = 'eu-west-1';
const ACCESS_KEY_ID = 'AKIDFAKERESPONSES01';
const MODELS = { openai: 'gpt-4.1', anthropic: 'claude-sonnet-4-5', bedrock: 'anthropic.claude-3-5-sonnet-20241022-v2:0' };
const OTHER_KEY = 'sk-other-tenant-key-0002';
const WEATHER = {
  type: 'function' as const,
  name: 'get_weather',
  description: 'Weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
  strict: true,
};

type Kind = 'openai' | 'anthropic' | 'bedrock';

let gw: TestGateway;
let client: OpenAI;
const fakes = {} as Record<Kind, FakeProvider>;
const savedEnv = { ...process.env };

/** how each fake answers a text, or one call of `get_weather` */
function scriptText(kind: Kind, words: string[]): void {
  const text = words.join('');
  if (kind === 'openai') {
    fakes.openai.reply((req, res) => ((req.body as { stream?: boolean }).stream ? sendSse(res, openaiResponseEvents(MODELS.openai, words)) : sendJson(res, 200, openaiResponse(MODELS.openai, [outputMessage(text)]))));
  } else if (kind === 'anthropic') {
    const usage = { input_tokens: 40, output_tokens: 6 };
    fakes.anthropic.reply((req, res) => ((req.body as { stream?: boolean }).stream ? sendSse(res, anthropicTextEvents(MODELS.anthropic, words, usage)) : sendJson(res, 200, anthropicMessage(MODELS.anthropic, [{ type: 'text', text }], 'end_turn', usage))));
  } else {
    fakes.bedrock.reply((req, res) => (req.path.endsWith('converse-stream') ? sendEventStream(res, textStreamFrames(words)) : sendConverse(res, converseAnswer([{ text }], 'end_turn'))));
  }
}

function scriptToolCall(kind: Kind, city: string): void {
  const args = JSON.stringify({ city });
  if (kind === 'openai') {
    fakes.openai.reply((req, res) => ((req.body as { stream?: boolean }).stream ? sendSse(res, openaiFunctionCallEvents(MODELS.openai, 'get_weather', ['{"city":', `"${city}"}`])) : sendJson(res, 200, openaiResponse(MODELS.openai, [functionCall('get_weather', args)]))));
  } else if (kind === 'anthropic') {
    const usage = { input_tokens: 50, output_tokens: 9 };
    const block = { type: 'tool_use', id: 'toolu_01', name: 'get_weather', input: { city } };
    fakes.anthropic.reply((req, res) => {
      if (!(req.body as { stream?: boolean }).stream) return sendJson(res, 200, anthropicMessage(MODELS.anthropic, [block], 'tool_use', usage));
      return sendSse(res, [
        sseEvent('message_start', { type: 'message_start', message: { ...anthropicMessage(MODELS.anthropic, [], null as never, { ...usage, output_tokens: 1 }), stop_reason: null } }),
        sseEvent('content_block_start', { type: 'content_block_start', index: 0, content_block: { ...block, input: {} } }),
        sseEvent('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '{"city":' } }),
        sseEvent('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: `"${city}"}` } }),
        sseEvent('content_block_stop', { type: 'content_block_stop', index: 0 }),
        sseEvent('message_delta', { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: usage.output_tokens } }),
        sseEvent('message_stop', { type: 'message_stop' }),
      ]);
    });
  } else {
    fakes.bedrock.reply((req, res) => {
      if (!req.path.endsWith('converse-stream')) return sendConverse(res, converseAnswer([{ toolUse: { toolUseId: 'tooluse_1', name: 'get_weather', input: { city } } }], 'tool_use'));
      return sendEventStream(res, [
        eventFrame('messageStart', { role: 'assistant' }),
        eventFrame('contentBlockStart', { contentBlockIndex: 0, start: { toolUse: { toolUseId: 'tooluse_1', name: 'get_weather' } } }),
        eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { toolUse: { input: args } } }),
        eventFrame('contentBlockStop', { contentBlockIndex: 0 }),
        eventFrame('messageStop', { stopReason: 'tool_use' }),
        eventFrame('metadata', { usage: { inputTokens: 50, outputTokens: 9, totalTokens: 59 }, metrics: { latencyMs: 5 } }),
      ]);
    });
  }
}

function lastBody(kind: Kind): Record<string, unknown> {
  const bodies = fakes[kind].bodies();
  return bodies[bodies.length - 1]!;
}

/** every event of a streamed response, in order */
async function streamed(params: OpenAI.Responses.ResponseCreateParamsStreaming, c = client): Promise<OpenAI.Responses.ResponseStreamEvent[]> {
  const events: OpenAI.Responses.ResponseStreamEvent[] = [];
  for await (const event of await c.responses.create(params)) events.push(event);
  return events;
}

beforeAll(async () => {
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: 'fake-secret-responses', AWS_EC2_METADATA_DISABLED: 'true' });
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
  fakes.openai = await startFakeOpenAIResponses(KEYS.openai);
  fakes.anthropic = await startFakeAnthropic(KEYS.anthropic);
  fakes.bedrock = await startFakeBedrock({ accessKeyId: ACCESS_KEY_ID, region: REGION });
  const price = { inputPerMTok: 2, outputPerMTok: 8, cachedInputPerMTok: 0.5 };
  gw = await startTestGateway(
    baseConfig({
      providers: [
        { id: 'oai', type: 'openai', preset: 'openai', baseUrl: `${fakes.openai.url}/v1`, apiKeyEnv: 'RESPONSES_OPENAI_KEY' },
        { id: 'claude', type: 'anthropic', baseUrl: fakes.anthropic.url, apiKeyEnv: 'RESPONSES_ANTHROPIC_KEY' },
        { id: 'aws', type: 'bedrock', region: REGION, baseUrl: fakes.bedrock.url },
        { id: 'mock', type: 'mock' },
      ],
      models: [
        { name: 'openai', targets: [{ provider: 'oai', model: MODELS.openai }] },
        { name: 'anthropic', targets: [{ provider: 'claude', model: MODELS.anthropic }] },
        { name: 'bedrock', targets: [{ provider: 'aws', model: MODELS.bedrock }] },
        { name: 'echo', targets: [{ provider: 'mock', model: 'echo' }] },
      ],
      tenants: [
        { id: 'test', apiKeys: [TEST_KEY] },
        { id: 'other', apiKeys: [OTHER_KEY] },
        { id: 'broke', apiKeys: ['sk-broke-tenant-key-0003'], budget: { dailyUsd: 0.000001 } },
        { id: 'hasty', apiKeys: ['sk-hasty-tenant-key-0004'], limits: { requestsPerMinute: 1 } },
      ],
      pricing: { [MODELS.openai]: price, [MODELS.anthropic]: price, [MODELS.bedrock]: price, echo: { inputPerMTok: 1, outputPerMTok: 1 } },
    }),
    { env: { RESPONSES_OPENAI_KEY: KEYS.openai, RESPONSES_ANTHROPIC_KEY: KEYS.anthropic } },
  );
  client = gw.client();
});

afterAll(async () => {
  await gw?.close();
  for (const fake of Object.values(fakes)) await fake?.close();
  process.env = savedEnv;
});

describe.each<Kind>(['openai', 'anthropic', 'bedrock'])('the Responses door served by %s', (kind) => {
  const native = kind === 'openai';

  it('answers responses.create: output_text, usage in Responses form, the turn stored under the gateway id', async () => {
    scriptText(kind, ['Hello ', 'from ', kind]);
    const response = await client.responses.create({ model: kind, instructions: 'Be brief.', input: 'Say hello' });

    expect(response.output_text).toBe(`Hello from ${kind}`);
    expect(response.id).toMatch(/^resp_[0-9a-f]{48}$/);
    expect(response.status).toBe('completed');
    expect(response.usage!.input_tokens).toBeGreaterThan(0);
    const sent = lastBody(kind);
    if (native) {
      // OpenAI keeps nothing (the gateway does), and gets the cap the budget reserved
      expect(sent).toMatchObject({ model: MODELS.openai, instructions: 'Be brief.', input: [{ type: 'message', role: 'user', content: 'Say hello' }], store: false, max_output_tokens: 4096 });
      expect(response.usage).toMatchObject({ input_tokens: 120, input_tokens_details: { cached_tokens: 100 }, output_tokens: 30, output_tokens_details: { reasoning_tokens: 12 } });
    } else if (kind === 'anthropic') {
      expect(sent).toMatchObject({ model: MODELS.anthropic, system: [{ type: 'text', text: 'Be brief.' }], max_tokens: 4096, messages: [{ role: 'user', content: [{ type: 'text', text: 'Say hello' }] }] });
    } else {
      expect(sent).toMatchObject({ system: [{ text: 'Be brief.' }], inferenceConfig: { maxTokens: 4096 } });
    }
    const stored = await client.responses.retrieve(response.id);
    expect(stored.output_text).toBe(`Hello from ${kind}`);
  });

  it('streams the event sequence with sequence numbers and ends with response.completed', async () => {
    scriptText(kind, ['one ', 'two ', 'three']);
    const events = await streamed({ model: kind, input: 'Count', stream: true });

    const types = events.map((e) => e.type);
    expect(types.slice(0, 4)).toEqual(['response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added']);
    expect(types.filter((t) => t === 'response.output_text.delta').length).toBe(3);
    expect(types.slice(-4)).toEqual(['response.output_text.done', 'response.content_part.done', 'response.output_item.done', 'response.completed']);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    const completed = events.at(-1) as OpenAI.Responses.ResponseCompletedEvent;
    expect(completed.response.output_text ?? completed.response.output.flatMap((o) => (o.type === 'message' ? o.content : [])).map((c) => (c.type === 'output_text' ? c.text : '')).join('')).toBe('one two three');
    expect(completed.response.usage!.output_tokens).toBeGreaterThan(0);
    // one id from the first event to the last, and the turn is stored under it
    expect(new Set(events.flatMap((e) => ('response' in e ? [e.response.id] : []))).size).toBe(1);
    expect((await client.responses.retrieve(completed.response.id)).status).toBe('completed');
  });

  it('round-trips a function tool: the call, then its output sent with previous_response_id', async () => {
    scriptToolCall(kind, 'Paris');
    const first = await client.responses.create({ model: kind, input: 'Weather in Paris?', tools: [WEATHER] });
    const call = first.output.find((o) => o.type === 'function_call') as OpenAI.Responses.ResponseFunctionToolCall;
    expect(call).toMatchObject({ type: 'function_call', name: 'get_weather', status: 'completed' });
    expect(JSON.parse(call.arguments)).toEqual({ city: 'Paris' });

    scriptText(kind, ['Sunny ', 'in ', 'Paris']);
    const second = await client.responses.create({
      model: kind,
      previous_response_id: first.id,
      input: [{ type: 'function_call_output', call_id: call.call_id, output: '{"sky":"sunny"}' }],
      tools: [WEATHER],
    });
    expect(second.output_text).toBe('Sunny in Paris');
    expect(second.previous_response_id).toBe(first.id);
    const sent = lastBody(kind);
    if (native) {
      // the conversation written out: OpenAI stored nothing
      expect(sent.previous_response_id).toBeUndefined();
      expect(sent.input).toMatchObject([
        { type: 'message', role: 'user' },
        { type: 'function_call', call_id: call.call_id, name: 'get_weather' },
        { type: 'function_call_output', call_id: call.call_id, output: '{"sky":"sunny"}' },
      ]);
    } else if (kind === 'anthropic') {
      expect(sent.messages).toMatchObject([
        { role: 'user' },
        { role: 'assistant', content: [{ type: 'tool_use', id: call.call_id, name: 'get_weather', input: { city: 'Paris' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.call_id }] },
      ]);
    } else {
      expect(sent.messages).toMatchObject([
        { role: 'user' },
        { role: 'assistant', content: [{ toolUse: { toolUseId: call.call_id, name: 'get_weather', input: { city: 'Paris' } } }] },
        { role: 'user', content: [{ toolResult: { toolUseId: call.call_id } }] },
      ]);
    }
  });

  it('streams a function call: arguments deltas, then .done with the whole arguments', async () => {
    scriptToolCall(kind, 'Oslo');
    const events = await streamed({ model: kind, input: 'Weather in Oslo?', tools: [WEATHER], stream: true });
    const types = events.map((e) => e.type);
    expect(types).toContain('response.function_call_arguments.delta');
    const done = events.find((e) => e.type === 'response.function_call_arguments.done') as OpenAI.Responses.ResponseFunctionCallArgumentsDoneEvent;
    expect(JSON.parse(done.arguments)).toEqual({ city: 'Oslo' });
    expect(types.indexOf('response.function_call_arguments.done')).toBeLessThan(types.indexOf('response.output_item.done'));
    expect(types.at(-1)).toBe('response.completed');
  });
});

describe('the Responses door across providers and tenants', () => {
  it('serves a follow-up on another provider than the turn before: the conversation travels with the gateway', async () => {
    scriptText('openai', ['The answer is 42.']);
    const first = await client.responses.create({ model: 'openai', input: 'What is the answer?' });
    scriptText('anthropic', ['Because it is.']);
    const second = await client.responses.create({ model: 'anthropic', previous_response_id: first.id, input: 'Why?' });

    expect(second.output_text).toBe('Because it is.');
    expect(lastBody('anthropic').messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'What is the answer?' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'The answer is 42.' }] },
      { role: 'user', content: [{ type: 'text', text: 'Why?' }] },
    ]);
    const items = await client.responses.inputItems.list(second.id, { order: 'asc' });
    expect(items.data.map((i) => (i.type === 'message' ? i.role : i.type))).toEqual(['user', 'assistant', 'user']);
  });

  it('keeps reasoning for OpenAI: asked encrypted when the turn is kept, given back on the next turn, never shown unasked', async () => {
    fakes.openai.reply((_req, res) => sendJson(res, 200, openaiResponse(MODELS.openai, [reasoningItem('enc-blob-1'), outputMessage('Done thinking.')])));
    const first = await client.responses.create({ model: 'openai', input: 'Think', reasoning: { effort: 'low', summary: 'auto' } });
    expect(lastBody('openai').include).toEqual(['reasoning.encrypted_content']);
    const shownItem = first.output.find((o) => o.type === 'reasoning')!;
    expect(shownItem).not.toHaveProperty('encrypted_content');

    fakes.openai.reply((_req, res) => sendJson(res, 200, openaiResponse(MODELS.openai, [outputMessage('Again.')])));
    await client.responses.create({ model: 'openai', input: 'More', previous_response_id: first.id, reasoning: { effort: 'low' } });
    expect(lastBody('openai').input).toContainEqual(expect.objectContaining({ type: 'reasoning', id: 'rs_upstream_1', encrypted_content: 'enc-blob-1' }));
  });

  it("never lets a tenant read, continue or delete another tenant's turn", async () => {
    const mine = await client.responses.create({ model: 'echo', input: 'private words' });
    const other = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: OTHER_KEY, maxRetries: 0 });

    await expect(other.responses.retrieve(mine.id)).rejects.toMatchObject({ status: 404 });
    await expect(other.responses.inputItems.list(mine.id)).rejects.toMatchObject({ status: 404 });
    await expect(other.responses.create({ model: 'echo', input: 'go on', previous_response_id: mine.id })).rejects.toMatchObject({ status: 404, error: { param: 'previous_response_id' } });
    await expect(other.responses.delete(mine.id)).rejects.toMatchObject({ status: 404 });
    expect((await client.responses.retrieve(mine.id)).output_text).toBe('private words');
  });

  it('deletes a turn, keeps nothing with store false, and says cancel is for background responses', async () => {
    const kept = await client.responses.create({ model: 'echo', input: 'to be deleted' });
    await client.responses.delete(kept.id);
    await expect(client.responses.retrieve(kept.id)).rejects.toMatchObject({ status: 404 });

    const unkept = await client.responses.create({ model: 'echo', input: 'not kept', store: false });
    expect((unkept as unknown as { store: boolean }).store).toBe(false);
    await expect(client.responses.retrieve(unkept.id)).rejects.toMatchObject({ status: 404 });

    const done = await client.responses.create({ model: 'echo', input: 'finished' });
    await expect(client.responses.cancel(done.id)).rejects.toMatchObject({ status: 400 });
    await expect(client.responses.create({ model: 'echo', input: 'x', background: true })).rejects.toMatchObject({ status: 400, error: { param: 'background' } });
  });

  it("answers a tenant over its rate limit with OpenAI's error shape (429 rate_limit_exceeded, retry-after)", async () => {
    await awayFromMinuteEnd();
    const hasty = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'sk-hasty-tenant-key-0004', maxRetries: 0 });
    await hasty.responses.create({ model: 'echo', input: 'first' });
    const res = await fetch(`${gw.url}/v1/responses`, { method: 'POST', headers: { authorization: 'Bearer sk-hasty-tenant-key-0004', 'content-type': 'application/json' }, body: JSON.stringify({ model: 'echo', input: 'second' }) });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await res.json()).toMatchObject({ error: { code: 'rate_limit_exceeded', type: 'requests', param: null } });
  });

  it("answers a tenant over its budget with OpenAI's error shape (429 budget_exceeded), and the ledger keeps the door's route", async () => {
    const broke = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'sk-broke-tenant-key-0003', maxRetries: 0 });
    const res = await fetch(`${gw.url}/v1/responses`, { method: 'POST', headers: { authorization: 'Bearer sk-broke-tenant-key-0003', 'content-type': 'application/json' }, body: JSON.stringify({ model: 'openai', input: 'hi' }) });
    expect(res.status).toBe(429);
    expect(res.headers.get('x-should-retry')).toBe('false');
    expect(await res.json()).toMatchObject({ error: { code: 'budget_exceeded', type: 'insufficient_quota', param: null } });
    await expect(broke.responses.create({ model: 'openai', input: 'hi', stream: true })).rejects.toMatchObject({ status: 429, code: 'budget_exceeded' });

    const answered = await client.responses.create({ model: 'echo', input: 'on the ledger' });
    const day = new Date().toISOString().slice(0, 10);
    await eventually(async () => {
      const { Items } = await gw.runtime.dynamo.send(new QueryCommand({ TableName: gw.runtime.tables.costLedger, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: `T#test#D#${day}` } } }));
      return (Items ?? []).some((item) => item.route?.S === 'responses' && item.requestId?.S !== undefined);
    });
    expect(answered.status).toBe('completed');
  });
});
