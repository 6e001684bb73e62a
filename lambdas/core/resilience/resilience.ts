// Everything this instance knows about its providers' recent behaviour, built once per process and
// shared by all requests: breakers, latency, retry budgets and throttle windows, plus the random source
// jitter, weights and shadow sampling draw from.
import { boundedName } from '../bounded-name';
import type { GatewayConfig, ProviderConfig } from '../config/schema';
import { BreakerBoard, type BreakerBoardDeps } from './breaker-board';
import { LatencyTracker } from './latency';
import { RetryBudget } from './retry-budget';
import type { Random } from './backoff';

/** a 429 without Retry-After or reset headers keeps the provider aside this long */
export const DEFAULT_THROTTLE_MS = 1_000;
/** retry budgets of directly addressed models, and throttle windows, kept at most (the oldest go first) */
const MAX_OPEN_ENDED = 1_000;

export class Resilience {
  readonly breakers: BreakerBoard;
  readonly latency = new LatencyTracker();
  private readonly budgets = new Map<string, RetryBudget>();
  /** per provider and model, for models callers address directly: their retries never spend the provider's */
  private readonly directBudgets = new Map<string, RetryBudget>();
  /** provider-id\0model → epoch ms until which the provider asked us not to call */
  private readonly throttles = new Map<string, number>();
  private readonly clock: BreakerBoardDeps['clock'];

  constructor(
    config: GatewayConfig,
    deps: BreakerBoardDeps,
    readonly random: Random = Math.random,
  ) {
    this.breakers = new BreakerBoard(config, deps);
    this.clock = deps.clock;
  }

  /**
   * The retry budget of a provider, or (`directModel`) of one model a caller addressed directly: one tenant
   * retrying failures of a model of its choosing does not use up the retries every tenant's aliases share.
   */
  budget(provider: ProviderConfig, directModel?: string): RetryBudget {
    const [map, key] = directModel === undefined ? [this.budgets, provider.id] : [this.directBudgets, `${provider.id}/${boundedName(directModel, 256)}`];
    let budget = map.get(key);
    if (!budget) {
      if (map === this.directBudgets && map.size >= MAX_OPEN_ENDED) map.delete(map.keys().next().value!);
      map.set(key, (budget = new RetryBudget(provider.retry.budgetRatio)));
    }
    return budget;
  }

  /** when the provider lets us call this model again, if it is throttling us now */
  throttledUntil(providerId: string, model: string, now: number): number | undefined {
    const until = this.throttles.get(`${providerId}\u0000${model}`);
    return until !== undefined && until > now ? until : undefined;
  }

  throttle(providerId: string, model: string, until: number): void {
    const key = `${providerId}\u0000${model}`;
    if (this.throttles.size >= MAX_OPEN_ENDED && !this.throttles.has(key)) {
      // windows that are over say nothing: drop them, and the oldest if none is over
      const now = this.clock.now();
      for (const [k, at] of this.throttles) if (at <= now) this.throttles.delete(k);
      if (this.throttles.size >= MAX_OPEN_ENDED) this.throttles.delete(this.throttles.keys().next().value!);
    }
    // a later answer never shortens a window the provider asked for
    this.throttles.set(key, Math.max(until, this.throttles.get(key) ?? 0));
  }

  /** after the response: share what this instance learned */
  sync(): Promise<void> {
    return this.breakers.sync();
  }
}
