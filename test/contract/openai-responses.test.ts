// Every answer of the Responses door against the official OpenAPI document (openai/openai-openapi; the schemas
// in test/fixtures/openapi/openai-responses.json, extracted by scripts/openapi-schemas.ts): response objects
// whole and streamed (every event, failure events included) from OpenAI natively and from translated targets,
// text, tool calls, namespaced and custom tools, incomplete answers, the input item list, and errors.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anthropicMessage, anthropicTextEvents, sseEvent, startFakeAnthropic, type FakeProvider } from '../fakes/anthropic';
import { functionCall, openaiFunctionCallEvents, openaiResponse, openaiResponseEvents, outputMessage, reasoningItem, startFakeOpenAIResponses } from '../fakes/openai-responses';
import { sendJson, sendSse } from '../fakes/upstream';
import { contract } from '../helpers/openapi';
import { baseConfig, startTestGateway, type TestGateway } from '../helpers/gateway';

const conforms = contract('test/fixtures/openapi/openai-responses.json');

const KEYS = { openai: 'sk-contract-openai', anthropic: 'sk-ant-contract-responses' };
const TOOLS = [
  { type: 'function', name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }, strict: false },
  { type: 'namespace', name: 'agents', description: 'Sub-agents', tools: [{ type: 'function', name: 'spawn', description: 'Start one', parameters: { type: 'object', properties: {} }, strict: false }] },
  { type: 'custom', name: 'apply_patch', description: 'Apply a patch', format: { type: 'text' } },
  { type: 'web_search', external_web_access: false },
];

describe('the Responses door answers conform to the OpenAI OpenAPI document', () => {
  let gw: TestGateway;
  let openai: FakeProvider;
  let anthropic: FakeProvider;

  /** raw SSE events of a streamed call, parsed */
  async function events(body: Record<string, unknown>): Promise<Array<Record<string, unknown>>> {
    const res = await gw.call('/v1/responses', { body: { ...body, stream: true } });
    expect(res.status).toBe(200);
    const text = await res.text();
    return text
      .split('\n\n')
      .filter((f) => f.trim())
      .map((f) => {
        const lines = f.split('\n');
        const event = lines.find((l) => l.startsWith('event: '))?.slice(7);
        const data = JSON.parse(lines.find((l) => l.startsWith('data: '))!.slice(6)) as Record<string, unknown>;
        expect(event).toBe(data.type);
        return data;
      });
  }

  function allConform(list: Array<Record<string, unknown>>): void {
    list.forEach((e, i) => {
      expect(e.sequence_number).toBe(i);
      conforms('ResponseStreamEvent', e);
    });
  }

  beforeAll(async () => {
    openai = await startFakeOpenAIResponses(KEYS.openai);
    anthropic = await startFakeAnthropic(KEYS.anthropic);
    gw = await startTestGateway(
      baseConfig({
        providers: [
          { id: 'mock', type: 'mock' },
          { id: 'oai', type: 'openai', preset: 'openai', baseUrl: `${openai.url}/v1`, apiKeyEnv: 'CONTRACT_OPENAI_KEY', retry: { maxAttempts: 1 } },
          { id: 'claude', type: 'anthropic', baseUrl: anthropic.url, apiKeyEnv: 'CONTRACT_ANTHROPIC_KEY', retry: { maxAttempts: 1 } },
        ],
        models: [
          { name: 'echo', targets: [{ provider: 'mock', model: 'echo' }] },
          { name: 'native', targets: [{ provider: 'oai', model: 'gpt-4.1' }] },
          { name: 'claude', targets: [{ provider: 'claude', model: 'claude-sonnet-4-5' }] },
        ],
        pricing: { echo: { inputPerMTok: 1, outputPerMTok: 1 }, 'gpt-4.1': { inputPerMTok: 2, outputPerMTok: 8 }, 'claude-sonnet-4-5': { inputPerMTok: 3, outputPerMTok: 15 } },
      }),
      { env: { CONTRACT_OPENAI_KEY: KEYS.openai, CONTRACT_ANTHROPIC_KEY: KEYS.anthropic } },
    );
  });

  afterAll(async () => {
    await gw?.close();
    await openai?.close();
    await anthropic?.close();
  });

  it('a translated answer (mock): the response, its stream, the stored copy and its input items', async () => {
    const res = await gw.call('/v1/responses', { body: { model: 'echo', instructions: 'x', input: [{ role: 'user', content: 'hello there' }], metadata: { task: 'chat' } } });
    const body = (await res.json()) as { id: string };
    conforms('Response', body);
    conforms('Response', await (await gw.call(`/v1/responses/${body.id}`)).json());
    conforms('ResponseItemList', await (await gw.call(`/v1/responses/${body.id}/input_items`)).json());
    allConform(await events({ model: 'echo', input: 'stream these words' }));
  });

  it('translated tool calls (Anthropic): function, namespaced and custom tools, whole and streamed', async () => {
    const usage = { input_tokens: 30, output_tokens: 8 };
    const blocks = [
      { type: 'text', text: 'Calling.' },
      { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Rome' } },
      { type: 'tool_use', id: 'toolu_2', name: 'agents__spawn', input: {} },
      { type: 'tool_use', id: 'toolu_3', name: 'apply_patch', input: { input: '*** Begin Patch' } },
    ];
    anthropic.reply((req, res) => {
      if (!(req.body as { stream?: boolean }).stream) return sendJson(res, 200, anthropicMessage('claude-sonnet-4-5', blocks, 'tool_use', usage));
      const frames = [sseEvent('message_start', { type: 'message_start', message: { ...anthropicMessage('claude-sonnet-4-5', [], null as never, usage), stop_reason: null } })];
      blocks.forEach((b, index) => {
        if (b.type === 'text') {
          frames.push(sseEvent('content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } }));
          frames.push(sseEvent('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text: b.text } }));
        } else {
          frames.push(sseEvent('content_block_start', { type: 'content_block_start', index, content_block: { ...b, input: {} } }));
          frames.push(sseEvent('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: JSON.stringify(b.input) } }));
        }
        frames.push(sseEvent('content_block_stop', { type: 'content_block_stop', index }));
      });
      frames.push(sseEvent('message_delta', { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 8 } }));
      frames.push(sseEvent('message_stop', { type: 'message_stop' }));
      return sendSse(res, frames);
    });
    const whole = (await (await gw.call('/v1/responses', { body: { model: 'claude', input: 'go', tools: TOOLS } })).json()) as OpenAI.Responses.Response;
    conforms('Response', whole);
    expect(whole.output.map((o) => o.type)).toEqual(['message', 'function_call', 'function_call', 'custom_tool_call']);
    expect(whole.output[2]).toMatchObject({ name: 'spawn', namespace: 'agents' });
    expect(whole.output[3]).toMatchObject({ name: 'apply_patch', input: '*** Begin Patch' });
    const sent = anthropic.bodies().at(-1) as { tools: Array<{ name: string }> };
    // web_search is dropped: Anthropic gets the three tools it can serve
    expect(sent.tools.map((t) => t.name)).toEqual(['get_weather', 'agents__spawn', 'apply_patch']);
    allConform(await events({ model: 'claude', input: 'go', tools: TOOLS }));
  });

  it('an incomplete translated answer (the output cap) and its stream', async () => {
    anthropic.reply((req, res) => {
      const usage = { input_tokens: 10, output_tokens: 16 };
      if ((req.body as { stream?: boolean }).stream) {
        const frames = anthropicTextEvents('claude-sonnet-4-5', ['cut ', 'short'], usage).map((f) => f.replace('"end_turn"', '"max_tokens"'));
        return sendSse(res, frames);
      }
      sendJson(res, 200, anthropicMessage('claude-sonnet-4-5', [{ type: 'text', text: 'cut short' }], 'max_tokens', usage));
    });
    const whole = (await (await gw.call('/v1/responses', { body: { model: 'claude', input: 'long', max_output_tokens: 16 } })).json()) as OpenAI.Responses.Response;
    conforms('Response', whole);
    expect(whole).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } });
    const list = await events({ model: 'claude', input: 'long', max_output_tokens: 16 });
    allConform(list);
    expect(list.at(-1)!.type).toBe('response.incomplete');
  });

  it('native answers (OpenAI): text with reasoning, a function call, and their streams under the gateway id', async () => {
    openai.reply((req, res) => {
      const body = req.body as { stream?: boolean; tools?: unknown[] };
      if (body.tools) return body.stream ? sendSse(res, openaiFunctionCallEvents('gpt-4.1', 'get_weather', ['{"city":"Rome"}'])) : sendJson(res, 200, openaiResponse('gpt-4.1', [functionCall('get_weather', '{"city":"Rome"}')]));
      return body.stream ? sendSse(res, openaiResponseEvents('gpt-4.1', ['a ', 'b'], { reasoning: true })) : sendJson(res, 200, openaiResponse('gpt-4.1', [reasoningItem(), outputMessage('a b')]));
    });
    const whole = (await (await gw.call('/v1/responses', { body: { model: 'native', input: 'hi' } })).json()) as OpenAI.Responses.Response;
    conforms('Response', whole);
    expect(whole.id).not.toBe('resp_upstream_0001');
    conforms('Response', await (await gw.call('/v1/responses', { body: { model: 'native', input: 'hi', tools: TOOLS } })).json());
    const sent = openai.bodies().at(-1) as { tools: Array<{ type: string }> };
    expect(sent.tools.map((t) => t.type)).toEqual(['function', 'namespace', 'custom']);
    const list = await events({ model: 'native', input: 'hi' });
    allConform(list);
    expect(new Set(list.flatMap((e) => (e.response ? [(e.response as { id: string }).id] : [])))).toEqual(new Set([list[0]!.response && (list[0]!.response as { id: string }).id]));
    allConform(await events({ model: 'native', input: 'hi', tools: TOOLS }));

    // a conversation with a tool round trip, reasoning and an easy message: its input items as OpenAI lists them
    const call = (await (await gw.call('/v1/responses', { body: { model: 'native', input: 'weather?', tools: TOOLS } })).json()) as OpenAI.Responses.Response;
    const callId = (call.output.find((o) => o.type === 'function_call') as OpenAI.Responses.ResponseFunctionToolCall).call_id;
    const next = (await (await gw.call('/v1/responses', { body: { model: 'native', previous_response_id: call.id, input: [{ type: 'function_call_output', call_id: callId, output: 'sunny' }, { role: 'user', content: 'thanks' }] } })).json()) as OpenAI.Responses.Response;
    const items = (await (await gw.call(`/v1/responses/${next.id}/input_items?order=asc`)).json()) as { data: Array<{ type: string }> };
    conforms('ResponseItemList', items);
    expect(items.data.map((i) => i.type)).toEqual(['message', 'function_call', 'function_call_output', 'message']);
    conforms('Response', await (await gw.call(`/v1/responses/${next.id}`)).json());
  });

  it('a stream that fails after it started ends with response.failed, numbered after the last event', async () => {
    for (const model of ['native', 'claude'] as const) {
      if (model === 'native') openai.reply((_req, res) => sendSse(res, openaiResponseEvents('gpt-4.1', ['partial ', 'answer'], { last: 'none' })));
      else anthropic.reply((_req, res) => sendSse(res, anthropicTextEvents('claude-sonnet-4-5', ['partial ', 'answer'], { input_tokens: 5, output_tokens: 2 }).slice(0, 5)));
      const list = await events({ model, input: 'fail me' });
      allConform(list);
      const last = list.at(-1)!;
      expect(last.type).toBe('response.failed');
      expect(last.response).toMatchObject({ status: 'failed', error: { code: 'server_error' } });
    }
  });

  it('errors before the answer: OpenAI error bodies', async () => {
    for (const [path, body, status] of [
      ['/v1/responses', { model: 'echo' }, 400],
      ['/v1/responses', { model: 'nope', input: 'x' }, 404],
      ['/v1/responses', { model: 'echo', input: 'x', conversation: 'conv_1' }, 400],
      ['/v1/responses', { model: 'echo', input: 'x', previous_response_id: 'resp_missing' }, 404],
      ['/v1/responses/resp_missing', undefined, 404],
    ] as const) {
      const res = await gw.call(path, { body });
      expect(res.status, path).toBe(status);
      conforms('Error', ((await res.json()) as { error: unknown }).error);
    }
  });
});
