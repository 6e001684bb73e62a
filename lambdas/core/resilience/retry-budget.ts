// The retry budget: per provider, retries may add at most `ratio` of its recent first attempts, plus a
// small reserve so a quiet provider can still retry. An outage therefore cannot multiply the load on a
// provider by the retry count (the Finagle RetryBudget idea, over a sliding window).
import { RollingWindow } from './rolling-window';

export const RETRY_BUDGET_WINDOW_MS = 10_000;
/** retries always allowed per second of window, whatever the traffic (Finagle's default reserve) */
export const RETRY_RESERVE_PER_SECOND = 10;

export class RetryBudget {
  /** total: every call; failures: the calls that were retries */
  private readonly calls = new RollingWindow(RETRY_BUDGET_WINDOW_MS);

  constructor(private readonly ratio: number) {}

  recordCall(now: number, isRetry: boolean): void {
    this.calls.add(now, 1, isRetry ? 1 : 0);
  }

  canRetry(now: number): boolean {
    const { total, failures: retries } = this.calls.sum(now);
    const firstAttempts = total - retries;
    const reserve = (RETRY_RESERVE_PER_SECOND * RETRY_BUDGET_WINDOW_MS) / 1000;
    return retries < this.ratio * firstAttempts + reserve;
  }
}
