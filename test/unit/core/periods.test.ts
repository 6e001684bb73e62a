// Days and months of instants, in UTC, as the ledger and the limits name them.
import { describe, expect, it } from 'vitest';
import { dayOf, monthOf } from '../../../lambdas/core/periods';

describe('dayOf and monthOf', () => {
  it('name the UTC day and month of an instant, on both sides of midnight and of a month end', () => {
    const lastMs = Date.UTC(2026, 10, 30, 23, 59, 59, 999);
    expect([dayOf(lastMs), monthOf(lastMs)]).toEqual(['2026-11-30', '2026-11']);
    expect([dayOf(lastMs + 1), monthOf(lastMs + 1)]).toEqual(['2026-12-01', '2026-12']);
    // back to the earlier day after the later one, and to the start of a day
    expect(dayOf(lastMs)).toBe('2026-11-30');
    expect(dayOf(Date.UTC(2026, 10, 30))).toBe('2026-11-30');
    expect(dayOf(Date.UTC(2026, 10, 30) - 1)).toBe('2026-11-29');
  });

  it('handle instants before 1970 and leap days', () => {
    expect(dayOf(Date.UTC(1969, 11, 31, 12))).toBe('1969-12-31');
    expect(dayOf(Date.UTC(1970, 0, 1))).toBe('1970-01-01');
    expect(dayOf(Date.UTC(2028, 1, 29, 5))).toBe('2028-02-29');
    expect(monthOf(Date.UTC(2028, 1, 29, 5))).toBe('2028-02');
  });

  it('refuse an instant that is not a date, as Date does', () => {
    expect(() => dayOf(Number.NaN)).toThrow(RangeError);
    expect(dayOf(Date.UTC(2026, 0, 1))).toBe('2026-01-01');
  });
});
