import { describe, expect, it } from 'vitest';
import { errors, GatewayError } from '../../../../lambdas/core/errors';
import { anthropicError, anthropicErrorResponse, anthropicFailure } from '../../../../lambdas/doors/anthropic-messages/errors';
import { ProviderError } from '../../../../lambdas/providers/types';

describe('gateway errors in Anthropic shape', () => {
  it('gives each gateway error the type and status Anthropic sends for it', () => {
    const cases: Array<[GatewayError, number, string]> = [
      [errors.invalidRequest('bad', 'messages'), 400, 'invalid_request_error'],
      [errors.invalidApiKey('no key'), 401, 'authentication_error'],
      [errors.modelNotAllowed('m'), 403, 'permission_error'],
      [errors.modelNotFound('m'), 404, 'not_found_error'],
      [errors.requestTooLarge(10), 413, 'request_too_large'],
      [new GatewayError(429, 'rate_limit_exceeded', 'slow down'), 429, 'rate_limit_error'],
      [new GatewayError(429, 'budget_exceeded', 'spent', { headers: { 'x-should-retry': 'false' } }), 429, 'rate_limit_error'],
      [new GatewayError(503, 'all_providers_unavailable', 'none'), 529, 'overloaded_error'],
      [errors.timeout(1000), 504, 'timeout_error'],
      [errors.internal(), 500, 'api_error'],
    ];
    for (const [err, status, type] of cases) expect(anthropicError(err, 'req_1')).toEqual({ status, body: { type: 'error', error: { type, message: err.message }, request_id: 'req_1' } });
  });

  it('types an upstream failure by what the provider said: overloaded stays 529, a rejected request 400', () => {
    const overloaded = new GatewayError(502, 'upstream_error', 'every target failed', { attempts: [{ provider: 'a', model: 'm', status: 529, latencyMs: 1 }, { provider: 'b', model: 'm', latencyMs: 0, skipped: 'open' }] });
    expect(anthropicError(overloaded)).toMatchObject({ status: 529, body: { error: { type: 'overloaded_error' } } });
    const broken = new GatewayError(502, 'upstream_error', 'every target failed', { attempts: [{ provider: 'a', model: 'm', status: 500, latencyMs: 1 }] });
    expect(anthropicError(broken)).toMatchObject({ status: 502, body: { error: { type: 'api_error' } } });
    const rejected = new GatewayError(400, 'upstream_error', 'The provider rejected the request: tool_result first');
    expect(anthropicError(rejected)).toMatchObject({ status: 400, body: { error: { type: 'invalid_request_error' } } });
  });

  it('keeps the headers (retry-after, x-should-retry) on the answer, and names the request as Anthropic does', () => {
    const res = anthropicErrorResponse(new GatewayError(429, 'budget_exceeded', 'spent', { headers: { 'x-should-retry': 'false' } }), 'req_2');
    expect(res.status).toBe(429);
    expect(res.headers['x-should-retry']).toBe('false');
    expect(res.headers['request-id']).toBe('req_2');
    expect(JSON.parse(res.body as string)).toEqual({ type: 'error', error: { type: 'rate_limit_error', message: 'spent' }, request_id: 'req_2' });
  });

  it('ends a stream with an error event typed by the provider error that cut it', () => {
    const cut = Object.assign(new GatewayError(502, 'upstream_error', 'The provider failed mid-stream: Overloaded'), {
      cause: new ProviderError({ status: 529, retryable: true, code: 'overloaded_error', message: 'Overloaded' }),
    });
    expect(anthropicFailure(cut, { requestId: 'req_3' })).toBe('event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"The provider failed mid-stream: Overloaded"},"request_id":"req_3"}\n\n');
  });
});
