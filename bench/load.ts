// The load generator: node:http over one keep-alive agent per target, timing each request from the first
// byte sent to the first body byte (streams) and to the last byte, and checking every answer.
import http from 'node:http';
import { checkAnswer } from './workload';

export interface Target {
  name: string;
  /** the chat completions URL */
  url: string;
  headers: Record<string, string>;
  agent: http.Agent;
  /** the body this target sends instead of the phase's (the cache targets: another alias, a miss's unique seed) */
  rewrite?: (body: Buffer) => Buffer;
}

export interface Sample {
  ok: boolean;
  /** request start → last byte */
  totalMs: number;
  /** request start → first body byte */
  ttfbMs: number;
  /** why it failed */
  error?: string;
}

export interface Batch {
  samples: Sample[];
  elapsedMs: number;
}

const REQUEST_TIMEOUT_MS = 15_000;

export function createTarget(name: string, url: string, headers: Record<string, string>, maxSockets: number): Target {
  // `timeout` closes idle pooled sockets before a server's own keep-alive timeout (Node's default is 5 s)
  // can close one under a new request; the bench pauses between phases
  const agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets, timeout: 4_000, scheduling: 'lifo' });
  return { name, url, headers, agent };
}

export function sendOnce(target: Target, body: Buffer, stream: boolean): Promise<Sample> {
  const sent = target.rewrite ? target.rewrite(body) : body;
  return new Promise((resolve) => {
    let settled = false;
    const done = (sample: Sample) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(sample);
    };
    const started = performance.now();
    let firstByte = 0;
    const req = http.request(
      target.url,
      {
        method: 'POST',
        agent: target.agent,
        headers: { ...target.headers, 'content-type': 'application/json', 'content-length': sent.length },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => {
          if (!firstByte) firstByte = performance.now();
          chunks.push(chunk);
        });
        res.once('end', () => {
          const ended = performance.now();
          const error = res.complete ? checkAnswer(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'), stream) : 'answer cut short';
          done({ ok: !error, totalMs: ended - started, ttfbMs: (firstByte || ended) - started, error });
        });
        res.once('error', (err: NodeJS.ErrnoException) => done({ ok: false, totalMs: performance.now() - started, ttfbMs: 0, error: err.code ?? err.message }));
      },
    );
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)), REQUEST_TIMEOUT_MS);
    req.once('error', (err: NodeJS.ErrnoException) => done({ ok: false, totalMs: performance.now() - started, ttfbMs: 0, error: err.code ?? err.message }));
    req.end(sent);
  });
}

/** `count` requests one after another. */
export async function runSequential(target: Target, body: Buffer, stream: boolean, count: number): Promise<Batch> {
  const samples: Sample[] = [];
  const started = performance.now();
  for (let i = 0; i < count; i++) samples.push(await sendOnce(target, body, stream));
  return { samples, elapsedMs: performance.now() - started };
}

/** `count` requests with `concurrency` in flight at all times (until the last ones). */
export async function runConcurrent(target: Target, body: Buffer, stream: boolean, count: number, concurrency: number): Promise<Batch> {
  const samples: Sample[] = [];
  let issued = 0;
  const started = performance.now();
  const worker = async () => {
    while (issued < count) {
      issued++;
      samples.push(await sendOnce(target, body, stream));
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return { samples, elapsedMs: performance.now() - started };
}

/** failure reasons and how often each occurred */
export function failureReasons(samples: readonly Sample[]): Record<string, number> {
  const reasons: Record<string, number> = {};
  for (const s of samples) if (!s.ok) reasons[s.error ?? 'unknown'] = (reasons[s.error ?? 'unknown'] ?? 0) + 1;
  return reasons;
}
