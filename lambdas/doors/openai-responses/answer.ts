// The response object the door answers with: from a chat completion (translated targets) or from OpenAI's own
// (native), under the gateway's id, with the usage converted both ways; and the turn kept for the next one.
import type { ChatCompletion, Usage } from '../../core/openai/chat-response';
import type { OutputCustomToolCall, OutputFunctionCall, OutputItem, ResponseObject, ResponsesUsage } from '../../core/openai/responses';
import type { DoorAnswer } from '../../core/pipeline/serve';
import { newItemId, type ResponsesDoorRequest } from './request';
import type { ToolPlan } from './tools';

/** the response object before any output: what response.created shows, and what the answer fills in */
export function responseSkeleton(req: ResponsesDoorRequest, model: string, cap: number, status: ResponseObject['status'] = 'in_progress'): ResponseObject {
  const body = req.body;
  return {
    id: req.id,
    object: 'response',
    created_at: Math.floor(req.createdAt / 1000),
    status,
    completed_at: null,
    error: null,
    incomplete_details: null,
    instructions: body.instructions ?? null,
    max_output_tokens: cap,
    model,
    output: [],
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    previous_response_id: body.previous_response_id ?? null,
    reasoning: body.reasoning ? { effort: body.reasoning.effort ?? null, summary: body.reasoning.summary ?? body.reasoning.generate_summary ?? null } : null,
    store: req.store,
    temperature: body.temperature ?? 1,
    text: { format: (body.text?.format as Record<string, unknown> | undefined) ?? { type: 'text' }, verbosity: body.text?.verbosity ?? 'medium' },
    tool_choice: body.tool_choice ?? 'auto',
    tools: req.tools.native,
    top_p: body.top_p ?? 1,
    truncation: body.truncation ?? 'disabled',
    metadata: body.metadata ?? {},
    ...(body.user ? { user: body.user } : {}),
  };
}

// ---- translated: a chat completion as a response ----

export function responseFromChat(completion: ChatCompletion, req: ResponsesDoorRequest, cap: number): ResponseObject {
  const response = responseSkeleton(req, completion.model, cap);
  const choice = completion.choices[0];
  const message = choice?.message;
  const output: OutputItem[] = [];
  const content: Array<{ type: 'output_text'; text: string; annotations: unknown[]; logprobs: unknown[] } | { type: 'refusal'; refusal: string }> = [];
  if (message?.content) content.push({ type: 'output_text', text: message.content, annotations: [], logprobs: [] });
  if (message?.refusal) content.push({ type: 'refusal', refusal: message.refusal });
  if (content.length) output.push({ type: 'message', id: newItemId('msg_'), role: 'assistant', status: 'completed', content });
  for (const call of message?.tool_calls ?? []) output.push(toolCallItem(req.tools, call.id, call.function.name, call.function.arguments));
  response.output = output;
  finish(response, choice?.finish_reason ?? 'stop', completion.usage);
  return response;
}

/** a chat tool call as the Responses item it stands for: a function call (in its namespace) or a custom tool call */
export function toolCallItem(plan: ToolPlan, callId: string, chatName: string, args: string): OutputFunctionCall | OutputCustomToolCall {
  const named = plan.names.get(chatName);
  if (named?.kind === 'custom') {
    let input = args;
    try {
      const parsed = JSON.parse(args) as { input?: unknown };
      if (typeof parsed.input === 'string') input = parsed.input;
    } catch {
      // the model wrote no JSON: its text is the input
    }
    return { type: 'custom_tool_call', id: newItemId('ctc_'), call_id: callId, name: named.name, input, status: 'completed' };
  }
  return {
    type: 'function_call',
    id: newItemId('fc_'),
    call_id: callId,
    name: named?.name ?? chatName,
    ...(named?.namespace ? { namespace: named.namespace } : {}),
    arguments: args,
    status: 'completed',
  };
}

/** status, completion time and usage, once the chat answer ended with `finishReason` */
export function finish(response: ResponseObject, finishReason: string | null, usage: Usage | undefined | null): void {
  if (finishReason === 'length' || finishReason === 'content_filter') {
    response.status = 'incomplete';
    response.incomplete_details = { reason: finishReason === 'length' ? 'max_output_tokens' : 'content_filter' };
  } else {
    response.status = 'completed';
    response.completed_at = Math.floor(Date.now() / 1000);
  }
  if (usage) response.usage = responsesUsage(usage);
  else delete response.usage;
}

export function responsesUsage(usage: Usage): ResponsesUsage {
  const cacheWrite = usage.prompt_tokens_details?.cache_write_tokens;
  return {
    input_tokens: usage.prompt_tokens,
    input_tokens_details: { cached_tokens: usage.prompt_tokens_details?.cached_tokens ?? 0, cache_write_tokens: cacheWrite ?? 0 },
    output_tokens: usage.completion_tokens,
    output_tokens_details: { reasoning_tokens: usage.completion_tokens_details?.reasoning_tokens ?? 0 },
    total_tokens: usage.total_tokens ?? usage.prompt_tokens + usage.completion_tokens,
  };
}

// ---- native: OpenAI's response under the gateway's id ----

/**
 * OpenAI's usage as the core's: input_tokens holds cached and cache-written tokens, as prompt_tokens does;
 * reasoning tokens are inside output_tokens and are billed as output.
 */
export function coreUsage(usage: ResponsesUsage): Usage {
  const details = usage.input_tokens_details ?? { cached_tokens: 0 };
  const cacheWrite = typeof details.cache_write_tokens === 'number' ? details.cache_write_tokens : 0;
  return {
    prompt_tokens: usage.input_tokens,
    completion_tokens: usage.output_tokens,
    total_tokens: usage.total_tokens ?? usage.input_tokens + usage.output_tokens,
    prompt_tokens_details: { cached_tokens: details.cached_tokens ?? 0, ...(cacheWrite ? { cache_write_tokens: cacheWrite } : {}) },
    completion_tokens_details: { reasoning_tokens: usage.output_tokens_details?.reasoning_tokens ?? 0 },
  };
}

/** OpenAI's response as the client sees it: the gateway's id, and what the client asked for (store, previous id, metadata) */
export function nativeResponse(upstream: ResponseObject, req: ResponsesDoorRequest): ResponseObject {
  const response: ResponseObject = {
    ...upstream,
    id: req.id,
    created_at: Math.floor(req.createdAt / 1000),
    previous_response_id: req.body.previous_response_id ?? null,
    store: req.store,
    metadata: req.body.metadata ?? {},
  };
  // as the document has it: usage only once known, with every detail it requires
  if (upstream.usage) response.usage = responsesUsage(coreUsage(upstream.usage));
  else delete response.usage;
  if (response.user == null) delete response.user;
  return response;
}

/** what the client is shown: encrypted reasoning the gateway asked for only to keep the turn stays with it */
export function clientView(response: ResponseObject, req: ResponsesDoorRequest): ResponseObject {
  if (req.body.include?.includes('reasoning.encrypted_content')) return response;
  if (!response.output.some((item) => item.type === 'reasoning' && 'encrypted_content' in item)) return response;
  return { ...response, output: response.output.map((item) => withoutEncrypted(item)) };
}

export function withoutEncrypted<T extends OutputItem>(item: T): T {
  if (item.type !== 'reasoning' || !('encrypted_content' in item)) return item;
  const { encrypted_content: _kept, ...rest } = item as Record<string, unknown>;
  return rest as T;
}

/** the answer's text: the estimate of a call without usage, and shadows */
export function responseText(response: ResponseObject): string {
  let text = '';
  for (const item of response.output) {
    if (item.type === 'message') for (const part of (item as { content: Array<{ text?: string; refusal?: string }> }).content) text += part.text ?? part.refusal ?? '';
    else if (item.type === 'function_call') text += String(item.name ?? '') + String(item.arguments ?? '');
    else if (item.type === 'custom_tool_call') text += String(item.name ?? '') + String(item.input ?? '');
  }
  return text;
}

// ---- the turn kept ----

/**
 * Keep the turn (its response whole, encrypted reasoning included, and every input item its model got) before
 * the client can name it in a follow-up. A store that fails loses the turn, not the answer: the client has
 * what it paid for, and a follow-up that names it is told it is not found.
 */
export async function keepTurn(req: ResponsesDoorRequest, response: ResponseObject): Promise<void> {
  if (!req.store || !req.responses) return;
  // the output guardrails' masking reaches what is stored (GET /v1/responses/{id} must not show what a stream masked)
  req.guardOutput?.(response);
  try {
    await req.responses.put({ tenantId: req.tenantId, id: req.id, createdAt: req.createdAt, response, input: [...req.history, ...req.input] });
  } catch (err) {
    req.logger.error('response not stored', { id: req.id, tenant: req.tenantId, error: (err as Error).message });
  }
}

export function responseAnswer(response: ResponseObject, req: ResponsesDoorRequest, usage: Usage | undefined): DoorAnswer {
  return { body: clientView(response, req), usage, text: responseText(response), commit: () => keepTurn(req, response) };
}
