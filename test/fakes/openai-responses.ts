// A fake OpenAI Responses API on loopback: it checks each request as the real API does (key, model, input,
// an output cap of at least 16) and answers as the test scripts it, in the Responses JSON and SSE formats.
import type http from 'node:http';
import { startCheckedFake, type FakeProvider } from './anthropic';
import { sendJson } from './upstream';

export function sendOpenAIError(res: http.ServerResponse, status: number, type: string, message: string, code: string | null = null): void {
  sendJson(res, status, { error: { message, type, param: null, code } });
}

export function startFakeOpenAIResponses(apiKey: string): Promise<FakeProvider> {
  return startCheckedFake(
    (req) => {
      if (req.headers.authorization !== `Bearer ${apiKey}`) return { status: 401, type: 'invalid_request_error', message: 'Incorrect API key provided' };
      if (req.method !== 'POST' || req.path !== '/v1/responses') return { status: 404, type: 'invalid_request_error', message: `no route ${req.method} ${req.path}` };
      const body = req.body as { model?: unknown; input?: unknown; max_output_tokens?: number; previous_response_id?: unknown };
      if (typeof body?.model !== 'string') return { status: 400, type: 'invalid_request_error', message: "Missing required parameter: 'model'." };
      if (body.input === undefined) return { status: 400, type: 'invalid_request_error', message: "Missing required parameter: 'input'." };
      if (body.max_output_tokens !== undefined && body.max_output_tokens < 16) return { status: 400, type: 'invalid_request_error', message: "Invalid 'max_output_tokens': integer below minimum value." };
      // with store false nothing is kept upstream: a previous id could never be found there
      if (body.previous_response_id) return { status: 400, type: 'invalid_request_error', message: 'Previous response cannot be used for this organization (store is false).' };
      return undefined;
    },
    (res, p) => sendOpenAIError(res, p.status, p.type, p.message),
  );
}

export const OPENAI_USAGE = { input_tokens: 120, input_tokens_details: { cached_tokens: 100 }, output_tokens: 30, output_tokens_details: { reasoning_tokens: 12 }, total_tokens: 150 };

/** a response object as OpenAI answers it */
export function openaiResponse(model: string, output: unknown[], opts: { status?: string; usage?: unknown; id?: string } = {}) {
  return {
    id: opts.id ?? 'resp_upstream_0001',
    object: 'response',
    created_at: 1_700_000_000,
    status: opts.status ?? 'completed',
    completed_at: 1_700_000_001,
    error: null,
    incomplete_details: opts.status === 'incomplete' ? { reason: 'max_output_tokens' } : null,
    instructions: null,
    max_output_tokens: null,
    model,
    output,
    parallel_tool_calls: true,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    store: false,
    temperature: 1,
    text: { format: { type: 'text' }, verbosity: 'medium' },
    tool_choice: 'auto',
    tools: [],
    top_p: 1,
    truncation: 'disabled',
    usage: opts.usage === undefined ? OPENAI_USAGE : opts.usage,
    metadata: {},
  };
}

export function outputMessage(text: string, id = 'msg_upstream_1') {
  return { type: 'message', id, status: 'completed', role: 'assistant', content: [{ type: 'output_text', text, annotations: [], logprobs: [] }] };
}

export function functionCall(name: string, args: string, callId = 'call_up_1') {
  return { type: 'function_call', id: 'fc_upstream_1', call_id: callId, name, arguments: args, status: 'completed' };
}

export function reasoningItem(encrypted = 'gAAAAenc-reasoning-blob') {
  return { type: 'reasoning', id: 'rs_upstream_1', summary: [{ type: 'summary_text', text: 'Thinking it over.' }], encrypted_content: encrypted };
}

function frame(type: string, data: Record<string, unknown>, seq: number): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...data, sequence_number: seq })}\n\n`;
}

/** The events OpenAI streams for a text answer in `words`, after an optional reasoning item. */
export function openaiResponseEvents(model: string, words: string[], opts: { reasoning?: boolean; usage?: unknown; last?: 'response.completed' | 'response.incomplete' | 'none' } = {}): string[] {
  const frames: string[] = [];
  let seq = 0;
  const text = words.join('');
  const msg = outputMessage(text);
  const output: unknown[] = [];
  const base = openaiResponse(model, [], { status: 'in_progress', usage: null });
  frames.push(frame('response.created', { response: base }, seq++), frame('response.in_progress', { response: base }, seq++));
  let index = 0;
  if (opts.reasoning) {
    const rs = reasoningItem();
    frames.push(frame('response.output_item.added', { output_index: index, item: { ...rs, summary: [] } }, seq++));
    frames.push(frame('response.output_item.done', { output_index: index, item: rs }, seq++));
    output.push(rs);
    index++;
  }
  frames.push(frame('response.output_item.added', { output_index: index, item: { ...msg, status: 'in_progress', content: [] } }, seq++));
  frames.push(frame('response.content_part.added', { item_id: msg.id, output_index: index, content_index: 0, part: { type: 'output_text', text: '', annotations: [], logprobs: [] } }, seq++));
  for (const w of words) frames.push(frame('response.output_text.delta', { item_id: msg.id, output_index: index, content_index: 0, delta: w, logprobs: [] }, seq++));
  frames.push(frame('response.output_text.done', { item_id: msg.id, output_index: index, content_index: 0, text, logprobs: [] }, seq++));
  frames.push(frame('response.content_part.done', { item_id: msg.id, output_index: index, content_index: 0, part: msg.content[0] }, seq++));
  frames.push(frame('response.output_item.done', { output_index: index, item: msg }, seq++));
  output.push(msg);
  const last = opts.last ?? 'response.completed';
  if (last !== 'none') {
    frames.push(frame(last, { response: openaiResponse(model, output, { status: last === 'response.completed' ? 'completed' : 'incomplete', usage: opts.usage }) }, seq++));
  }
  return frames;
}

/** The events of a function call answer. */
export function openaiFunctionCallEvents(model: string, name: string, argParts: string[], callId = 'call_up_1'): string[] {
  let seq = 0;
  const args = argParts.join('');
  const call = functionCall(name, args, callId);
  const base = openaiResponse(model, [], { status: 'in_progress', usage: null });
  return [
    frame('response.created', { response: base }, seq++),
    frame('response.in_progress', { response: base }, seq++),
    frame('response.output_item.added', { output_index: 0, item: { ...call, arguments: '', status: 'in_progress' } }, seq++),
    ...argParts.map((delta) => frame('response.function_call_arguments.delta', { item_id: call.id, output_index: 0, delta }, seq++)),
    frame('response.function_call_arguments.done', { item_id: call.id, output_index: 0, name, arguments: args }, seq++),
    frame('response.output_item.done', { output_index: 0, item: call }, seq++),
    frame('response.completed', { response: openaiResponse(model, [call]) }, seq++),
  ];
}

export type { FakeProvider };
