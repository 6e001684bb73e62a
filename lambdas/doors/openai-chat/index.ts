// The OpenAI Chat Completions door (POST /v1/chat/completions): the core's own format, so every target is
// called through the chat core as it is.
import type { Door } from '../../core/pipeline/serve';
import { chatAnswer } from './answer';
import { parseChatRequest, withOutputCap, type ChatDoorRequest } from './request';
import { CHAT_CLOSING, chatFailure, chatPieces } from './stream';

export const openaiChatDoor: Door<ChatDoorRequest> = {
  route: 'chat',
  parse: parseChatRequest,
  async complete(provider, target, req, cap, opts) {
    return chatAnswer(await provider.chat(withOutputCap(req.chat, cap), target.model, opts));
  },
  async stream(provider, target, req, cap, opts) {
    return chatPieces(await provider.chatStream(withOutputCap(req.chat, cap), target.model, opts), req.chat.stream_options?.include_usage === true);
  },
  closing: () => CHAT_CLOSING,
  failure: chatFailure,
};
