// How long one attempt may take: the provider's recent p95 × 1.5, clamped to its configured bounds; for
// streams the bound is on the first byte, and a separate idle timeout watches the gaps between chunks.
import type { ProviderConfig } from '../config/schema';
import type { CallKind, LatencyTracker } from './latency';

/** below this many samples the p95 is noise: use the configured timeout */
export const MIN_SAMPLES_FOR_TIMEOUT = 20;
export const TIMEOUT_P95_FACTOR = 1.5;
const DEFAULT_MIN_MS = 1_000;

export interface AttemptTimeouts {
  /** the whole answer, or for streams the first chunk */
  attemptMs: number;
  /** streams: the longest silence between chunks */
  idleMs: number;
}

export function attemptTimeouts(
  provider: ProviderConfig,
  model: string,
  kind: CallKind,
  latency: LatencyTracker,
  now: number,
  /** the gateway's request timeout: the ceiling when the provider sets none */
  defaultMs: number,
): AttemptTimeouts {
  const base = provider.timeoutMs ?? defaultMs;
  const maxMs = provider.timeouts?.maxMs ?? base;
  const minMs = Math.min(provider.timeouts?.minMs ?? Math.min(DEFAULT_MIN_MS, base), maxMs);
  const idleMs = provider.timeouts?.idleMs ?? maxMs;
  if (kind === 'stream' && provider.timeouts?.firstByteMs) return { attemptMs: provider.timeouts.firstByteMs, idleMs };
  const p95 = latency.percentile(provider.id, model, kind, 95, now, MIN_SAMPLES_FOR_TIMEOUT);
  const wanted = p95 === undefined ? base : Math.ceil(p95 * TIMEOUT_P95_FACTOR);
  return { attemptMs: Math.min(maxMs, Math.max(minMs, wanted)), idleMs };
}
