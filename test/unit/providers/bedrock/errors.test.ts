import { describe, expect, it } from 'vitest';
import { mapBedrockError } from '../../../../lambdas/providers/bedrock/errors';
import { ProviderError } from '../../../../lambdas/providers/types';

function sdkError(name: string, message: string, httpStatusCode?: number): Error {
  return Object.assign(new Error(message), { name, $metadata: httpStatusCode ? { httpStatusCode } : {} });
}

describe('bedrock error mapping', () => {
  it.each([
    ['ValidationException', 'Input is too long for requested model.', 400, { status: 400, retryable: false, code: 'context_length_exceeded' }],
    ['ValidationException', 'A conversation must alternate between user and assistant roles.', 400, { status: 400, retryable: false, code: 'ValidationException' }],
    ['AccessDeniedException', 'You don’t have access to the model with the specified model ID.', 403, { status: 403, retryable: false }],
    ['UnrecognizedClientException', 'The security token included in the request is invalid.', 403, { status: 401, retryable: false }],
    ['ResourceNotFoundException', 'Model not found', 404, { status: 404, retryable: false }],
    ['ThrottlingException', 'Too many requests', 429, { status: 429, retryable: true }],
    ['ServiceQuotaExceededException', 'quota', 400, { status: 429, retryable: true }],
    ['ModelNotReadyException', 'not ready', 429, { status: 429, retryable: true }],
    ['ModelTimeoutException', 'timed out', 408, { status: 408, retryable: true }],
    ['InternalServerException', 'boom', 500, { status: 500, retryable: true }],
    ['ServiceUnavailableException', 'unavailable', 503, { status: 503, retryable: true }],
    ['ModelStreamErrorException', 'stream failed', undefined, { status: 502, retryable: true }],
    ['SomeFutureException', 'new', 418, { status: 418, retryable: false, code: 'SomeFutureException' }],
  ])('maps %s (%s)', (name, message, httpStatus, expected) => {
    const mapped = mapBedrockError(sdkError(name, message, httpStatus));
    expect(mapped).toBeInstanceOf(ProviderError);
    expect(mapped).toMatchObject(expected);
  });

  it('maps a failure with no HTTP answer to a retryable connect_error, and leaves aborts alone', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    expect(mapBedrockError(refused)).toMatchObject({ status: 0, retryable: true, code: 'connect_error' });
    const abort = Object.assign(new Error('Request aborted'), { name: 'AbortError' });
    expect(mapBedrockError(abort)).toBe(abort);
  });
});
