// The OpenAI answer every adapter builds from its provider's parts, and the usage of providers that count
// cached input apart.
import type { ToolCall } from '../../core/openai/chat-request';
import type { ChatCompletion, FinishReason, Usage } from '../../core/openai/chat-response';

export interface AnswerParts {
  id: string;
  created: number;
  model: string;
  text: string;
  toolCalls: ToolCall[];
  finishReason: FinishReason;
  usage?: Usage;
}

/** `content` is null when the answer is only tool calls, as OpenAI sends it. */
export function chatCompletion(p: AnswerParts): ChatCompletion {
  const calls = p.toolCalls.length > 0;
  return {
    id: p.id,
    object: 'chat.completion',
    created: p.created,
    model: p.model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: p.text || (calls ? null : ''), refusal: null, ...(calls ? { tool_calls: p.toolCalls } : {}) },
        finish_reason: p.finishReason,
        logprobs: null,
      },
    ],
    ...(p.usage ? { usage: p.usage } : {}),
  };
}

/**
 * Anthropic and Bedrock count only the uncached rest of the prompt as input; OpenAI's prompt_tokens holds
 * cache reads and writes too, split out in its details for pricing.
 */
export function usageWithCache(input = 0, output = 0, cacheRead = 0, cacheWrite = 0): Usage {
  const prompt = input + cacheRead + cacheWrite;
  return {
    prompt_tokens: prompt,
    completion_tokens: output,
    total_tokens: prompt + output,
    prompt_tokens_details: { cached_tokens: cacheRead, cache_write_tokens: cacheWrite },
  };
}
