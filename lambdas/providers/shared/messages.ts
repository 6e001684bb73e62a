// What every non-OpenAI adapter needs from an OpenAI conversation: the system text taken apart, data URLs
// opened, tool-call arguments parsed, and consecutive turns of one role joined (native APIs want turns to
// alternate: several tool results, or a tool result followed by a user message, become one user turn).
import { messageText, type CacheControl, type ChatMessage, type ChatRequest, type ToolCall, type UserContentPart } from '../../core/openai/chat-request';
import { ProviderError } from '../types';
import { unsupported } from './errors';
import { parseJsonOrUndefined } from './transport';

export type InstructionMessage = Extract<ChatMessage, { role: 'system' | 'developer' }>;

export function isInstruction(m: ChatMessage): m is InstructionMessage {
  return m.role === 'system' || m.role === 'developer';
}

/** The prompt-cache breakpoint a message carries on any of its parts (the last one wins): it marks the message's end. */
function cacheMark(content: ChatMessage['content']): CacheControl | undefined {
  if (content == null || typeof content === 'string') return undefined;
  let mark: CacheControl | undefined;
  for (const part of content) if ('cache_control' in part && part.cache_control) mark = part.cache_control;
  return mark;
}

export interface InstructionBlock {
  text: string;
  cache?: CacheControl;
}

/** Every system and developer message, in order, wherever it stands in the conversation, with its cache breakpoint. */
export function instructionBlocks(messages: readonly ChatMessage[]): InstructionBlock[] {
  const blocks: InstructionBlock[] = [];
  for (const m of messages) {
    if (!isInstruction(m)) continue;
    const text = messageText(m.content);
    const cache = cacheMark(m.content);
    if (text) blocks.push(cache ? { text, cache } : { text });
  }
  return blocks;
}

/** The text of every system and developer message, for the providers without cache breakpoints. */
export function instructionTexts(messages: readonly ChatMessage[]): string[] {
  return instructionBlocks(messages).map((b) => b.text);
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

/** How one provider writes each piece of a conversation as its native content blocks. */
export interface BlockWriters<B> {
  /** never called with empty text: native APIs refuse empty text blocks */
  text(text: string): B;
  /** an image, audio or file part of a user message */
  part(part: Exclude<UserContentPart, { type: 'text' }>): B[];
  toolCall(call: ToolCall): B;
  toolResult(toolCallId: string, text: string): B;
  /**
   * Marks the end of these blocks (one part or message) as a prompt-cache breakpoint. Providers without
   * breakpoints leave it out, and the mark is dropped.
   */
  cache?(blocks: B[], mark: CacheControl): B[];
}

/**
 * The conversation (system messages aside) as alternating user and assistant turns of native blocks; tool
 * results go into user turns. The legacy function-calling messages cannot be mapped faithfully (they carry
 * no call ids) and are refused.
 */
export function toTurns<B>(provider: string, messages: readonly ChatMessage[], write: BlockWriters<B>): Array<Turn<'user' | 'assistant', B>> {
  const turns: Array<Turn<'user' | 'assistant', B>> = [];
  const text = (value: string): B[] => (value ? [write.text(value)] : []);
  const marked = (blocks: B[], mark: CacheControl | undefined): B[] => (mark && write.cache && blocks.length ? write.cache(blocks, mark) : blocks);
  for (const m of messages) {
    switch (m.role) {
      case 'system':
      case 'developer':
        break; // every native API takes these apart
      case 'user':
        pushTurn(
          turns,
          'user',
          typeof m.content === 'string' ? text(m.content) : m.content.flatMap((p) => marked(p.type === 'text' ? text(p.text) : write.part(p), p.cache_control)),
        );
        break;
      case 'assistant':
        if (m.function_call) throw unsupported(provider, 'legacy function_call messages (send tools and tool_calls)');
        pushTurn(turns, 'assistant', marked([...text(messageText(m.content)), ...(m.tool_calls ?? []).map(write.toolCall)], cacheMark(m.content)));
        break;
      case 'tool':
        pushTurn(turns, 'user', marked([write.toolResult(m.tool_call_id, messageText(m.content))], cacheMark(m.content)));
        break;
      case 'function':
        throw unsupported(provider, 'legacy function messages (send tools and tool messages)');
    }
  }
  return turns;
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

/** A file part's inline data: a data: URL, or bare base64 taken for a PDF. File ids are OpenAI's own. */
export function fileDataOf(provider: string, part: Extract<UserContentPart, { type: 'file' }>): DataUrl {
  const fileData = part.file.file_data;
  if (!fileData) throw unsupported(provider, 'file parts by file_id (send file_data)');
  return parseDataUrl(fileData) ?? { mediaType: 'application/pdf', data: fileData };
}

/** OpenAI sends tool arguments as a JSON string; native APIs take the object. */
export function toolArguments(call: ToolCall): Record<string, unknown> {
  const text = call.function.arguments.trim();
  if (!text) return {};
  const parsed = parseJsonOrUndefined(text);
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
