// AWS SDK errors from Bedrock (modeled exceptions, stream exception events, credential and network failures)
// → ProviderError. Throttling, quota and overload answers are retryable; validation and access ones are not.
import { NO_ANSWER, ProviderError } from '../types';
import { providerError } from '../shared/errors';

/** HTTP status by exception name, for routing; names the SDK also uses for stream exception events. */
export const BEDROCK_ERROR_STATUS: Readonly<Record<string, number>> = {
  ValidationException: 400,
  UnrecognizedClientException: 401,
  InvalidSignatureException: 401,
  ExpiredTokenException: 401,
  CredentialsProviderError: 401,
  AccessDeniedException: 403,
  ResourceNotFoundException: 404,
  ModelTimeoutException: 408,
  ConflictException: 409,
  ThrottlingException: 429,
  // a per-account quota: another provider (or region) may still serve
  ServiceQuotaExceededException: 429,
  ModelNotReadyException: 429,
  InternalServerException: 500,
  ModelErrorException: 502,
  ModelStreamErrorException: 502,
  ServiceUnavailableException: 503,
};

const CONTEXT_TOO_LONG = /input is too long|too many (input )?tokens|prompt is too long|context (window|length)/i;

interface SdkError {
  name?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $response?: { headers?: Record<string, string> };
}

export function mapBedrockError(err: unknown): unknown {
  if (err instanceof ProviderError || !(err instanceof Error)) return err;
  const e = err as SdkError & Error;
  if (e.name === 'AbortError') return err; // the core tells its timeout from the client leaving
  const status = BEDROCK_ERROR_STATUS[e.name] ?? e.$metadata?.httpStatusCode;
  if (status === undefined) {
    // no answer from Bedrock at all: connection refused or reset, DNS, no region
    return new ProviderError({ status: NO_ANSWER, retryable: true, code: 'connect_error', message: `calling Bedrock: ${e.message}` });
  }
  const retryAfter = Number(e.$response?.headers?.['retry-after']);
  return providerError({
    status,
    message: e.message || e.name,
    code: e.name,
    retryAfterMs: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined,
    contextTooLong: status === 400 && CONTEXT_TOO_LONG.test(e.message),
  });
}
