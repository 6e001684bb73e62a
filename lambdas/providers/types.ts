// What every provider adapter offers the core. Requests and answers are OpenAI-shaped on this side;
// each adapter translates to and from its provider's native wire format.
import type { ProviderConfig } from '../core/config/schema';
import type { ChatRequest, EmbeddingsRequest } from '../core/openai/chat-request';
import type { ChatCompletion, ChatCompletionChunk, EmbeddingsResponse } from '../core/openai/chat-response';
import type { ResponseObject, ResponsesEvent } from '../core/openai/responses';
import type { Clock, HttpClient, Logger, SecretSource } from '../core/ports';
import { redactSecrets } from '../core/redact';

export interface ProviderDeps {
  http: HttpClient;
  secrets: SecretSource;
  clock: Clock;
  logger: Logger;
}

export interface CallOptions {
  signal: AbortSignal;
  requestId: string;
}

export interface Provider {
  readonly id: string;
  readonly type: ProviderConfig['type'];
  readonly config: ProviderConfig;
  /** false when this provider's key is not available here: routing skips it without calling it */
  isConfigured(): Promise<boolean>;
  chat(req: ChatRequest, model: string, opts: CallOptions): Promise<ChatCompletion>;
  /**
   * Resolves once the provider accepted the call (its answer started); errors before that reject with a
   * ProviderError. The stream yields OpenAI chunks and ends with one that carries `usage` whenever the
   * provider reports usage. A failure while reading rejects the iteration with a ProviderError.
   */
  chatStream(req: ChatRequest, model: string, opts: CallOptions): Promise<AsyncIterable<ChatCompletionChunk>>;
  embeddings(req: EmbeddingsRequest, model: string, opts: CallOptions): Promise<EmbeddingsResponse>;
  /** the cheapest call that proves the provider answers with this key (health checks, key rotation) */
  probe(opts: CallOptions): Promise<void>;
  /** OpenAI's own API only: a Responses API request (the Responses door's native call), sent as built */
  responses?(body: Record<string, unknown>, opts: CallOptions): Promise<ResponseObject>;
  /**
   * The same, streamed: resolves once the answer started; yields its events and ends after its last one
   * (response.completed or response.incomplete). A failure event rejects the iteration with a ProviderError.
   */
  responsesStream?(body: Record<string, unknown>, opts: CallOptions): Promise<AsyncIterable<ResponsesEvent>>;
}

export type ProviderFactory = (config: ProviderConfig, deps: ProviderDeps) => Provider;

/**
 * A provider failure, normalized so the core decides retries and fallbacks without knowing the provider. Its
 * message is the provider's own words with credentials, account ids and ARNs taken out (core/redact.ts): every
 * provider error is made here, so the error body, `attempts[].message`, mid-stream error events and log lines
 * that show it are clean.
 */
export class ProviderError extends Error {
  readonly status: number;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  readonly code: string;

  constructor(opts: { status: number; retryable: boolean; code: string; message: string; retryAfterMs?: number }) {
    super(redactSecrets(opts.message));
    this.name = 'ProviderError';
    this.status = opts.status;
    this.retryable = opts.retryable;
    this.code = opts.code;
    this.retryAfterMs = opts.retryAfterMs;
  }
}

/** status 0: no HTTP answer at all (connect refused, reset, DNS). */
export const NO_ANSWER = 0;

/** The HTTP statuses after which another attempt (here or elsewhere) may succeed. */
export function isRetryableStatus(status: number): boolean {
  return status === NO_ANSWER || status === 408 || status === 409 || status === 425 || status === 429 || status >= 500;
}

/** Retry-After as seconds or an HTTP date, and the retry-after-ms variant some providers send. */
export function parseRetryAfter(headers: Record<string, string>, now = Date.now()): number | undefined {
  const ms = headers['retry-after-ms'];
  if (ms && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const value = headers['retry-after'];
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
