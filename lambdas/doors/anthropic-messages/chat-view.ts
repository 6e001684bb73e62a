// An Anthropic Messages request as the core's chat request (the inverse of providers/anthropic/request.ts):
// what routing, prices and input bounds read, and what a target served through the chat core is sent.
// The view carries everything that counts as input, even what no chat target can take (thinking blocks,
// Anthropic-defined tools, documents by URL): those are weighed for budgets and named in `untranslatable`, and
// a translated call refuses them rather than dropping them silently. docs/doors.md has the table.
import type { CacheControl, ChatMessage, ChatRequest, ToolDefinition, UserContentPart } from '../../core/openai/chat-request';
import type { MessagesRequest } from '../../providers/anthropic/wire';

type Block = Record<string, unknown> & { type: string };
type TextPart = { type: 'text'; text: string; cache_control?: CacheControl };
type AssistantMessage = Extract<ChatMessage, { role: 'assistant' }>;

/**
 * Blocks of an assistant turn that a chat target never sees (thinking, redacted thinking, server tool blocks):
 * kept on the view's message under this name so input bounds weigh them, taken off before a translated call.
 */
export const HIDDEN_BLOCKS = 'x_anthropic_blocks';

/**
 * What an Anthropic-defined tool (bash, text editor, computer, memory…) adds to the prompt beyond its name: a
 * definition Anthropic writes in (up to ~735 tokens for computer use, plus ~500 of system prompt). Reserved as
 * this many bytes of description on the view's stand-in; a chat target is never sent the stand-in.
 */
const TYPED_TOOL_BOUND = 1_500;

export interface ChatView {
  chat: ChatRequest;
  untranslatable?: string;
}

export function chatViewOf(native: MessagesRequest): ChatView {
  // the first thing a chat target cannot be sent is the one a translated call names
  let untranslatable: string | undefined;
  const cannot = (what: string) => void (untranslatable ??= what);

  /** a block no chat target can take: weighed as its JSON, named in `untranslatable` */
  const stand = (b: Block): TextPart => {
    cannot(`'${b.type}' blocks`);
    return { type: 'text', text: JSON.stringify(b) };
  };

  const imageUrl = (source: Source): string => {
    if (source?.type === 'base64') return `data:${source.media_type};base64,${source.data}`;
    if (source?.type === 'url') return String(source.url);
    cannot(`images by ${source?.type ?? 'unknown'} source (send base64 or a URL)`);
    return `anthropic-${String(source?.type)}:${String(source?.file_id ?? '')}`;
  };

  const document = (b: Block, mark: Mark): UserContentPart[] => {
    const source = b.source as Source;
    const title = typeof b.title === 'string' && b.title ? b.title : undefined;
    switch (source?.type) {
      case 'base64':
        return [{ type: 'file', file: { file_data: `data:${source.media_type ?? 'application/pdf'};base64,${source.data}`, filename: title ?? 'document.pdf' }, ...mark }];
      case 'text':
        return [{ type: 'text', text: title ? `${title}\n\n${String(source.data ?? '')}` : String(source.data ?? ''), ...mark }];
      case 'content': {
        const inner = typeof source.content === 'string' ? [{ type: 'text', text: source.content }] : ((source.content as Block[] | undefined) ?? []);
        const parts = inner.flatMap(userParts);
        if (title) parts.unshift({ type: 'text', text: title });
        return parts;
      }
      default:
        // by URL or by Anthropic file id: its length is not known here (the bound takes the page limit)
        cannot(`documents by ${source?.type ?? 'unknown'} source (send base64, text or content)`);
        return [{ type: 'file', file: { file_id: String(source?.url ?? source?.file_id ?? ''), ...(title ? { filename: title } : {}) }, ...mark }];
    }
  };

  function userParts(b: Block): UserContentPart[] {
    const mark = markOf(b);
    switch (b.type) {
      case 'text':
        return [textPart(b)];
      case 'image':
        return [{ type: 'image_url', image_url: { url: imageUrl(b.source as Source) }, ...mark }];
      case 'document':
        return document(b, mark);
      case 'search_result':
        return [{ type: 'text', text: searchResultText(b), ...mark }];
      default:
        return [stand(b)];
    }
  }

  /** a tool result's text becomes the tool message; its images and documents follow in the user message */
  const toolResult = (b: Block, after: UserContentPart[]): ChatMessage => {
    const content = b.content;
    let text = '';
    if (typeof content === 'string') text = content;
    else if (Array.isArray(content)) {
      const texts: string[] = [];
      for (const inner of content as Block[]) {
        if (inner.type === 'text') texts.push(String(inner.text ?? ''));
        else if (inner.type === 'search_result') texts.push(searchResultText(inner));
        else after.push(...userParts(inner));
      }
      text = texts.join('\n');
    }
    // chat has no error flag on a tool result: the text says it
    if (b.is_error === true) text = `Error: ${text}`;
    const mark = markOf(b);
    return { role: 'tool', tool_call_id: String(b.tool_use_id ?? ''), content: mark.cache_control ? [{ type: 'text', text, ...mark }] : text };
  };

  /** tool results first (one tool message each), then the rest of the turn as one user message */
  const userTurn = (content: Content): ChatMessage[] => {
    if (typeof content === 'string') return [{ role: 'user', content }];
    const results: ChatMessage[] = [];
    const parts: UserContentPart[] = [];
    for (const b of content) {
      if (b.type === 'tool_result') results.push(toolResult(b, parts));
      else parts.push(...userParts(b));
    }
    return parts.length ? [...results, { role: 'user', content: parts }] : results;
  };

  const assistantTurn = (content: Content): ChatMessage => {
    if (typeof content === 'string') return { role: 'assistant', content };
    const parts: TextPart[] = [];
    const calls: NonNullable<AssistantMessage['tool_calls']> = [];
    const hidden: Block[] = [];
    for (const b of content) {
      if (b.type === 'text') parts.push(textPart(b));
      else if (b.type === 'tool_use') calls.push({ id: String(b.id ?? ''), type: 'function', function: { name: String(b.name ?? ''), arguments: JSON.stringify(b.input ?? {}) } });
      else {
        hidden.push(b);
        // a chat target gets the conversation without the model's earlier thinking, as Anthropic itself drops it
        if (b.type !== 'thinking' && b.type !== 'redacted_thinking') cannot(`'${b.type}' blocks in an assistant turn`);
      }
    }
    const marked = parts.some((p) => p.cache_control);
    const text = parts.map((p) => p.text).join('');
    const message: AssistantMessage = { role: 'assistant', content: marked ? parts : text || (calls.length ? null : '') };
    if (calls.length) message.tool_calls = calls;
    if (hidden.length) (message as Record<string, unknown>)[HIDDEN_BLOCKS] = hidden;
    return message;
  };

  const tool = (t: Record<string, unknown>): ToolDefinition => {
    const type = t.type as string | null | undefined;
    const name = String(t.name);
    if (!type || type === 'custom') {
      return {
        type: 'function',
        function: {
          name,
          ...(typeof t.description === 'string' ? { description: t.description } : {}),
          parameters: (t.input_schema as Record<string, unknown> | undefined) ?? { type: 'object', properties: {} },
          ...(typeof t.strict === 'boolean' ? { strict: t.strict } : {}),
        },
      };
    }
    cannot(`Anthropic-defined tools ('${type}')`);
    const definition = JSON.stringify(t);
    return { type: 'function', function: { name, description: definition.padEnd(definition.length + TYPED_TOOL_BOUND), parameters: { type: 'object', properties: {} } } };
  };

  const messages: ChatMessage[] = [];
  const system = native.system;
  if (typeof system === 'string') {
    if (system) messages.push({ role: 'system', content: system });
  } else if (system?.length) {
    messages.push({ role: 'system', content: system.map(textPart) });
  }
  for (const m of native.messages) {
    if (m.role === 'system') messages.push({ role: 'system', content: typeof m.content === 'string' ? m.content : m.content.map((b) => (b.type === 'text' ? textPart(b) : stand(b))) });
    else if (m.role === 'assistant') messages.push(assistantTurn(m.content));
    else messages.push(...userTurn(m.content));
  }
  const chat: ChatRequest = { model: native.model, messages, max_tokens: native.max_tokens };
  if (native.stream) chat.stream = true;
  const tools = native.tools as Array<Record<string, unknown>> | undefined;
  if (tools?.length) chat.tools = tools.map(tool);
  const choice = native.tool_choice as { type: string; name?: string; disable_parallel_tool_use?: boolean } | undefined;
  if (choice) {
    chat.tool_choice = choice.type === 'tool' ? { type: 'function', function: { name: choice.name ?? '' } } : choice.type === 'any' ? 'required' : (choice.type as 'auto' | 'none');
    if (choice.disable_parallel_tool_use) chat.parallel_tool_calls = false;
  }
  const stops = native.stop_sequences as string[] | undefined;
  if (stops?.length) chat.stop = stops;
  for (const field of ['temperature', 'top_p', 'top_k'] as const) if (typeof native[field] === 'number') chat[field] = native[field] as number;
  const user = (native.metadata as { user_id?: string | null } | undefined)?.user_id;
  if (user) chat.user = user;
  const format = ((native.output_config as { format?: unknown } | undefined)?.format ?? native.output_format) as { schema: Record<string, unknown> } | null | undefined;
  if (format) chat.response_format = { type: 'json_schema', json_schema: { name: 'output', schema: format.schema, strict: true } };
  carryCacheMark(chat, strongestMark([native.cache_control, ...(tools ?? []).map((t) => t.cache_control)]));
  return { chat, ...(untranslatable ? { untranslatable } : {}) };
}

/** The view as a chat target is sent it: the hidden blocks taken off its assistant turns. */
export function translatedChat(chat: ChatRequest): ChatRequest {
  if (!chat.messages.some((m) => HIDDEN_BLOCKS in m)) return chat;
  return { ...chat, messages: chat.messages.map((m) => (HIDDEN_BLOCKS in m ? withoutHidden(m as AssistantMessage) : m)) };
}

function withoutHidden(m: AssistantMessage): ChatMessage {
  const { [HIDDEN_BLOCKS]: _hidden, ...rest } = m;
  return rest as ChatMessage;
}

type Content = MessagesRequest['messages'][number]['content'];
type Mark = { cache_control?: CacheControl };

function textPart(b: Block): TextPart {
  return { type: 'text', text: typeof b.text === 'string' ? b.text : '', ...markOf(b) };
}

interface Source {
  type?: string;
  media_type?: string;
  data?: string;
  url?: string;
  file_id?: string;
  content?: unknown;
}

function searchResultText(b: Block): string {
  const texts = Array.isArray(b.content) ? (b.content as Block[]).map((c) => String(c.text ?? '')) : [];
  return [b.title, b.source, ...texts].filter((s) => typeof s === 'string' && s).join('\n');
}

function markOf(b: Record<string, unknown>): Mark {
  const mark = b.cache_control as { type?: string; ttl?: string } | null | undefined;
  if (mark?.type !== 'ephemeral') return {};
  return { cache_control: mark.ttl === '1h' || mark.ttl === '5m' ? { type: 'ephemeral', ttl: mark.ttl } : { type: 'ephemeral' } };
}

function strongestMark(marks: unknown[]): CacheControl | undefined {
  let strongest: CacheControl | undefined;
  for (const m of marks) {
    const mark = markOf({ cache_control: m }).cache_control;
    if (mark && (!strongest || mark.ttl === '1h')) strongest = mark;
  }
  return strongest;
}

/**
 * Breakpoints on tools and the request's own `cache_control` have no place in the chat shape; the core reads
 * the view's marks to bound cache writes, so the strongest of them is set on the view's first text part if
 * the view holds no mark as strong.
 */
function carryCacheMark(chat: ChatRequest, mark: CacheControl | undefined): void {
  if (!mark) return;
  const marks = chat.messages.flatMap((m) => (Array.isArray(m.content) ? m.content.map((p) => ('cache_control' in p ? p.cache_control : undefined)) : []));
  if (marks.some((m) => m && (m.ttl === '1h' || mark.ttl !== '1h'))) return;
  const first = chat.messages.find((m) => m.role === 'system' || m.role === 'user');
  if (!first) return;
  if (typeof first.content === 'string') {
    (first as { content: unknown }).content = [{ type: 'text', text: first.content, cache_control: mark }];
    return;
  }
  const text = (first.content as Array<{ type: string; cache_control?: CacheControl }>).find((p) => p.type === 'text');
  if (text) text.cache_control = mark;
}
