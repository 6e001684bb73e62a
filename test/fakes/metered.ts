// An OpenAI-compatible provider that keeps its own bill: every answer it finishes, it counts the tokens it was
// given and the tokens it produced, as a provider's invoice would. Its input is a token per 4 characters of
// message text; its answer is one word a token, as many as the request's output cap allows (or WANTED words
// when the request sets none, as a provider with no cap from the gateway would serve). What it reports as usage
// is exactly what it bills, so a gateway that accounts every call matches its bill to the token.
import type http from 'node:http';
import { sendJson, startFakeUpstream, type FakeUpstream, type ReceivedRequest } from './upstream';

/** words the fake would write if nothing capped it */
export const WANTED = 50_000;

export interface MeteredCall {
  model: string;
  /** the request's message text, to tell calls apart */
  prompt: string;
  input: number;
  output: number;
  stream: boolean;
  /** the caps it received, under each name */
  caps: { max_tokens?: number; max_completion_tokens?: number };
}

export interface MeteredUpstream extends FakeUpstream {
  /** every answer it finished, as it bills them */
  bill: MeteredCall[];
  /** how each model behaves: extra delay before the answer starts, or an error status instead of an answer */
  behave(model: string, behavior: Behavior): void;
}

export interface Behavior {
  delayMs?: number;
  /** ms between two streamed words */
  wordMs?: number;
  status?: number;
}

interface Body {
  model: string;
  stream?: boolean;
  max_tokens?: number;
  max_completion_tokens?: number;
  messages: Array<{ content: unknown }>;
}

function promptOf(body: Body): string {
  return body.messages.map((m) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content ?? ''))).join('');
}

export function inputTokensOf(body: Body): number {
  return Math.ceil(promptOf(body).length / 4);
}

export async function startMeteredUpstream(): Promise<MeteredUpstream> {
  const bill: MeteredCall[] = [];
  const behaviors = new Map<string, Behavior>();
  const fake = await startFakeUpstream((req, res) => answer(req, res, behaviors, bill));
  return { ...fake, bill, behave: (model, behavior) => void behaviors.set(model, behavior) };
}

async function answer(req: ReceivedRequest, res: http.ServerResponse, behaviors: Map<string, Behavior>, bill: MeteredCall[]): Promise<void> {
  const body = req.body as Body;
  const behavior = behaviors.get(body.model) ?? {};
  if (behavior.delayMs) await new Promise((r) => setTimeout(r, behavior.delayMs));
  if (behavior.status) return sendJson(res, behavior.status, { error: { message: 'unavailable', type: 'server_error' } });
  // a provider reads one cap; this one reads max_completion_tokens first, as OpenAI does
  const cap = body.max_completion_tokens ?? body.max_tokens ?? WANTED;
  const words = Array.from({ length: Math.min(cap, WANTED) }, (_, i) => `w${i} `);
  const usage = { prompt_tokens: inputTokensOf(body), completion_tokens: words.length, total_tokens: inputTokensOf(body) + words.length };
  const call: MeteredCall = { model: body.model, prompt: promptOf(body), input: usage.prompt_tokens, output: usage.completion_tokens, stream: Boolean(body.stream), caps: { max_tokens: body.max_tokens, max_completion_tokens: body.max_completion_tokens } };
  const base = { id: 'chatcmpl-metered', created: 1_700_000_000, model: body.model };
  if (!body.stream) {
    sendJson(res, 200, { ...base, object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: words.join('') }, finish_reason: 'stop' }], usage });
    bill.push(call);
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const chunk = (choices: unknown[], extra: object = {}) => `data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices, ...extra })}\n\n`;
  res.write(chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]));
  for (const word of words) {
    if (res.destroyed) return; // the caller hung up: a provider stops here (and this fake bills nothing)
    res.write(chunk([{ index: 0, delta: { content: word }, finish_reason: null }]));
    if (behavior.wordMs) await new Promise((r) => setTimeout(r, behavior.wordMs));
  }
  res.write(chunk([{ index: 0, delta: {}, finish_reason: 'stop' }]));
  res.write(chunk([], { usage }));
  res.end('data: [DONE]\n\n');
  bill.push(call);
}
