// OpenAI-shaped requests go upstream nearly as they came: the target model replaces the alias, gateway-only
// fields are dropped, streams always ask for usage so every call can be priced, the output cap goes in the
// field the service reads, and a preset renames or drops the fields its service knows differently.
import { maxOutputTokens, type ChatMessage, type ChatRequest, type EmbeddingsRequest } from '../../core/openai/chat-request';
import type { MaxTokensField, OpenAIPreset } from './presets';

/** fields the gateway consumes itself and never forwards */
const GATEWAY_ONLY_FIELDS = ['metadata'] as const;

export function toOpenAIChatBody(req: ChatRequest, model: string, stream: boolean, preset?: OpenAIPreset, capField: MaxTokensField = preset?.maxTokensField ?? 'max_completion_tokens'): Record<string, unknown> {
  const body: Record<string, unknown> = { ...req, model };
  for (const field of GATEWAY_ONLY_FIELDS) delete body[field];
  const cap = maxOutputTokens(req);
  delete body.max_tokens;
  delete body.max_completion_tokens;
  if (cap !== undefined) {
    if (capField !== 'max_tokens') body.max_completion_tokens = cap;
    if (capField !== 'max_completion_tokens') body.max_tokens = cap;
  }
  if (stream) {
    body.stream = true;
    body.stream_options = { ...(req.stream_options ?? {}), include_usage: true };
  } else {
    delete body.stream;
    delete body.stream_options;
  }
  if (preset) adjustForPreset(body, preset);
  if (!preset?.cacheControl) body.messages = withoutCacheMarks(body.messages as ChatRequest['messages']);
  return body;
}

/** The messages with no `cache_control` on their parts; the same array when none has one (the usual case). */
function withoutCacheMarks(messages: ChatRequest['messages']): ChatRequest['messages'] {
  const marked = (m: ChatMessage) => Array.isArray(m.content) && m.content.some((p) => 'cache_control' in p && p.cache_control !== undefined);
  if (!messages.some(marked)) return messages;
  return messages.map((m) =>
    marked(m) ? ({ ...m, content: (m.content as Array<Record<string, unknown>>).map(({ cache_control: _mark, ...part }) => part) } as ChatMessage) : m,
  );
}

function adjustForPreset(body: Record<string, unknown>, preset: OpenAIPreset): void {
  for (const [from, to] of Object.entries(preset.rename ?? {})) {
    if (body[from] === undefined) continue;
    body[to] ??= body[from];
    delete body[from];
  }
  for (const field of preset.drop ?? []) delete body[field];
  if (preset.dropMessageNames) {
    body.messages = (body.messages as ChatRequest['messages']).map((m) => {
      if (!('name' in m) || m.role === 'function') return m;
      const { name: _name, ...rest } = m;
      return rest;
    });
  }
}

export function toOpenAIEmbeddingsBody(req: EmbeddingsRequest, model: string): Record<string, unknown> {
  return { ...req, model };
}
