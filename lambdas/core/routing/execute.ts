// Run a call against a model's targets in order, falling over to the next target when one fails in a way
// another provider might not. Each attempt is recorded for the caller's headers and the error body.
import { AttemptSignal, ClientGone, Deadline, DeadlineExceeded, deadlineError } from '../deadline';
import { errors, GatewayError, type AttemptRecord } from '../errors';
import type { Clock, Logger, Metrics } from '../ports';
import { METRICS } from '../observability';
import type { ModelTarget } from '../config/schema';
import { ProviderError, type Provider } from '../../providers/types';
import type { ResolvedModel } from './resolve';
import type { ProviderQuotaCheck } from '../admission/admit';

export interface ExecuteDeps {
  providers: Map<string, Provider>;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  defaultTimeoutMs: number;
  /** the provider's own rate limits (per-provider quotas), taken per attempt; a spent quota skips the target */
  providerQuota?: ProviderQuotaCheck;
}

export interface Executed<T> {
  value: T;
  target: ModelTarget;
  provider: Provider;
  /** the attempt that succeeded: streams keep it to abort the upstream when the client leaves */
  signal: AttemptSignal;
  attempts: AttemptRecord[];
}

/**
 * A failure that another target might not share: transport faults, 429 and 5xx, and answers that say this
 * provider cannot serve the model (401/403/404). A request the provider rejected as malformed would be
 * rejected everywhere, so it is returned to the caller at once.
 */
export function canFallback(err: ProviderError): boolean {
  return err.retryable || err.status === 401 || err.status === 403 || err.status === 404;
}

export async function executeWithFallback<T>(
  route: ResolvedModel,
  deadline: Deadline,
  deps: ExecuteDeps,
  requestId: string,
  call: (provider: Provider, target: ModelTarget, attempt: AttemptSignal) => Promise<T>,
): Promise<Executed<T>> {
  const attempts: AttemptRecord[] = [];
  let lastError: ProviderError | undefined;
  let quotaRetryAfterMs: number | undefined;

  for (const target of route.targets) {
    const provider = deps.providers.get(target.provider);
    if (!provider) continue;
    if (!(await provider.isConfigured())) {
      attempts.push({ provider: target.provider, model: target.model, latencyMs: 0, skipped: 'no API key configured here' });
      continue;
    }
    const throttled = await deps.providerQuota?.(provider.id);
    if (throttled) {
      attempts.push({ provider: provider.id, model: target.model, latencyMs: 0, skipped: 'provider quota reached here' });
      quotaRetryAfterMs = Math.min(quotaRetryAfterMs ?? Infinity, throttled.retryAfterMs);
      continue;
    }
    const started = deps.clock.now();
    const attempt = new AttemptSignal(deadline, provider.config.timeoutMs ?? deps.defaultTimeoutMs);
    try {
      const value = await call(provider, target, attempt);
      attempt.stopTimer();
      const latencyMs = deps.clock.now() - started;
      attempts.push({ provider: provider.id, model: target.model, status: 200, latencyMs });
      deps.metrics.add(METRICS.upstreamCalls, 1, 'Count', { Provider: provider.id, Outcome: 'ok' });
      deps.metrics.add(METRICS.upstreamLatency, latencyMs, 'Milliseconds', { Provider: provider.id });
      if (attempts.some((a) => a.status !== undefined && a.status !== 200)) {
        deps.metrics.add(METRICS.fallbacks, 1, 'Count', { Provider: route.targets[0]!.provider });
      }
      return { value, target, provider, signal: attempt, attempts };
    } catch (caught) {
      attempt.abort();
      const err = attempt.explain(caught);
      const latencyMs = deps.clock.now() - started;
      if (err instanceof DeadlineExceeded) throw deadlineError(err, attempts);
      if (err instanceof ClientGone) throw errors.clientClosed();
      if (!(err instanceof ProviderError)) throw err;
      attempts.push({ provider: provider.id, model: target.model, status: err.status, code: err.code, message: err.message, latencyMs });
      deps.metrics.add(METRICS.upstreamCalls, 1, 'Count', { Provider: provider.id, Outcome: 'error' });
      deps.logger.warn('provider attempt failed', { requestId, provider: provider.id, model: target.model, status: err.status, code: err.code, latencyMs });
      lastError = err;
      if (!canFallback(err)) throw callerError(err, attempts);
    }
  }
  throw exhausted(attempts, lastError, quotaRetryAfterMs);
}

/** A provider's verdict on the request itself (400, context too long) goes back to the caller as such. */
function callerError(err: ProviderError, attempts: AttemptRecord[]): GatewayError {
  if (err.code === 'context_length_exceeded') {
    return new GatewayError(400, 'context_length_exceeded', err.message, { param: 'messages', attempts });
  }
  return new GatewayError(err.status >= 400 && err.status < 500 ? err.status : 502, 'upstream_error', `The provider rejected the request: ${err.message}`, { attempts });
}

function exhausted(attempts: AttemptRecord[], lastError: ProviderError | undefined, quotaRetryAfterMs: number | undefined): GatewayError {
  if (!lastError) {
    return new GatewayError(503, 'all_providers_unavailable', 'No provider for this model is available here (every target was skipped).', {
      attempts,
      headers: quotaRetryAfterMs !== undefined ? { 'retry-after': String(Math.max(1, Math.ceil(quotaRetryAfterMs / 1000))) } : undefined,
    });
  }
  const retryAfterMs = lastError.retryAfterMs;
  return new GatewayError(502, 'upstream_error', `Every provider for this model failed; the last said: ${lastError.message}`, {
    attempts,
    headers: retryAfterMs ? { 'retry-after': String(Math.ceil(retryAfterMs / 1000)) } : undefined,
  });
}
