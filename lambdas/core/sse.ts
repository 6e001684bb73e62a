// Server-sent events: read a byte stream into events, and write OpenAI-style `data:` frames.

export interface SseEvent {
  event?: string;
  data: string;
  id?: string;
}

/** Parse an SSE byte stream per the WHATWG rules (LF, CR or CRLF line ends; multi-line data; comments). */
export async function* parseSse(body: AsyncIterable<Uint8Array>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  let buffer = '';
  let data: string[] = [];
  let event: string | undefined;
  let id: string | undefined;

  function* takeLines(final: boolean): Generator<SseEvent> {
    let start = 0;
    for (let i = 0; i < buffer.length; i++) {
      const ch = buffer.charCodeAt(i);
      if (ch !== 10 && ch !== 13) continue;
      // a CR at the very end may be half of a CRLF split across chunks
      if (ch === 13 && i === buffer.length - 1 && !final) break;
      const line = buffer.slice(start, i);
      if (ch === 13 && buffer.charCodeAt(i + 1) === 10) i++;
      start = i + 1;
      if (line === '') {
        if (data.length > 0) yield { data: data.join('\n'), event, id };
        data = [];
        event = undefined;
        continue;
      }
      if (line.charCodeAt(0) === 58 /* : comment */) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.charCodeAt(0) === 32) value = value.slice(1);
      if (field === 'data') data.push(value);
      else if (field === 'event') event = value;
      else if (field === 'id') id = value;
    }
    buffer = buffer.slice(start);
  }

  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    yield* takeLines(false);
  }
  buffer += decoder.decode();
  if (buffer.length > 0) buffer += '\n';
  yield* takeLines(true);
  if (data.length > 0) yield { data: data.join('\n'), event, id };
}

export const SSE_DONE = 'data: [DONE]\n\n';

export function sseData(payload: unknown): string {
  return `data: ${JSON.stringify(payload)}\n\n`;
}
