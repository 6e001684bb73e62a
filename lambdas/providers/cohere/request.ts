// OpenAI chat request → Cohere v2 chat request. Cohere's v2 messages are close to OpenAI's; what differs:
// text next to tool calls is the assistant's `tool_plan`, tool_choice has no "auto" and names no function
// (a named choice becomes REQUIRED over that one tool), and sampling fields have Cohere's names and ranges.
import { maxOutputTokens, messageText, type ChatMessage, type ChatRequest, type EmbeddingsRequest, type ToolCall, type UserContentPart } from '../../core/openai/chat-request';
import type { ProviderConfig } from '../../core/config/schema';
import { unsupported } from '../shared/errors';
import { applyParams, stopList, type ParamRule } from '../shared/params';

type CohereUserPart = { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string; detail?: 'auto' | 'low' | 'high' } };

export type CohereMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string | CohereUserPart[] }
  | { role: 'assistant'; content?: string; tool_plan?: string; tool_calls?: ToolCall[] }
  | { role: 'tool'; tool_call_id: string; content: string };

export interface CohereChatRequest {
  model: string;
  messages: CohereMessage[];
  tools?: Array<{ type: 'function'; function: { name: string; description?: string; parameters?: Record<string, unknown> } }>;
  tool_choice?: 'REQUIRED' | 'NONE';
  strict_tools?: boolean;
  stream?: boolean;
  [param: string]: unknown;
}

type ResponseFormat = NonNullable<ChatRequest['response_format']>;

export const COHERE_PARAMS: readonly ParamRule[] = [
  { from: 'temperature', to: 'temperature', min: 0, max: 1 },
  { from: 'top_p', to: 'p', min: 0.01, max: 0.99 },
  { from: 'top_k', to: 'k', min: 0, max: 500 },
  { from: maxOutputTokens, to: 'max_tokens' },
  { from: 'stop', to: 'stop_sequences', transform: stopList },
  { from: 'seed', to: 'seed' },
  { from: 'frequency_penalty', to: 'frequency_penalty', min: 0, max: 1 },
  { from: 'presence_penalty', to: 'presence_penalty', min: 0, max: 1 },
  { from: 'response_format', to: 'response_format', transform: (f) => cohereResponseFormat(f as ResponseFormat) },
];

function cohereResponseFormat(format: ResponseFormat): unknown {
  if (format.type === 'json_object') return { type: 'json_object' };
  if (format.type === 'json_schema') return { type: 'json_object', ...(format.json_schema.schema ? { json_schema: format.json_schema.schema } : {}) };
  return undefined;
}

export function toCohereRequest(req: ChatRequest, model: string, config: ProviderConfig, stream: boolean): CohereChatRequest {
  const body: CohereChatRequest = { model, messages: req.messages.map(toCohereMessage) };
  const choice = req.tool_choice;
  // Cohere cannot name the tool to call: offer only that one, and require a call
  const tools = typeof choice === 'object' ? req.tools?.filter((t) => t.function.name === choice.function.name) : req.tools;
  if (tools?.length) {
    body.tools = tools.map(({ function: { strict: _strict, ...fn } }) => ({ type: 'function', function: fn }));
    if (tools.some((t) => t.function.strict)) body.strict_tools = true;
    if (typeof choice === 'object' || choice === 'required') body.tool_choice = 'REQUIRED';
    else if (choice === 'none') body.tool_choice = 'NONE';
  }
  applyParams(req, COHERE_PARAMS, body);
  if (body.max_tokens === undefined && config.defaultMaxTokens) body.max_tokens = config.defaultMaxTokens;
  if (stream) body.stream = true;
  return body;
}

function toCohereMessage(m: ChatMessage): CohereMessage {
  switch (m.role) {
    case 'system':
    case 'developer':
      return { role: 'system', content: messageText(m.content) };
    case 'user':
      return { role: 'user', content: typeof m.content === 'string' ? m.content : m.content.map(userPart) };
    case 'assistant': {
      const text = messageText(m.content);
      if (m.function_call) throw unsupported('cohere', 'legacy function_call messages (send tools and tool_calls)');
      if (!m.tool_calls?.length) return { role: 'assistant', content: text };
      return { role: 'assistant', ...(text ? { tool_plan: text } : {}), tool_calls: m.tool_calls };
    }
    case 'tool':
      return { role: 'tool', tool_call_id: m.tool_call_id, content: messageText(m.content) };
    case 'function':
      throw unsupported('cohere', 'legacy function messages (send tools and tool messages)');
  }
}

function userPart(part: UserContentPart): CohereUserPart {
  switch (part.type) {
    case 'text':
      return { type: 'text', text: part.text }; // no cache breakpoints at Cohere
    case 'image_url':
      return { type: 'image_url', image_url: part.image_url };
    case 'input_audio':
      throw unsupported('cohere', 'audio input');
    case 'file':
      throw unsupported('cohere', 'file parts');
  }
}

export function toCohereEmbedRequest(req: EmbeddingsRequest, texts: readonly string[], model: string): Record<string, unknown> {
  return { model, ...cohereEmbedBody(req, texts) };
}

/**
 * Cohere's embed body, as its API and Bedrock's Cohere models take it. `input_type` is required by Cohere's
 * v3+ embedding models; a caller may pass it through, as Cohere names it.
 */
export function cohereEmbedBody(req: EmbeddingsRequest, texts: readonly string[]): Record<string, unknown> {
  return {
    texts,
    input_type: typeof req.input_type === 'string' ? req.input_type : 'search_document',
    embedding_types: ['float'],
    ...(req.dimensions ? { output_dimension: req.dimensions } : {}),
  };
}
