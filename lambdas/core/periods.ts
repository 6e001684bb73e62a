// Ledger and limit periods, always in UTC.

/** 2026-11-22 */
export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** 2026-11 */
export function monthOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 7);
}
