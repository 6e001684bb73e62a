import { describe, expect, it } from 'vitest';
import { nativeEvents } from '../../../../lambdas/providers/anthropic/messages';
import { ProviderError } from '../../../../lambdas/providers/types';

async function* texts(items: string[]): AsyncGenerator<string> {
  yield* items;
}

async function read(items: string[]) {
  let cancelled = false;
  const events: string[] = [];
  try {
    for await (const e of nativeEvents(texts(items), 'anthropic', () => (cancelled = true))) events.push(e.data);
    return { events, cancelled };
  } catch (err) {
    return { events, cancelled, err };
  }
}

describe('native Messages events', () => {
  it('keeps each event as its JSON text, and ends at message_stop', async () => {
    const items = ['{"type":"message_start","message":{"id":"m","content":[],"usage":{}}}', '{"type":"ping"}', '{"type":"message_stop"}'];
    expect(await read(items)).toEqual({ events: items, cancelled: false });
  });

  it('takes Bedrock\'s invocation metrics off message_stop', async () => {
    const { events } = await read(['{"type":"message_stop","amazon-bedrock-invocationMetrics":{"inputTokenCount":3}}']);
    expect(events).toEqual(['{"type":"message_stop"}']);
  });

  it('an error event is a ProviderError with the status of its type; the upstream is dropped', async () => {
    const { err, cancelled, events } = await read(['{"type":"message_start","message":{"id":"m","content":[],"usage":{}}}', '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}']);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ status: 529, retryable: true, code: 'overloaded_error' });
    expect(events).toHaveLength(1);
    expect(cancelled).toBe(true);
  });

  it('a stream that ends without message_stop was cut: stream_truncated, retryable', async () => {
    const { err } = await read(['{"type":"message_start","message":{"id":"m","content":[],"usage":{}}}']);
    expect(err).toMatchObject({ code: 'stream_truncated', retryable: true });
  });

  it('text that is not JSON is a malformed answer', async () => {
    expect((await read(['not json'])).err).toMatchObject({ code: 'malformed_response' });
  });
});
