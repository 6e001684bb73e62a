import { describe, expect, it } from 'vitest';
import { parseSse, type SseEvent } from '../../../lambdas/core/sse';

async function parse(chunks: string[]): Promise<SseEvent[]> {
  async function* bytes() {
    for (const c of chunks) yield new TextEncoder().encode(c);
  }
  const out: SseEvent[] = [];
  for await (const e of parseSse(bytes())) out.push(e);
  return out;
}

describe('parseSse', () => {
  it('reads data events separated by blank lines', async () => {
    expect(await parse(['data: {"a":1}\n\ndata: [DONE]\n\n'])).toEqual([
      { data: '{"a":1}', event: undefined, id: undefined },
      { data: '[DONE]', event: undefined, id: undefined },
    ]);
  });

  it('joins events split anywhere across chunks, CRLF included', async () => {
    const text = 'event: message_start\r\ndata: {"x":"é"}\r\n\r\ndata: two\r\n\r\n';
    const bytes = new TextEncoder().encode(text);
    // split byte by byte, through the middle of the two-byte é and of each CRLF
    async function* oneByOne() {
      for (const b of bytes) yield new Uint8Array([b]);
    }
    const out: SseEvent[] = [];
    for await (const e of parseSse(oneByOne())) out.push(e);
    expect(out.map((e) => [e.event, e.data])).toEqual([
      ['message_start', '{"x":"é"}'],
      [undefined, 'two'],
    ]);
  });

  it('joins multi-line data, skips comments and keeps a last event without a blank line', async () => {
    expect((await parse([': ping\n', 'data: a\ndata: b\n\n', 'data: tail'])).map((e) => e.data)).toEqual(['a\nb', 'tail']);
  });
});
