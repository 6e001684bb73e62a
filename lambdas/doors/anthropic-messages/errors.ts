// The gateway's errors as Anthropic's: `{"type":"error","error":{"type","message"}}` with the status Anthropic
// sends for that type, before the answer (a JSON body) and mid-stream (an `error` event). An upstream that was
// overloaded stays overloaded_error (529), which the Anthropic SDKs and Claude Code retry.
import type { ErrorCode, GatewayError } from '../../core/errors';
import { jsonResponse, type GatewayResponse } from '../../core/http';
import { ProviderError } from '../../providers/types';
import { ANTHROPIC_ERROR_STATUS, type AnthropicErrorBody } from '../../providers/anthropic/wire';
import { sseEvent } from './stream';

/**
 * The Anthropic error type of each gateway error whose type is not invalid_request_error (a 4xx) or api_error (a
 * 5xx); upstream failures are typed by what the provider said.
 */
const TYPE_BY_CODE: Partial<Record<ErrorCode, string>> = {
  model_not_found: 'not_found_error',
  not_found: 'not_found_error',
  invalid_api_key: 'authentication_error',
  model_not_allowed: 'permission_error',
  model_not_priced: 'permission_error',
  ip_not_allowed: 'permission_error',
  request_too_large: 'request_too_large',
  rate_limit_exceeded: 'rate_limit_error',
  // a spent budget is the tenant's rate of spend; x-should-retry: false keeps the SDKs from retrying it
  budget_exceeded: 'rate_limit_error',
  // every target skipped (breakers open, quotas spent): no capacity now, as Anthropic says it
  all_providers_unavailable: 'overloaded_error',
  timeout: 'timeout_error',
};

/** the Anthropic type of an HTTP status a provider answered with (api_error for any other) */
function typeOfStatus(status: number | undefined): string {
  for (const type in ANTHROPIC_ERROR_STATUS) if (ANTHROPIC_ERROR_STATUS[type] === status) return type;
  return 'api_error';
}

/** the type and status the client sees */
export function anthropicError(err: GatewayError, requestId: string | null = null): { status: number; body: AnthropicErrorBody } {
  let type = TYPE_BY_CODE[err.code];
  let status = err.status;
  if (err.code === 'upstream_error') {
    // a provider's own verdict: mid-stream its error (the cause), before the answer the last attempt's status
    const provider = err.cause instanceof ProviderError ? err.cause.status : err.options.attempts?.findLast((a) => a.status !== undefined)?.status;
    type = typeOfStatus(status >= 400 && status < 500 ? status : provider);
    if (type === 'overloaded_error') status = ANTHROPIC_ERROR_STATUS.overloaded_error!;
  }
  type ??= status < 500 ? 'invalid_request_error' : 'api_error';
  if (err.code === 'all_providers_unavailable') status = ANTHROPIC_ERROR_STATUS.overloaded_error!;
  return { status, body: { type: 'error', error: { type, message: err.message }, request_id: requestId } };
}

/** with `request-id` too, the header the Anthropic SDKs read into an error's requestID */
export function anthropicErrorResponse(err: GatewayError, requestId: string): GatewayResponse {
  const { status, body } = anthropicError(err, requestId);
  return jsonResponse(status, body, { ...err.headers, 'request-id': requestId });
}

export function anthropicFailure(err: GatewayError, { requestId }: { requestId: string }): string {
  return sseEvent('error', JSON.stringify(anthropicError(err, requestId).body));
}
