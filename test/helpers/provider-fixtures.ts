// Golden fixtures for the provider adapters (test/fixtures/providers/<type>/), and the small tools their unit
// tests share: a provider config, an OpenAI request as the gateway parses it, an HTTP answer whose body
// arrives in chunks of any size, and a check of a translated stream against its golden form.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { providerConfig, type ProviderConfig } from '../../lambdas/core/config/schema';
import { chatRequest, type ChatRequest } from '../../lambdas/core/openai/chat-request';
import type { ChatCompletionChunk } from '../../lambdas/core/openai/chat-response';
import type { HttpResponse } from '../../lambdas/core/ports';
import { translateSse, type SSE_DONE, type StreamTranslator } from '../../lambdas/providers/shared/stream';

const FIXTURES = fileURLToPath(new URL('../fixtures/providers/', import.meta.url));

export function fixtureText(path: string): string {
  return readFileSync(`${FIXTURES}${path}`, 'utf8');
}

export function fixture<T = Record<string, unknown>>(path: string): T {
  return JSON.parse(fixtureText(path)) as T;
}

/** an OpenAI request as the gateway hands it to a provider: validated by the request schema */
export function openaiRequest(raw: Record<string, unknown> = fixture('openai/chat-request.json')): ChatRequest {
  return chatRequest.parse(raw);
}

/** a request with these messages (and more fields), validated */
export function request(messages: unknown[], fields: Record<string, unknown> = {}): ChatRequest {
  return chatRequest.parse({ model: 'm', messages, ...fields });
}

export function testConfig(type: ProviderConfig['type'], fields: Record<string, unknown> = {}): ProviderConfig {
  return providerConfig.parse({ id: 'p', type, ...fields });
}

/** An HTTP answer whose body arrives `chunkSize` bytes at a time, so parsers meet every split point. */
export function chunkedResponse(text: string, chunkSize = Infinity): HttpResponse & { cancelled: boolean } {
  const bytes = Buffer.from(text, 'utf8');
  const response = {
    status: 200,
    headers: {},
    cancelled: false,
    body: (async function* () {
      for (let at = 0; at < bytes.length; at += Math.min(chunkSize, bytes.length)) yield bytes.subarray(at, at + chunkSize);
    })(),
    text: async () => text,
    cancel() {
      response.cancelled = true;
    },
  };
  return response;
}

/** SSE text through a provider's stream translator, as its adapter reads it; `res.cancelled` tells whether it dropped the upstream. */
export function throughSse<E>(text: string, translator: StreamTranslator<E | typeof SSE_DONE>, chunkSize = Infinity) {
  const res = chunkedResponse(text, chunkSize);
  return { res, stream: translateSse(res, translator) };
}

export async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of source) items.push(item);
  return items;
}

export interface GoldenStream {
  id: string;
  model: string;
  chunks: Array<Pick<ChatCompletionChunk['choices'][number], 'delta' | 'finish_reason'>>;
  usage: ChatCompletionChunk['usage'];
}

/** Every chunk carries the stream's id, model and created; the deltas are the golden ones; usage comes last, alone. */
export function expectGoldenStream(chunks: ChatCompletionChunk[], golden: GoldenStream, created: number): void {
  const common = { id: golden.id, object: 'chat.completion.chunk', created, model: golden.model };
  expect(chunks).toEqual([
    ...golden.chunks.map((c) => ({ ...common, choices: [{ index: 0, ...c }] })),
    { ...common, choices: [], usage: golden.usage },
  ]);
}

/** Uint8Array values as the base64 the AWS SDK puts on the wire, so SDK inputs compare with JSON fixtures. */
export function asWire(value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(asWire);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, asWire(v)]));
  return value;
}

/**
 * A conversation with prompt-cache breakpoints (`cache_control`) on a system part, a user text part, an image
 * part and a tool result, as a caller asks Anthropic-style caching through the OpenAI shape.
 */
export const CACHE_MARKED_MESSAGES = [
  { role: 'system', content: [{ type: 'text', text: 'You answer from the manual.', cache_control: { type: 'ephemeral', ttl: '1h' } }] },
  {
    role: 'user',
    content: [
      { type: 'text', text: 'The manual: …', cache_control: { type: 'ephemeral' } },
      { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' }, cache_control: { type: 'ephemeral' } },
      { type: 'text', text: 'Which page covers resets?' },
    ],
  },
  { role: 'assistant', tool_calls: [{ id: 't1', type: 'function', function: { name: 'search', arguments: '{"q":"reset"}' } }] },
  { role: 'tool', tool_call_id: 't1', content: [{ type: 'text', text: 'page 12', cache_control: { type: 'ephemeral' } }] },
];
