// OpenAI chat request → Anthropic Messages request: system messages to `system`, turns joined so roles
// alternate (tool results first in their user turn), images and PDFs as content blocks, tools and tool_choice
// in Anthropic's form, and max_tokens always set.
import { maxOutputTokens, type CacheControl, type ChatMessage, type ChatRequest, type UserContentPart } from '../../core/openai/chat-request';
import type { ProviderConfig } from '../../core/config/schema';
import { unsupported } from '../shared/errors';
import { fileDataOf, instructionBlocks, jsonToolFor, parseDataUrl, resultsFirst, toolArguments, toTurns, type BlockWriters } from '../shared/messages';
import { applyParams, stopList, type ParamRule } from '../shared/params';

/** any block may end a cacheable prefix */
type Cacheable = { cache_control?: CacheControl };
export type AnthropicTextBlock = { type: 'text'; text: string } & Cacheable;
export type AnthropicBlock = (
  | AnthropicTextBlock
  | { type: 'image'; source: { type: 'base64'; media_type: string; data: string } | { type: 'url'; url: string } }
  | { type: 'document'; source: { type: 'base64'; media_type: string; data: string } | { type: 'text'; media_type: 'text/plain'; data: string } }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> }
  | { type: 'tool_result'; tool_use_id: string; content: string }
) &
  Cacheable;

export interface AnthropicTool {
  name: string;
  description?: string;
  input_schema: Record<string, unknown>;
}

export type AnthropicToolChoice = { type: 'auto' | 'any' | 'none'; disable_parallel_tool_use?: boolean } | { type: 'tool'; name: string; disable_parallel_tool_use?: boolean };

export interface AnthropicRequest {
  model: string;
  max_tokens: number;
  messages: Array<{ role: 'user' | 'assistant'; content: AnthropicBlock[] }>;
  system?: AnthropicTextBlock[];
  tools?: AnthropicTool[];
  tool_choice?: AnthropicToolChoice;
  stream?: boolean;
  [param: string]: unknown;
}

/**
 * Output caps sent when neither the request nor the provider entry (`defaultMaxTokens`) sets one: the first
 * prefix that starts the model name wins. Claude 3 models stop at 4096; later ones go higher, but a default
 * should not reserve more than most answers need.
 */
export const ANTHROPIC_DEFAULT_MAX_TOKENS: ReadonlyArray<readonly [prefix: string, maxTokens: number]> = [
  ['claude-3-haiku', 4096],
  ['claude-3-sonnet', 4096],
  ['claude-3-opus', 4096],
  ['claude-', 8192],
];
/** for model names the table does not know (aliases behind a proxy, future families) */
export const ANTHROPIC_FALLBACK_MAX_TOKENS = 4096;

export function defaultMaxTokens(model: string): number {
  return ANTHROPIC_DEFAULT_MAX_TOKENS.find(([prefix]) => model.startsWith(prefix))?.[1] ?? ANTHROPIC_FALLBACK_MAX_TOKENS;
}

/** Sampling fields: OpenAI's temperature goes to 2, Claude's to 1. */
export const ANTHROPIC_PARAMS: readonly ParamRule[] = [
  { from: 'temperature', to: 'temperature', min: 0, max: 1 },
  { from: 'top_p', to: 'top_p' },
  { from: 'top_k', to: 'top_k' },
  { from: 'stop', to: 'stop_sequences', transform: stopList },
  { from: 'user', to: 'metadata.user_id' },
];

const TOOL_CHOICE = { auto: 'auto', required: 'any', none: 'none' } as const;

export interface AnthropicCall {
  body: AnthropicRequest;
  /** the tool standing in for response_format, whose input is the answer */
  jsonTool?: string;
}

export function toAnthropicRequest(req: ChatRequest, model: string, config: ProviderConfig, stream: boolean): AnthropicCall {
  const system = instructionBlocks(req.messages).map(({ text, cache }): AnthropicTextBlock => ({ type: 'text', text, ...(cache ? { cache_control: cache } : {}) }));
  const body: AnthropicRequest = {
    model,
    max_tokens: maxOutputTokens(req) ?? config.defaultMaxTokens ?? defaultMaxTokens(model),
    messages: toAnthropicMessages(req.messages),
  };
  if (system.length) body.system = system;
  applyParams(req, ANTHROPIC_PARAMS, body);
  const jsonTool = jsonToolFor(req);
  if (jsonTool) {
    body.tools = [{ name: jsonTool.name, description: jsonTool.description, input_schema: jsonTool.schema }];
    body.tool_choice = { type: 'tool', name: jsonTool.name };
  } else if (req.tools?.length) {
    body.tools = req.tools.map((t) => ({
      name: t.function.name,
      ...(t.function.description ? { description: t.function.description } : {}),
      input_schema: t.function.parameters ?? { type: 'object', properties: {} },
    }));
    const choice = toolChoice(req);
    if (choice) body.tool_choice = choice;
  }
  if (stream) body.stream = true;
  return { body, jsonTool: jsonTool?.name };
}

function toolChoice(req: ChatRequest): AnthropicToolChoice | undefined {
  const single = req.parallel_tool_calls === false ? { disable_parallel_tool_use: true } : {};
  const choice = req.tool_choice;
  if (choice === undefined) return req.parallel_tool_calls === false ? { type: 'auto', ...single } : undefined;
  if (typeof choice === 'object') return { type: 'tool', name: choice.function.name, ...single };
  // Anthropic refuses disable_parallel_tool_use with "none"
  return choice === 'none' ? { type: 'none' } : { type: TOOL_CHOICE[choice], ...single };
}

export function toAnthropicMessages(messages: readonly ChatMessage[]): AnthropicRequest['messages'] {
  return toTurns('anthropic', messages, ANTHROPIC_BLOCKS).map((t) => ({ role: t.role, content: t.role === 'user' ? resultsFirst(t.blocks, (b) => b.type === 'tool_result') : t.blocks }));
}

const ANTHROPIC_BLOCKS: BlockWriters<AnthropicBlock> = {
  text: (text) => ({ type: 'text', text }),
  part: userPart,
  toolCall: (call) => ({ type: 'tool_use', id: call.id, name: call.function.name, input: toolArguments(call) }),
  toolResult: (toolCallId, text) => ({ type: 'tool_result', tool_use_id: toolCallId, content: text }),
  cache: (blocks, mark) => blocks.map((b, i) => (i === blocks.length - 1 ? { ...b, cache_control: mark } : b)),
};

function userPart(part: Exclude<UserContentPart, { type: 'text' }>): AnthropicBlock[] {
  switch (part.type) {
    case 'image_url': {
      const data = parseDataUrl(part.image_url.url);
      return [{ type: 'image', source: data ? { type: 'base64', media_type: data.mediaType, data: data.data } : { type: 'url', url: part.image_url.url } }];
    }
    case 'file': {
      const data = fileDataOf('anthropic', part);
      if (data.mediaType === 'application/pdf') return [{ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: data.data } }];
      if (data.mediaType === 'text/plain') return [{ type: 'document', source: { type: 'text', media_type: 'text/plain', data: Buffer.from(data.data, 'base64').toString('utf8') } }];
      throw unsupported('anthropic', `${data.mediaType} files (PDF and plain text only)`);
    }
    case 'input_audio':
      throw unsupported('anthropic', 'audio input');
  }
}
