// The door's answers both ways: chat completions and chat chunks written as a response and its event sequence
// (item order, sequence numbers, which pieces are the preamble, the turn kept before the last event), OpenAI's
// own events passed under the gateway's id and numbering, usage converted, and the failure event.
import { describe, expect, it } from 'vitest';
import { errors, GatewayError } from '../../../../lambdas/core/errors';
import type { GatewayDeps } from '../../../../lambdas/core/gateway';
import type { ChatCompletionChunk } from '../../../../lambdas/core/openai/chat-response';
import type { ResponsesEvent } from '../../../../lambdas/core/openai/responses';
import type { DoorPiece } from '../../../../lambdas/core/pipeline/serve';
import type { StoredResponse } from '../../../../lambdas/core/ports';
import { coreUsage, responseFromChat } from '../../../../lambdas/doors/openai-responses/answer';
import { parseResponsesRequest, type ResponsesDoorRequest } from '../../../../lambdas/doors/openai-responses/request';
import { chatEvents, nativeEvents, responsesFailure } from '../../../../lambdas/doors/openai-responses/stream';
import { MemoryLogger } from '../../../helpers/logs';

const TOOLS = [
  { type: 'function', name: 'get_weather', parameters: { type: 'object' } },
  { type: 'namespace', name: 'agents', description: 'd', tools: [{ type: 'function', name: 'spawn', parameters: {} }] },
  { type: 'custom', name: 'apply_patch' },
];

async function request(body: Record<string, unknown> = {}): Promise<ResponsesDoorRequest & { kept: StoredResponse[] }> {
  const kept: StoredResponse[] = [];
  const deps = { logger: new MemoryLogger(), responses: { put: async (r: StoredResponse) => void kept.push(r), get: async () => undefined, delete: async () => false } } as unknown as GatewayDeps;
  const req = await parseResponsesRequest(JSON.stringify({ model: 'smart', input: 'hi', tools: TOOLS, ...body }), { req: { headers: {} } as never, tenantId: 'acme', requestId: 'r', receivedAt: 1_700_000_000_000, deps });
  return Object.assign(req, { kept });
}

const base = { id: 'chatcmpl-1', object: 'chat.completion.chunk' as const, created: 1, model: 'claude' };
const chunk = (delta: ChatCompletionChunk['choices'][number]['delta'], finish: string | null = null): ChatCompletionChunk => ({ ...base, choices: [{ index: 0, delta, finish_reason: finish as never }] });

async function* from<T>(items: T[]): AsyncGenerator<T> {
  for (const item of items) yield item;
}

async function collect(pieces: AsyncIterable<DoorPiece>): Promise<DoorPiece[]> {
  const out: DoorPiece[] = [];
  for await (const p of pieces) out.push(p);
  return out;
}

/** the events a list of pieces sends, in order */
function eventsOf(pieces: DoorPiece[]): Array<Record<string, unknown> & { type: string; sequence_number: number }> {
  return pieces.flatMap((p) =>
    (p.frame ?? '')
      .split('\n\n')
      .filter(Boolean)
      .map((f) => JSON.parse(f.split('\n').find((l) => l.startsWith('data: '))!.slice(6))),
  );
}

describe('chat chunks as Responses events', () => {
  it('writes text, then namespaced, custom and plain calls as items one after another, numbered from 0', async () => {
    const req = await request();
    const pieces = await collect(
      chatEvents(
        from([
          chunk({ role: 'assistant', content: '' }),
          chunk({ content: 'Let me ' }),
          chunk({ content: 'check.' }),
          chunk({ tool_calls: [{ index: 0, id: 'c1', type: 'function', function: { name: 'agents__spawn', arguments: '' } }] }),
          chunk({ tool_calls: [{ index: 0, function: { arguments: '{}' } }] }),
          chunk({ tool_calls: [{ index: 1, id: 'c2', type: 'function', function: { name: 'apply_patch', arguments: '{"input":' } }] }),
          chunk({ tool_calls: [{ index: 1, function: { arguments: '"*** Begin Patch"}' } }] }),
          chunk({}, 'tool_calls'),
          { ...base, choices: [], usage: { prompt_tokens: 40, completion_tokens: 12, total_tokens: 52, prompt_tokens_details: { cached_tokens: 30 } } },
        ]),
        req,
        'claude',
        1024,
      ),
    );
    const events = eventsOf(pieces);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    expect(events.map((e) => e.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.custom_tool_call_input.delta',
      'response.custom_tool_call_input.done',
      'response.output_item.done',
      'response.completed',
    ]);
    const done = events.filter((e) => e.type === 'response.output_item.done').map((e) => e.item);
    expect(done).toMatchObject([
      { type: 'message', status: 'completed', content: [{ type: 'output_text', text: 'Let me check.' }] },
      { type: 'function_call', call_id: 'c1', name: 'spawn', namespace: 'agents', arguments: '{}' },
      { type: 'custom_tool_call', call_id: 'c2', name: 'apply_patch', input: '*** Begin Patch' },
    ]);
    const completed = events.at(-1)!.response as { id: string; status: string; output: unknown[]; usage: unknown; max_output_tokens: number };
    expect(completed).toMatchObject({ id: req.id, status: 'completed', max_output_tokens: 1024, usage: { input_tokens: 40, input_tokens_details: { cached_tokens: 30 }, output_tokens: 12 } });
    expect(completed.output).toEqual(done);
    // the preamble (read ahead inside the attempt) is the opening alone; the usage reaches the bill
    expect(pieces.map((p) => p.content)).toEqual([false, false, true, true, true, true, true, false, false, false, true]);
    expect(pieces.find((p) => p.usage)?.usage?.prompt_tokens).toBe(40);
    expect(pieces.map((p) => p.text ?? '').join('')).toBe('Let me check.spawn{}apply_patch{"input":"*** Begin Patch"}');
  });

  it('keeps the turn only when the last piece is about to be sent, and ends with response.incomplete at the cap', async () => {
    const req = await request();
    const pieces = await collect(chatEvents(from([chunk({ content: 'cut' }, 'length')]), req, 'm', 16));
    expect(req.kept).toEqual([]);
    const last = pieces.at(-1)!;
    await last.commit!();
    expect(req.kept).toHaveLength(1);
    expect(req.kept[0]!.response).toMatchObject({ id: req.id, status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } });
    expect(eventsOf([last]).at(-1)!.type).toBe('response.incomplete');
  });

  it('ends a stream that failed with response.failed numbered after the last event, with the output finished so far', async () => {
    const req = await request();
    const pieces: DoorPiece[] = [];
    for await (const p of chatEvents(from([chunk({ content: 'partial' }), chunk({ tool_calls: [{ index: 0, id: 'c1', function: { name: 'get_weather', arguments: '{' } }] })]), req, 'm', 64)) {
      pieces.push(p);
      if (pieces.length === 3) break;
    }
    const sent = eventsOf(pieces);
    const failed = eventsOf([{ frame: responsesFailure(new GatewayError(502, 'upstream_error', 'The provider failed mid-stream: reset'), { last: pieces.at(-1) }), content: true }])[0]!;
    expect(failed.type).toBe('response.failed');
    expect(failed.sequence_number).toBe(sent.at(-1)!.sequence_number + 1);
    expect(failed.response).toMatchObject({ id: req.id, status: 'failed', error: { code: 'server_error', message: 'The provider failed mid-stream: reset' } });
    expect((failed.response as { output: Array<{ type: string }> }).output.map((o) => o.type)).toEqual(['message']);
    expect(failed.response).not.toHaveProperty('usage');
    // a rate limit keeps its code
    expect(JSON.parse(responsesFailure(errors.timeout(10), { last: pieces.at(-1) }).split('data: ')[1]!).response.error.code).toBe('server_error');
  });
});

describe("OpenAI's own events", () => {
  const upstream = (type: string, fields: Record<string, unknown>, seq: number): ResponsesEvent => ({ type, sequence_number: seq, ...fields });
  const openaiResponse = (status: string, output: unknown[], usage?: unknown) => ({ id: 'resp_theirs', object: 'response', created_at: 5, status, model: 'gpt-5', output, metadata: {}, store: false, ...(usage ? { usage } : { usage: null }) });

  it('pass under the gateway id and its own numbering, usage converted for the bill, encrypted reasoning shown only when asked', async () => {
    const rs = { type: 'reasoning', id: 'rs_1', summary: [], encrypted_content: 'blob' };
    const events = [
      upstream('response.created', { response: openaiResponse('in_progress', []) }, 7),
      upstream('response.output_item.added', { output_index: 0, item: { ...rs, encrypted_content: undefined } }, 8),
      upstream('response.output_item.done', { output_index: 0, item: rs }, 9),
      upstream('response.output_text.delta', { item_id: 'm', output_index: 1, content_index: 0, delta: 'Hi', logprobs: [] }, 10),
      upstream('response.completed', { response: openaiResponse('completed', [rs], { input_tokens: 100, input_tokens_details: { cached_tokens: 60 }, output_tokens: 20, output_tokens_details: { reasoning_tokens: 15 }, total_tokens: 120 }) }, 11),
    ];
    for (const include of [[], ['reasoning.encrypted_content']]) {
      const req = await request({ include, reasoning: { effort: 'low' } });
      const pieces = await collect(nativeEvents(from(events), req, 'gpt-5', 4096));
      const sent = eventsOf(pieces);
      expect(sent.map((e) => e.sequence_number)).toEqual([0, 1, 2, 3, 4]);
      expect(sent.flatMap((e) => (e.response ? [(e.response as { id: string }).id] : []))).toEqual([req.id, req.id]);
      expect((sent[0]!.response as object)).not.toHaveProperty('usage');
      expect(pieces.map((p) => p.content)).toEqual([false, false, true, true, true]);
      expect(pieces[3]!.text).toBe('Hi');
      expect(pieces[4]!.usage).toEqual({ prompt_tokens: 100, completion_tokens: 20, total_tokens: 120, prompt_tokens_details: { cached_tokens: 60 }, completion_tokens_details: { reasoning_tokens: 15 } });
      const shown = (sent[2]!.item as Record<string, unknown>).encrypted_content;
      expect(shown).toBe(include.length ? 'blob' : undefined);
      // the turn is kept whole: the next turn can give OpenAI its reasoning back
      await pieces[4]!.commit!();
      expect((req.kept[0]!.response as { output: Array<Record<string, unknown>> }).output[0]!.encrypted_content).toBe('blob');
    }
  });
});

describe('usage both ways', () => {
  it("takes OpenAI's input_tokens as the core's prompt tokens, cached and cache-written ones split out, reasoning inside output", () => {
    expect(coreUsage({ input_tokens: 1000, input_tokens_details: { cached_tokens: 800, cache_write_tokens: 100 }, output_tokens: 50, output_tokens_details: { reasoning_tokens: 30 }, total_tokens: 1050 })).toEqual({
      prompt_tokens: 1000,
      completion_tokens: 50,
      total_tokens: 1050,
      prompt_tokens_details: { cached_tokens: 800, cache_write_tokens: 100 },
      completion_tokens_details: { reasoning_tokens: 30 },
    });
  });

  it('writes a translated answer as a response: text and refusal parts, tool calls mapped back to their namespace', async () => {
    const req = await request();
    const response = responseFromChat(
      {
        id: 'x',
        object: 'chat.completion',
        created: 1,
        model: 'claude-sonnet-4-5',
        choices: [{ index: 0, message: { role: 'assistant', content: 'Sure.', refusal: 'Not that.', tool_calls: [{ id: 'c1', type: 'function', function: { name: 'agents__spawn', arguments: '{}' } }] }, finish_reason: 'tool_calls' }],
        usage: { prompt_tokens: 10, completion_tokens: 4, total_tokens: 14, prompt_tokens_details: { cached_tokens: 2, cache_write_tokens: 3 } },
      },
      req,
      512,
    );
    expect(response).toMatchObject({
      id: req.id,
      status: 'completed',
      model: 'claude-sonnet-4-5',
      max_output_tokens: 512,
      output: [
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Sure.' }, { type: 'refusal', refusal: 'Not that.' }] },
        { type: 'function_call', call_id: 'c1', name: 'spawn', namespace: 'agents', arguments: '{}' },
      ],
      usage: { input_tokens: 10, input_tokens_details: { cached_tokens: 2, cache_write_tokens: 3 }, output_tokens: 4, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 14 },
    });
  });
});
