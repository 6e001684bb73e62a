// Metric names shared by the code that emits them and the dashboards and alarms that read them.

export const METRIC_NAMESPACE = 'Switchboard';

export const METRICS = {
  /** every API request; dimension Route */
  requests: 'Requests',
  /** error answers; dimension Code (the error.code) */
  errors: 'Errors',
  /** gateway latency from request to last byte, ms */
  latency: 'Latency',
  /** time to first byte, ms */
  timeToFirstByte: 'TimeToFirstByte',
  /** one provider call; dimensions Provider, Outcome (ok|error) */
  upstreamCalls: 'UpstreamCalls',
  upstreamLatency: 'UpstreamLatency',
  /** a request served by a target other than its first; dimension Provider (the one that failed) */
  fallbacks: 'Fallbacks',
  /** breaker transitions; dimension Provider */
  breakerOpened: 'BreakerOpened',
  breakerClosed: 'BreakerClosed',
  /** 0 closed, 1 half-open, 2 open; dimension Provider */
  breakerState: 'BreakerState',
  /** 1 healthy, 0 not; dimension Provider (scheduled health check) */
  providerHealthy: 'ProviderHealthy',
  rateLimited: 'RateLimited',
  budgetExceeded: 'BudgetExceeded',
  /** a tenant crossed 80/90/100 % of a budget period; dimensions Tenant, Threshold */
  budgetThreshold: 'BudgetThresholdReached',
  /** settled cost in USD; dimension Tenant, and separately Provider */
  costUsd: 'CostUsd',
  cacheHits: 'CacheHits',
} as const;
