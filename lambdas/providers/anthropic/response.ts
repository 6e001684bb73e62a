// Anthropic answers → OpenAI: text and tool_use blocks to content and tool_calls, stop reasons to
// finish_reason, usage with cache reads and writes counted inside prompt_tokens (as OpenAI counts cached
// tokens), and the SSE event stream to chunks, tool-call argument deltas included.
import type { ToolCall } from '../../core/openai/chat-request';
import type { ChatCompletion, ChatCompletionChunk, FinishReason, Usage } from '../../core/openai/chat-response';
import { chatCompletion, usageWithCache } from '../shared/answer';
import { malformed } from '../shared/errors';
import { NO_CHUNKS, SSE_DONE, streamTruncated, ToolCallSlots, type ChunkBuilder, type StreamTranslator } from '../shared/stream';
import { anthropicStreamError } from './errors';
import type { AnthropicMessage, AnthropicStreamEvent, AnthropicUsage } from './wire';

export type { AnthropicMessage, AnthropicStreamEvent, AnthropicUsage } from './wire';

export const ANTHROPIC_STOP_REASONS: Readonly<Record<string, FinishReason>> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  pause_turn: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
};

function finishReason(stopReason: string | null | undefined): FinishReason {
  return (stopReason && ANTHROPIC_STOP_REASONS[stopReason]) || 'stop';
}

export function anthropicUsage(u: AnthropicUsage): Usage {
  const usage = usageWithCache(u.input_tokens ?? 0, u.output_tokens ?? 0, u.cache_read_input_tokens ?? 0, u.cache_creation_input_tokens ?? 0);
  const oneHour = u.cache_creation?.ephemeral_1h_input_tokens;
  if (typeof oneHour === 'number') usage.prompt_tokens_details = { ...usage.prompt_tokens_details, cache_write_1h_tokens: oneHour };
  return usage;
}

export function fromAnthropicMessage(msg: AnthropicMessage, created: number, jsonTool?: string): ChatCompletion {
  if (!Array.isArray(msg?.content)) throw malformed('the Anthropic answer has no content list');
  let text = '';
  const toolCalls: ToolCall[] = [];
  let answeredAsJson = false;
  for (const block of msg.content) {
    if (block.type === 'text') text += (block as { text: string }).text;
    else if (block.type === 'tool_use') {
      const use = block as { id: string; name: string; input: unknown };
      if (use.name === jsonTool) {
        text += JSON.stringify(use.input);
        answeredAsJson = true;
      } else toolCalls.push({ id: use.id, type: 'function', function: { name: use.name, arguments: JSON.stringify(use.input ?? {}) } });
    }
  }
  return chatCompletion({
    id: msg.id,
    created,
    model: msg.model,
    text,
    toolCalls,
    finishReason: answeredAsJson ? 'stop' : finishReason(msg.stop_reason),
    usage: anthropicUsage(msg.usage ?? {}),
  });
}

export function anthropicStreamTranslator(chunks: ChunkBuilder, jsonTool?: string): StreamTranslator<AnthropicStreamEvent | typeof SSE_DONE> {
  const tools = new ToolCallSlots();
  const usage: AnthropicUsage = {};
  let jsonBlock: number | undefined;
  let stopped = false;

  return {
    next(event): readonly ChatCompletionChunk[] {
      if (event === SSE_DONE) return NO_CHUNKS; // not Anthropic's, but some proxies add it
      switch (event.type) {
        case 'message_start':
          chunks.id = event.message.id;
          chunks.model = event.message.model;
          mergeUsage(usage, event.message.usage);
          return [chunks.delta({ role: 'assistant', content: '' })];
        case 'content_block_start': {
          const block = event.content_block;
          if (block.type === 'text') {
            const text = (block as { text: string }).text;
            return text ? [chunks.delta({ content: text })] : NO_CHUNKS;
          }
          if (block.type !== 'tool_use') return NO_CHUNKS;
          const use = block as { id: string; name: string };
          if (use.name === jsonTool) {
            jsonBlock = event.index;
            return NO_CHUNKS;
          }
          const slot = tools.open(event.index);
          return [chunks.delta({ tool_calls: [{ index: slot, id: use.id, type: 'function', function: { name: use.name, arguments: '' } }] })];
        }
        case 'content_block_delta': {
          const delta = event.delta;
          if (delta.type === 'text_delta') return [chunks.delta({ content: delta.text })];
          if (delta.type !== 'input_json_delta' || !delta.partial_json) return NO_CHUNKS;
          if (event.index === jsonBlock) return [chunks.delta({ content: delta.partial_json })];
          const slot = tools.get(event.index);
          return slot === undefined ? NO_CHUNKS : [chunks.delta({ tool_calls: [{ index: slot, function: { arguments: delta.partial_json } }] })];
        }
        case 'message_delta':
          mergeUsage(usage, event.usage);
          return event.delta.stop_reason ? [chunks.delta({}, jsonBlock !== undefined ? 'stop' : finishReason(event.delta.stop_reason))] : NO_CHUNKS;
        case 'message_stop':
          stopped = true;
          return NO_CHUNKS;
        case 'error':
          throw anthropicStreamError(event.error);
        default:
          return NO_CHUNKS; // ping, content_block_stop, and events newer than this adapter
      }
    },
    end() {
      if (!stopped) throw streamTruncated('anthropic');
      return [chunks.usage(anthropicUsage(usage))];
    },
  };
}

/** message_delta repeats the counts cumulatively; a count it leaves out keeps its message_start value. */
export function mergeUsage(into: AnthropicUsage, from: AnthropicUsage | undefined): void {
  if (!from) return;
  for (const key of ['input_tokens', 'output_tokens', 'cache_creation_input_tokens', 'cache_read_input_tokens'] as const) {
    const value = from[key];
    if (typeof value === 'number') into[key] = value;
  }
  if (from.cache_creation) into.cache_creation = from.cache_creation;
}
