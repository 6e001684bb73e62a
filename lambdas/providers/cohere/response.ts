// Cohere v2 answers → OpenAI: text content (or, beside tool calls, the tool plan) to content, tool calls as
// they are (Cohere already uses OpenAI's shape), finish reasons, billed units to usage (what Cohere charges
// for), and the typed SSE events to chunks. An ERROR or TIMEOUT finish is a failure, not an answer.
import type { ToolCall } from '../../core/openai/chat-request';
import type { ChatCompletion, ChatCompletionChunk, FinishReason, Usage } from '../../core/openai/chat-response';
import type { ProviderError } from '../types';
import { chatCompletion } from '../shared/answer';
import { malformed, providerError } from '../shared/errors';
import { NO_CHUNKS, SSE_DONE, streamTruncated, ToolCallSlots, type ChunkBuilder, type StreamTranslator } from '../shared/stream';

export interface CohereUsage {
  billed_units?: { input_tokens?: number; output_tokens?: number };
  tokens?: { input_tokens?: number; output_tokens?: number };
  cached_tokens?: number;
}

export interface CohereChatResponse {
  id: string;
  finish_reason: string;
  message: {
    role: 'assistant';
    content?: Array<{ type: 'text'; text: string } | { type: 'thinking'; thinking: string }>;
    tool_plan?: string;
    tool_calls?: ToolCall[];
  };
  usage?: CohereUsage;
}

export type CohereStreamEvent =
  | { type: 'message-start'; id?: string }
  | { type: 'content-start' | 'content-delta'; index?: number; delta?: { message?: { content?: { type?: string; text?: string } } } }
  | { type: 'tool-plan-delta'; delta?: { message?: { tool_plan?: string } } }
  | { type: 'tool-call-start'; index?: number; delta?: { message?: { tool_calls?: { id?: string; function?: { name?: string; arguments?: string } } } } }
  | { type: 'tool-call-delta'; index?: number; delta?: { message?: { tool_calls?: { function?: { arguments?: string } } } } }
  | { type: 'message-end'; delta?: { finish_reason?: string; usage?: CohereUsage; error?: string } }
  | { type: 'content-end' | 'tool-call-end' | 'citation-start' | 'citation-end' | 'debug' };

export const COHERE_FINISH_REASONS: Readonly<Record<string, FinishReason>> = {
  COMPLETE: 'stop',
  STOP_SEQUENCE: 'stop',
  MAX_TOKENS: 'length',
  TOOL_CALL: 'tool_calls',
};

function generationFailed(finishReason: string | undefined, error?: string): ProviderError | undefined {
  if (finishReason !== 'ERROR' && finishReason !== 'TIMEOUT' && !error) return undefined;
  return providerError({ status: finishReason === 'TIMEOUT' ? 504 : 502, code: `generation_${(finishReason ?? 'error').toLowerCase()}`, message: error ?? `Cohere ended the generation with ${finishReason}` });
}

export function cohereUsage(u: CohereUsage): Usage {
  const prompt = u.billed_units?.input_tokens ?? u.tokens?.input_tokens ?? 0;
  const completion = u.billed_units?.output_tokens ?? u.tokens?.output_tokens ?? 0;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    ...(u.cached_tokens ? { prompt_tokens_details: { cached_tokens: u.cached_tokens } } : {}),
  };
}

export function fromCohereResponse(res: CohereChatResponse, model: string, created: number): ChatCompletion {
  if (!res?.message) throw malformed('the Cohere answer has no message');
  const failure = generationFailed(res.finish_reason);
  if (failure) throw failure;
  let text = '';
  for (const part of res.message.content ?? []) if (part.type === 'text') text += part.text;
  const toolCalls = res.message.tool_calls ?? [];
  if (!text && toolCalls.length && res.message.tool_plan) text = res.message.tool_plan;
  return chatCompletion({
    id: res.id,
    created,
    model,
    text,
    toolCalls,
    finishReason: COHERE_FINISH_REASONS[res.finish_reason] ?? 'stop',
    usage: res.usage ? cohereUsage(res.usage) : undefined,
  });
}

export function cohereStreamTranslator(chunks: ChunkBuilder): StreamTranslator<CohereStreamEvent | typeof SSE_DONE> {
  const tools = new ToolCallSlots();
  let usage: CohereUsage | undefined;
  let ended = false;

  return {
    next(event): readonly ChatCompletionChunk[] {
      if (event === SSE_DONE) return NO_CHUNKS;
      switch (event.type) {
        case 'message-start':
          if (event.id) chunks.id = event.id;
          return [chunks.delta({ role: 'assistant', content: '' })];
        case 'content-start':
        case 'content-delta': {
          const text = event.delta?.message?.content?.text;
          return text ? [chunks.delta({ content: text })] : NO_CHUNKS;
        }
        case 'tool-plan-delta': {
          const plan = event.delta?.message?.tool_plan;
          return plan ? [chunks.delta({ content: plan })] : NO_CHUNKS;
        }
        case 'tool-call-start': {
          const call = event.delta?.message?.tool_calls;
          const slot = tools.open(event.index ?? tools.count);
          const fn = { name: call?.function?.name ?? '', arguments: call?.function?.arguments ?? '' };
          return [chunks.delta({ tool_calls: [{ index: slot, id: call?.id, type: 'function', function: fn }] })];
        }
        case 'tool-call-delta': {
          const args = event.delta?.message?.tool_calls?.function?.arguments;
          const slot = tools.get(event.index ?? tools.count - 1);
          return args && slot !== undefined ? [chunks.delta({ tool_calls: [{ index: slot, function: { arguments: args } }] })] : NO_CHUNKS;
        }
        case 'message-end': {
          const finish = event.delta?.finish_reason;
          const failure = generationFailed(finish, event.delta?.error);
          if (failure) throw failure;
          ended = true;
          usage = event.delta?.usage;
          return [chunks.delta({}, (finish && COHERE_FINISH_REASONS[finish]) || 'stop')];
        }
        default:
          return NO_CHUNKS;
      }
    },
    end() {
      if (!ended) throw streamTruncated('cohere');
      return usage ? [chunks.usage(cohereUsage(usage))] : NO_CHUNKS;
    },
  };
}
