// Where a request's and an answer's text is, whatever the door: the core's chat view (what translated targets
// are sent) and the door's own wire body (what a native target is sent: Anthropic Messages, OpenAI Responses).
// Each place is a slot that can be read and rewritten in place, so masking reaches what actually leaves.

export type TextRole = 'user' | 'tool' | 'system' | 'assistant';

export interface TextSlot {
  role: TextRole;
  text: string;
  set(value: string): void;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function slot(holder: Obj | unknown[], key: string | number, role: TextRole, out: TextSlot[]): void {
  const value = (holder as Obj)[key as string];
  if (typeof value === 'string' && value) out.push({ role, text: value, set: (v) => ((holder as Obj)[key as string] = v) });
}

function roleOf(role: unknown): TextRole {
  if (role === 'system' || role === 'developer') return 'system';
  if (role === 'assistant') return 'assistant';
  if (role === 'tool' || role === 'function') return 'tool';
  return 'user';
}

/** content as a string or an array of parts/blocks with text (text, input_text, output_text, tool results) */
function content(holder: Obj, key: string, role: TextRole, out: TextSlot[]): void {
  const value = holder[key];
  if (typeof value === 'string') return slot(holder, key, role, out);
  if (!Array.isArray(value)) return;
  for (const part of value) {
    if (!isObj(part)) continue;
    if (typeof part.text === 'string') slot(part, 'text', role, out);
    // Anthropic tool results inside a user turn: tool output
    if (part.type === 'tool_result') content(part, 'content', 'tool', out);
  }
}

/** OpenAI chat messages (the core's view) and Anthropic messages: role + content */
function messages(list: unknown, out: TextSlot[]): void {
  if (!Array.isArray(list)) return;
  for (const m of list) if (isObj(m)) content(m, 'content', roleOf(m.role), out);
}

/** Responses API input items: messages, and tool outputs */
function items(list: unknown, out: TextSlot[]): void {
  if (!Array.isArray(list)) return;
  for (const item of list) {
    if (!isObj(item)) continue;
    if (item.type === 'function_call_output' || item.type === 'custom_tool_call_output') content(item, 'output', 'tool', out);
    else if (typeof item.role === 'string') content(item, 'content', roleOf(item.role), out);
  }
}

/** every text slot of a door's request: its chat view and its native body */
export function requestSlots(req: { chat: { messages: unknown } } & Obj): TextSlot[] {
  const out: TextSlot[] = [];
  messages(req.chat.messages, out);
  const native = req.native;
  if (isObj(native)) {
    // Anthropic Messages
    if (typeof native.system === 'string') slot(native, 'system', 'system', out);
    else content(native, 'system', 'system', out);
    messages(native.messages, out);
  }
  if (Array.isArray(req.sent)) {
    // OpenAI Responses: what is sent, what is stored, the stored conversation replayed
    items(req.sent, out);
    items(req.input, out);
    items(req.history, out);
    if (isObj(req.body)) slot(req.body, 'instructions', 'system', out);
  }
  return out;
}

/** keys of an answer's JSON whose strings are not model text (ids, names, enums) */
const NOT_TEXT = new Set(['id', 'object', 'model', 'type', 'role', 'status', 'call_id', 'name', 'system_fingerprint', 'stop_reason', 'finish_reason', 'encrypted_content', 'signature', 'item_id', 'tool_use_id', 'data', 'url', 'usage', 'metadata', 'tools', 'reasoning', 'instructions']);

/** every model-text string of an answer body (any door's shape), as slots of role assistant */
export function answerSlots(body: unknown): TextSlot[] {
  const out: TextSlot[] = [];
  const walk = (node: unknown, depth: number) => {
    if (depth > 32) return;
    if (Array.isArray(node)) {
      node.forEach((v, i) => (typeof v === 'string' ? slot(node, i, 'assistant', out) : walk(v, depth + 1)));
    } else if (isObj(node)) {
      for (const [k, v] of Object.entries(node)) {
        if (NOT_TEXT.has(k)) continue;
        if (typeof v === 'string') slot(node, k, 'assistant', out);
        else walk(v, depth + 1);
      }
    }
  };
  walk(body, 0);
  return out;
}
