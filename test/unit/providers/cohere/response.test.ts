import { describe, expect, it } from 'vitest';
import { cohereStreamTranslator, fromCohereResponse, type CohereChatResponse } from '../../../../lambdas/providers/cohere/response';
import { ChunkBuilder } from '../../../../lambdas/providers/shared/stream';
import { collect, throughSse, expectGoldenStream, fixture, fixtureText, type GoldenStream } from '../../../helpers/provider-fixtures';

const CREATED = 1_700_000_000;

function translate(text: string, chunkSize = Infinity) {
  return throughSse(text, cohereStreamTranslator(new ChunkBuilder('chatcmpl-test', 'command-a-03-2025', CREATED)), chunkSize).stream;
}

describe('cohere answer mapping', () => {
  it('maps the golden answer: the tool plan as content beside the calls, billed units as usage', () => {
    expect(fromCohereResponse(fixture<CohereChatResponse>('cohere/chat-response.json'), 'command-a-03-2025', CREATED)).toEqual(fixture('cohere/chat-response.openai.json'));
  });

  it.each([
    ['COMPLETE', 'stop'],
    ['STOP_SEQUENCE', 'stop'],
    ['MAX_TOKENS', 'length'],
    ['TOOL_CALL', 'tool_calls'],
  ])('maps finish_reason %s to %s', (reason, finish) => {
    const answer = { id: 'x', finish_reason: reason, message: { role: 'assistant' as const, content: [{ type: 'text' as const, text: 'hi' }] } };
    expect(fromCohereResponse(answer, 'c', CREATED).choices[0]!.finish_reason).toBe(finish);
  });

  it('treats an ERROR or TIMEOUT finish as a failed call, not an answer', () => {
    for (const reason of ['ERROR', 'TIMEOUT']) {
      expect(() => fromCohereResponse({ id: 'x', finish_reason: reason, message: { role: 'assistant', content: [] } }, 'c', CREATED)).toThrow(expect.objectContaining({ retryable: true }));
    }
  });
});

describe('cohere stream translation', () => {
  it.each([Infinity, 11, 1])('translates the golden SSE stream (read %s bytes at a time) into OpenAI chunks', async (chunkSize) => {
    expectGoldenStream(await collect(translate(fixtureText('cohere/stream.sse'), chunkSize)), fixture<GoldenStream>('cohere/stream.openai.json'), CREATED);
  });

  it('refuses a stream that ended before message-end', async () => {
    const text = fixtureText('cohere/stream.sse');
    await expect(collect(translate(text.slice(0, text.indexOf('event: message-end'))))).rejects.toMatchObject({ code: 'stream_truncated' });
  });

  it('throws when message-end reports an error', async () => {
    const text = 'event: message-end\ndata: {"type":"message-end","delta":{"finish_reason":"ERROR","error":"generation failed"}}\n\n';
    await expect(collect(translate(text))).rejects.toMatchObject({ status: 502, message: 'generation failed' });
  });
});
