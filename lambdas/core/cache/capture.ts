// What the response cache stores of a miss: the core's view of the answer (a chat completion), taken from the
// provider calls a door makes, whatever door and form (whole, streamed, a native Responses or Messages call).
// Only an answer that completed counts: a finish reason of stop, length or tool_calls, and a stream read to
// its end without error.
import type { ChatCompletion, ChatCompletionChunk, FinishReason, Usage } from '../openai/chat-response';
import type { ResponseObject, ResponsesEvent } from '../openai/responses';
import type { ToolCall } from '../openai/chat-request';
import type { Provider } from '../../providers/types';

const COMPLETED: ReadonlySet<FinishReason | null> = new Set<FinishReason | null>(['stop', 'length', 'tool_calls']);

/** The answers a request's calls completed, by `provider/model` (a hedge's two calls do not mix). */
export class AnswerRecorder {
  readonly #answers = new Map<string, ChatCompletion>();

  /** the completed answer of a call, or undefined (none, or it did not complete) */
  answerOf(provider: string, model: string): ChatCompletion | undefined {
    return this.#answers.get(`${provider}/${model}`);
  }

  /** the provider a door calls, with each answer it gives noted */
  wrap(provider: Provider, model: string): Provider {
    const key = `${provider.id}/${model}`;
    const keep = (c: ChatCompletion | undefined) => {
      if (c && c.choices.length > 0 && c.choices.every((ch) => COMPLETED.has(ch.finish_reason))) this.#answers.set(key, c);
    };
    const wrapped: Provider = Object.create(provider) as Provider;
    Object.assign(wrapped, {
      chat: async (...args: Parameters<Provider['chat']>) => {
        const c = await provider.chat(...args);
        keep(structuredClone(c));
        return c;
      },
      chatStream: async (...args: Parameters<Provider['chatStream']>) => recordChunks(await provider.chatStream(...args), keep),
    });
    if (provider.responses) {
      const responses = provider.responses.bind(provider);
      wrapped.responses = async (...args) => {
        const r = await responses(...args);
        keep(fromResponse(r));
        return r;
      };
    }
    if (provider.responsesStream) {
      const responsesStream = provider.responsesStream.bind(provider);
      wrapped.responsesStream = async (...args) => recordEvents(await responsesStream(...args), keep);
    }
    const native = provider as unknown as { messages?: (...a: unknown[]) => Promise<unknown> };
    if (typeof native.messages === 'function') {
      const messages = native.messages.bind(provider);
      (wrapped as unknown as typeof native).messages = async (...args: unknown[]) => {
        const m = await messages(...args);
        keep(fromAnthropicMessage(m));
        return m;
      };
    }
    const nativeStream = provider as unknown as { messagesStream?: (...a: unknown[]) => Promise<AsyncIterable<{ event: AnthropicEvent }>> };
    if (typeof nativeStream.messagesStream === 'function') {
      const messagesStream = nativeStream.messagesStream.bind(provider);
      (wrapped as unknown as typeof nativeStream).messagesStream = async (...args: unknown[]) => recordAnthropic(await messagesStream(...args), keep);
    }
    return wrapped;
  }
}

/** the parts of an Anthropic stream event the capture reads */
interface AnthropicEvent {
  type: string;
  message?: { id: string; model: string; usage?: Record<string, number> };
  index?: number;
  content_block?: Record<string, unknown>;
  delta?: { type?: string; text?: string; partial_json?: string; stop_reason?: string | null };
  usage?: Record<string, number>;
}

/** a native Messages stream put back together as the message it streamed, read as a chat completion */
async function* recordAnthropic<E extends { event: AnthropicEvent }>(events: AsyncIterable<E>, keep: (c: ChatCompletion | undefined) => void): AsyncGenerator<E> {
  let message: { id: string; model: string; stop_reason: string | null; content: Array<Record<string, unknown>>; usage: Record<string, number> } | undefined;
  const json: string[] = [];
  let stopped = false;
  for await (const e of events) {
    const ev = e.event;
    if (ev.type === 'message_start' && ev.message) message = { id: ev.message.id, model: ev.message.model, stop_reason: null, content: [], usage: { ...ev.message.usage } };
    else if (ev.type === 'content_block_start' && message && ev.content_block) {
      message.content[ev.index!] = { ...ev.content_block };
      json[ev.index!] = '';
    } else if (ev.type === 'content_block_delta' && message) {
      const block = message.content[ev.index!];
      if (block && ev.delta?.type === 'text_delta') block.text = String(block.text ?? '') + (ev.delta.text ?? '');
      else if (ev.delta?.type === 'input_json_delta') json[ev.index!] += ev.delta.partial_json ?? '';
      else if (block) block.type = 'unsupported';
    } else if (ev.type === 'message_delta' && message) {
      message.stop_reason = ev.delta?.stop_reason ?? message.stop_reason;
      Object.assign(message.usage, ev.usage);
    } else if (ev.type === 'message_stop') stopped = true;
    yield e;
  }
  if (!message || !stopped) return;
  try {
    message.content.forEach((block, i) => {
      if (block.type === 'tool_use' && json[i]) block.input = JSON.parse(json[i]!);
    });
  } catch {
    // arguments that are not JSON: the client has them as sent, the cache keeps nothing
    return;
  }
  keep(fromAnthropicMessage(message));
}

async function* recordChunks(chunks: AsyncIterable<ChatCompletionChunk>, keep: (c: ChatCompletion | undefined) => void): AsyncGenerator<ChatCompletionChunk> {
  const whole = new ChunkAssembly();
  for await (const chunk of chunks) {
    whole.add(chunk);
    yield chunk;
  }
  // only reached when the stream ended as it should: a failure throws past this
  keep(whole.completion());
}

async function* recordEvents(events: AsyncIterable<ResponsesEvent>, keep: (c: ChatCompletion | undefined) => void): AsyncGenerator<ResponsesEvent> {
  let last: ResponseObject | undefined;
  for await (const event of events) {
    if ((event.type === 'response.completed' || event.type === 'response.incomplete') && event.response) last = event.response;
    yield event;
  }
  keep(last && fromResponse(last));
}

/** a streamed chat completion put back together */
export class ChunkAssembly {
  #id = '';
  #model = '';
  #created = 0;
  #usage: Usage | undefined;
  readonly #choices = new Map<number, { content: string; refusal: string; tools: Map<number, ToolCall>; finish: FinishReason | null }>();

  add(chunk: ChatCompletionChunk): void {
    this.#id ||= chunk.id;
    this.#model ||= chunk.model;
    this.#created ||= chunk.created;
    if (chunk.usage) this.#usage = chunk.usage;
    for (const c of chunk.choices) {
      let choice = this.#choices.get(c.index);
      if (!choice) this.#choices.set(c.index, (choice = { content: '', refusal: '', tools: new Map(), finish: null }));
      choice.content += c.delta.content ?? '';
      choice.refusal += c.delta.refusal ?? '';
      for (const t of c.delta.tool_calls ?? []) {
        let call = choice.tools.get(t.index);
        if (!call) choice.tools.set(t.index, (call = { id: t.id ?? '', type: 'function', function: { name: '', arguments: '' } }));
        if (t.id) call.id = t.id;
        call.function.name += t.function?.name ?? '';
        call.function.arguments += t.function?.arguments ?? '';
      }
      if (c.finish_reason) choice.finish = c.finish_reason;
    }
  }

  completion(): ChatCompletion {
    return {
      id: this.#id,
      object: 'chat.completion',
      created: this.#created,
      model: this.#model,
      choices: [...this.#choices.entries()]
        .sort(([a], [b]) => a - b)
        .map(([index, c]) => ({
          index,
          message: {
            role: 'assistant' as const,
            content: c.content || (c.tools.size ? null : ''),
            ...(c.refusal ? { refusal: c.refusal } : {}),
            ...(c.tools.size ? { tool_calls: [...c.tools.entries()].sort(([a], [b]) => a - b).map(([, t]) => t) } : {}),
          },
          finish_reason: c.finish,
        })),
      ...(this.#usage ? { usage: this.#usage } : {}),
    };
  }
}

/** a Responses API answer as a chat completion: messages and function calls only (anything else is not stored) */
export function fromResponse(r: ResponseObject): ChatCompletion | undefined {
  let text = '';
  const tools: ToolCall[] = [];
  for (const item of r.output as Array<Record<string, unknown>>) {
    if (item.type === 'message') {
      for (const part of (item.content as Array<{ type: string; text?: string }>) ?? []) {
        if (part.type !== 'output_text') return undefined;
        text += part.text ?? '';
      }
    } else if (item.type === 'function_call') {
      tools.push({ id: String(item.call_id), type: 'function', function: { name: String(item.name), arguments: String(item.arguments) } });
    } else if (item.type !== 'reasoning') {
      return undefined;
    }
  }
  const finish: FinishReason | null =
    r.status === 'completed' ? (tools.length ? 'tool_calls' : 'stop') : r.status === 'incomplete' && r.incomplete_details?.reason === 'max_output_tokens' ? 'length' : null;
  const u = r.usage as { input_tokens?: number; output_tokens?: number; input_tokens_details?: { cached_tokens?: number } } | undefined;
  return {
    id: r.id,
    object: 'chat.completion',
    created: r.created_at,
    model: r.model,
    choices: [{ index: 0, message: { role: 'assistant', content: tools.length && !text ? null : text, ...(tools.length ? { tool_calls: tools } : {}) }, finish_reason: finish }],
    ...(u ? { usage: usageOf(u.input_tokens ?? 0, u.output_tokens ?? 0, u.input_tokens_details?.cached_tokens ?? 0) } : {}),
  };
}

const ANTHROPIC_FINISH: Record<string, FinishReason> = { end_turn: 'stop', stop_sequence: 'stop', max_tokens: 'length', tool_use: 'tool_calls' };

/** an Anthropic message (a native Messages call) as a chat completion: text and tool use only */
export function fromAnthropicMessage(m: unknown): ChatCompletion | undefined {
  const msg = m as { id: string; model: string; stop_reason: string | null; content: Array<Record<string, unknown>>; usage?: { input_tokens?: number; output_tokens?: number; cache_read_input_tokens?: number } };
  let text = '';
  const tools: ToolCall[] = [];
  for (const block of msg.content ?? []) {
    if (block.type === 'text') text += String(block.text ?? '');
    else if (block.type === 'tool_use') tools.push({ id: String(block.id), type: 'function', function: { name: String(block.name), arguments: JSON.stringify(block.input ?? {}) } });
    else return undefined;
  }
  const finish = (msg.stop_reason && ANTHROPIC_FINISH[msg.stop_reason]) || null;
  const u = msg.usage;
  const cached = u?.cache_read_input_tokens ?? 0;
  return {
    id: msg.id,
    object: 'chat.completion',
    created: 0,
    model: msg.model,
    choices: [{ index: 0, message: { role: 'assistant', content: tools.length && !text ? null : text, ...(tools.length ? { tool_calls: tools } : {}) }, finish_reason: finish }],
    ...(u ? { usage: usageOf((u.input_tokens ?? 0) + cached, u.output_tokens ?? 0, cached) } : {}),
  };
}

function usageOf(input: number, output: number, cached: number): Usage {
  return { prompt_tokens: input, completion_tokens: output, total_tokens: input + output, ...(cached ? { prompt_tokens_details: { cached_tokens: cached } } : {}) };
}
