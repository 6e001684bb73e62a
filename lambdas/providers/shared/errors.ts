// Normalized provider errors: whatever the provider said, the core sees status, retryable, code, message and
// how long to wait. Context-length verdicts become 400 context_length_exceeded wherever they come from.
import { isRetryableStatus, ProviderError } from '../types';

export interface ErrorFacts {
  status: number;
  message: string;
  /** the provider's own error code or type, when it has one */
  code?: string;
  retryAfterMs?: number;
  /** the provider said the prompt does not fit the model's context window */
  contextTooLong?: boolean;
}

export function providerError(facts: ErrorFacts): ProviderError {
  if (facts.contextTooLong) {
    return new ProviderError({ status: 400, retryable: false, code: 'context_length_exceeded', message: facts.message });
  }
  const retryable = isRetryableStatus(facts.status);
  return new ProviderError({
    status: facts.status,
    retryable,
    code: facts.code ?? `http_${facts.status}`,
    message: facts.message,
    retryAfterMs: retryable ? facts.retryAfterMs : undefined,
  });
}

/** The request asks for something this provider cannot take; no other attempt would fix it. */
export function unsupported(provider: string, what: string): ProviderError {
  return new ProviderError({ status: 400, retryable: false, code: 'unsupported_content', message: `${provider} does not accept ${what}` });
}

/** The answer is not what the provider's API promises: worth another provider. */
export function malformed(message: string): ProviderError {
  return new ProviderError({ status: 502, retryable: true, code: 'malformed_response', message });
}

/** The first words of an error body, for a message when the body has no structure we know. */
export function bodySnippet(body: string, status: number): string {
  return body.slice(0, 200) || `HTTP ${status}`;
}
