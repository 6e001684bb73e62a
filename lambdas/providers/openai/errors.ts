// OpenAI-style error answers → ProviderError (most OpenAI-compatible services use the same body).
import { isRetryableStatus, parseRetryAfter, ProviderError } from '../types';
import { parseJsonOrUndefined } from '../shared/transport';

interface OpenAIErrorBody {
  error?: { message?: string; type?: string; code?: string | number | null } | string;
  message?: string;
}

export function mapOpenAIError(status: number, headers: Record<string, string>, body: string): ProviderError {
  const parsed = parseJsonOrUndefined(body) as OpenAIErrorBody | undefined;
  const error = parsed?.error;
  const message =
    (typeof error === 'string' ? error : error?.message) ?? parsed?.message ?? (body.slice(0, 200) || `HTTP ${status}`);
  const code = typeof error === 'object' && error?.code != null ? String(error.code) : undefined;
  const contextTooLong = code === 'context_length_exceeded' || /maximum context length|context window/i.test(message);
  return new ProviderError({
    status: contextTooLong ? 400 : status,
    retryable: !contextTooLong && isRetryableStatus(status),
    code: contextTooLong ? 'context_length_exceeded' : (code ?? `http_${status}`),
    message,
    retryAfterMs: status === 429 || status === 503 ? (parseRetryAfter(headers) ?? rateLimitResetMs(headers)) : undefined,
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
