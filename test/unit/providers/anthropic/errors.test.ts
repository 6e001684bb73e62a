import { describe, expect, it } from 'vitest';
import { mapAnthropicError } from '../../../../lambdas/providers/anthropic/errors';

const body = (type: string, message: string) => JSON.stringify({ type: 'error', error: { type, message } });

describe('anthropic error mapping', () => {
  it.each([
    [400, body('invalid_request_error', 'prompt is too long: 212345 tokens > 200000 maximum'), {}, { status: 400, retryable: false, code: 'context_length_exceeded' }],
    [400, body('invalid_request_error', 'messages: roles must alternate'), {}, { status: 400, retryable: false, code: 'invalid_request_error' }],
    [401, body('authentication_error', 'invalid x-api-key'), {}, { status: 401, retryable: false, code: 'authentication_error' }],
    [403, body('permission_error', 'Your API key does not have permission'), {}, { status: 403, retryable: false }],
    [404, body('not_found_error', 'model: claude-9'), {}, { status: 404, retryable: false }],
    [413, body('request_too_large', 'Request exceeds the maximum allowed number of bytes.'), {}, { status: 413, retryable: false }],
    [429, body('rate_limit_error', 'rate limited'), { 'retry-after': '30' }, { status: 429, retryable: true, retryAfterMs: 30_000 }],
    [500, body('api_error', 'Internal server error'), {}, { status: 500, retryable: true, code: 'api_error' }],
    [529, body('overloaded_error', 'Overloaded'), { 'retry-after': '2' }, { status: 529, retryable: true, code: 'overloaded_error', retryAfterMs: 2000 }],
    [502, '<html>Bad Gateway</html>', {}, { status: 502, retryable: true, code: 'http_502', message: '<html>Bad Gateway</html>' }],
  ])('maps HTTP %i %s', (status, text, headers, expected) => {
    expect(mapAnthropicError(status, headers, text)).toMatchObject(expected);
  });
});
