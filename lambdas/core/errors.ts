// Every failure a caller can see, as OpenAI-shaped errors. Handlers map GatewayError to HTTP in one place.

export type ErrorCode =
  | 'invalid_request'
  | 'model_not_found'
  | 'invalid_api_key'
  | 'model_not_allowed'
  | 'model_not_priced'
  | 'request_too_large'
  | 'file_limit_reached'
  | 'rate_limit_exceeded'
  | 'budget_exceeded'
  | 'upstream_error'
  | 'all_providers_unavailable'
  | 'context_length_exceeded'
  | 'timeout'
  | 'not_found'
  | 'method_not_allowed'
  | 'client_closed'
  | 'content_policy_violation'
  | 'guardrail_unavailable'
  | 'ip_not_allowed'
  | 'internal_error';

/** One provider attempt, as reported in an error body and in the x-gateway-attempts count. */
export interface AttemptRecord {
  provider: string;
  model: string;
  status?: number;
  code?: string;
  message?: string;
  latencyMs: number;
  /** why this target was not called (breaker open, no key, throttled) */
  skipped?: string;
}

const TYPE_BY_CODE: Record<ErrorCode, string> = {
  invalid_request: 'invalid_request_error',
  model_not_found: 'invalid_request_error',
  invalid_api_key: 'invalid_request_error',
  model_not_allowed: 'permission_error',
  model_not_priced: 'permission_error',
  request_too_large: 'invalid_request_error',
  file_limit_reached: 'invalid_request_error',
  rate_limit_exceeded: 'requests',
  budget_exceeded: 'insufficient_quota',
  upstream_error: 'api_error',
  all_providers_unavailable: 'api_error',
  context_length_exceeded: 'invalid_request_error',
  timeout: 'timeout_error',
  not_found: 'invalid_request_error',
  method_not_allowed: 'invalid_request_error',
  client_closed: 'invalid_request_error',
  content_policy_violation: 'invalid_request_error',
  guardrail_unavailable: 'api_error',
  ip_not_allowed: 'permission_error',
  internal_error: 'api_error',
};

export class GatewayError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly options: {
      param?: string | null;
      type?: string;
      headers?: Record<string, string>;
      attempts?: AttemptRecord[];
    } = {},
  ) {
    super(message);
    this.name = 'GatewayError';
  }

  get type(): string {
    return this.options.type ?? TYPE_BY_CODE[this.code];
  }

  get headers(): Record<string, string> {
    return this.options.headers ?? {};
  }

  toBody(): { error: Record<string, unknown> } {
    const error: Record<string, unknown> = {
      message: this.message,
      type: this.type,
      code: this.code,
      param: this.options.param ?? null,
    };
    if (this.options.attempts?.length) {
      error.attempts = this.options.attempts.map((a) => ({
        provider: a.provider,
        model: a.model,
        status: a.status ?? null,
        code: a.code ?? null,
        message: a.message ?? a.skipped ?? null,
        latency_ms: a.latencyMs,
      }));
    }
    return { error };
  }
}

export const errors = {
  invalidRequest: (message: string, param: string | null = null) =>
    new GatewayError(400, 'invalid_request', message, { param }),
  modelNotFound: (model: string) =>
    new GatewayError(404, 'model_not_found', `The model '${model}' does not exist or you do not have access to it.`, {
      param: 'model',
    }),
  invalidApiKey: (why: string) => new GatewayError(401, 'invalid_api_key', why),
  modelNotAllowed: (model: string) =>
    new GatewayError(403, 'model_not_allowed', `This API key is not allowed to use the model '${model}'.`, {
      param: 'model',
    }),
  /** money fails closed: a model whose price nobody knows is never called */
  modelNotPriced: (model: string) =>
    new GatewayError(
      403,
      'model_not_priced',
      `The model '${model}' has no known price here, so it cannot be called. The operator can price it in the gateway config ("pricing"), or mark a self-hosted provider "free".`,
      { param: 'model' },
    ),
  requestTooLarge: (limit: number) =>
    new GatewayError(413, 'request_too_large', `The request body exceeds the limit of ${limit} bytes.`),
  timeout: (ms: number, attempts?: AttemptRecord[]) =>
    new GatewayError(504, 'timeout', `The gateway deadline of ${ms} ms passed before an answer arrived.`, {
      attempts,
    }),
  notFound: (path: string) => new GatewayError(404, 'not_found', `No route for ${path}.`),
  methodNotAllowed: (method: string, path: string) =>
    new GatewayError(405, 'method_not_allowed', `${method} is not allowed on ${path}.`),
  /** nobody reads this answer; it exists for the log (499, as nginx names it) */
  clientClosed: () => new GatewayError(499, 'client_closed', 'The client closed the connection before the answer was ready.'),
  ipNotAllowed: () => new GatewayError(403, 'ip_not_allowed', 'This API key may not be used from this address (the tenant has an IP allow-list).'),
  internal: () => new GatewayError(500, 'internal_error', 'The gateway failed unexpectedly; the error was logged.'),
};

/** Anything thrown that is not a GatewayError becomes a 500 whose details stay in the log. */
export function asGatewayError(err: unknown): GatewayError {
  return err instanceof GatewayError ? err : errors.internal();
}
