// Streams: native events in, OpenAI chunks out. Each provider writes a translator (one native event → the
// chunks it stands for); the pump here owns what they share: cancelling the upstream when the reader stops
// early, mapping transport errors, and refusing a stream that ends without the provider's end marker.
import type { ChatCompletionChunk, FinishReason, Usage } from '../../core/openai/chat-response';
import type { HttpResponse } from '../../core/ports';
import { parseSse } from '../../core/sse';
import { NO_ANSWER, ProviderError } from '../types';
import { malformed } from './errors';
import { transportError } from './transport';

export interface StreamTranslator<E> {
  /** the OpenAI chunks one native event stands for (often none) */
  next(event: E): readonly ChatCompletionChunk[];
  /**
   * Called when the native stream ended: the closing chunks (the usage chunk). Throws stream_truncated when
   * the provider's end marker never came, so a cut stream is never mistaken for a finished one.
   */
  end(): readonly ChatCompletionChunk[];
}

export interface PumpOptions {
  /** drop the rest of the native stream: the reader stopped early, or it failed */
  cancel(): void;
  /** how this provider's event source reports failures; HTTP providers use transportError */
  mapError?(err: unknown): unknown;
}

export const NO_CHUNKS: readonly ChatCompletionChunk[] = [];

export async function* pumpStream<E>(events: AsyncIterable<E>, translator: StreamTranslator<E>, opts: PumpOptions): AsyncGenerator<ChatCompletionChunk> {
  let complete = false;
  try {
    for await (const event of events) yield* translator.next(event);
    const closing = translator.end();
    complete = true;
    yield* closing;
  } catch (err) {
    throw (opts.mapError ?? transportError)(err);
  } finally {
    if (!complete) opts.cancel();
  }
}

/** OpenAI's (and Cohere's) end-of-stream sentinel, `data: [DONE]`. */
export const SSE_DONE = Symbol('[DONE]');

/** The JSON payload of each SSE event (the `event:` names are repeated inside every payload we read). */
export async function* sseJson<E>(res: HttpResponse): AsyncGenerator<E | typeof SSE_DONE> {
  for await (const event of parseSse(res.body)) {
    if (event.data === '[DONE]') {
      yield SSE_DONE;
      continue;
    }
    let parsed: E;
    try {
      parsed = JSON.parse(event.data) as E;
    } catch {
      throw malformed('the provider sent a stream event that is not JSON');
    }
    yield parsed;
  }
}

/** An SSE answer through a provider's translator; the upstream is dropped if the reader stops early. */
export function translateSse<E>(res: HttpResponse, translator: StreamTranslator<E | typeof SSE_DONE>): AsyncGenerator<ChatCompletionChunk> {
  return pumpStream(sseJson<E>(res), translator, { cancel: () => res.cancel() });
}

export function streamTruncated(provider: string): ProviderError {
  return new ProviderError({ status: NO_ANSWER, retryable: true, code: 'stream_truncated', message: `the ${provider} stream ended before its end marker` });
}

type Delta = ChatCompletionChunk['choices'][number]['delta'];

/** Makes the OpenAI chunks of one stream: same id, model and created on each. */
export class ChunkBuilder {
  constructor(
    public id: string,
    public model: string,
    readonly created: number,
  ) {}

  delta(delta: Delta, finishReason: FinishReason | null = null): ChatCompletionChunk {
    return { id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.model, choices: [{ index: 0, delta, finish_reason: finishReason }] };
  }

  /** the closing usage-only chunk OpenAI sends for stream_options.include_usage */
  usage(usage: Usage): ChatCompletionChunk {
    return { id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.model, choices: [], usage };
  }
}

/**
 * OpenAI numbers a message's tool calls 0, 1, 2…; providers key them by their content-block position.
 * This keeps that map for one stream.
 */
export class ToolCallSlots {
  private readonly slots = new Map<number, number>();

  open(blockIndex: number): number {
    const slot = this.slots.size;
    this.slots.set(blockIndex, slot);
    return slot;
  }

  get(blockIndex: number): number | undefined {
    return this.slots.get(blockIndex);
  }

  get count(): number {
    return this.slots.size;
  }
}
