// Bedrock Converse answers → OpenAI: text and toolUse blocks to content and tool_calls, stop reasons to
// finish_reason (guardrail and content filters to content_filter), usage with cache reads and writes counted
// inside prompt_tokens (Bedrock's inputTokens, like Anthropic's, is only the uncached rest), and the
// ConverseStream events to chunks.
import type { ConverseCommandOutput, ConverseStreamOutput, TokenUsage } from '@aws-sdk/client-bedrock-runtime';
import type { ToolCall } from '../../core/openai/chat-request';
import type { ChatCompletion, ChatCompletionChunk, FinishReason, Usage } from '../../core/openai/chat-response';
import { chatCompletion, usageWithCache } from '../shared/answer';
import { malformed } from '../shared/errors';
import { newId } from '../shared/ids';
import { NO_CHUNKS, streamTruncated, ToolCallSlots, type ChunkBuilder, type StreamTranslator } from '../shared/stream';

export const BEDROCK_STOP_REASONS: Readonly<Record<string, FinishReason>> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  guardrail_intervened: 'content_filter',
  content_filtered: 'content_filter',
  malformed_model_output: 'stop',
  malformed_tool_use: 'stop',
};

function finishReason(stopReason: string | undefined): FinishReason {
  return (stopReason && BEDROCK_STOP_REASONS[stopReason]) || 'stop';
}

export function bedrockUsage(u: TokenUsage): Usage {
  return usageWithCache(u.inputTokens, u.outputTokens, u.cacheReadInputTokens, u.cacheWriteInputTokens);
}

export function fromConverseOutput(out: ConverseCommandOutput, model: string, created: number, jsonTool?: string): ChatCompletion {
  const content = out.output?.message?.content;
  if (!content) throw malformed('the Bedrock answer has no message');
  let text = '';
  const toolCalls: ToolCall[] = [];
  let answeredAsJson = false;
  for (const block of content) {
    if (block.text !== undefined) text += block.text;
    else if (block.toolUse) {
      const input = JSON.stringify(block.toolUse.input ?? {});
      if (block.toolUse.name === jsonTool) {
        text += input;
        answeredAsJson = true;
      } else toolCalls.push({ id: block.toolUse.toolUseId ?? newId('call_'), type: 'function', function: { name: block.toolUse.name ?? '', arguments: input } });
    }
    // reasoningContent, citations, guard content: not carried into the OpenAI answer
  }
  return chatCompletion({
    id: out.$metadata?.requestId ? `chatcmpl-${out.$metadata.requestId}` : newId('chatcmpl-'),
    created,
    model,
    text,
    toolCalls,
    finishReason: answeredAsJson ? 'stop' : finishReason(out.stopReason),
    usage: out.usage ? bedrockUsage(out.usage) : undefined,
  });
}

/**
 * ConverseStream ends with messageStop (the end marker) and then metadata (usage). Exception events in the
 * stream are thrown by the SDK while iterating, and mapped by the pump.
 */
export function bedrockStreamTranslator(chunks: ChunkBuilder, jsonTool?: string): StreamTranslator<ConverseStreamOutput> {
  const tools = new ToolCallSlots();
  let jsonBlock: number | undefined;
  let stopped = false;
  let usage: TokenUsage | undefined;

  return {
    next(event): readonly ChatCompletionChunk[] {
      if (event.messageStart) return [chunks.delta({ role: 'assistant', content: '' })];
      if (event.contentBlockStart) {
        const use = event.contentBlockStart.start?.toolUse;
        const index = event.contentBlockStart.contentBlockIndex ?? tools.count;
        if (!use) return NO_CHUNKS;
        if (use.name === jsonTool) {
          jsonBlock = index;
          return NO_CHUNKS;
        }
        const slot = tools.open(index);
        return [chunks.delta({ tool_calls: [{ index: slot, id: use.toolUseId, type: 'function', function: { name: use.name ?? '', arguments: '' } }] })];
      }
      if (event.contentBlockDelta) {
        const { delta, contentBlockIndex } = event.contentBlockDelta;
        if (delta?.text) return [chunks.delta({ content: delta.text })];
        const args = delta?.toolUse?.input;
        if (!args || contentBlockIndex === undefined) return NO_CHUNKS;
        if (contentBlockIndex === jsonBlock) return [chunks.delta({ content: args })];
        const slot = tools.get(contentBlockIndex);
        return slot === undefined ? NO_CHUNKS : [chunks.delta({ tool_calls: [{ index: slot, function: { arguments: args } }] })];
      }
      if (event.messageStop) {
        stopped = true;
        return [chunks.delta({}, jsonBlock !== undefined ? 'stop' : finishReason(event.messageStop.stopReason))];
      }
      if (event.metadata) usage = event.metadata.usage;
      return NO_CHUNKS;
    },
    end() {
      if (!stopped) throw streamTruncated('bedrock');
      return usage ? [chunks.usage(bedrockUsage(usage))] : NO_CHUNKS;
    },
  };
}
