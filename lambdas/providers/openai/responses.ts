// OpenAI's Responses API, called natively for the Responses door (only OpenAI's own API serves it: see
// speaksResponses). The door builds the request; this sends it, reads the answer or its events, and turns a
// failure the API reports inside a 200 (a failed response, an error event) into a ProviderError.
import type { ResponseObject, ResponsesEvent } from '../../core/openai/responses';
import type { HttpResponse } from '../../core/ports';
import { ProviderError } from '../types';
import { sseJson, SSE_DONE, streamTruncated } from '../shared/stream';
import { readJson, transportError } from '../shared/transport';

/** the events after which OpenAI sends nothing more: the answer is whole */
const LAST_EVENTS = new Set(['response.completed', 'response.incomplete']);

export async function readResponse(res: HttpResponse): Promise<ResponseObject> {
  const response = await readJson<ResponseObject>(res);
  if (response.status === 'failed') throw failedResponse(response.error);
  return response;
}

export async function* readResponsesStream(res: HttpResponse): AsyncGenerator<ResponsesEvent> {
  let complete = false;
  try {
    for await (const event of sseJson<ResponsesEvent>(res)) {
      if (event === SSE_DONE) continue;
      if (event.type === 'error') throw failedResponse(event as { code?: string | null; message?: string });
      if (event.type === 'response.failed') throw failedResponse(event.response?.error);
      if (LAST_EVENTS.has(event.type)) complete = true;
      yield event;
      if (complete) return;
    }
    throw streamTruncated('OpenAI Responses');
  } catch (err) {
    throw transportError(err);
  } finally {
    if (!complete) res.cancel();
  }
}

/**
 * A failure OpenAI reports in the answer: its rate limit and server errors may pass elsewhere or later; a prompt
 * it refuses (invalid_prompt, an image it cannot read) would be refused anywhere.
 */
function failedResponse(error: { code?: string | null; message?: string } | null | undefined): ProviderError {
  const code = error?.code ?? 'response_failed';
  const message = error?.message ?? 'OpenAI reported the response failed';
  if (code === 'rate_limit_exceeded') return new ProviderError({ status: 429, retryable: true, code, message });
  if (code === 'server_error' || code === 'response_failed' || code === 'vector_store_timeout') return new ProviderError({ status: 502, retryable: true, code, message });
  return new ProviderError({ status: 400, retryable: false, code, message });
}
