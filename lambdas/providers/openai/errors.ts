// OpenAI-style error answers → ProviderError (most OpenAI-compatible services use the same body).
import { parseRetryAfter, type ProviderError } from '../types';
import { bodySnippet, providerError } from '../shared/errors';
import { parseJsonOrUndefined } from '../shared/transport';

interface OpenAIErrorBody {
  error?: { message?: string; type?: string; code?: string | number | null } | string;
  message?: string;
}

const CONTEXT_TOO_LONG = /maximum context length|context window|context length/i;
/**
 * OpenAI answers a single request larger than the organization's tokens-per-minute limit with a 429 ("Request
 * too large for gpt-4o … on tokens per min (TPM): Limit 30000, Requested 36000"): no wait makes it fit, and
 * taken as a throttle it would set the model aside for every tenant. It is the request's size: a 413.
 */
const REQUEST_TOO_LARGE = /^request too large\b/i;

export function mapOpenAIError(status: number, headers: Record<string, string>, body: string): ProviderError {
  const parsed = parseJsonOrUndefined(body) as OpenAIErrorBody | undefined;
  const error = parsed?.error;
  const message = (typeof error === 'string' ? error : error?.message) ?? parsed?.message ?? bodySnippet(body, status);
  const code = typeof error === 'object' && error?.code != null ? String(error.code) : undefined;
  if (status === 429 && REQUEST_TOO_LARGE.test(message)) return providerError({ status: 413, message, code: 'request_too_large' });
  return providerError({
    status,
    message,
    code,
    contextTooLong: code === 'context_length_exceeded' || (status >= 400 && status < 500 && CONTEXT_TOO_LONG.test(message)),
    retryAfterMs: parseRetryAfter(headers) ?? rateLimitResetMs(headers),
  });
}

/** OpenAI's x-ratelimit-reset-* headers are durations like "6m0s", "1.5s" or "20ms". */
export function rateLimitResetMs(headers: Record<string, string>): number | undefined {
  const values = [headers['x-ratelimit-reset-requests'], headers['x-ratelimit-reset-tokens']]
    .map((v) => (v ? parseDuration(v) : undefined))
    .filter((v): v is number => v !== undefined);
  return values.length ? Math.max(...values) : undefined;
}

function parseDuration(text: string): number | undefined {
  const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
  let total = 0;
  let matched = false;
  for (const [, n, unit] of text.matchAll(re)) {
    matched = true;
    const value = Number(n);
    total += unit === 'h' ? value * 3_600_000 : unit === 'm' ? value * 60_000 : unit === 's' ? value * 1000 : value;
  }
  return matched ? total : undefined;
}
