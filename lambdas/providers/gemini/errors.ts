// Gemini error answers ({error:{code, message, status, details}}) → ProviderError. Gemini answers a bad key
// with 400 INVALID_ARGUMENT (reason API_KEY_INVALID): that is an auth failure, so it becomes 401 and routing
// may fall over; a 429's wait comes from its RetryInfo detail.
import { parseRetryAfter, type ProviderError } from '../types';
import { bodySnippet, providerError } from '../shared/errors';
import { parseJsonOrUndefined } from '../shared/transport';

export interface GeminiErrorBody {
  error: {
    code?: number;
    message?: string;
    status?: string;
    details?: Array<{ '@type'?: string; reason?: string; retryDelay?: string }>;
  };
}

const AUTH_REASONS = new Set(['API_KEY_INVALID', 'API_KEY_EXPIRED', 'API_KEY_SERVICE_BLOCKED']);
const CONTEXT_TOO_LONG = /input token count.*exceeds|exceeds the maximum number of tokens/i;

export function mapGeminiError(status: number, headers: Record<string, string>, body: string): ProviderError {
  const parsed = parseJsonOrUndefined(body) as GeminiErrorBody | GeminiErrorBody[] | undefined;
  // the non-SSE stream endpoint wraps its error in a list
  const error = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!error?.error) return providerError({ status, message: bodySnippet(body, status), retryAfterMs: parseRetryAfter(headers) });
  return geminiErrorFromBody(error, status, parseRetryAfter(headers));
}

export function geminiErrorFromBody(body: GeminiErrorBody, fallbackStatus: number, retryAfterMs?: number): ProviderError {
  const { error } = body;
  const message = error.message ?? `Gemini error ${error.status ?? ''}`.trim();
  const authFailure = error.details?.some((d) => d.reason && AUTH_REASONS.has(d.reason));
  const status = authFailure ? 401 : (error.code ?? fallbackStatus);
  const retryDelay = error.details?.find((d) => d.retryDelay)?.retryDelay;
  return providerError({
    status,
    message,
    code: error.status,
    retryAfterMs: retryAfterMs ?? (retryDelay ? durationMs(retryDelay) : undefined),
    contextTooLong: status === 400 && CONTEXT_TOO_LONG.test(message),
  });
}

/** google.protobuf.Duration in JSON: "36s", "0.5s" */
function durationMs(text: string): number | undefined {
  const seconds = Number.parseFloat(text);
  return Number.isFinite(seconds) ? Math.round(seconds * 1000) : undefined;
}
