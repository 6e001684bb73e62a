// POST /v1/responses as the door takes it: the body checked (input items one by one, so a 400 names the item),
// the conversation behind previous_response_id read from the tenant's stored turns, and the chat view every
// non-OpenAI target is served from. What each item becomes in the chat view: docs/doors.md.
import { randomBytes } from 'node:crypto';
import type { ChatMessage, ChatRequest, ToolCall, UserContentPart } from '../../core/openai/chat-request';
import { errors, GatewayError } from '../../core/errors';
import { parseBody } from '../../core/pipeline/body';
import type { DoorContext, DoorRequest } from '../../core/pipeline/serve';
import type { ProviderConfig } from '../../core/config/schema';
import type { ResponseStore } from '../../core/ports';
import {
  KNOWN_ITEMS,
  responsesRequest,
  unknownResponsesFields,
  type ContentPart,
  type FunctionCallOutputItem,
  type InputItem,
  type OutputItem,
  type ResponseObject,
  type ResponsesRequest,
} from '../../core/openai/responses';
import { jsonTokenBound } from '../../core/tokens/text';
import { describeIssue } from '../../core/validation';
import { speaksResponses } from '../../providers/openai/endpoint';
import { chatNameOf, chatToolChoice, planTools, type ToolPlan } from './tools';

export interface ResponsesDoorRequest extends DoorRequest {
  body: ResponsesRequest;
  /** this request's input items as the client sent them (what an OpenAI target is sent) */
  sent: InputItem[];
  /** this request's input items with ids, as they are stored and listed */
  input: InputItem[];
  /** the stored conversation previous_response_id names: its input and output items */
  history: InputItem[];
  tools: ToolPlan;
  /** the turn is kept (store is not false, and the gateway has a store) */
  store: boolean;
  /** the gateway's id of the answer (every attempt answers under it; only the served one is kept) */
  id: string;
  createdAt: number;
  tenantId: string;
  responses?: ResponseStore;
  logger: DoorContext['deps']['logger'];
}

export async function parseResponsesRequest(raw: string | undefined, ctx: DoorContext): Promise<ResponsesDoorRequest> {
  const body = parseBody(raw, responsesRequest);
  const unknown = unknownResponsesFields(body);
  if (unknown.length) {
    throw errors.invalidRequest(`Unsupported parameter${unknown.length > 1 ? 's' : ''} ${unknown.map((f) => `'${f}'`).join(', ')}: the gateway does not forward fields it cannot price.`, unknown[0]);
  }
  if (body.background) throw errors.invalidRequest('background responses are not supported by this gateway: send the request without background (stream it for long answers).', 'background');
  const sent = inputItems(body.input);
  const tools = planTools(body.tools);
  const responses = ctx.deps.responses;
  let history: InputItem[] = [];
  if (body.previous_response_id) {
    const previous = responses ? await responses.get(ctx.tenantId, body.previous_response_id) : undefined;
    if (!previous) {
      throw new GatewayError(404, 'not_found', `Previous response with id '${body.previous_response_id}' not found.`, { param: 'previous_response_id' });
    }
    history = [...(previous.input as InputItem[]), ...outputAsInput((previous.response as ResponseObject).output)];
  }
  if (sent.length === 0 && history.length === 0) throw errors.invalidRequest("Missing required parameter: 'input'.", 'input');
  const input = sent.map(withId);
  const req: ResponsesDoorRequest = {
    body,
    sent,
    input,
    history,
    tools,
    store: body.store !== false && responses !== undefined,
    id: newItemId('resp_'),
    createdAt: ctx.receivedAt,
    tenantId: ctx.tenantId,
    responses,
    logger: ctx.deps.logger,
    stream: body.stream === true,
    chat: chatView(body, [...history, ...input], tools),
  };
  const nativeOnly = nativeOnlyTokens([...history, ...sent], body);
  if (nativeOnly > 0) req.extraInputTokens = (provider) => (provider && speaksResponses(provider) ? nativeOnly : 0);
  return req;
}

// ---- input items ----

function inputItems(input: ResponsesRequest['input']): InputItem[] {
  if (input === undefined) return [];
  if (typeof input === 'string') return [{ type: 'message', role: 'user', content: input }];
  return input.map((item, i) => {
    // an "easy" input message leaves out its type
    const type = item.type ?? ('role' in item ? 'message' : undefined);
    if (type === undefined) throw errors.invalidRequest(`Invalid value for 'input[${i}]': an item needs a type, or a role for a message.`, `input[${i}].type`);
    if (type === 'item_reference') {
      throw errors.invalidRequest(`Invalid value for 'input[${i}]': item references need OpenAI's own store; send the item itself, or previous_response_id.`, `input[${i}].type`);
    }
    const schema = (KNOWN_ITEMS as Record<string, { safeParse(v: unknown): { success: boolean; data?: unknown; error?: { issues: unknown[] } } }>)[type];
    if (!schema) return { ...item, type } as InputItem;
    const result = schema.safeParse({ ...item, type });
    if (!result.success) {
      const { param, message } = describeIssue(result.error!.issues[0] as Parameters<typeof describeIssue>[0]);
      throw errors.invalidRequest(`Invalid value for 'input[${i}].${param}': ${message}`, `input[${i}].${param}`);
    }
    const parsed = result.data as InputItem;
    if (parsed.type === 'message' && Array.isArray(parsed.content)) {
      parsed.content.forEach((part, j) => {
        if (part.type === 'input_file' && part.file_url && !part.file_data && !part.file_id) {
          throw errors.invalidRequest(`Invalid value for 'input[${i}].content[${j}]': files by URL are not fetched here; send file_data.`, `input[${i}].content[${j}].file_url`);
        }
      });
    }
    return parsed;
  });
}

const ID_PREFIX: Record<string, string> = {
  message: 'msg_',
  function_call: 'fc_',
  function_call_output: 'fco_',
  custom_tool_call: 'ctc_',
  custom_tool_call_output: 'ctco_',
  reasoning: 'rs_',
};

export function newItemId(prefix: string): string {
  return `${prefix}${randomBytes(24).toString('hex')}`;
}

/** an item as it is stored and listed: with an id, and a message's content as parts */
function withId(item: InputItem): InputItem {
  const out = { ...item } as InputItem & { id?: string | null; content?: unknown; status?: unknown };
  if (!out.id) out.id = newItemId(ID_PREFIX[item.type] ?? 'item_');
  if (out.type === 'message' && typeof out.content === 'string') {
    const role = (out as { role: string }).role;
    out.content = role === 'assistant' ? [{ type: 'output_text', text: out.content, annotations: [] }] : [{ type: 'input_text', text: out.content }];
  }
  if ((out.type === 'message' || out.type === 'function_call' || out.type === 'function_call_output') && !out.status) out.status = 'completed';
  return out;
}

/** a stored answer's output as the next turn's input */
function outputAsInput(output: OutputItem[]): InputItem[] {
  return output.filter((item) => item.type !== 'message' || (item as { content: unknown[] }).content.length > 0) as InputItem[];
}

/** tokens of what only an OpenAI target receives: reasoning items, item types the chat view has no form for */
function nativeOnlyTokens(items: readonly InputItem[], body: ResponsesRequest): number {
  let tokens = 0;
  for (const item of items) if (!(item.type in KNOWN_ITEMS) || item.type === 'reasoning') tokens += jsonTokenBound(item);
  for (const tool of body.tools ?? []) if (tool.type === 'namespace' || tool.type === 'custom' || tool.type === 'local_shell' || tool.type === 'shell' || tool.type === 'apply_patch') tokens += jsonTokenBound(tool);
  return tokens;
}

// ---- the chat view ----

export function chatView(body: ResponsesRequest, items: readonly InputItem[], plan: ToolPlan): ChatRequest {
  const messages: ChatMessage[] = [];
  if (body.instructions) messages.push({ role: 'system', content: body.instructions });
  const pendingMedia: UserContentPart[] = [];
  const flushMedia = () => {
    if (pendingMedia.length) messages.push({ role: 'user', content: pendingMedia.splice(0) });
  };
  for (const item of items) {
    const isToolResult = item.type === 'function_call_output' || item.type === 'custom_tool_call_output';
    if (!isToolResult) flushMedia();
    switch (item.type) {
      case 'message':
        pushMessage(messages, item as Extract<InputItem, { type: 'message'; role: string }>);
        break;
      case 'function_call': {
        const call = item as Extract<InputItem, { type: 'function_call'; call_id: string }>;
        pushToolCall(messages, { id: call.call_id, type: 'function', function: { name: chatNameOf(plan, call.name, call.namespace), arguments: call.arguments } });
        break;
      }
      case 'custom_tool_call': {
        const call = item as Extract<InputItem, { type: 'custom_tool_call'; call_id: string }>;
        pushToolCall(messages, { id: call.call_id, type: 'function', function: { name: chatNameOf(plan, call.name), arguments: JSON.stringify({ input: call.input }) } });
        break;
      }
      case 'function_call_output':
      case 'custom_tool_call_output': {
        const result = item as FunctionCallOutputItem;
        const { text, media } = toolOutput(result.output);
        messages.push({ role: 'tool', tool_call_id: result.call_id, content: text });
        pendingMedia.push(...media);
        break;
      }
      // reasoning and item types with no chat form: only an OpenAI target gets them
    }
  }
  flushMedia();
  if (!messages.some((m) => m.role !== 'system')) throw errors.invalidRequest("The input holds nothing a model can answer: send a message in 'input'.", 'input');
  const { choice, tools } = chatToolChoice(body.tool_choice, plan);
  const format = body.text?.format;
  const chat: ChatRequest = {
    model: body.model,
    messages,
    ...(body.stream ? { stream: true } : {}),
    ...(body.max_output_tokens != null ? { max_completion_tokens: body.max_output_tokens } : {}),
    ...(body.temperature != null ? { temperature: body.temperature } : {}),
    ...(body.top_p != null ? { top_p: body.top_p } : {}),
    ...(tools.length ? { tools } : {}),
    ...(tools.length && choice !== undefined ? { tool_choice: choice } : {}),
    ...(tools.length && body.parallel_tool_calls != null ? { parallel_tool_calls: body.parallel_tool_calls } : {}),
    ...(format && format.type === 'json_object' ? { response_format: { type: 'json_object' } } : {}),
    ...(format && format.type === 'json_schema'
      ? {
          response_format: {
            type: 'json_schema',
            json_schema: {
              name: format.name as string,
              schema: format.schema as Record<string, unknown>,
              ...(format.description ? { description: format.description as string } : {}),
              ...(format.strict != null ? { strict: format.strict as boolean } : {}),
            },
          },
        }
      : {}),
    ...(body.text?.verbosity ? { verbosity: body.text.verbosity } : {}),
    ...(body.reasoning?.effort ? { reasoning_effort: body.reasoning.effort } : {}),
    ...(body.metadata ? { metadata: body.metadata } : {}),
    ...(body.user ? { user: body.user } : {}),
    ...(body.safety_identifier ? { safety_identifier: body.safety_identifier } : {}),
    ...(body.prompt_cache_key ? { prompt_cache_key: body.prompt_cache_key } : {}),
    ...(body.prompt_cache_retention ? { prompt_cache_retention: body.prompt_cache_retention } : {}),
    ...(body.service_tier ? { service_tier: body.service_tier } : {}),
  };
  return chat;
}

type MessageInput = { type: 'message'; role: 'user' | 'assistant' | 'system' | 'developer'; content: string | ContentPart[] };

function pushMessage(messages: ChatMessage[], item: MessageInput): void {
  const parts = typeof item.content === 'string' ? [{ type: 'input_text' as const, text: item.content }] : item.content;
  if (item.role === 'assistant') {
    const text = parts.map((p) => (p.type === 'output_text' || p.type === 'input_text' ? p.text : '')).join('');
    const refusal = parts.map((p) => (p.type === 'refusal' ? p.refusal : '')).join('');
    if (!text && !refusal) return;
    messages.push({ role: 'assistant', content: text || null, ...(refusal ? { refusal } : {}) } as ChatMessage);
    return;
  }
  if (item.role === 'system' || item.role === 'developer') {
    const text = parts.map((p) => (p.type === 'input_text' || p.type === 'output_text' ? p.text : '')).join('');
    if (parts.some((p) => p.type !== 'input_text' && p.type !== 'output_text')) throw errors.invalidRequest(`A ${item.role} message holds text only.`, 'input');
    if (text) messages.push({ role: item.role, content: text });
    return;
  }
  const content: UserContentPart[] = [];
  for (const part of parts) {
    const converted = userPart(part);
    if (converted) content.push(converted);
  }
  if (content.length) messages.push({ role: 'user', content: content.length === 1 && content[0]!.type === 'text' ? content[0]!.text : content });
}

function userPart(part: ContentPart): UserContentPart | undefined {
  switch (part.type) {
    case 'input_text':
    case 'output_text':
      return part.text ? { type: 'text', text: part.text } : undefined;
    case 'input_image': {
      const detail = part.detail === 'original' ? 'high' : part.detail;
      if (part.image_url) return { type: 'image_url', image_url: { url: part.image_url, ...(detail ? { detail } : {}) } };
      return { type: 'file', file: { file_id: part.file_id ?? '' } };
    }
    case 'input_file':
      return { type: 'file', file: { ...(part.file_data ? { file_data: part.file_data } : {}), ...(part.file_id ? { file_id: part.file_id } : {}), ...(part.filename ? { filename: part.filename } : {}) } };
    case 'refusal':
      return { type: 'text', text: part.refusal };
  }
}

/** a tool call joins the assistant turn it follows, as chat holds several calls in one message */
function pushToolCall(messages: ChatMessage[], call: ToolCall): void {
  const last = messages[messages.length - 1];
  if (last?.role === 'assistant') {
    last.tool_calls = [...(last.tool_calls ?? []), call];
    return;
  }
  messages.push({ role: 'assistant', content: null, tool_calls: [call] });
}

/** a tool's output as chat text; its images and files follow the tool results as a user turn */
function toolOutput(output: FunctionCallOutputItem['output']): { text: string; media: UserContentPart[] } {
  if (typeof output === 'string') return { text: output, media: [] };
  const texts: string[] = [];
  const media: UserContentPart[] = [];
  for (const part of output) {
    if (part.type === 'input_text') texts.push(part.text);
    else {
      const converted = userPart(part);
      if (converted) media.push(converted);
    }
  }
  return { text: texts.join('\n'), media };
}

/** whether the chat view of this provider is its request (every target but OpenAI's own API) */
export function translatedFor(provider: ProviderConfig): boolean {
  return !speaksResponses(provider);
}
