// A stored completion replayed as chunks, and chunks put back together: the two are inverse, tool calls,
// refusals and usage included; the LRU's byte bound and expiry; the in-process vector index.
import { describe, expect, it } from 'vitest';
import { ChunkAssembly, fromResponse } from '../../../../lambdas/core/cache/capture';
import { MemoryCacheStore } from '../../../../lambdas/core/cache/memory-store';
import { MemoryVectorIndex } from '../../../../lambdas/core/cache/memory-vectors';
import { chunksOf } from '../../../../lambdas/core/cache/replay';
import type { ChatCompletion } from '../../../../lambdas/core/openai/chat-response';
import type { CachedAnswer } from '../../../../lambdas/core/ports';

const completion: ChatCompletion = {
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1,
  model: 'm',
  choices: [
    { index: 0, message: { role: 'assistant', content: 'Let me look.', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'search', arguments: '{"q":"x"}' } }] }, finish_reason: 'tool_calls' },
  ],
  usage: { prompt_tokens: 10, completion_tokens: 7, total_tokens: 17 },
};

describe('replay and capture', () => {
  it('replays a completion as chunks that assemble back into it', async () => {
    const whole = new ChunkAssembly();
    for await (const chunk of chunksOf(completion)) whole.add(chunk);
    expect(whole.completion()).toEqual(completion);
  });

  it('reads a Responses answer of text and function calls, and refuses one with a built-in tool', () => {
    const base = { id: 'resp_1', object: 'response', created_at: 1, status: 'completed', model: 'm', incomplete_details: null, usage: { input_tokens: 3, output_tokens: 2 } } as never as Parameters<typeof fromResponse>[0];
    const text = fromResponse({ ...base, output: [{ type: 'message', content: [{ type: 'output_text', text: 'hi' }] }] } as never)!;
    expect(text.choices[0]).toMatchObject({ message: { content: 'hi' }, finish_reason: 'stop' });
    expect(text.usage).toEqual({ prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 });
    expect(fromResponse({ ...base, output: [{ type: 'web_search_call' }] } as never)).toBeUndefined();
    expect(fromResponse({ ...base, status: 'failed', output: [] } as never)!.choices[0]!.finish_reason).toBeNull();
  });
});

describe('MemoryCacheStore', () => {
  const answer = (text: string, expiresAt: number): CachedAnswer => ({ completion: { ...completion, choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }] }, provider: 'p', model: 'm', costNanoUsd: 1, createdAt: 0, expiresAt });

  it('drops the least recently used entries past its byte bound, and expired ones', async () => {
    let now = 0;
    const store = new MemoryCacheStore({ now: () => now }, 45_000);
    for (let i = 0; i < 6; i++) await store.put({ partition: 'p', hash: String(i) }, answer('x'.repeat(3_000), 1_000));
    // six fit in the bound; reading the first makes it the most recently used
    expect(store.size).toBe(6);
    await store.get({ partition: 'p', hash: '0' });
    await store.put({ partition: 'p', hash: 'new' }, answer('x'.repeat(3_000), 1_000));
    expect(await store.get({ partition: 'p', hash: '0' })).toBeDefined();
    expect(await store.get({ partition: 'p', hash: '1' })).toBeUndefined();
    now = 1_000;
    expect(await store.get({ partition: 'p', hash: 'new' })).toBeUndefined();
  });
});

describe('MemoryVectorIndex', () => {
  it('finds the nearest unexpired vector of the namespace at or above the threshold, and nothing across namespaces', async () => {
    let now = 0;
    const index = new MemoryVectorIndex({ now: () => now }, 3);
    await index.put('a', 'h1', [1, 0], 100);
    await index.put('a', 'h2', [0.6, 0.8], 100);
    await index.put('b', 'h3', [1, 0], 100);
    expect(await index.nearest('a', [0.99, 0.1], 0.9)).toMatchObject({ hash: 'h1' });
    expect(await index.nearest('a', [0, 1], 0.9)).toBeUndefined();
    expect((await index.nearest('b', [0.6, 0.8], 0.5))?.hash).toBe('h3');
    await index.put('c', 'h4', [1, 0], 100);
    // over its bound of 3: the oldest (a/h1) went
    expect((await index.nearest('a', [1, 0], 0.5))?.hash).toBe('h2');
    now = 100;
    expect(await index.nearest('c', [1, 0], 0.5)).toBeUndefined();
  });
});
