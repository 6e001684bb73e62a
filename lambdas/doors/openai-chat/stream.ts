// Chat completion chunks as the door streams them: each chunk one SSE frame, the usage-only chunk only when
// the caller asked for it (stream_options.include_usage; the gateway always asks upstream, to price the call),
// and `data: [DONE]` at the end. A failure after bytes left is an OpenAI-style error event, which the SDKs raise.
import type { ChatCompletionChunk } from '../../core/openai/chat-response';
import type { GatewayError } from '../../core/errors';
import type { DoorPiece } from '../../core/pipeline/serve';
import { sseData, SSE_DONE } from '../../core/sse';

export async function* chatPieces(chunks: AsyncIterable<ChatCompletionChunk>, includeUsage: boolean): AsyncGenerator<DoorPiece> {
  for await (const chunk of chunks) {
    const usageOnly = chunk.choices.length === 0 && chunk.usage;
    yield {
      frame: !usageOnly || includeUsage ? sseData(includeUsage ? chunk : withoutUsage(chunk)) : undefined,
      usage: chunk.usage ?? undefined,
      text: chunkText(chunk),
      content: !isPreamble(chunk),
    };
  }
}

export const CHAT_CLOSING = [SSE_DONE];

export function chatFailure(err: GatewayError): string {
  return sseData(err.toBody());
}

/** a chunk that only announces the assistant's role: nothing the client needs before the first content */
function isPreamble(chunk: ChatCompletionChunk): boolean {
  if (chunk.usage || chunk.choices.length === 0) return false;
  return chunk.choices.every((c) => !c.finish_reason && !c.delta.content && !c.delta.refusal && !c.delta.tool_calls?.length);
}

/** everything the client is shown counts, should the stream be cut before the provider reports usage */
function chunkText(chunk: ChatCompletionChunk): string {
  let text = '';
  for (const { delta } of chunk.choices) {
    text += (delta.content ?? '') + (delta.refusal ?? '');
    for (const call of delta.tool_calls ?? []) text += (call.function?.name ?? '') + (call.function?.arguments ?? '');
  }
  return text;
}

function withoutUsage(chunk: ChatCompletionChunk): ChatCompletionChunk {
  if (!('usage' in chunk)) return chunk;
  const { usage: _drop, ...rest } = chunk;
  return rest as ChatCompletionChunk;
}
