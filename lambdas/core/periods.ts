// Ledger and limit periods, always in UTC.

const DAY_MS = 86_400_000;

/** the last day asked for, with the instants it spans: a request asks several times, and nearly always for today */
let lastDay = { start: 0, end: 0, name: '' };

/** 2026-11-22 */
export function dayOf(ms: number): string {
  if (ms >= lastDay.start && ms < lastDay.end) return lastDay.name;
  const start = Math.floor(ms / DAY_MS) * DAY_MS;
  const name = new Date(ms).toISOString().slice(0, 10);
  // an instant outside Date's range has no day (toISOString threw above): nothing is remembered for it
  lastDay = { start, end: start + DAY_MS, name };
  return name;
}

/** 2026-11 */
export function monthOf(ms: number): string {
  return dayOf(ms).slice(0, 7);
}
