// Metric names: the contract between the code that emits them and the alarms and dashboard that read them.
// Mirrors the lead's lambdas/core/observability.ts (not on main yet); once it lands this re-exports it.
export const METRIC_NAMESPACE = 'Switchboard';

export const METRICS = {
  requests: 'Requests',
  errors: 'Errors',
  latency: 'Latency',
  timeToFirstByte: 'TimeToFirstByte',
  upstreamCalls: 'UpstreamCalls',
  upstreamLatency: 'UpstreamLatency',
  fallbacks: 'Fallbacks',
  breakerOpened: 'BreakerOpened',
  breakerState: 'BreakerState',
  providerHealthy: 'ProviderHealthy',
  rateLimited: 'RateLimited',
  budgetExceeded: 'BudgetExceeded',
  budgetThreshold: 'BudgetThresholdReached',
  costUsd: 'CostUsd',
  cacheHits: 'CacheHits',
} as const;

/**
 * One series summed over every dimension set the metric is emitted with (Provider, Tenant, Route, …), via a
 * CloudWatch Metrics Insights query, so an alarm does not depend on which dimensions the emitter adds.
 */
export function insightsQuery(metric: string, aggregate: 'SUM' | 'MAX' | 'MIN' | 'AVG' = 'SUM'): string {
  return `SELECT ${aggregate}(${metric}) FROM ${METRIC_NAMESPACE}`;
}
