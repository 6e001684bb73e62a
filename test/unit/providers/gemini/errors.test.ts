import { describe, expect, it } from 'vitest';
import { mapGeminiError } from '../../../../lambdas/providers/gemini/errors';

const body = (code: number, status: string, message: string, details: unknown[] = []) => JSON.stringify({ error: { code, message, status, details } });

describe('gemini error mapping', () => {
  it.each([
    [
      400,
      body(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.', [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com' }]),
      { status: 401, retryable: false, code: 'INVALID_ARGUMENT' },
    ],
    [400, body(400, 'INVALID_ARGUMENT', 'The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).'), { status: 400, retryable: false, code: 'context_length_exceeded' }],
    [400, body(400, 'INVALID_ARGUMENT', 'Please use a valid role: user, model.'), { status: 400, retryable: false, code: 'INVALID_ARGUMENT' }],
    [403, body(403, 'PERMISSION_DENIED', 'Permission denied on resource project.'), { status: 403, retryable: false }],
    [404, body(404, 'NOT_FOUND', 'models/gemini-9 is not found for API version v1beta'), { status: 404, retryable: false }],
    [
      429,
      body(429, 'RESOURCE_EXHAUSTED', 'You exceeded your current quota.', [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '36s' }]),
      { status: 429, retryable: true, code: 'RESOURCE_EXHAUSTED', retryAfterMs: 36_000 },
    ],
    [503, body(503, 'UNAVAILABLE', 'The model is overloaded. Please try again later.'), { status: 503, retryable: true }],
    [500, JSON.stringify([{ error: { code: 500, message: 'Internal error', status: 'INTERNAL' } }]), { status: 500, retryable: true, code: 'INTERNAL' }],
    [502, 'upstream connect error', { status: 502, retryable: true, code: 'http_502' }],
  ])('maps HTTP %i %s', (status, text, expected) => {
    expect(mapGeminiError(status, {}, text)).toMatchObject(expected);
  });
});
