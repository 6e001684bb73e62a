// OpenAI answers are already in the gateway's format. Compatible services differ in where they report usage
// (DeepSeek's cache counts, Groq's x_groq, usage on the last content chunk); this evens that out.
import type { ChatCompletion, ChatCompletionChunk, Usage } from '../../core/openai/chat-response';
import type { HttpResponse } from '../../core/ports';
import { ProviderError } from '../types';
import { NO_CHUNKS, SSE_DONE, streamTruncated, translateSse, type StreamTranslator } from '../shared/stream';

type CompatibleUsage = Usage & { prompt_cache_hit_tokens?: number };
type CompatibleChunk = ChatCompletionChunk & {
  usage?: CompatibleUsage | null;
  x_groq?: { usage?: CompatibleUsage };
  error?: { message?: string; code?: string | number };
};

/** DeepSeek counts cache hits as prompt_cache_hit_tokens (inside prompt_tokens, as OpenAI's cached_tokens). */
export function normalizeUsage(usage: CompatibleUsage): Usage {
  if (usage.prompt_cache_hit_tokens !== undefined && usage.prompt_tokens_details?.cached_tokens === undefined) {
    usage.prompt_tokens_details = { ...usage.prompt_tokens_details, cached_tokens: usage.prompt_cache_hit_tokens };
  }
  return usage;
}

export function normalizeCompletion(completion: ChatCompletion): ChatCompletion {
  if (completion.usage) normalizeUsage(completion.usage);
  return completion;
}

export function readOpenAIStream(res: HttpResponse): AsyncGenerator<ChatCompletionChunk> {
  return translateSse(res, openaiStreamTranslator());
}

/** Passes chunks on; moves usage that arrives on a content chunk into its own closing chunk. */
export function openaiStreamTranslator(): StreamTranslator<CompatibleChunk | typeof SSE_DONE> {
  let done = false;
  let pendingUsage: ChatCompletionChunk | undefined;
  return {
    next(event) {
      if (event === SSE_DONE) {
        done = true;
        return NO_CHUNKS;
      }
      if (event.error) {
        throw new ProviderError({
          status: 502,
          retryable: true,
          code: event.error.code != null ? String(event.error.code) : 'stream_error',
          message: event.error.message ?? 'the provider reported an error mid-stream',
        });
      }
      const usage = event.usage ?? event.x_groq?.usage;
      if (!usage) return [event];
      normalizeUsage(usage);
      if (event.choices.length === 0) {
        pendingUsage = undefined;
        return [event];
      }
      const { usage: _usage, x_groq: _xgroq, ...content } = event;
      pendingUsage = { id: event.id, object: 'chat.completion.chunk', created: event.created, model: event.model, choices: [], usage };
      return [content];
    },
    end() {
      if (!done) throw streamTruncated('OpenAI-compatible');
      return pendingUsage ? [pendingUsage] : NO_CHUNKS;
    },
  };
}
