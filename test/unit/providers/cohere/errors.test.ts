import { describe, expect, it } from 'vitest';
import { mapCohereError } from '../../../../lambdas/providers/cohere/errors';

describe('cohere error mapping', () => {
  it.each([
    [400, { message: 'too many tokens: total number of tokens in the prompt cannot exceed 4081 - received 5000' }, {}, { status: 400, retryable: false, code: 'context_length_exceeded' }],
    [400, { message: 'invalid request: message must be at least 1 token long' }, {}, { status: 400, retryable: false, code: 'http_400' }],
    [401, { message: 'invalid api token' }, {}, { status: 401, retryable: false }],
    [498, { message: 'blocked api token' }, {}, { status: 401, retryable: false }],
    [422, { message: 'invalid tool_choice' }, {}, { status: 422, retryable: false }],
    [429, { message: 'You are using a Trial key, which is limited to 10 API calls / minute.' }, { 'retry-after': '60' }, { status: 429, retryable: true, retryAfterMs: 60_000 }],
    [503, { message: 'service unavailable' }, {}, { status: 503, retryable: true }],
  ])('maps HTTP %i %j', (status, body, headers, expected) => {
    expect(mapCohereError(status, headers, JSON.stringify(body))).toMatchObject(expected);
  });
});
