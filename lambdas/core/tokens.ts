// Token estimates for admission before the provider reports real usage (~4 characters a token).
import { messageText, type ChatRequest, type EmbeddingsRequest } from './openai/chat-request';
import type { Usage } from './openai/chat-response';

const CHARS_PER_TOKEN = 4;
/** role markers and message framing that providers count per message */
const TOKENS_PER_MESSAGE = 4;

export function estimateTextTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}

export function estimateChatInputTokens(req: ChatRequest): number {
  let tokens = 0;
  for (const m of req.messages) {
    tokens += TOKENS_PER_MESSAGE + estimateTextTokens(messageText(m.content));
    if (m.role === 'assistant' && m.tool_calls) {
      for (const call of m.tool_calls) tokens += estimateTextTokens(call.function.name + call.function.arguments);
    }
  }
  if (req.tools) tokens += estimateTextTokens(JSON.stringify(req.tools));
  return tokens;
}

export function estimateEmbeddingsInputTokens(req: EmbeddingsRequest): number {
  const input = req.input;
  if (typeof input === 'string') return estimateTextTokens(input);
  let tokens = 0;
  for (const item of input) {
    if (typeof item === 'string') tokens += estimateTextTokens(item);
    else if (typeof item === 'number') tokens += 1;
    else tokens += item.length;
  }
  return tokens;
}

/**
 * Usage for an answer whose provider reported none (a stream cut short, a provider without usage); `inputFactor`
 * scales the input estimate up to the bound budgets reserve.
 */
export function estimateChatUsage(req: ChatRequest, output: string, inputFactor = 1): Usage {
  const prompt = Math.ceil(estimateChatInputTokens(req) * inputFactor);
  const completion = estimateTextTokens(output);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}
