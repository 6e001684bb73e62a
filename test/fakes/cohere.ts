// A fake Cohere v2 API on loopback: it checks each request as the real API does (bearer key, roles,
// tool_choice values, tool results answering earlier calls, input_type on embeds) and answers as the test
// scripts it, in Cohere's JSON and typed-SSE formats.
import type http from 'node:http';
import { startCheckedFake, type FakeProvider } from './anthropic';
import { sendJson } from './upstream';

export function sendCohereError(res: http.ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { id: 'err-fake', message }, headers);
}

interface ChatBody {
  model?: string;
  messages?: Array<{ role: string; tool_call_id?: string; tool_calls?: Array<{ id: string }> }>;
  tool_choice?: string;
  temperature?: number;
}

export function startFakeCohere(apiKey: string): Promise<FakeProvider> {
  return startCheckedFake(
    (req) => {
      if (req.headers.authorization !== `Bearer ${apiKey}`) return { status: 401, type: 'auth', message: 'invalid api token' };
      if (req.method === 'GET' && req.path.startsWith('/v1/models')) return undefined; // the models list, as scripted
      if (req.method !== 'POST' || (req.path !== '/v2/chat' && req.path !== '/v2/embed')) return { status: 404, type: 'route', message: `no route ${req.path}` };
      if (req.path === '/v2/embed') {
        const embed = req.body as { texts?: unknown; input_type?: unknown };
        if (!Array.isArray(embed.texts)) return invalid('texts is required');
        return embed.input_type ? undefined : invalid("invalid request: valid input_type must be provided with the provided model");
      }
      const body = req.body as ChatBody;
      if (!body.model || !Array.isArray(body.messages) || body.messages.length === 0) return invalid('invalid request: model and messages are required');
      if (body.tool_choice !== undefined && body.tool_choice !== 'REQUIRED' && body.tool_choice !== 'NONE') return invalid(`invalid tool_choice: ${body.tool_choice}`);
      if (body.temperature !== undefined && (body.temperature < 0 || body.temperature > 1)) return invalid('temperature must be between 0 and 1');
      const callIds = new Set<string>();
      for (const m of body.messages) {
        if (!['system', 'user', 'assistant', 'tool'].includes(m.role)) return invalid(`invalid role: ${m.role}`);
        for (const call of m.tool_calls ?? []) callIds.add(call.id);
        if (m.role === 'tool' && !callIds.has(m.tool_call_id ?? '')) return invalid(`tool message ${m.tool_call_id} answers no tool call`);
      }
      return undefined;
    },
    (res, p) => sendCohereError(res, p.status, p.message),
  );
}

function invalid(message: string) {
  return { status: 400, type: 'invalid', message };
}

export const COHERE_USAGE = { billed_units: { input_tokens: 90, output_tokens: 30 }, tokens: { input_tokens: 160, output_tokens: 30 }, cached_tokens: 40 };

export function cohereAnswer(message: Record<string, unknown>, finishReason: string, usage = COHERE_USAGE) {
  return { id: 'c0h3re-fake', finish_reason: finishReason, message: { role: 'assistant', ...message }, usage };
}

/** Cohere's SSE framing: `event: <type>` and the JSON payload, which repeats the type. */
export function cohereEvent(type: string, fields: Record<string, unknown> = {}): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...fields })}\n\n`;
}

export function cohereTextEvents(words: string[], usage = COHERE_USAGE): string[] {
  return [
    cohereEvent('message-start', { id: 'c0h3re-stream', delta: { message: { role: 'assistant', content: [], tool_plan: '', tool_calls: [], citations: [] } } }),
    cohereEvent('content-start', { index: 0, delta: { message: { content: { type: 'text', text: '' } } } }),
    ...words.map((text) => cohereEvent('content-delta', { index: 0, delta: { message: { content: { text } } } })),
    cohereEvent('content-end', { index: 0 }),
    cohereEvent('message-end', { delta: { finish_reason: 'COMPLETE', usage } }),
  ];
}
