// The share of a tenant's rate limits its batch lines may use. Every batch line is an ordinary request to the
// gateway, so it takes from the tenant's own windows (T#<tenant>) like an interactive call; before that the
// worker takes it from a second set of windows, B#<tenant>, whose limits are `batches.rateShare` of the
// tenant's. Both are the same fixed windows, so in any window batch lines hold at most share × limit of the
// tenant's count and its interactive calls always have the rest. A line refused here waits for its window.
import { dimensionLimits, RateLimiter, RateTicket, type DimensionLimits } from '../admission/rate-limits';
import type { Clock, RateCounterStore } from '../ports';
import type { Tenant } from '../tenants/directory';

/** as the admission's own leases: about 2 s of this instance's batch traffic ahead, at most a quarter of what is left */
const SHARE_TUNING = { horizonMs: 2_000, shareDivisor: 4 };

export class BatchShare {
  readonly #limiter: RateLimiter;

  constructor(
    store: RateCounterStore,
    clock: Clock,
    private readonly share: number,
  ) {
    this.#limiter = new RateLimiter(store, clock, SHARE_TUNING);
  }

  /** the batch share of each of the tenant's limits (at least 1 where the tenant has a limit) */
  limitsOf(tenant: Tenant): DimensionLimits {
    const scaled: DimensionLimits = {};
    for (const [dimension, limit] of Object.entries(dimensionLimits(tenant.limits)) as Array<[keyof DimensionLimits, number | undefined]>) {
      if (limit !== undefined) scaled[dimension] = Math.max(1, Math.floor(limit * this.share));
    }
    return scaled;
  }

  /** take one line of `tokens` (estimated input): undefined when taken, else how long until its window has room */
  async take(tenant: Tenant, tokens: number): Promise<number | undefined> {
    const limits = this.limitsOf(tenant);
    if (Object.keys(limits).length === 0) return undefined;
    const taken = await this.#limiter.take(`B#${tenant.id}`, limits, { requests: 1, tokens });
    if (taken instanceof RateTicket) return undefined;
    return Math.max(...taken.map((r) => r.retryAfterMs));
  }
}
