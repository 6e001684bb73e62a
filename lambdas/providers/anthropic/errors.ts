// Anthropic error answers ({type:"error", error:{type, message}}) and mid-stream error events → ProviderError.
import { parseRetryAfter, type ProviderError } from '../types';
import { bodySnippet, providerError } from '../shared/errors';
import { parseJsonOrUndefined } from '../shared/transport';
import { ANTHROPIC_ERROR_STATUS } from './wire';

const CONTEXT_TOO_LONG = /prompt is too long|exceeds? (the )?(model'?s? )?context (window|limit)|input length and `max_tokens` exceed/i;

interface AnthropicErrorBody {
  type?: 'error';
  error?: { type?: string; message?: string };
}

export function mapAnthropicError(status: number, headers: Record<string, string>, body: string): ProviderError {
  const error = (parseJsonOrUndefined(body) as AnthropicErrorBody | undefined)?.error;
  const message = error?.message ?? bodySnippet(body, status);
  return providerError({ status, message, code: error?.type, retryAfterMs: parseRetryAfter(headers), contextTooLong: status === 400 && CONTEXT_TOO_LONG.test(message) });
}

export function anthropicStreamError(error: { type?: string; message?: string }): ProviderError {
  const status = (error.type && ANTHROPIC_ERROR_STATUS[error.type]) || 500;
  return providerError({ status, message: error.message ?? 'Anthropic reported an error mid-stream', code: error.type ?? 'stream_error' });
}
