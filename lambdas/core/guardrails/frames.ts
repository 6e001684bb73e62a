// A door's SSE frame opened for the output guardrails: the text deltas in it, by channel (a chat choice, an
// Anthropic content block, a Responses output part), and the whole texts some events repeat (the Responses
// API's *.done and response.completed), each rewritable; a frame nothing changed in is sent as it came.
import { answerSlots, type TextSlot } from './texts';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface DeltaSlot {
  /** the stream of text it continues: c<choice>, b<block>, o<output>:<part> */
  channel: string;
  text: string;
  set(value: string): void;
}

export interface OpenFrame {
  deltas: DeltaSlot[];
  wholes: TextSlot[];
  render(): string;
}

interface Event {
  event?: string;
  data: string;
  json?: Obj;
}

export function openFrame(frame: string): OpenFrame {
  const events: Event[] = [];
  const deltas: DeltaSlot[] = [];
  const wholes: TextSlot[] = [];
  let changed = false;
  for (const block of frame.split('\n\n')) {
    if (!block) continue;
    const e: Event = { data: '' };
    for (const line of block.split('\n')) {
      if (line.startsWith('event: ')) e.event = line.slice(7);
      else if (line.startsWith('data: ')) e.data += (e.data ? '\n' : '') + line.slice(6);
    }
    if (e.data.startsWith('{')) {
      try {
        e.json = JSON.parse(e.data) as Obj;
      } catch {
        // not ours to read: sent as it came
      }
    }
    events.push(e);
    const j = e.json;
    if (!j) continue;
    const delta = (holder: Obj, key: string, channel: string) => {
      const text = holder[key];
      if (typeof text === 'string' && text) deltas.push({ channel, text, set: (v) => ((holder[key] = v), (changed = true)) });
    };
    const whole = (node: unknown) => {
      for (const s of answerSlots(node)) wholes.push({ ...s, set: (v) => (s.set(v), (changed = true)) });
    };
    if (j.object === 'chat.completion.chunk' && Array.isArray(j.choices)) {
      for (const c of j.choices) if (isObj(c) && isObj(c.delta)) delta(c.delta, 'content', `c${String(c.index ?? 0)}`);
    } else if (j.type === 'content_block_delta' && isObj(j.delta) && j.delta.type === 'text_delta') {
      delta(j.delta, 'text', `b${String(j.index)}`);
    } else if (j.type === 'response.output_text.delta') {
      delta(j, 'delta', `o${String(j.output_index)}:${String(j.content_index)}`);
    } else if (j.type === 'response.output_text.done') {
      if (typeof j.text === 'string' && j.text) wholes.push({ role: 'assistant', text: j.text, set: (v) => ((j.text = v), (changed = true)) });
    } else if (j.type === 'response.content_part.done') whole(j.part);
    else if (j.type === 'response.output_item.done') whole(j.item);
    else if ((j.type === 'response.completed' || j.type === 'response.incomplete') && isObj(j.response)) whole(j.response.output);
  }
  return {
    deltas,
    wholes,
    render: () => (changed ? events.map((e) => `${e.event ? `event: ${e.event}\n` : ''}data: ${e.json ? JSON.stringify(e.json) : e.data}\n\n`).join('') : frame),
  };
}
