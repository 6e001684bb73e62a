// OpenAI answers are already in the gateway's format: read them, and turn the SSE stream into chunks.
import type { ChatCompletionChunk } from '../../core/openai/chat-response';
import type { HttpResponse } from '../../core/ports';
import { parseSse } from '../../core/sse';
import { NO_ANSWER, ProviderError } from '../types';
import { transportError } from '../shared/transport';

export async function* readOpenAIStream(res: HttpResponse): AsyncGenerator<ChatCompletionChunk> {
  let done = false;
  try {
    for await (const event of parseSse(res.body)) {
      if (event.data === '[DONE]') {
        done = true;
        break;
      }
      let parsed: ChatCompletionChunk & { error?: { message?: string; code?: string } };
      try {
        parsed = JSON.parse(event.data);
      } catch {
        throw new ProviderError({ status: 502, retryable: true, code: 'malformed_response', message: 'the provider sent a stream event that is not JSON' });
      }
      if (parsed.error) {
        throw new ProviderError({
          status: 502,
          retryable: true,
          code: parsed.error.code ?? 'stream_error',
          message: parsed.error.message ?? 'the provider reported an error mid-stream',
        });
      }
      yield parsed;
    }
  } catch (err) {
    throw transportError(err);
  } finally {
    if (!done) res.cancel();
  }
  if (!done) {
    throw new ProviderError({ status: NO_ANSWER, retryable: true, code: 'stream_truncated', message: 'the provider stream ended before [DONE]' });
  }
}
