// The Chat Completions request as the door takes it: the core's own request form, checked by its schema.
import { chatRequest, type ChatRequest } from '../../core/openai/chat-request';
import { parseBody } from '../../core/pipeline/body';
import type { DoorRequest } from '../../core/pipeline/serve';

export interface ChatDoorRequest extends DoorRequest {
  chat: ChatRequest;
}

export function parseChatRequest(body: string | undefined): ChatDoorRequest {
  const chat = parseBody(body, chatRequest);
  return { chat, stream: Boolean(chat.stream) };
}

/** The request as a provider gets it: the reserved output cap, under one name (providers map it to theirs). */
export function withOutputCap(chat: ChatRequest, cap: number): ChatRequest {
  const { max_tokens: _other, ...rest } = chat;
  return { ...rest, max_completion_tokens: cap };
}
