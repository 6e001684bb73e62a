import { describe, expect, it } from 'vitest';
import { anthropicStreamTranslator, fromAnthropicMessage, type AnthropicMessage } from '../../../../lambdas/providers/anthropic/response';
import { ChunkBuilder } from '../../../../lambdas/providers/shared/stream';
import { ProviderError } from '../../../../lambdas/providers/types';
import { collect, throughSse, expectGoldenStream, fixture, fixtureText, type GoldenStream } from '../../../helpers/provider-fixtures';

const CREATED = 1_700_000_000;

function translate(text: string, chunkSize = Infinity, jsonTool?: string) {
  return throughSse(text, anthropicStreamTranslator(new ChunkBuilder('chatcmpl-test', 'claude-x', CREATED), jsonTool), chunkSize);
}

describe('anthropic answer mapping', () => {
  it('maps the golden Messages answer: thinking dropped, text and tool_use kept, cache reads and writes inside prompt_tokens', () => {
    const answer = fromAnthropicMessage(fixture<AnthropicMessage>('anthropic/chat-response.json'), CREATED);
    expect(answer).toEqual(fixture('anthropic/chat-response.openai.json'));
  });

  it.each([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['max_tokens', 'length'],
    ['tool_use', 'tool_calls'],
    ['refusal', 'content_filter'],
    ['pause_turn', 'stop'],
    ['model_context_window_exceeded', 'length'],
  ])('maps stop_reason %s to finish_reason %s', (stopReason, finish) => {
    const msg = { ...fixture<AnthropicMessage>('anthropic/chat-response.json'), stop_reason: stopReason };
    expect(fromAnthropicMessage(msg, CREATED).choices[0]!.finish_reason).toBe(finish);
  });

  it('answers the forced JSON tool’s input as content, finished with stop', () => {
    const msg = { ...fixture<AnthropicMessage>('anthropic/chat-response.json'), content: [{ type: 'tool_use', id: 't', name: 'answer', input: { n: 1 } }] };
    expect(fromAnthropicMessage(msg, CREATED, 'answer').choices[0]).toMatchObject({ message: { content: '{"n":1}' }, finish_reason: 'stop' });
  });

  it('refuses an answer without a content list as malformed (worth another provider)', () => {
    expect(() => fromAnthropicMessage({ type: 'message' } as never, CREATED)).toThrow(expect.objectContaining({ code: 'malformed_response', retryable: true }));
  });
});

describe('anthropic stream translation', () => {
  it.each([Infinity, 13, 1])('translates the golden SSE stream (read %s bytes at a time) into OpenAI chunks', async (chunkSize) => {
    const chunks = await collect(translate(fixtureText('anthropic/stream.sse'), chunkSize).stream);
    expectGoldenStream(chunks, fixture<GoldenStream>('anthropic/stream.openai.json'), CREATED);
  });

  it('refuses a stream that ended before message_stop, and drops the upstream', async () => {
    const text = fixtureText('anthropic/stream.sse');
    const { res, stream } = translate(text.slice(0, text.indexOf('event: message_stop')));
    await expect(collect(stream)).rejects.toMatchObject({ code: 'stream_truncated', retryable: true });
    expect(res.cancelled).toBe(true);
  });

  it('throws an error event as the ProviderError of its type', async () => {
    const text = fixtureText('anthropic/stream.sse').split('event: content_block_stop')[0] + 'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n';
    const err = await collect(translate(text).stream).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ status: 529, retryable: true, code: 'overloaded_error', message: 'Overloaded' });
  });

  it('cancels the upstream when the reader stops early', async () => {
    const { res, stream } = translate(fixtureText('anthropic/stream.sse'));
    for await (const _chunk of stream) break;
    expect(res.cancelled).toBe(true);
  });
});
