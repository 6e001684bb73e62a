// The metric names alarms and the dashboard read: the emitters' contract (lambdas/core/observability.ts),
// plus the query form alarms use.
import { METRIC_NAMESPACE } from '../../lambdas/core/observability';

export { METRIC_NAMESPACE, METRICS } from '../../lambdas/core/observability';

/**
 * One series aggregated over every dimension set a metric is emitted with (Provider, Tenant, Route, the
 * Powertools `service`…), as a CloudWatch Metrics Insights query, so an alarm does not break when an
 * emitter adds a dimension.
 */
export function insightsQuery(metric: string, aggregate: 'SUM' | 'MAX' | 'MIN' | 'AVG' = 'SUM'): string {
  return `SELECT ${aggregate}(${metric}) FROM ${METRIC_NAMESPACE}`;
}
