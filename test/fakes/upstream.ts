// A programmable fake provider on 127.0.0.1: each test says how it answers, and reads back what it received
// (method, path, headers, JSON body) to check the provider's native request.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: unknown;
  /** epoch ms when the request arrived, and when its answer was finished (or the connection closed) */
  at: number;
  answeredAt?: number;
}

export type FakeHandler = (req: ReceivedRequest, res: http.ServerResponse) => void | Promise<void>;

export interface FakeUpstream {
  url: string;
  received: ReceivedRequest[];
  /** replace how it answers from now on */
  handle(handler: FakeHandler): void;
  close(): Promise<void>;
}

export async function startFakeUpstream(handler: FakeHandler): Promise<FakeUpstream> {
  let current = handler;
  const received: ReceivedRequest[] = [];
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // keep the raw text
    }
    const r: ReceivedRequest = { method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body, at: Date.now() };
    received.push(r);
    res.once('close', () => {
      r.answeredAt = Date.now();
    });
    try {
      await current(r, res);
    } catch (err) {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(err));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    handle: (h) => {
      current = h;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** Write SSE frames one by one, as a provider streams them. */
export async function sendSse(res: http.ServerResponse, frames: string[], opts: { delayMs?: number } = {}): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  for (const frame of frames) {
    res.write(frame);
    if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs));
  }
  res.end();
}

/** An OpenAI chat completion answering `content`, with usage. */
export function openaiCompletion(model: string, content: string, usage = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 }) {
  return {
    id: 'chatcmpl-fake',
    object: 'chat.completion',
    created: 1_700_000_000,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop', logprobs: null }],
    usage,
  };
}

/** The SSE frames OpenAI sends for `words`, ending with the usage chunk and [DONE]. */
export function openaiStreamFrames(model: string, words: string[], usage = { prompt_tokens: 10, completion_tokens: words.length, total_tokens: 10 + words.length }): string[] {
  const base = { id: 'chatcmpl-fake', object: 'chat.completion.chunk', created: 1_700_000_000, model };
  return [
    `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }], usage: null })}\n\n`,
    ...words.map((w) => `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: { content: w }, finish_reason: null }], usage: null })}\n\n`),
    `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage: null })}\n\n`,
    `data: ${JSON.stringify({ ...base, choices: [], usage })}\n\n`,
    'data: [DONE]\n\n',
  ];
}
