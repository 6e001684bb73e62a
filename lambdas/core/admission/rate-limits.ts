// Rate limits of a scope (a tenant, a provider, a tenant's expensive calls): one quota lease per limited
// dimension and current window. A request takes from every dimension of a scope in parallel, all or nothing.
//
// Across regions a limit holds for the sum of every region's count of the window. A region grows only its own
// count (global tables would lose an ADD two regions make to one item), conditioned on the limit less the other
// regions' counts as it last read them, and reads them again in the same round trip. A take that the fresh
// counts show past the limit is refused and its units stay counted: fewer admissions, never more. What can
// pass the limit is only what other regions took within the replication lag, unseen. With one region nothing
// else is read, and the quota lease's invariants (quota-lease.ts) hold as they are.
import type { RateLimits } from '../config/schema';
import type { Clock, CounterKey, RateCounterStore } from '../ports';
import { QuotaLease, type LeaseTuning } from './quota-lease';
import { formatDuration, windowAt, type Window, type WindowKind } from './windows';

export type Dimension = 'rpm' | 'rph' | 'rpd' | 'tpm' | 'xph';

interface DimensionSpec {
  window: WindowKind;
  unit: 'requests' | 'tokens';
}

const DIMENSIONS: Record<Dimension, DimensionSpec> = {
  rpm: { window: 'minute', unit: 'requests' },
  rph: { window: 'hour', unit: 'requests' },
  rpd: { window: 'day', unit: 'requests' },
  tpm: { window: 'minute', unit: 'tokens' },
  xph: { window: 'hour', unit: 'requests' },
};

export type DimensionLimits = Partial<Record<Dimension, number>>;

/** "requests per minute", for messages */
export function describeDimension(d: Dimension): string {
  const { unit, window } = DIMENSIONS[d];
  return d === 'xph' ? 'calls per hour to expensive models' : `${unit} per ${window}`;
}

export function dimensionLimits(limits: RateLimits | undefined): DimensionLimits {
  return { rpm: limits?.requestsPerMinute, rph: limits?.requestsPerHour, rpd: limits?.requestsPerDay, tpm: limits?.tokensPerMinute };
}

/** what one request took from one dimension */
interface Taken {
  dimension: Dimension;
  key: CounterKey;
  lease: QuotaLease;
  units: number;
}

export interface Refused {
  dimension: Dimension;
  limit: number;
  retryAfterMs: number;
}

/** Headers for the request and token dimensions that bind most: OpenAI's x-ratelimit-* set. */
export interface RateStatus {
  unit: 'requests' | 'tokens';
  limit: number;
  remaining: number;
  resetMs: number;
}

export class RateTicket {
  readonly #parts: Taken[];
  readonly #limiter: RateLimiter;

  constructor(
    parts: Taken[],
    limiter: RateLimiter,
  ) {
    this.#parts = parts;
    this.#limiter = limiter;
  }

  /** the request was not served (another check refused it): its units go back to this instance's leases */
  giveBack(): void {
    for (const p of this.#parts) if (this.#limiter.isCurrent(p)) p.lease.giveBack(p.units);
  }

  /** The call used `actual` tokens where `units` were estimated: return the rest, or charge what was missing. */
  async correctTokens(actual: number): Promise<void> {
    await Promise.all(
      this.#parts
        .filter((p) => DIMENSIONS[p.dimension].unit === 'tokens' && this.#limiter.isCurrent(p))
        .map((p) => {
          const diff = actual - p.units;
          if (diff <= 0) {
            p.lease.giveBack(-diff);
            return undefined;
          }
          const missing = p.lease.consumeLocal(diff);
          return missing > 0 ? this.#limiter.charge(p.key, missing) : undefined;
        }),
    );
  }

  status(now: number): RateStatus[] {
    const byUnit = new Map<string, RateStatus>();
    for (const p of this.#parts) {
      const unit = DIMENSIONS[p.dimension].unit;
      const s: RateStatus = { unit, limit: p.lease.limit, remaining: p.lease.remaining, resetMs: p.key.windowEnd - now };
      const seen = byUnit.get(unit);
      if (!seen || s.remaining < seen.remaining) byUnit.set(unit, s);
    }
    return [...byUnit.values()];
  }
}

export function rateLimitHeaders(statuses: RateStatus[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const s of statuses) {
    headers[`x-ratelimit-limit-${s.unit}`] = String(s.limit);
    headers[`x-ratelimit-remaining-${s.unit}`] = String(Math.max(0, Math.min(s.limit, s.remaining)));
    headers[`x-ratelimit-reset-${s.unit}`] = formatDuration(s.resetMs);
  }
  return headers;
}

interface Held {
  window: Window;
  limit: number;
  lease: QuotaLease;
  /** the other regions' counts of the window as last read (always 0 with one region) */
  elsewhere: number;
}

export class RateLimiter {
  readonly #store: RateCounterStore;
  readonly #clock: Clock;
  readonly #tuning: LeaseTuning;

  /** scope|dimension → the lease of its current window; a new window replaces the old one */
  readonly #leases = new Map<string, Held>();

  constructor(
    store: RateCounterStore,
    clock: Clock,
    tuning: LeaseTuning,
  ) {
    this.#store = store;
    this.#clock = clock;
    this.#tuning = tuning;
  }

  /** Take `units` (requests, tokens) from each limited dimension of `scope`; all are given back if one refuses. */
  async take(scope: string, limits: DimensionLimits, units: { requests: number; tokens: number }): Promise<RateTicket | Refused[]> {
    const now = this.#clock.now();
    const wanted = (Object.entries(limits) as Array<[Dimension, number | undefined]>).filter(
      (e): e is [Dimension, number] => e[1] !== undefined,
    );
    const attempts = await Promise.all(
      wanted.map(async ([dimension, limit]) => {
        const held = this.#held(scope, dimension, limit, now);
        const n = DIMENSIONS[dimension].unit === 'tokens' ? units.tokens : units.requests;
        const key: CounterKey = { scope, dimension, windowStart: held.window.start, windowEnd: held.window.end };
        const ok = await held.lease.take(n);
        return { taken: { dimension, key, lease: held.lease, units: n }, ok, limit };
      }),
    );
    const ticket = new RateTicket(attempts.filter((a) => a.ok).map((a) => a.taken), this);
    const refused = attempts.filter((a) => !a.ok);
    if (refused.length === 0) return ticket;
    ticket.giveBack();
    return refused.map((a) => ({ dimension: a.taken.dimension, limit: a.limit, retryAfterMs: a.taken.key.windowEnd - now }));
  }

  isCurrent(taken: Taken): boolean {
    return this.#leases.get(`${taken.key.scope}|${taken.dimension}`)?.lease === taken.lease;
  }

  charge(key: CounterKey, units: number): Promise<void> {
    return this.#store.charge(key, units);
  }

  #held(scope: string, dimension: Dimension, limit: number, now: number): Held {
    const id = `${scope}|${dimension}`;
    const held = this.#leases.get(id);
    // a new window, or an operator changed the limit: start a new lease (the shared count is the same item)
    if (held && held.window.end > now && held.limit === limit) return held;
    const window = windowAt(DIMENSIONS[dimension].window, now);
    const key: CounterKey = { scope, dimension, windowStart: window.start, windowEnd: window.end };
    const fresh: Held = { window, limit, elsewhere: 0, lease: new QuotaLease(limit, (n) => this.#takeShared(fresh, key, n), this.#tuning, this.#clock) };
    this.#leases.set(id, fresh);
    return fresh;
  }

  /**
   * Add units to this region's count within what the other regions leave (as last read), reading their counts
   * alongside: the deployment's count after, or undefined. Counts only grow within a window, so a refusal
   * against an older reading stands.
   */
  async #takeShared(held: Held, key: CounterKey, units: number): Promise<number | undefined> {
    const [count, elsewhere] = await Promise.all([this.#store.take(key, units, held.limit - held.elsewhere), this.#store.otherRegions(key)]);
    if (elsewhere === undefined) return count;
    held.elsewhere = Math.max(held.elsewhere, elsewhere);
    if (count === undefined) return undefined;
    const total = count + held.elsewhere;
    return total <= held.limit ? total : undefined;
  }
}
