import { describe, expect, it } from 'vitest';
import { mapOpenAIError } from '../../../../lambdas/providers/openai/errors';
import { readOpenAIStream } from '../../../../lambdas/providers/openai/response';
import { chunkedResponse, collect } from '../../../helpers/provider-fixtures';

const frame = (payload: object) => `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', ...payload })}\n\n`;

describe('OpenAI-compatible streams', () => {
  it('passes OpenAI’s own usage chunk on as it is', async () => {
    const usage = { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 };
    const chunks = await collect(readOpenAIStream(chunkedResponse(frame({ choices: [{ index: 0, delta: { content: 'a' }, finish_reason: 'stop' }] }) + frame({ choices: [], usage }) + 'data: [DONE]\n\n')));
    expect(chunks.map((c) => c.usage ?? null)).toEqual([null, usage]);
  });

  it('moves usage reported on a content chunk (Mistral, Together) or in x_groq into a closing usage chunk', async () => {
    const usage = { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 };
    for (const extra of [{ usage }, { x_groq: { usage } }]) {
      const chunks = await collect(readOpenAIStream(chunkedResponse(frame({ choices: [{ index: 0, delta: { content: 'a' }, finish_reason: 'stop' }], ...extra }) + 'data: [DONE]\n\n')));
      expect(chunks).toHaveLength(2);
      expect(chunks[0]).not.toHaveProperty('usage');
      expect(chunks[0]).not.toHaveProperty('x_groq');
      expect(chunks[1]).toMatchObject({ choices: [], usage });
    }
  });

  it('prices DeepSeek’s cache hits as cached tokens', async () => {
    const usage = { prompt_tokens: 10, completion_tokens: 1, total_tokens: 11, prompt_cache_hit_tokens: 8, prompt_cache_miss_tokens: 2 };
    const chunks = await collect(readOpenAIStream(chunkedResponse(frame({ choices: [], usage }) + 'data: [DONE]\n\n')));
    expect(chunks[0]!.usage?.prompt_tokens_details?.cached_tokens).toBe(8);
  });

  it('refuses a stream without [DONE], and throws an error event', async () => {
    await expect(collect(readOpenAIStream(chunkedResponse(frame({ choices: [] }))))).rejects.toMatchObject({ code: 'stream_truncated' });
    await expect(collect(readOpenAIStream(chunkedResponse('data: {"error":{"message":"overloaded","code":"server_error"}}\n\n')))).rejects.toMatchObject({ code: 'server_error', message: 'overloaded' });
  });
});

describe('OpenAI-style errors', () => {
  it.each([
    [400, { error: { message: "This model's maximum context length is 128000 tokens.", code: 'context_length_exceeded' } }, {}, { status: 400, code: 'context_length_exceeded', retryable: false }],
    [400, { error: { message: 'Please reduce the length of the messages: context length 8192 exceeded' } }, {}, { status: 400, code: 'context_length_exceeded' }],
    [429, { error: { message: 'Rate limit reached', code: 'rate_limit_exceeded' } }, { 'x-ratelimit-reset-tokens': '1m30s' }, { status: 429, retryable: true, retryAfterMs: 90_000 }],
    [503, { message: 'overloaded' }, { 'retry-after-ms': '250' }, { status: 503, retryable: true, retryAfterMs: 250 }],
    [401, { error: 'Invalid API key' }, {}, { status: 401, retryable: false, message: 'Invalid API key' }],
    // one request over the organization's TPM: its size, not a throttle that would set the model aside for everyone
    [
      429,
      { error: { message: 'Request too large for gpt-4o in organization org-abc on tokens per min (TPM): Limit 30000, Requested 36000.', type: 'tokens', code: 'rate_limit_exceeded' } },
      { 'x-ratelimit-reset-tokens': '12s' },
      { status: 413, retryable: false, code: 'request_too_large', retryAfterMs: undefined },
    ],
  ])('maps HTTP %i %j', (status, body, headers, expected) => {
    expect(mapOpenAIError(status, headers, JSON.stringify(body))).toMatchObject(expected);
  });
});
