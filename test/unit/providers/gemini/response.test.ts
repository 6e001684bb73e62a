import { describe, expect, it } from 'vitest';
import { fromGeminiResponse, geminiStreamTranslator, type GeminiResponse } from '../../../../lambdas/providers/gemini/response';
import { ChunkBuilder } from '../../../../lambdas/providers/shared/stream';
import { collect, throughSse, expectGoldenStream, fixture, fixtureText, type GoldenStream } from '../../../helpers/provider-fixtures';

const CREATED = 1_700_000_000;

function translate(text: string, chunkSize = Infinity) {
  return throughSse(text, geminiStreamTranslator(new ChunkBuilder('chatcmpl-test', 'gemini-x', CREATED)), chunkSize).stream;
}

describe('gemini answer mapping', () => {
  it('maps the golden answer: thoughts dropped, thinking tokens counted as output, the call’s signature kept in its id', () => {
    expect(fromGeminiResponse(fixture<GeminiResponse>('gemini/chat-response.json'), 'gemini-x', CREATED)).toEqual(fixture('gemini/chat-response.openai.json'));
  });

  it.each([
    ['STOP', 'stop'],
    ['MAX_TOKENS', 'length'],
    ['SAFETY', 'content_filter'],
    ['RECITATION', 'content_filter'],
    ['PROHIBITED_CONTENT', 'content_filter'],
    ['BLOCKLIST', 'content_filter'],
    ['SPII', 'content_filter'],
    ['OTHER', 'stop'],
  ])('maps finishReason %s to %s', (reason, finish) => {
    const answer = { candidates: [{ content: { role: 'model', parts: [{ text: 'x' }] }, finishReason: reason }] };
    expect(fromGeminiResponse(answer, 'm', CREATED).choices[0]!.finish_reason).toBe(finish);
  });

  it('answers a blocked prompt (no candidate) with content_filter', () => {
    expect(fromGeminiResponse({ promptFeedback: { blockReason: 'SAFETY' } }, 'm', CREATED).choices[0]).toMatchObject({ finish_reason: 'content_filter', message: { content: '' } });
    expect(() => fromGeminiResponse({}, 'm', CREATED)).toThrow(expect.objectContaining({ code: 'malformed_response' }));
  });
});

describe('gemini stream translation', () => {
  it.each([Infinity, 17, 1])('translates the golden SSE stream (read %s bytes at a time) into OpenAI chunks', async (chunkSize) => {
    expectGoldenStream(await collect(translate(fixtureText('gemini/stream.sse'), chunkSize)), fixture<GoldenStream>('gemini/stream.openai.json'), CREATED);
  });

  it('refuses a stream that ended before any finish reason', async () => {
    const text = fixtureText('gemini/stream.sse');
    await expect(collect(translate(text.slice(0, text.indexOf('\r\n\r\n') + 4)))).rejects.toMatchObject({ code: 'stream_truncated', retryable: true });
  });

  it('throws an error object sent mid-stream as its ProviderError', async () => {
    const text = 'data: {"error":{"code":503,"message":"The model is overloaded.","status":"UNAVAILABLE"}}\r\n\r\n';
    await expect(collect(translate(text))).rejects.toMatchObject({ status: 503, retryable: true, code: 'UNAVAILABLE' });
  });
});
