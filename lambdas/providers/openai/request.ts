// OpenAI-shaped requests go upstream nearly as they came: the target model replaces the alias, gateway-only
// fields are dropped, and streams always ask for usage so every call can be priced.
import type { ChatRequest, EmbeddingsRequest } from '../../core/openai/chat-request';

/** fields the gateway consumes itself and never forwards */
const GATEWAY_ONLY_FIELDS = ['metadata'] as const;

export function toOpenAIChatBody(req: ChatRequest, model: string, stream: boolean): Record<string, unknown> {
  const body: Record<string, unknown> = { ...req, model };
  for (const field of GATEWAY_ONLY_FIELDS) delete body[field];
  if (stream) {
    body.stream = true;
    body.stream_options = { ...(req.stream_options ?? {}), include_usage: true };
  } else {
    delete body.stream;
    delete body.stream_options;
  }
  return body;
}

export function toOpenAIEmbeddingsBody(req: EmbeddingsRequest, model: string): Record<string, unknown> {
  return { ...req, model };
}
