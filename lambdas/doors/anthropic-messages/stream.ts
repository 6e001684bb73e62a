// Messages stream events as the door sends them: an Anthropic target's events as they came (each one SSE frame,
// `event:` then `data:`), or chat chunks from any other target written as the same sequence Anthropic sends —
// message_start, content_block_start, ping, content_block_delta (text_delta, input_json_delta)…,
// content_block_stop, message_delta with the stop reason and usage, message_stop. A failure after bytes left is
// an `error` event, which the Anthropic SDKs raise.
import type { ChatCompletionChunk, Usage } from '../../core/openai/chat-response';
import type { DoorPiece } from '../../core/pipeline/serve';
import { anthropicUsage, mergeUsage } from '../../providers/anthropic/response';
import type { AnthropicStreamEvent, AnthropicUsage, NativeEvent, ResponseBlock } from '../../providers/anthropic/wire';
import { newId } from '../../providers/shared/ids';
import { emptyMessage, messageId, stopReasonOf, toolUseBlock, usageOf } from './answer';

export function sseEvent(type: string, data: string): string {
  return `event: ${type}\ndata: ${data}\n\n`;
}

function frame(event: { type: string; [k: string]: unknown }): string {
  return sseEvent(event.type, JSON.stringify(event));
}

/**
 * An Anthropic target's stream, forwarded byte for byte. message_delta carries the cumulative usage (its
 * counts over message_start's), the one the call is priced by.
 */
export async function* nativePieces(events: AsyncIterable<NativeEvent>): AsyncGenerator<DoorPiece> {
  const usage: AnthropicUsage = {};
  for await (const { event, data } of events) {
    let reported: Usage | undefined;
    if (event.type === 'message_start') mergeUsage(usage, event.message.usage);
    else if (event.type === 'message_delta') {
      mergeUsage(usage, event.usage);
      reported = anthropicUsage(usage);
    }
    yield { frame: sseEvent(event.type, data), usage: reported, text: eventText(event), content: carriesContent(event) };
  }
}

/** what the client is shown, should the stream be cut before its usage */
function eventText(event: AnthropicStreamEvent): string | undefined {
  if (event.type === 'content_block_delta') {
    const d = event.delta;
    if (d.type === 'text_delta') return d.text;
    if (d.type === 'input_json_delta') return d.partial_json;
    if (d.type === 'thinking_delta') return d.thinking;
  }
  if (event.type === 'content_block_start' && event.content_block.type === 'tool_use') return String(event.content_block.name);
  return undefined;
}

/** message_start, pings and an empty block's start tell the client nothing yet: they are read ahead */
function carriesContent(event: AnthropicStreamEvent): boolean {
  if (event.type === 'message_start' || event.type === 'ping') return false;
  if (event.type === 'content_block_start') {
    const b = event.content_block;
    return !((b.type === 'text' && !b.text) || (b.type === 'thinking' && !b.thinking));
  }
  return true;
}

/** A chat target's chunks as Anthropic's events; the closing message_delta and message_stop once it ends. */
export async function* translatedPieces(chunks: AsyncIterable<ChatCompletionChunk>): AsyncGenerator<DoorPiece> {
  let started = false;
  let stopReason: string | undefined;
  let usage: Usage | undefined;
  let blocks = 0;
  let open: { index: number; tool: boolean } | undefined;
  let pinged = false;
  /** the chat tool-call index → its block */
  const tools = new Map<number, number>();

  const start = (id: string, model: string): string => {
    started = true;
    // the input is counted when the chat target reports it: message_delta carries it
    return frame({ type: 'message_start', message: emptyMessage(messageId(id), model, usageOf(undefined)) });
  };
  const closeBlock = (): string => {
    if (!open) return '';
    const index = open.index;
    open = undefined;
    return frame({ type: 'content_block_stop', index });
  };
  const openBlock = (block: ResponseBlock, tool: boolean): number => {
    out += closeBlock();
    open = { index: blocks++, tool };
    out += frame({ type: 'content_block_start', index: open.index, content_block: block });
    // Anthropic pings once its first block has started
    if (!pinged) {
      pinged = true;
      out += frame({ type: 'ping' });
    }
    return open.index;
  };

  let out = '';
  for await (const chunk of chunks) {
    out = started ? '' : start(chunk.id, chunk.model);
    let text = '';
    const choice = chunk.choices[0];
    if (choice) {
      const said = (choice.delta.content ?? '') + (choice.delta.refusal ?? '');
      if (said) {
        const index = !open || open.tool ? openBlock({ type: 'text', text: '', citations: null }, false) : open.index;
        out += frame({ type: 'content_block_delta', index, delta: { type: 'text_delta', text: said } });
        text += said;
      }
      for (const call of choice.delta.tool_calls ?? []) {
        let index = tools.get(call.index);
        if (index === undefined) tools.set(call.index, (index = openBlock(toolUseBlock(call.id ?? newId('toolu_'), call.function?.name ?? '', {}), true)));
        const args = call.function?.arguments;
        if (args) out += frame({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: args } });
        text += (call.function?.name ?? '') + (args ?? '');
      }
      if (choice.finish_reason) stopReason = stopReasonOf(choice.finish_reason);
    }
    if (chunk.usage) usage = chunk.usage;
    yield { frame: out || undefined, usage: chunk.usage ?? undefined, text, content: text !== '' };
  }
  out = started ? '' : start(newId('msg_'), '');
  out += closeBlock();
  const u = usageOf(usage);
  out += frame({
    type: 'message_delta',
    delta: { stop_reason: stopReason ?? 'end_turn', stop_sequence: null, stop_details: null, container: null },
    usage: {
      input_tokens: u.input_tokens,
      output_tokens: u.output_tokens,
      cache_creation_input_tokens: u.cache_creation_input_tokens,
      cache_read_input_tokens: u.cache_read_input_tokens,
      output_tokens_details: null,
      server_tool_use: null,
    },
  });
  yield { frame: out + frame({ type: 'message_stop' }), content: true };
}
