// The sweep: budget leases whose instance is gone (crashed, frozen past the lease's expiry) still hold room in
// their period's committed total. Each is released once — conditioned on the seq it was read at, so a late
// settlement and the sweep cannot both count — giving its unused grant back. Run by the scheduled function
// in AWS, on an interval by the local server, and on demand by `switchboard reservations sweep`.
import type { LeaseSweepStore, Logger } from '../ports';
import { formatUsd } from '../pricing/cost';

/** a lease is the sweep's this long after its expiry, so no instance is still writing to it */
export const SWEEP_GRACE_MS = 60_000;

export interface SweepResult {
  released: number;
  returnedNanoUsd: number;
}

export async function sweepExpiredLeases(store: LeaseSweepStore, tenantIds: Iterable<string>, now: number, logger: Logger): Promise<SweepResult> {
  const result: SweepResult = { released: 0, returnedNanoUsd: 0 };
  for (const tenantId of new Set(tenantIds)) {
    for (const { period, lease } of await store.expiredLeases(tenantId, now - SWEEP_GRACE_MS)) {
      if (!(await store.releaseLease(period, lease))) continue;
      const unused = Math.max(0, lease.granted - lease.used);
      result.released += 1;
      result.returnedNanoUsd += unused;
      logger.info('released an expired budget lease', { tenant: tenantId, period: period.name, lease: lease.id, returnedUsd: formatUsd(unused) });
    }
  }
  return result;
}
