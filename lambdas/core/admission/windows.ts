// Rate-limit windows: fixed UTC minute, hour and day windows, and OpenAI's duration format for resets.

export type WindowKind = 'minute' | 'hour' | 'day';

const WINDOW_MS: Record<WindowKind, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

export interface Window {
  kind: WindowKind;
  start: number;
  end: number;
}

export function windowAt(kind: WindowKind, now: number): Window {
  const size = WINDOW_MS[kind];
  const start = Math.floor(now / size) * size;
  return { kind, start, end: start + size };
}

/** "1s", "6m0s", "1h2m3s": how OpenAI writes x-ratelimit-reset-*; sub-second values round up. */
export function formatDuration(ms: number): string {
  let s = Math.max(1, Math.ceil(ms / 1000));
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  if (h) return `${h}h${m}m${s}s`;
  if (m) return `${m}m${s}s`;
  return `${s}s`;
}

/** retry-after in whole seconds, at least 1 */
export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
