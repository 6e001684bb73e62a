import { describe, expect, it } from 'vitest';
import type { ChatCompletionChunk } from '../../../../lambdas/core/openai/chat-response';
import type { DoorPiece } from '../../../../lambdas/core/pipeline/serve';
import { nativePieces, translatedPieces } from '../../../../lambdas/doors/anthropic-messages/stream';
import type { NativeEvent } from '../../../../lambdas/providers/anthropic/wire';
import { ChunkBuilder } from '../../../../lambdas/providers/shared/stream';

async function collect(pieces: AsyncIterable<DoorPiece>): Promise<DoorPiece[]> {
  const out: DoorPiece[] = [];
  for await (const p of pieces) out.push(p);
  return out;
}

async function* from<T>(items: T[]): AsyncGenerator<T> {
  yield* items;
}

/** the SSE frames of the pieces, as (event name, parsed data) */
function events(pieces: DoorPiece[]): Array<[string, Record<string, unknown>]> {
  const text = pieces.map((p) => p.frame ?? '').join('');
  return text
    .split('\n\n')
    .filter(Boolean)
    .map((frame) => {
      const [eventLine, dataLine] = frame.split('\n');
      expect(eventLine).toMatch(/^event: /);
      expect(dataLine).toMatch(/^data: /);
      const data = JSON.parse(dataLine!.slice(6)) as Record<string, unknown>;
      expect(data.type).toBe(eventLine!.slice(7));
      return [eventLine!.slice(7), data];
    });
}

describe('a chat target streamed as Anthropic events', () => {
  const chunks = new ChunkBuilder('chatcmpl-abc', 'gpt-4o-mini', 1_700_000_000);
  const usage = { prompt_tokens: 120, completion_tokens: 30, total_tokens: 150, prompt_tokens_details: { cached_tokens: 100, cache_write_tokens: 0 } };

  it('writes text then two tool calls in Anthropic order: start, block start, ping, deltas, block stops, message_delta with usage, stop', async () => {
    const stream: ChatCompletionChunk[] = [
      chunks.delta({ role: 'assistant', content: '' }),
      chunks.delta({ content: 'Let me ' }),
      chunks.delta({ content: 'check.' }),
      chunks.delta({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'read', arguments: '' } }] }),
      chunks.delta({ tool_calls: [{ index: 0, function: { arguments: '{"path":' } }] }),
      chunks.delta({ tool_calls: [{ index: 0, function: { arguments: '"a"}' } }] }),
      chunks.delta({ tool_calls: [{ index: 1, id: 'call_2', type: 'function', function: { name: 'ls', arguments: '{}' } }] }),
      chunks.delta({}, 'tool_calls'),
      chunks.usage(usage),
    ];
    const pieces = await collect(translatedPieces(from(stream)));
    expect(events(pieces).map(([name, data]) => (name === 'content_block_delta' ? `${name}:${(data.delta as { type: string }).type}` : name))).toEqual([
      'message_start',
      'content_block_start',
      'ping',
      'content_block_delta:text_delta',
      'content_block_delta:text_delta',
      'content_block_stop',
      'content_block_start',
      'content_block_delta:input_json_delta',
      'content_block_delta:input_json_delta',
      'content_block_stop',
      'content_block_start',
      'content_block_delta:input_json_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    const all = events(pieces);
    expect(all[0]![1]).toMatchObject({ message: { id: 'msg_abc', type: 'message', role: 'assistant', model: 'gpt-4o-mini', content: [], stop_reason: null } });
    expect(all[6]![1]).toEqual({ type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'call_1', name: 'read', input: {}, caller: { type: 'direct' } } });
    expect(all[8]![1]).toEqual({ type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '"a"}' } });
    expect(all[10]![1]).toMatchObject({ index: 2, content_block: { name: 'ls' } });
    expect(all[13]![1]).toEqual({
      type: 'message_delta',
      delta: { stop_reason: 'tool_use', stop_sequence: null, stop_details: null, container: null },
      usage: { input_tokens: 20, output_tokens: 30, cache_creation_input_tokens: 0, cache_read_input_tokens: 100, output_tokens_details: null, server_tool_use: null },
    });
    // the core prices the call by the chunk's own usage; only the role chunk is read ahead
    expect(pieces.filter((p) => p.usage)).toEqual([expect.objectContaining({ usage })]);
    expect(pieces[0]!.content).toBe(false);
    expect(pieces.slice(1, 7).every((p) => p.content)).toBe(true);
    expect(pieces.map((p) => p.text ?? '').join('')).toBe('Let me check.read{"path":"a"}ls{}');
  });

  it('maps the stop reasons: length → max_tokens, content_filter → refusal, stop → end_turn', async () => {
    for (const [finish, stop] of [['length', 'max_tokens'], ['content_filter', 'refusal'], ['stop', 'end_turn']] as const) {
      const pieces = await collect(translatedPieces(from([chunks.delta({ content: 'x' }), chunks.delta({}, finish)])));
      const delta = events(pieces).find(([name]) => name === 'message_delta')![1];
      expect((delta.delta as { stop_reason: string }).stop_reason).toBe(stop);
    }
  });
});

describe("an Anthropic target's stream", () => {
  const raw = [
    '{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":12,"cache_read_input_tokens":900,"cache_creation_input_tokens":0,"output_tokens":1}}}',
    '{"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":"","signature":""}}',
    '{"type":"ping"}',
    '{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Hmm."}}',
    '{"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"EqQBCkgIA=="}}',
    '{"type":"content_block_stop","index":0}',
    '{"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}',
    '{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"Hi"}}',
    '{"type":"content_block_stop","index":1}',
    '{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":40}}',
    '{"type":"message_stop"}',
  ];

  it('is forwarded byte for byte, event by event, and priced by the merged usage of message_start and message_delta', async () => {
    const native: NativeEvent[] = raw.map((data) => ({ event: JSON.parse(data), data }));
    const pieces = await collect(nativePieces(from(native)));
    expect(pieces.map((p) => p.frame)).toEqual(raw.map((data) => `event: ${JSON.parse(data).type}\ndata: ${data}\n\n`));
    expect(pieces.map((p) => p.content)).toEqual([false, false, false, true, true, true, false, true, true, true, true]);
    expect(pieces.filter((p) => p.usage).map((p) => p.usage)).toEqual([
      { prompt_tokens: 912, completion_tokens: 40, total_tokens: 952, prompt_tokens_details: { cached_tokens: 900, cache_write_tokens: 0 } },
    ]);
    expect(pieces.map((p) => p.text ?? '').join('')).toBe('Hmm.Hi');
  });
});
