// Is this region serving? The scheduled health check asks the region's own API, once a minute, the way a
// client would: GET <regional endpoint>/health through API Gateway and the gateway function, which answers
// 503 when its state store does not answer or no provider can take traffic. One answer covers every way the
// region fails: the API (no answer), the function (API Gateway's 5xx), the store and the providers (503).
// The result is the RegionHealthy metric, whose alarm a Route 53 health check follows (docs/deploy.md,
// "Several regions").
import type { Clock, HttpClient } from '../ports';

export interface RegionProbe {
  /** 1 when the region answered 200, else 0 */
  healthy: boolean;
  /** the HTTP status, when there was an answer */
  status?: number;
  latencyMs: number;
  /** why it is not healthy: `HTTP 503`, a connect error code, `Timeout` */
  reason?: string;
}

export const REGION_PROBE_TIMEOUT_MS = 10_000;

export async function probeRegion(url: string, http: HttpClient, clock: Clock, timeoutMs = REGION_PROBE_TIMEOUT_MS): Promise<RegionProbe> {
  const started = clock.now();
  try {
    const res = await http.request({ url, method: 'GET', headers: { accept: 'application/json' }, signal: AbortSignal.timeout(timeoutMs) });
    // the body says which part failed, for the log; the status is what counts
    const text = await res.text().catch(() => '');
    const latencyMs = clock.now() - started;
    if (res.status === 200) return { healthy: true, status: 200, latencyMs };
    return { healthy: false, status: res.status, latencyMs, reason: `HTTP ${res.status}${summary(text)}` };
  } catch (err) {
    const e = err as { code?: unknown; name?: string };
    return { healthy: false, latencyMs: clock.now() - started, reason: typeof e.code === 'string' ? e.code : (e.name ?? 'unknown') };
  }
}

/** what /health said was wrong (store, providers), short: never more than the status words */
function summary(text: string): string {
  try {
    const body = JSON.parse(text) as { status?: unknown; store?: unknown };
    const parts = [typeof body.status === 'string' ? body.status : undefined, body.store === 'unreachable' ? 'store unreachable' : undefined].filter(Boolean);
    return parts.length ? ` (${parts.join(', ')})` : '';
  } catch {
    return '';
  }
}
