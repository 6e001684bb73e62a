// Everything this instance knows about its providers' recent behaviour, built once per process and
// shared by all requests: breakers, latency, retry budgets and throttle windows, plus the random source
// jitter, weights and shadow sampling draw from.
import type { GatewayConfig, ProviderConfig } from '../config/schema';
import { BreakerBoard, type BreakerBoardDeps } from './breaker-board';
import { LatencyTracker } from './latency';
import { RetryBudget } from './retry-budget';
import type { Random } from './backoff';

/** a 429 without Retry-After or reset headers keeps the provider aside this long */
export const DEFAULT_THROTTLE_MS = 1_000;

export class Resilience {
  readonly breakers: BreakerBoard;
  readonly latency = new LatencyTracker();
  private readonly budgets = new Map<string, RetryBudget>();
  /** provider-id\0model → epoch ms until which the provider asked us not to call */
  private readonly throttles = new Map<string, number>();

  constructor(
    config: GatewayConfig,
    deps: BreakerBoardDeps,
    readonly random: Random = Math.random,
  ) {
    this.breakers = new BreakerBoard(config, deps);
  }

  budget(provider: ProviderConfig): RetryBudget {
    let budget = this.budgets.get(provider.id);
    if (!budget) this.budgets.set(provider.id, (budget = new RetryBudget(provider.retry.budgetRatio)));
    return budget;
  }

  /** when the provider lets us call this model again, if it is throttling us now */
  throttledUntil(providerId: string, model: string, now: number): number | undefined {
    const until = this.throttles.get(`${providerId}\u0000${model}`);
    return until !== undefined && until > now ? until : undefined;
  }

  throttle(providerId: string, model: string, until: number): void {
    const key = `${providerId}\u0000${model}`;
    // a later answer never shortens a window the provider asked for
    this.throttles.set(key, Math.max(until, this.throttles.get(key) ?? 0));
  }

  /** after the response: share what this instance learned */
  sync(): Promise<void> {
    return this.breakers.sync();
  }
}
