// A Messages answer as the door sends it: an Anthropic target's as it came, or a chat completion from any other
// target turned into a Message (the inverse of providers/anthropic/response.ts), with the usage the core prices.
import type { ChatCompletion, FinishReason, Usage } from '../../core/openai/chat-response';
import type { DoorAnswer } from '../../core/pipeline/serve';
import { anthropicUsage } from '../../providers/anthropic/response';
import type { AnthropicMessage, AnthropicUsage, ResponseBlock } from '../../providers/anthropic/wire';
import { parseJsonOrUndefined } from '../../providers/shared/transport';

/** an Anthropic target's own answer: forwarded whole, priced by its usage (cache reads and writes apart) */
export function nativeAnswer(message: AnthropicMessage): DoorAnswer {
  return { body: message, usage: message.usage ? anthropicUsage(message.usage) : undefined, text: blocksText(message.content) };
}

export function translatedAnswer(completion: ChatCompletion): DoorAnswer {
  const message = messageFromChat(completion);
  return { body: message, usage: completion.usage, text: blocksText(message.content) };
}

/** what a Message shows, for the estimate of a call without usage and for shadows */
export function blocksText(blocks: readonly ResponseBlock[]): string {
  let text = '';
  for (const b of blocks) {
    if (b.type === 'text') text += String(b.text);
    else if (b.type === 'thinking') text += String(b.thinking);
    else if (b.type === 'tool_use') text += String(b.name) + JSON.stringify(b.input ?? {});
  }
  return text;
}

export const STOP_REASONS: Readonly<Record<FinishReason, string>> = {
  stop: 'end_turn',
  length: 'max_tokens',
  tool_calls: 'tool_use',
  function_call: 'tool_use',
  content_filter: 'refusal',
};

export function stopReasonOf(finish: FinishReason | null | undefined): string {
  return (finish && STOP_REASONS[finish]) || 'end_turn';
}

export function messageFromChat(completion: ChatCompletion): AnthropicMessage {
  const choice = completion.choices[0];
  const content: ResponseBlock[] = [];
  const text = choice?.message.content ?? '';
  if (text) content.push({ type: 'text', text, citations: null });
  for (const call of choice?.message.tool_calls ?? []) content.push(toolUseBlock(call.id, call.function.name, toolInput(call.function.arguments)));
  return { ...emptyMessage(messageId(completion.id), completion.model, usageOf(completion.usage)), content, stop_reason: stopReasonOf(choice?.finish_reason) };
}

/** A Message with every field the API reference lists (the ones a chat answer has no value for are null). */
export function emptyMessage(id: string, model: string, usage: AnthropicUsage): AnthropicMessage {
  return { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, stop_details: null, container: null, diagnostics: null, usage };
}

export function toolUseBlock(id: string, name: string, input: unknown): ResponseBlock {
  return { type: 'tool_use', id, name, input, caller: { type: 'direct' } };
}

/** Anthropic's ids start msg_; the chat id stays recognisable after it */
export function messageId(chatId: string): string {
  return chatId.startsWith('msg_') ? chatId : `msg_${chatId.replace(/^chatcmpl-/, '')}`;
}

/** a tool's arguments as the object Anthropic sends; text that is not a JSON object is kept under `arguments` */
export function toolInput(args: string): Record<string, unknown> {
  if (!args.trim()) return {};
  const parsed = parseJsonOrUndefined(args);
  return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : { arguments: args };
}

/** The core's usage as Anthropic counts it: input_tokens is only the uncached rest, cache reads and writes apart. */
export function usageOf(usage: Usage | undefined): AnthropicUsage {
  const cached = usage?.prompt_tokens_details?.cached_tokens ?? 0;
  const written = usage?.prompt_tokens_details?.cache_write_tokens ?? 0;
  return {
    input_tokens: Math.max(0, (usage?.prompt_tokens ?? 0) - cached - written),
    output_tokens: usage?.completion_tokens ?? 0,
    cache_creation_input_tokens: written,
    cache_read_input_tokens: cached,
    cache_creation: null,
    server_tool_use: null,
    service_tier: 'standard',
    inference_geo: null,
    output_tokens_details: null,
    speed: null,
  };
}
