// A fake Anthropic Messages API on loopback: it checks each request as the real API does (key, version
// header, required fields, alternating roles, tool_result placement) and answers as the test scripts it,
// in Anthropic's JSON and SSE wire formats.
import type http from 'node:http';
import { sendJson, startFakeUpstream, type FakeHandler, type FakeUpstream, type ReceivedRequest } from './upstream';

export interface FakeProvider extends FakeUpstream {
  /** how it answers a request that passed the checks, from now on */
  reply(handler: FakeHandler): void;
  /** the JSON bodies of the requests received since `from` */
  bodies<T = Record<string, unknown>>(from?: number): T[];
}

/** A reply that never answers; `closed` resolves when the caller gives up and closes the connection. */
export function hangingReply(): { handler: FakeHandler; closed: Promise<void> } {
  let onClose!: () => void;
  const closed = new Promise<void>((resolve) => (onClose = resolve));
  return { handler: (_req, res) => void res.on('close', onClose), closed };
}

type Check = (req: ReceivedRequest) => { status: number; type: string; message: string } | undefined;

/** A fake that refuses what `check` finds wrong (answered by `refuse`) and otherwise replies as scripted. */
export async function startCheckedFake(check: Check, refuse: (res: http.ServerResponse, problem: NonNullable<ReturnType<Check>>) => void): Promise<FakeProvider> {
  let reply: FakeHandler = (_req, res) => refuse(res, { status: 500, type: 'api_error', message: 'no reply scripted' });
  const upstream = await startFakeUpstream(async (req, res) => {
    const problem = check(req);
    if (problem) return refuse(res, problem);
    await reply(req, res);
  });
  return {
    ...upstream,
    reply: (h) => {
      reply = h;
    },
    bodies: <T>(from = 0) => upstream.received.slice(from).map((r) => r.body as T),
  };
}

interface Block {
  type: string;
  text?: string;
  id?: string;
  tool_use_id?: string;
}

function checkAnthropic(apiKey: string): Check {
  return (req) => {
    if (req.headers['x-api-key'] !== apiKey) return { status: 401, type: 'authentication_error', message: 'invalid x-api-key' };
    if (!req.headers['anthropic-version']) return { status: 400, type: 'invalid_request_error', message: 'anthropic-version: header is required' };
    if (req.method === 'GET' && req.path.startsWith('/v1/models')) return undefined; // the models list, as scripted
    const count = req.path === '/v1/messages/count_tokens';
    if (req.method !== 'POST' || (req.path !== '/v1/messages' && !count)) return { status: 404, type: 'not_found_error', message: `no route ${req.method} ${req.path}` };
    const body = req.body as { model?: unknown; max_tokens?: unknown; temperature?: number; messages?: Array<{ role: string; content: string | Block[] }> } & Record<string, unknown>;
    if (typeof body?.model !== 'string') return invalid('model: Field required');
    if (count && body.max_tokens !== undefined) return invalid('max_tokens: Extra inputs are not permitted');
    if (!count && !Number.isInteger(body.max_tokens)) return invalid('max_tokens: Field required');
    if (body.temperature !== undefined && (body.temperature < 0 || body.temperature > 1)) return invalid('temperature: must be between 0 and 1');
    if (!Array.isArray(body.messages) || body.messages.length === 0) return invalid('messages: Field required');
    const betas = String(req.headers['anthropic-beta'] ?? '').split(',');
    let previous: { role: string; content: string | Block[] } | undefined;
    for (const [i, m] of body.messages.entries()) {
      // mid-conversation system turns are a beta; they stand outside the user/assistant alternation
      if (m.role === 'system' && betas.includes('mid-conversation-system-2026-04-07')) continue;
      if (m.role !== 'user' && m.role !== 'assistant') return invalid(`messages.${i}.role: Input should be 'user' or 'assistant'`);
      if (previous?.role === m.role) return invalid(`messages: roles must alternate between "user" and "assistant", but found multiple "${m.role}" roles in a row`);
      const blocks = typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : m.content;
      if (blocks.some((b) => b.type === 'text' && !b.text)) return invalid(`messages.${i}: text content blocks must be non-empty`);
      const firstOther = blocks.findIndex((b) => b.type !== 'tool_result');
      if (firstOther >= 0 && blocks.slice(firstOther).some((b) => b.type === 'tool_result')) return invalid(`messages.${i}: tool_result blocks must come first`);
      for (const result of blocks.filter((b) => b.type === 'tool_result')) {
        const uses = previous && typeof previous.content !== 'string' ? previous.content.filter((b) => b.type === 'tool_use').map((b) => b.id) : [];
        if (!uses.includes(result.tool_use_id)) return invalid(`messages.${i}: unexpected tool_use_id found in tool_result blocks: ${result.tool_use_id}`);
      }
      previous = m;
    }
    return undefined;
  };
}

function invalid(message: string) {
  return { status: 400, type: 'invalid_request_error', message };
}

export function sendAnthropicError(res: http.ServerResponse, status: number, type: string, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { type: 'error', error: { type, message } }, { 'request-id': 'req_fake', ...headers });
}

export function startFakeAnthropic(apiKey: string): Promise<FakeProvider> {
  return startCheckedFake(checkAnthropic(apiKey), (res, p) => sendAnthropicError(res, p.status, p.type, p.message));
}

export interface AnthropicUsageFields {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens?: number;
  cache_read_input_tokens?: number;
}

export function anthropicMessage(model: string, content: unknown[], stopReason: string, usage: AnthropicUsageFields) {
  return { id: 'msg_01FakeAnswer', type: 'message', role: 'assistant', model, content, stop_reason: stopReason, stop_sequence: null, usage };
}

export function sseEvent(type: string, data: unknown): string {
  return `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** The events Anthropic streams for a text answer in `words` (with a ping, as the API sends). */
export function anthropicTextEvents(model: string, words: string[], usage: AnthropicUsageFields): string[] {
  return [
    sseEvent('message_start', { type: 'message_start', message: { ...anthropicMessage(model, [], null as never, { ...usage, output_tokens: 1 }), stop_reason: null } }),
    sseEvent('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
    sseEvent('ping', { type: 'ping' }),
    ...words.map((w) => sseEvent('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: w } })),
    sseEvent('content_block_stop', { type: 'content_block_stop', index: 0 }),
    sseEvent('message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: usage.output_tokens } }),
    sseEvent('message_stop', { type: 'message_stop' }),
  ];
}
