// Gemini answers → OpenAI: the first candidate's text and functionCall parts to content and tool_calls,
// finishReason (and prompt blocks) to finish_reason, usageMetadata to usage (thinking tokens are billed as
// output, so they count inside completion_tokens), and the SSE stream to chunks.
import type { ToolCall } from '../../core/openai/chat-request';
import type { ChatCompletion, ChatCompletionChunk, FinishReason, Usage } from '../../core/openai/chat-response';
import { chatCompletion } from '../shared/answer';
import { malformed } from '../shared/errors';
import { newId } from '../shared/ids';
import { NO_CHUNKS, SSE_DONE, streamTruncated, type ChunkBuilder, type StreamTranslator } from '../shared/stream';
import { geminiErrorFromBody, type GeminiErrorBody } from './errors';
import type { GeminiPart } from './request';
import { toolCallId } from './tool-ids';

export interface GeminiUsage {
  promptTokenCount?: number;
  candidatesTokenCount?: number;
  totalTokenCount?: number;
  cachedContentTokenCount?: number;
  thoughtsTokenCount?: number;
  toolUsePromptTokenCount?: number;
}

export interface GeminiResponse {
  candidates?: Array<{ content?: { role?: string; parts?: GeminiPart[] }; finishReason?: string; index?: number }>;
  promptFeedback?: { blockReason?: string };
  usageMetadata?: GeminiUsage;
  modelVersion?: string;
  responseId?: string;
}

export const GEMINI_FINISH_REASONS: Readonly<Record<string, FinishReason>> = {
  STOP: 'stop',
  MAX_TOKENS: 'length',
  SAFETY: 'content_filter',
  RECITATION: 'content_filter',
  LANGUAGE: 'content_filter',
  BLOCKLIST: 'content_filter',
  PROHIBITED_CONTENT: 'content_filter',
  SPII: 'content_filter',
  IMAGE_SAFETY: 'content_filter',
  OTHER: 'stop',
  MALFORMED_FUNCTION_CALL: 'stop',
  FINISH_REASON_UNSPECIFIED: 'stop',
};

/** Gemini says STOP after function calls too; OpenAI says tool_calls. */
function finishReason(reason: string, calledTools: boolean): FinishReason {
  const mapped = GEMINI_FINISH_REASONS[reason] ?? 'stop';
  return mapped === 'stop' && calledTools ? 'tool_calls' : mapped;
}

export function geminiUsage(u: GeminiUsage): Usage {
  const prompt = (u.promptTokenCount ?? 0) + (u.toolUsePromptTokenCount ?? 0);
  const reasoning = u.thoughtsTokenCount ?? 0;
  const completion = (u.candidatesTokenCount ?? 0) + reasoning;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: u.cachedContentTokenCount ?? 0 },
    completion_tokens_details: { reasoning_tokens: reasoning },
  };
}

/** Gemini rarely names its calls: the id is made from the response id, stable across a stream's chunks. */
function callId(part: GeminiPart, responseId: string | undefined, index: number): string {
  const base = part.functionCall?.id ?? (responseId ? `call_${responseId.replace(/[^A-Za-z0-9-]/g, '')}_${index}` : newId('call_'));
  return toolCallId(base, part.thoughtSignature);
}

export function fromGeminiResponse(res: GeminiResponse, model: string, created: number): ChatCompletion {
  const candidate = res.candidates?.[0];
  if (!candidate && !res.promptFeedback?.blockReason) throw malformed('the Gemini answer has no candidate');
  let text = '';
  const toolCalls: ToolCall[] = [];
  for (const part of candidate?.content?.parts ?? []) {
    if (part.functionCall) {
      toolCalls.push({ id: callId(part, res.responseId, toolCalls.length), type: 'function', function: { name: part.functionCall.name, arguments: JSON.stringify(part.functionCall.args ?? {}) } });
    } else if (part.text && !part.thought) text += part.text;
  }
  return chatCompletion({
    id: res.responseId ?? newId('chatcmpl-'),
    created,
    model: res.modelVersion ?? model,
    text,
    toolCalls,
    // a blocked prompt has no candidate at all
    finishReason: candidate ? finishReason(candidate.finishReason ?? 'STOP', toolCalls.length > 0) : 'content_filter',
    usage: res.usageMetadata ? geminiUsage(res.usageMetadata) : undefined,
  });
}

/**
 * Gemini streams whole GenerateContentResponse objects and has no end event: the stream is complete when a
 * candidate (or the prompt feedback) carried a finish reason.
 */
export function geminiStreamTranslator(chunks: ChunkBuilder): StreamTranslator<GeminiResponse | GeminiErrorBody | typeof SSE_DONE> {
  let started = false;
  let finished = false;
  let toolCount = 0;
  let usage: GeminiUsage | undefined;
  let responseId: string | undefined;

  return {
    next(event) {
      if (event === SSE_DONE) return NO_CHUNKS;
      if ('error' in event) throw geminiErrorFromBody(event, 500);
      const out: ChatCompletionChunk[] = [];
      if (!started) {
        started = true;
        responseId = event.responseId;
        if (responseId) chunks.id = responseId;
        if (event.modelVersion) chunks.model = event.modelVersion;
        out.push(chunks.delta({ role: 'assistant', content: '' }));
      }
      if (event.usageMetadata) usage = event.usageMetadata;
      const candidate = event.candidates?.[0];
      for (const part of candidate?.content?.parts ?? []) {
        if (part.functionCall) {
          const index = toolCount++;
          const call = { index, id: callId(part, responseId, index), type: 'function' as const, function: { name: part.functionCall.name, arguments: JSON.stringify(part.functionCall.args ?? {}) } };
          out.push(chunks.delta({ tool_calls: [call] }));
        } else if (part.text && !part.thought) out.push(chunks.delta({ content: part.text }));
      }
      if (candidate?.finishReason) {
        finished = true;
        out.push(chunks.delta({}, finishReason(candidate.finishReason, toolCount > 0)));
      } else if (!candidate && event.promptFeedback?.blockReason) {
        finished = true;
        out.push(chunks.delta({}, 'content_filter'));
      }
      return out;
    },
    end() {
      if (!finished) throw streamTruncated('gemini');
      return usage ? [chunks.usage(geminiUsage(usage))] : NO_CHUNKS;
    },
  };
}
