// What every target is sent: one realistic small chat request (the same bytes for all three), the keys, and
// the check that an answer really came from the upstream (a gateway that fails fast must not look fast).

/** the upstream puts this in every answer; an answer without it did not come from the upstream */
export const UPSTREAM_MARKER = 'BENCH-UPSTREAM-OK';
/** the upstream's own key: direct and Portkey callers send it; Switchboard holds it in its provider config */
export const UPSTREAM_KEY = 'sk-bench-upstream-key-0001';
/** the Switchboard tenant's key */
export const TENANT_KEY = 'sk-bench-tenant-key-0001';
/** the model name in the body; in Switchboard an alias of the same name routes to the bench upstream */
export const MODEL = 'gpt-4o-mini';

const messages = [
  { role: 'system', content: 'You are a concise assistant for an online bookshop. Answer in at most two sentences.' },
  { role: 'user', content: 'Do you ship paperback books to Canada, and how long does delivery usually take?' },
];

export const CHAT_BODY = Buffer.from(JSON.stringify({ model: MODEL, messages, temperature: 0.2, max_tokens: 120 }));
export const STREAM_BODY = Buffer.from(
  JSON.stringify({ model: MODEL, messages, temperature: 0.2, max_tokens: 120, stream: true, stream_options: { include_usage: true } }),
);

/** an alias of MODEL with a response cache (1 h): the cache-miss and cache-hit targets call it */
export const CACHED_MODEL = 'gpt-4o-mini-cached';

/** the same request to the cached alias: always the same bytes, so every request after the first is a hit */
export function cacheHitBody(body: Buffer): Buffer {
  return Buffer.from(body.toString('utf8').replace(`"model":"${MODEL}"`, `"model":"${CACHED_MODEL}"`));
}

let missSeed = 0;
/** the request to the cached alias with a `seed` no request had before: a miss every time (read, call, write) */
export function cacheMissBody(body: Buffer): Buffer {
  return Buffer.from(body.toString('utf8').replace(`"model":"${MODEL}"`, `"model":"${CACHED_MODEL}","seed":${++missSeed}`));
}

/** Why an answer does not count as a success, or undefined when it does. */
export function checkAnswer(status: number, body: string, stream: boolean): string | undefined {
  if (status !== 200) return `HTTP ${status}`;
  if (!body.includes(UPSTREAM_MARKER)) return 'answer without the upstream marker';
  if (stream && !body.trimEnd().endsWith('data: [DONE]')) return 'stream did not end with [DONE]';
  return undefined;
}
