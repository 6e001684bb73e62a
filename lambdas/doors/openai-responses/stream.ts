// The Responses API's stream as the door sends it, with a sequence_number on every event:
//   response.created, response.in_progress,
//   per output item: response.output_item.added, then for a message response.content_part.added,
//   response.output_text.delta… (or response.refusal.delta…), response.output_text.done, response.content_part.done;
//   for a function call response.function_call_arguments.delta…, response.function_call_arguments.done;
//   then response.output_item.done,
//   and response.completed (or response.incomplete: the output cap or a content filter ended it).
// Translated targets' chat chunks are written as these events here; OpenAI's own events pass through under the
// gateway's id and numbering. A failure after bytes left ends the stream with response.failed.
import type { ChatCompletionChunk, Usage } from '../../core/openai/chat-response';
import type { OutputItem, OutputMessage, ResponseObject, ResponsesEvent } from '../../core/openai/responses';
import type { GatewayError } from '../../core/errors';
import type { DoorPiece } from '../../core/pipeline/serve';
import { clientView, coreUsage, finish, keepTurn, nativeResponse, responseSkeleton, toolCallItem, withoutEncrypted } from './answer';
import { newItemId, type ResponsesDoorRequest } from './request';

/** one stream's numbering and what it has sent: what a failure event needs */
export class StreamState {
  private seq = 0;
  /** the output items finished so far */
  readonly done: OutputItem[] = [];

  constructor(readonly response: ResponseObject) {}

  event(type: string, fields: Record<string, unknown>): string {
    return `event: ${type}\ndata: ${JSON.stringify({ type, ...fields, sequence_number: this.seq++ })}\n\n`;
  }
}

/** the pieces before any output: every stream starts so */
function opening(state: StreamState): DoorPiece {
  const response = { ...state.response };
  return { frame: state.event('response.created', { response }) + state.event('response.in_progress', { response }), content: false, state };
}

// ---- translated: chat chunks → events ----

interface OpenMessage {
  item: OutputMessage;
  index: number;
  text?: { index: number; value: string };
  refusal?: { index: number; value: string };
}

interface OpenCall {
  item: OutputItem;
  index: number;
  callId: string;
  chatName: string;
  args: string;
  custom: boolean;
}

export async function* chatEvents(chunks: AsyncIterable<ChatCompletionChunk>, req: ResponsesDoorRequest, model: string, cap: number): AsyncGenerator<DoorPiece> {
  const state = new StreamState(responseSkeleton(req, model, cap));
  yield opening(state);
  let message: OpenMessage | undefined;
  const calls = new Map<number, OpenCall>();
  let finishReason: string | null = null;
  let usage: Usage | undefined;

  const closeMessage = (): string => {
    if (!message) return '';
    const m = message;
    message = undefined;
    let out = '';
    for (const part of [m.text, m.refusal]) {
      if (!part) continue;
      const isText = part === m.text;
      const content = isText ? { type: 'output_text', text: part.value, annotations: [], logprobs: [] } : { type: 'refusal', refusal: part.value };
      const ids = { item_id: m.item.id, output_index: m.index, content_index: part.index };
      out += isText ? state.event('response.output_text.done', { ...ids, text: part.value, logprobs: [] }) : state.event('response.refusal.done', { ...ids, refusal: part.value });
      out += state.event('response.content_part.done', { ...ids, part: content });
      m.item.content[part.index] = content as OutputMessage['content'][number];
    }
    m.item.status = 'completed';
    state.done.push(m.item);
    return out + state.event('response.output_item.done', { output_index: m.index, item: m.item });
  };

  const closeCall = (call: OpenCall): string => {
    const item = toolCallItem(req.tools, call.callId, call.chatName, call.args);
    item.id = String(call.item.id);
    let out = '';
    if (item.type === 'custom_tool_call') {
      out += state.event('response.custom_tool_call_input.delta', { item_id: item.id, output_index: call.index, delta: item.input });
      out += state.event('response.custom_tool_call_input.done', { item_id: item.id, output_index: call.index, input: item.input });
    } else {
      out += state.event('response.function_call_arguments.done', { item_id: item.id, output_index: call.index, name: item.name, arguments: call.args });
    }
    state.done.push(item);
    return out + state.event('response.output_item.done', { output_index: call.index, item });
  };

  const nextIndex = () => state.done.length + (message ? 1 : 0) + calls.size;

  for await (const chunk of chunks) {
    if (chunk.usage) usage = chunk.usage;
    let frame = '';
    let text = '';
    for (const choice of chunk.choices) {
      const delta = choice.delta;
      for (const [kind, value] of [['text', delta.content], ['refusal', delta.refusal]] as const) {
        if (!value) continue;
        if (!message) {
          const item: OutputMessage = { type: 'message', id: newItemId('msg_'), role: 'assistant', status: 'in_progress', content: [] };
          message = { item, index: nextIndex() };
          frame += state.event('response.output_item.added', { output_index: message.index, item: { ...item, content: [] } });
        }
        let part = message[kind];
        if (!part) {
          part = { index: message.item.content.length, value: '' };
          message[kind] = part;
          const empty = kind === 'text' ? { type: 'output_text', text: '', annotations: [], logprobs: [] } : { type: 'refusal', refusal: '' };
          message.item.content.push(empty as OutputMessage['content'][number]);
          frame += state.event('response.content_part.added', { item_id: message.item.id, output_index: message.index, content_index: part.index, part: empty });
        }
        part.value += value;
        text += value;
        const ids = { item_id: message.item.id, output_index: message.index, content_index: part.index };
        frame += kind === 'text' ? state.event('response.output_text.delta', { ...ids, delta: value, logprobs: [] }) : state.event('response.refusal.delta', { ...ids, delta: value });
      }
      for (const tc of delta.tool_calls ?? []) {
        let call = calls.get(tc.index);
        if (!call) {
          frame += closeMessage();
          // calls come one after another: a new one ends the one before
          for (const [index, open] of calls) {
            frame += closeCall(open);
            calls.delete(index);
          }
          const chatName = tc.function?.name ?? '';
          const custom = req.tools.names.get(chatName)?.kind === 'custom';
          const placeholder = toolCallItem(req.tools, tc.id ?? newItemId('call_'), chatName, '');
          const item = custom ? { ...placeholder, input: '', status: 'in_progress' } : { ...placeholder, arguments: '', status: 'in_progress' };
          call = { item, index: nextIndex(), callId: String(placeholder.call_id), chatName, args: '', custom };
          calls.set(tc.index, call);
          frame += state.event('response.output_item.added', { output_index: call.index, item });
          text += String(placeholder.name ?? chatName);
        }
        const args = tc.function?.arguments;
        if (args) {
          call.args += args;
          text += args;
          // a custom tool's input is inside the arguments' JSON: it is sent whole when the call ends
          if (!call.custom) frame += state.event('response.function_call_arguments.delta', { item_id: call.item.id, output_index: call.index, delta: args });
        }
      }
      if (choice.finish_reason) finishReason = choice.finish_reason;
    }
    yield { frame: frame || undefined, usage: chunk.usage ?? undefined, text, content: frame !== '', state };
  }

  let frame = closeMessage();
  for (const call of calls.values()) frame += closeCall(call);
  const response: ResponseObject = { ...state.response, output: [...state.done] };
  finish(response, finishReason, usage);
  const type = response.status === 'incomplete' ? 'response.incomplete' : 'response.completed';
  frame += state.event(type, { response });
  yield { frame, content: true, state, commit: () => keepTurn(req, response) };
}

// ---- native: OpenAI's events under the gateway's id and numbering ----

const PREAMBLE = new Set(['response.created', 'response.in_progress', 'response.queued', 'response.output_item.added', 'response.content_part.added', 'response.reasoning_summary_part.added']);
const LAST = new Set(['response.completed', 'response.incomplete']);
const TEXT_DELTAS = new Set(['response.output_text.delta', 'response.refusal.delta', 'response.function_call_arguments.delta', 'response.custom_tool_call_input.delta', 'response.reasoning_summary_text.delta']);

export async function* nativeEvents(events: AsyncIterable<ResponsesEvent>, req: ResponsesDoorRequest, model: string, cap: number): AsyncGenerator<DoorPiece> {
  const state = new StreamState(responseSkeleton(req, model, cap));
  for await (const event of events) {
    const { type, sequence_number: _theirs, ...fields } = event;
    const piece: DoorPiece = { content: !PREAMBLE.has(type), state };
    if (fields.response) {
      const full = nativeResponse(fields.response, req);
      Object.assign(state.response, { ...full, output: [] });
      delete state.response.usage;
      fields.response = clientView(full, req);
      if (LAST.has(type)) {
        if (full.usage) piece.usage = coreUsage(full.usage);
        piece.commit = () => keepTurn(req, full);
      }
    }
    if (fields.item) {
      fields.item = clientViewItem(fields.item, req);
      if (type === 'response.output_item.done') state.done.push(fields.item);
    }
    if (TEXT_DELTAS.has(type) && typeof fields.delta === 'string') piece.text = fields.delta;
    piece.frame = state.event(type, fields);
    yield piece;
  }
}

function clientViewItem(item: OutputItem, req: ResponsesDoorRequest): OutputItem {
  return req.body.include?.includes('reasoning.encrypted_content') ? item : withoutEncrypted(item);
}

// ---- the end of a stream that failed ----

/** response.failed after bytes left, numbered after the last event sent, with the output finished so far */
export function responsesFailure(err: GatewayError, { last }: { last?: DoorPiece }): string {
  const state = last?.state instanceof StreamState ? last.state : undefined;
  const error = { code: err.code === 'rate_limit_exceeded' ? 'rate_limit_exceeded' : 'server_error', message: err.message };
  if (!state) return `event: error\ndata: ${JSON.stringify({ type: 'error', code: error.code, message: error.message, param: null, sequence_number: 0 })}\n\n`;
  const { usage: _none, ...response } = state.response;
  return state.event('response.failed', { response: { ...response, status: 'failed', error, output: [...state.done] } });
}
