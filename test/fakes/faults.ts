// Ways a fake provider misbehaves, as FakeHandlers for startFakeUpstream: the faults the chaos suite and the
// resilience tests inject on loopback (status codes, throttling, resets, hangs, slowness, bad JSON, streams
// cut short), and a healthy OpenAI-compatible answer to compare with.
import { openaiCompletion, openaiStreamFrames, sendJson, sendSse, type FakeHandler, type ReceivedRequest } from './upstream';

/** every healthy fake answers this, so a client can tell a whole answer from a partial one */
export const ANSWER_WORDS = ['alpha ', 'beta ', 'gamma ', 'delta'];
export const ANSWER = ANSWER_WORDS.join('');

function wantsStream(req: ReceivedRequest): boolean {
  return (req.body as { stream?: boolean } | undefined)?.stream === true;
}

function model(req: ReceivedRequest): string {
  return (req.body as { model?: string } | undefined)?.model ?? 'fake-model';
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** a working provider: chat (JSON or SSE), and the model list its probe reads */
export function healthy(opts: { delayMs?: number } = {}): FakeHandler {
  return async (req, res) => {
    if (opts.delayMs) await pause(opts.delayMs);
    if (res.destroyed) return;
    if (req.method === 'GET') return sendJson(res, 200, { object: 'list', data: [] });
    if (wantsStream(req)) return sendSse(res, openaiStreamFrames(model(req), ANSWER_WORDS));
    sendJson(res, 200, openaiCompletion(model(req), ANSWER));
  };
}

export function failing(status: number, headers: Record<string, string> = {}): FakeHandler {
  return (_req, res) => sendJson(res, status, { error: { message: `fake failure ${status}`, type: 'server_error' } }, headers);
}

/** the connection is reset before any answer */
export function resetting(): FakeHandler {
  return (_req, res) => {
    res.socket?.destroy();
  };
}

/** accepts the request and never answers */
export function hanging(): FakeHandler {
  return () => new Promise<void>(() => {});
}

/** a 200 whose body is not JSON */
export function malformed(): FakeHandler {
  return (req, res) => {
    if (wantsStream(req)) return sendSse(res, ['data: {"id": "chatcmpl-broken", "choices": [\n\n', 'data: [DONE]\n\n']);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"id": "chatcmpl-broken", "choices": [');
  };
}

/** a stream that dies after its preamble (the role-only chunk) or after its first content chunk */
export function cutStream(after: 'preamble' | 'first-content'): FakeHandler {
  return async (req, res) => {
    const frames = openaiStreamFrames(model(req), ANSWER_WORDS);
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.write(frames[0]);
    if (after === 'first-content') res.write(frames[1]);
    await pause(20);
    res.socket?.destroy();
  };
}

/** odd-numbered calls (1st, 3rd, …) get `odd`, the others `even` */
export function alternating(odd: FakeHandler, even: FakeHandler): FakeHandler {
  let n = 0;
  return (req, res) => (++n % 2 === 1 ? odd(req, res) : even(req, res));
}

/** every n-th call gets `nth`, the others `rest` */
export function everyNth(n: number, nth: FakeHandler, rest: FakeHandler): FakeHandler {
  let count = 0;
  return (req, res) => (++count % n === 0 ? nth(req, res) : rest(req, res));
}

