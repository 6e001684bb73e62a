// The Files and Batches tests' shared parts (test/e2e/batches.test.ts, test/contract/openai-batch.test.ts): a
// gateway config with batches on and a fake OpenAI upstream that echoes, input lines, upload, polling.
import OpenAI, { toFile } from 'openai';
import { sendJson, type FakeUpstream } from '../fakes/upstream';
import { baseConfig, TEST_KEY } from './gateway';

export const UPSTREAM_KEY = 'sk-upstream-batches';
export const OTHER_KEY = 'sk-other-tenant-key-0002';
export const PRICE = { inputPerMTok: 2, outputPerMTok: 8 };

/** the fake's answer to a chat line: it echoes the last user message; usage grows with the message */
export function chatAnswer(body: { model: string; messages: Array<{ content: string }> }) {
  const text = body.messages.at(-1)!.content;
  return {
    id: `chatcmpl-${text}`,
    object: 'chat.completion',
    created: 1,
    model: body.model,
    choices: [{ index: 0, message: { role: 'assistant', content: `echo: ${text}` }, finish_reason: 'stop', logprobs: null }],
    usage: { prompt_tokens: 10 + text.length, completion_tokens: 5, total_tokens: 15 + text.length },
  };
}

export function upstreamHandler(delayMs = 0) {
  return async (req: { path: string; body: unknown }, res: import('node:http').ServerResponse) => {
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
    if (req.path.endsWith('/embeddings')) {
      const body = req.body as { model: string; input: string };
      return sendJson(res, 200, { object: 'list', model: body.model, data: [{ object: 'embedding', index: 0, embedding: [body.input.length, 0.5, -0.25] }], usage: { prompt_tokens: body.input.length, total_tokens: body.input.length } });
    }
    sendJson(res, 200, chatAnswer(req.body as never));
  };
}

export function config(tenant: Record<string, unknown> = {}, batches: Record<string, unknown> = {}) {
  return baseConfig({
    providers: [{ id: 'up', type: 'openai', baseUrl: 'UPSTREAM', apiKeyEnv: 'UP_KEY' }],
    models: [
      { name: 'chat', targets: [{ provider: 'up', model: 'gpt-test' }] },
      { name: 'embed', targets: [{ provider: 'up', model: 'embed-test' }] },
    ],
    tenants: [
      { id: 'test', apiKeys: [TEST_KEY], ...tenant },
      { id: 'other', apiKeys: [OTHER_KEY] },
    ],
    pricing: { 'gpt-test': PRICE, 'embed-test': { inputPerMTok: 0.02, outputPerMTok: 0 } },
    batches: { enabled: true, linesPerChunk: 20, ...batches },
  });
}

export function withUpstream(raw: Record<string, unknown>, upstream: FakeUpstream): Record<string, unknown> {
  return JSON.parse(JSON.stringify(raw).replace('"UPSTREAM"', JSON.stringify(`${upstream.url}/v1`))) as Record<string, unknown>;
}

export const chatLine = (i: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ custom_id: `chat-${i}`, method: 'POST', url: '/v1/chat/completions', body: { model: 'chat', max_tokens: 16, messages: [{ role: 'user', content: `line ${i}` }], ...extra } });
export const embedLine = (i: number) => JSON.stringify({ custom_id: `emb-${i}`, method: 'POST', url: '/v1/embeddings', body: { model: 'embed', input: `text number ${i}` } });

export async function upload(client: OpenAI, lines: string[], name = 'input.jsonl') {
  return client.files.create({ file: await toFile(Buffer.from(`${lines.join('\n')}\n`), name), purpose: 'batch' });
}

export async function until<T>(what: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 30_000, everyMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await what();
    if (done(v)) return v;
    if (Date.now() > end) throw new Error(`timed out; last: ${JSON.stringify(v).slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export const FINAL = ['completed', 'failed', 'expired', 'cancelled'];

export interface OutputLine {
  id: string;
  custom_id: string;
  response: { status_code: number; request_id: string; body: Record<string, unknown> } | null;
  error: { code: string; message: string } | null;
}

export async function linesOf(client: OpenAI, fileId: string | null | undefined): Promise<OutputLine[]> {
  if (!fileId) return [];
  const text = await (await client.files.content(fileId)).text();
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as OutputLine);
}
