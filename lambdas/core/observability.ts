// Metric names shared by the code that emits them and the dashboards and alarms that read them.

export const METRIC_NAMESPACE = 'Switchboard';

export const METRICS = {
  /** every API request; dimension Route */
  requests: 'Requests',
  /** error answers; dimension Code (the error.code) */
  errors: 'Errors',
  /** gateway latency from request to last byte, ms */
  latency: 'Latency',
  /** time to the first byte of an answer's body, ms; no dimension but Powertools' `service` (the p99 alarm names it) */
  timeToFirstByte: 'TimeToFirstByte',
  /** one provider call; dimensions Provider, Outcome (ok|error) */
  upstreamCalls: 'UpstreamCalls',
  upstreamLatency: 'UpstreamLatency',
  /** a request moved on from a target that failed or was skipped; dimension Provider (the one left) */
  fallbacks: 'Fallbacks',
  /** a call repeated on the same provider after a failure; dimension Provider */
  retries: 'Retries',
  /** a provider answered 429 (or asked to wait): it is skipped until then; dimension Provider */
  throttled: 'ProviderThrottled',
  /** a second target started because the first was slower than its p95; dimensions Provider, Outcome (started|won|lost) */
  hedges: 'Hedges',
  /** a mirrored request to a model's shadow target; dimensions Provider, Outcome (ok|error) */
  shadowCalls: 'ShadowCalls',
  shadowLatency: 'ShadowLatency',
  /** what the shadow call would have cost, USD (never charged); dimension Provider */
  shadowCostUsd: 'ShadowCostUsd',
  /** breaker transitions; dimension Provider */
  breakerOpened: 'BreakerOpened',
  breakerClosed: 'BreakerClosed',
  /** 0 closed, 1 half-open, 2 open; dimension Provider */
  breakerState: 'BreakerState',
  /** 1 healthy, 0 not; dimension Provider (scheduled health check) */
  providerHealthy: 'ProviderHealthy',
  /**
   * 1 when the region's own GET /health answered 200 to the scheduled check, 0 otherwise; no dimension but
   * Powertools' `service`, so an alarm (and the Route 53 health check that follows it) can name it exactly
   */
  regionHealthy: 'RegionHealthy',
  rateLimited: 'RateLimited',
  budgetExceeded: 'BudgetExceeded',
  /** a tenant crossed 80/90/100 % of a budget period; dimensions Tenant, Threshold */
  budgetThreshold: 'BudgetThresholdReached',
  /**
   * settled cost in USD; dimension Provider, and separately Tenant (a dimension only with TENANT_METRICS,
   * else a field of the log line: see the metrics adapter)
   */
  costUsd: 'CostUsd',
  /** answers served from the response cache (exact and semantic hits) */
  cacheHits: 'CacheHits',
  /** requests to a cached alias that the cache could not answer */
  cacheMisses: 'CacheMisses',
  /**
   * a ledger write the store refused as invalid (item too large, key too long); dimension Kind: breakdown (a
   * settlement written without its split by model), settlement (a batch set aside: its cost is only in the
   * log), entry (a per-request entry set aside; its cost is in the settlement)
   */
  ledgerWritesRejected: 'LedgerWritesRejected',
  /** a guardrail policy acted (docs/guardrails.md); dimensions Action (block|mask|monitor), Direction (input|output) */
  guardrailActions: 'GuardrailActions',
} as const;
