// The Anthropic Messages door (POST /v1/messages, Claude Code's ANTHROPIC_BASE_URL): a target that speaks the
// Messages API (anthropic; Claude on bedrock) gets the request as it came — model and output cap set, betas
// it takes forwarded — and every other target is served through the chat core, translated both ways.
import type { Door } from '../../core/pipeline/serve';
import type { CallOptions, Provider } from '../../providers/types';
import { nativeMessagesOf, type MessagesRequest, type NativeCallOptions, type NativeMessages } from '../../providers/anthropic/wire';
import { unsupported } from '../../providers/shared/errors';
import type { ChatRequest } from '../../core/openai/chat-request';
import { withOutputCap } from '../openai-chat/request';
import { nativeAnswer, translatedAnswer } from './answer';
import { translatedChat } from './chat-view';
import { anthropicErrorResponse, anthropicFailure } from './errors';
import { parseMessagesRequest, type MessagesDoorRequest } from './request';
import { nativePieces, translatedPieces } from './stream';

export const anthropicMessagesDoor: Door<MessagesDoorRequest> = {
  route: 'messages',
  parse: parseMessagesRequest,
  async complete(provider, target, req, cap, opts) {
    const native = nativeMessagesOf(provider, target.model);
    if (native) return nativeAnswer(await native.messages(nativeBody(req, cap), target.model, nativeOptions(native, req, opts)));
    return translatedAnswer(await provider.chat(translatedRequest(provider, req, cap), target.model, opts));
  },
  async stream(provider, target, req, cap, opts) {
    const native = nativeMessagesOf(provider, target.model);
    if (native) return nativePieces(await native.messagesStream(nativeBody(req, cap), target.model, nativeOptions(native, req, opts)));
    return translatedPieces(await provider.chatStream(translatedRequest(provider, req, cap), target.model, opts));
  },
  // a stream's closing events are its own (message_delta, message_stop), sent as pieces
  closing: () => [],
  failure: anthropicFailure,
  error: anthropicErrorResponse,
};

/** the request as it came, with the output cap the call reserved (the provider sets the model) */
function nativeBody(req: MessagesDoorRequest, cap: number): MessagesRequest {
  return { ...req.native, max_tokens: cap };
}

function nativeOptions(native: NativeMessages, req: MessagesDoorRequest, opts: CallOptions): NativeCallOptions {
  return { ...opts, betas: native.betasFor(req.betas) };
}

/** the chat view as a chat target is sent it; what it cannot express is refused, not dropped */
function translatedRequest(provider: Provider, req: MessagesDoorRequest, cap: number): ChatRequest {
  if (req.untranslatable) throw unsupported(provider.id, req.untranslatable);
  return withOutputCap(translatedChat(req.chat), cap);
}
