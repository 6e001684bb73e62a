// What every non-OpenAI adapter needs from an OpenAI conversation: the system text taken apart, data URLs
// opened, tool-call arguments parsed, and consecutive turns of one role joined (native APIs want turns to
// alternate: several tool results, or a tool result followed by a user message, become one user turn).
import { messageText, type ChatMessage, type ChatRequest, type ToolCall } from '../../core/openai/chat-request';
import { ProviderError } from '../types';

export type InstructionMessage = Extract<ChatMessage, { role: 'system' | 'developer' }>;

export function isInstruction(m: ChatMessage): m is InstructionMessage {
  return m.role === 'system' || m.role === 'developer';
}

/** The text of every system and developer message, in order, wherever it stands in the conversation. */
export function instructionTexts(messages: readonly ChatMessage[]): string[] {
  const texts: string[] = [];
  for (const m of messages) {
    if (!isInstruction(m)) continue;
    const text = messageText(m.content);
    if (text) texts.push(text);
  }
  return texts;
}

export interface Turn<R extends string, B> {
  role: R;
  blocks: B[];
}

/** Appends a turn, or joins its blocks to the previous turn when the role repeats. */
export function pushTurn<R extends string, B>(turns: Array<Turn<R, B>>, role: R, blocks: B[]): void {
  if (blocks.length === 0) return;
  const last = turns[turns.length - 1];
  if (last && last.role === role) last.blocks.push(...blocks);
  else turns.push({ role, blocks });
}

/** Claude wants tool results before anything else in a user turn (directly and through Bedrock). */
export function resultsFirst<B>(blocks: B[], isResult: (block: B) => boolean): B[] {
  const results = blocks.filter(isResult);
  return results.length === 0 || results.length === blocks.length ? blocks : [...results, ...blocks.filter((b) => !isResult(b))];
}

export interface DataUrl {
  mediaType: string;
  /** base64 */
  data: string;
}

/** `data:image/png;base64,…` → its media type and base64 payload; undefined for any other URL. */
export function parseDataUrl(url: string): DataUrl | undefined {
  if (!url.startsWith('data:')) return undefined;
  const comma = url.indexOf(',');
  if (comma < 0) return undefined;
  const params = url.slice(5, comma).split(';');
  if (params[params.length - 1] !== 'base64') return undefined;
  return { mediaType: params[0] || 'application/octet-stream', data: url.slice(comma + 1) };
}

/** OpenAI sends tool arguments as a JSON string; native APIs take the object. */
export function toolArguments(call: ToolCall): Record<string, unknown> {
  const text = call.function.arguments.trim();
  if (!text) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ProviderError({
      status: 400,
      retryable: false,
      code: 'invalid_tool_arguments',
      message: `the arguments of tool call "${call.id}" (${call.function.name}) are not a JSON object`,
    });
  }
  return parsed as Record<string, unknown>;
}

/** Tool names by call id, so a tool result can name its function (Gemini's functionResponse needs the name). */
export function toolNamesById(messages: readonly ChatMessage[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const m of messages) {
    if (m.role === 'assistant') for (const call of m.tool_calls ?? []) names.set(call.id, call.function.name);
  }
  return names;
}

export interface JsonTool {
  name: string;
  description: string;
  schema: Record<string, unknown>;
}

/**
 * Claude (direct and on Bedrock) has no response_format: a JSON answer is asked for as a forced call of one
 * tool whose input schema is the wanted schema, and that call's input comes back as the message content.
 * Only when the request has no tools of its own (then response_format is not mapped).
 */
export function jsonToolFor(req: ChatRequest): JsonTool | undefined {
  const format = req.response_format;
  if (!format || format.type === 'text' || req.tools?.length) return undefined;
  if (format.type === 'json_object') return { name: 'json_response', description: 'Answer with a JSON object.', schema: { type: 'object' } };
  return {
    name: format.json_schema.name,
    description: format.json_schema.description ?? 'Answer with JSON that matches this schema.',
    schema: format.json_schema.schema ?? { type: 'object' },
  };
}
