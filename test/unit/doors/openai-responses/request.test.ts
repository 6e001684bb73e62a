// The Responses request as the door parses it: what every item and tool becomes in the chat view translated
// targets get, what an OpenAI target gets natively, and what is refused with a 400 that names the field.
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../../lambdas/core/errors';
import type { GatewayDeps } from '../../../../lambdas/core/gateway';
import type { DoorContext } from '../../../../lambdas/core/pipeline/serve';
import type { ProviderConfig } from '../../../../lambdas/core/config/schema';
import type { StoredResponse } from '../../../../lambdas/core/ports';
import { nativeBody } from '../../../../lambdas/doors/openai-responses/native';
import { parseResponsesRequest, type ResponsesDoorRequest } from '../../../../lambdas/doors/openai-responses/request';
import { MemoryLogger } from '../../../helpers/logs';

function ctx(stored: StoredResponse[] = []): DoorContext {
  const deps = {
    logger: new MemoryLogger(),
    responses: {
      get: async (tenantId: string, id: string) => stored.find((s) => s.tenantId === tenantId && s.id === id),
      put: async () => {},
      delete: async () => false,
    },
  } as unknown as GatewayDeps;
  return { req: { headers: {} } as never, tenantId: 'acme', requestId: 'r1', receivedAt: Date.parse('2026-11-22T10:00:00Z'), deps };
}

const parse = (body: Record<string, unknown>, stored?: StoredResponse[]): Promise<ResponsesDoorRequest> => parseResponsesRequest(JSON.stringify(body), ctx(stored));

async function refused(body: Record<string, unknown>): Promise<GatewayError> {
  const err = await parse(body).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(GatewayError);
  return err as GatewayError;
}

const OPENAI: ProviderConfig = { id: 'oai', type: 'openai', preset: 'openai' } as ProviderConfig;
const GROQ: ProviderConfig = { id: 'groq', type: 'openai', preset: 'groq' } as ProviderConfig;
const CLAUDE: ProviderConfig = { id: 'claude', type: 'anthropic' } as ProviderConfig;

describe('the chat view of a Responses request', () => {
  it('writes instructions as the system message, a string input as the user turn, and the request fields in chat form', async () => {
    const req = await parse({
      model: 'smart',
      instructions: 'Be brief.',
      input: 'Hello',
      max_output_tokens: 300,
      temperature: 0.2,
      text: { format: { type: 'json_schema', name: 'answer', schema: { type: 'object' }, strict: true }, verbosity: 'low' },
      reasoning: { effort: 'high', summary: 'auto' },
      metadata: { task: 'code' },
      parallel_tool_calls: false,
      stream: true,
    });
    expect(req.chat).toEqual({
      model: 'smart',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hello' },
      ],
      stream: true,
      max_completion_tokens: 300,
      temperature: 0.2,
      response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object' }, strict: true } },
      verbosity: 'low',
      reasoning_effort: 'high',
      metadata: { task: 'code' },
    });
    expect(req.stream).toBe(true);
    expect(req.store).toBe(true);
  });

  it('joins function calls to the assistant turn before them, answers them with tool messages, and puts tool images after the results', async () => {
    const req = await parse({
      model: 'smart',
      tools: [{ type: 'function', name: 'look', parameters: { type: 'object' } }],
      input: [
        { role: 'user', content: [{ type: 'input_text', text: 'Look' }, { type: 'input_image', image_url: 'data:image/png;base64,AAAA', detail: 'original' }] },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Looking.' }] },
        { type: 'function_call', call_id: 'c1', name: 'look', arguments: '{}' },
        { type: 'function_call', call_id: 'c2', name: 'look', arguments: '{"x":1}' },
        { type: 'reasoning', id: 'rs_1', summary: [], encrypted_content: 'opaque' },
        { type: 'function_call_output', call_id: 'c1', output: [{ type: 'input_text', text: 'seen' }, { type: 'input_image', image_url: 'https://example.com/a.png' }] },
        { type: 'function_call_output', call_id: 'c2', output: 'also seen' },
      ],
    });
    expect(req.chat.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Look' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA', detail: 'high' } }] },
      {
        role: 'assistant',
        content: 'Looking.',
        tool_calls: [
          { id: 'c1', type: 'function', function: { name: 'look', arguments: '{}' } },
          { id: 'c2', type: 'function', function: { name: 'look', arguments: '{"x":1}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'c1', content: 'seen' },
      { role: 'tool', tool_call_id: 'c2', content: 'also seen' },
      { role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/a.png' } }] },
    ]);
  });

  it('flattens namespaced tools, gives custom tools one string, drops hosted tools, and narrows allowed_tools', async () => {
    const req = await parse({
      model: 'smart',
      input: 'x',
      tools: [
        { type: 'function', name: 'plain', parameters: { type: 'object', properties: {} }, strict: true },
        { type: 'namespace', name: 'agents', description: 'Sub-agents', tools: [{ type: 'function', name: 'spawn', parameters: { type: 'object' } }] },
        { type: 'custom', name: 'apply_patch', format: { type: 'grammar', syntax: 'lark', definition: 'start: "x"' } },
        { type: 'web_search' },
        { type: 'web_search_preview' },
        { type: 'file_search', vector_store_ids: ['vs_1'] },
      ],
      tool_choice: { type: 'allowed_tools', mode: 'required', tools: [{ type: 'function', name: 'spawn', namespace: 'agents' }, { type: 'custom', name: 'apply_patch' }] },
    });
    expect(req.chat.tools!.map((t) => t.function.name)).toEqual(['agents__spawn', 'apply_patch']);
    expect(req.chat.tool_choice).toBe('required');
    expect(req.tools.native.map((t) => t.type)).toEqual(['function', 'namespace', 'custom']);
    expect(req.tools.dropped).toEqual(['web_search', 'web_search_preview', 'file_search']);
    expect(req.tools.names.get('agents__spawn')).toEqual({ name: 'spawn', namespace: 'agents', kind: 'function' });
    expect(req.tools.names.get('apply_patch')).toEqual({ name: 'apply_patch', kind: 'custom' });
  });

  it('shortens a function name past chat’s 64 characters, and maps it back', async () => {
    const long = `ns_${'n'.repeat(60)}`;
    const req = await parse({ model: 'smart', input: 'x', tools: [{ type: 'namespace', name: long, description: 'd', tools: [{ type: 'function', name: 'do_it', parameters: {} }] }], tool_choice: { type: 'function', name: 'do_it', namespace: long } });
    const name = req.chat.tools![0]!.function.name;
    expect(name).toMatch(/^[a-zA-Z0-9_-]{64}$/);
    expect(req.chat.tool_choice).toEqual({ type: 'function', function: { name } });
    expect(req.tools.names.get(name)).toEqual({ name: 'do_it', namespace: long, kind: 'function' });
  });

  it('counts what only OpenAI gets (reasoning, item types chat has no form for) in OpenAI’s input bound alone', async () => {
    const req = await parse({
      model: 'smart',
      input: [
        { role: 'user', content: 'x' },
        { type: 'reasoning', id: 'rs_1', summary: [], encrypted_content: 'e'.repeat(4000) },
        { type: 'local_shell_call', call_id: 'ls1', action: { type: 'exec', command: ['ls'] }, status: 'completed' },
      ],
    });
    expect(req.chat.messages).toEqual([{ role: 'user', content: 'x' }]);
    expect(req.extraInputTokens!(OPENAI)).toBeGreaterThan(4000);
    expect(req.extraInputTokens!(GROQ)).toBe(0);
    expect(req.extraInputTokens!(CLAUDE)).toBe(0);
  });
});

describe('what is refused', () => {
  it.each([
    [{ model: 'm', input: 'x', conversation: 'conv_1' }, 'conversation'],
    [{ model: 'm', input: 'x', background: true }, 'background'],
    [{ model: 'm', input: [{ type: 'item_reference', id: 'msg_1' }] }, 'input[0].type'],
    [{ model: 'm', input: [{ role: 'user', content: [{ type: 'input_file', file_url: 'https://x/y.pdf' }] }] }, 'input[0].content[0].file_url'],
    [{ model: 'm', input: [{ type: 'function_call', name: 'f', arguments: '{}' }] }, 'input[0].call_id'],
    [{ model: 'm', input: 'x', tools: [{ type: 'function', name: 'bad name' }] }, 'tools[0].name'],
    [{ model: 'm', input: 'x', tools: [{ type: 'teleport' }] }, 'tools[0].type'],
    [{ model: 'm', input: 'x', service_tier: 'priority' }, 'service_tier'],
    [{ model: 'm' }, 'input'],
  ])('%j → 400 naming %s', async (body, param) => {
    const err = await refused(body);
    expect(err.status).toBe(400);
    expect(err.options.param).toBe(param);
  });

  it('answers a previous_response_id the tenant has not stored with a 404 naming it', async () => {
    const err = await refused({ model: 'm', input: 'x', previous_response_id: 'resp_absent' });
    expect(err.status).toBe(404);
    expect(err.options.param).toBe('previous_response_id');
  });
});

describe('a follow-up (previous_response_id)', () => {
  const stored: StoredResponse = {
    tenantId: 'acme',
    id: 'resp_prev',
    createdAt: 0,
    input: [{ type: 'message', id: 'msg_gw1', role: 'user', content: [{ type: 'input_text', text: 'first' }], status: 'completed' }],
    response: {
      output: [
        { type: 'reasoning', id: 'rs_a', summary: [], encrypted_content: 'kept' },
        { type: 'reasoning', id: 'rs_b', summary: [] },
        { type: 'function_call', id: 'fc_gw', call_id: 'c9', name: 'f', arguments: '{}', status: 'completed' },
      ],
    },
  };

  it('continues the stored conversation in the chat view, and writes it out for OpenAI without the ids it never made', async () => {
    const req = await parse({ model: 'm', previous_response_id: 'resp_prev', input: [{ type: 'function_call_output', call_id: 'c9', output: 'ok' }], metadata: { task: 'x' }, reasoning: { effort: 'low' } }, [stored]);
    expect(req.chat.messages).toEqual([
      { role: 'user', content: 'first' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'c9', type: 'function', function: { name: 'f', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'c9', content: 'ok' },
    ]);
    const body = nativeBody(req, 'gpt-5', 2048, false);
    expect(body).toMatchObject({ model: 'gpt-5', max_output_tokens: 2048, store: false, include: ['reasoning.encrypted_content'] });
    expect(body).not.toHaveProperty('previous_response_id');
    expect(body).not.toHaveProperty('metadata');
    expect(body.input).toEqual([
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'first' }], status: 'completed' },
      // reasoning without its encrypted content cannot be given back to an OpenAI that keeps nothing
      { type: 'reasoning', id: 'rs_a', summary: [], encrypted_content: 'kept' },
      { type: 'function_call', call_id: 'c9', name: 'f', arguments: '{}', status: 'completed' },
      { type: 'function_call_output', call_id: 'c9', output: 'ok' },
    ]);
    // stored with ids, as input_items lists them
    expect(req.input[0]).toMatchObject({ type: 'function_call_output', id: expect.stringMatching(/^fco_/) });
  });

  it("cannot reach another tenant's turn", async () => {
    // the context's tenant is acme: a turn stored under globex with the same id is not found
    const other = await parseResponsesRequest(JSON.stringify({ model: 'm', previous_response_id: 'resp_prev', input: 'x' }), ctx([{ ...stored, tenantId: 'globex' }])).catch((e: unknown) => e);
    expect(other).toMatchObject({ status: 404, options: { param: 'previous_response_id' } });
  });
});
