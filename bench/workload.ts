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

/** Why an answer does not count as a success, or undefined when it does. */
export function checkAnswer(status: number, body: string, stream: boolean): string | undefined {
  if (status !== 200) return `HTTP ${status}`;
  if (!body.includes(UPSTREAM_MARKER)) return 'answer without the upstream marker';
  if (stream && !body.trimEnd().endsWith('data: [DONE]')) return 'stream did not end with [DONE]';
  return undefined;
}
