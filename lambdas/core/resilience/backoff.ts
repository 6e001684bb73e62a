// Retry delays: capped exponential backoff with full jitter, so retries from many callers spread out
// instead of arriving together; a provider's Retry-After is a floor, never shortened by jitter.

/** A source of uniform numbers in [0, 1); injected so tests can fix it. */
export type Random = () => number;

/**
 * The wait before retry number `retry` (1 for the first retry): uniform in [0, min(maxMs, baseMs × 2^(retry-1))),
 * and at least what the provider asked for.
 */
export function backoffDelay(retry: number, opts: { baseMs: number; maxMs: number; retryAfterMs?: number }, random: Random): number {
  const ceiling = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.max(0, retry - 1));
  const jittered = Math.floor(random() * ceiling);
  return Math.max(jittered, opts.retryAfterMs ?? 0);
}

/** Wait `ms`, or reject with the signal's reason as soon as it aborts (the deadline passed, the client left). */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
