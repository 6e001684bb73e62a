// Cohere error answers ({id?, message}) → ProviderError.
import { parseRetryAfter, type ProviderError } from '../types';
import { bodySnippet, providerError } from '../shared/errors';
import { parseJsonOrUndefined } from '../shared/transport';

const CONTEXT_TOO_LONG = /too many tokens|exceeds? (the )?(model'?s? )?context/i;
/** Cohere answers an invalid token with 498; for routing that is an auth failure */
const STATUS_ALIASES: Readonly<Record<number, number>> = { 498: 401 };

export function mapCohereError(status: number, headers: Record<string, string>, body: string): ProviderError {
  const parsed = parseJsonOrUndefined(body) as { message?: string } | undefined;
  const message = parsed?.message ?? bodySnippet(body, status);
  const normalized = STATUS_ALIASES[status] ?? status;
  return providerError({ status: normalized, message, retryAfterMs: parseRetryAfter(headers), contextTooLong: normalized === 400 && CONTEXT_TOO_LONG.test(message) });
}
