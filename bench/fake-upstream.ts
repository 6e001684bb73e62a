// The bench's OpenAI-compatible upstream, run as its own process so that serving it does not share an event
// loop with the load generator: a fixed chat completion, or the same answer as SSE chunks, with usage.
// Lean on purpose (no recording, answers pre-serialized) so that what it costs is small and the same for all
// three targets. Usage: node --import tsx bench/fake-upstream.ts --port=N --key=K --chunks=N
import http from 'node:http';
import { parseArgs } from 'node:util';
import { UPSTREAM_MARKER } from './workload';

const { values } = parseArgs({
  options: { port: { type: 'string' }, key: { type: 'string' }, chunks: { type: 'string', default: '20' } },
});
const port = Number(values.port);
const expectedAuth = `Bearer ${values.key ?? ''}`;
const chunkCount = Number(values.chunks);

// ~60 words: the size of a short real answer
const ANSWER_WORDS = (
  `${UPSTREAM_MARKER} Yes, we ship paperback books to Canada. Standard delivery usually takes five to eight business ` +
  'days after dispatch, and tracked express delivery takes two to four business days. Customs fees, if any, are ' +
  'collected by the carrier on delivery. You can see the exact options and prices for your address at checkout.'
).split(' ');
const usage = { prompt_tokens: 41, completion_tokens: 62, total_tokens: 103 };

function completion(model: string): string {
  return JSON.stringify({
    id: 'chatcmpl-bench',
    object: 'chat.completion',
    created: 1_700_000_000,
    model,
    system_fingerprint: 'fp_bench',
    choices: [{ index: 0, message: { role: 'assistant', content: ANSWER_WORDS.join(' '), refusal: null }, logprobs: null, finish_reason: 'stop' }],
    usage,
  });
}

function streamFrames(model: string): string[] {
  const base = { id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1_700_000_000, model, system_fingerprint: 'fp_bench' };
  const per = Math.ceil(ANSWER_WORDS.length / chunkCount);
  const pieces: string[] = [];
  for (let i = 0; i < ANSWER_WORDS.length; i += per) pieces.push((i ? ' ' : '') + ANSWER_WORDS.slice(i, i + per).join(' '));
  const frame = (o: unknown) => `data: ${JSON.stringify(o)}\n\n`;
  return [
    frame({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }], usage: null }),
    ...pieces.map((content) => frame({ ...base, choices: [{ index: 0, delta: { content }, logprobs: null, finish_reason: null }], usage: null })),
    frame({ ...base, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }], usage: null }),
    frame({ ...base, choices: [], usage }),
    'data: [DONE]\n\n',
  ];
}

// answers are built once per model name the callers send
const completions = new Map<string, string>();
const streams = new Map<string, string[]>();

function fail(res: http.ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { message, type: 'invalid_request_error', code: null, param: null } }));
}

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    if (req.method === 'GET' && req.url === '/health') return void res.end('ok');
    // the gateways' provider health probes
    if (req.method === 'GET' && req.url?.endsWith('/models')) {
      if (req.headers.authorization !== expectedAuth) return fail(res, 401, 'Incorrect API key provided.');
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ object: 'list', data: [...new Set(['gpt-4o-mini', ...completions.keys()])].map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'bench' })) }));
    }
    if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) return fail(res, 404, `no route ${req.method} ${req.url}`);
    // every caller must pass the upstream key through: a gateway that drops it fails here, visibly
    if (req.headers.authorization !== expectedAuth) return fail(res, 401, 'Incorrect API key provided.');
    let body: { model?: unknown; stream?: unknown; messages?: unknown };
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof body;
    } catch {
      return fail(res, 400, 'body is not JSON');
    }
    if (typeof body.model !== 'string' || !Array.isArray(body.messages)) return fail(res, 400, 'model and messages are required');
    const model = body.model;
    if (body.stream === true) {
      let frames = streams.get(model);
      if (!frames) streams.set(model, (frames = streamFrames(model)));
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
      // one write per frame, as a provider sends them (they may still share a TCP segment)
      for (const f of frames) res.write(f);
      res.end();
      return;
    }
    let text = completions.get(model);
    if (!text) completions.set(model, (text = completion(model)));
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  });
});
// longer than any pause between phases, so no caller meets an idle socket being closed under it
server.keepAliveTimeout = 120_000;
server.headersTimeout = 121_000;
server.listen(port, '127.0.0.1', () => console.log(`fake upstream on http://127.0.0.1:${port}`));

process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
