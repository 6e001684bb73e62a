// The metric names alarms and the dashboard read: the emitters' contract (lambdas/core/observability.ts),
// plus the query and metric forms alarms use.
import { Duration } from 'aws-cdk-lib';
import { Metric } from 'aws-cdk-lib/aws-cloudwatch';

export { METRIC_NAMESPACE, METRICS } from '../../lambdas/core/observability';

/**
 * One series aggregated over every dimension set a metric is emitted with (Provider, Tenant, Route, the
 * Powertools `service`…), as a CloudWatch Metrics Insights query, so an alarm does not break when an
 * emitter adds a dimension.
 */
export function insightsQuery(namespace: string, metric: string, aggregate: 'SUM' | 'MAX' | 'MIN' | 'AVG' = 'SUM'): string {
  // a namespace with anything but letters, digits and _ (Switchboard/staging) is written in double quotes
  const from = /^[A-Za-z0-9_]+$/.test(namespace) ? namespace : `"${namespace}"`;
  return `SELECT ${aggregate}(${metric}) FROM ${from}`;
}

/**
 * The Powertools service names of the functions (POWERTOOLS_SERVICE_NAME), which Powertools adds to every
 * metric as the `service` dimension: an alarm that must name a metric exactly (a percentile, or one a Route 53
 * health check follows, neither of which Metrics Insights allows) names it with this dimension.
 */
export const SERVICES = {
  gateway: 'switchboard-gateway',
  authorizer: 'switchboard-authorizer',
  healthCheck: 'switchboard-health-check',
  rotation: 'switchboard-secret-rotation',
  batchWorker: 'switchboard-batch-worker',
} as const;

/** a gateway metric as one emitter publishes it: no dimension but `service` */
export function serviceMetric(namespace: string, metricName: string, service: string, statistic: string, period = Duration.minutes(1)): Metric {
  return new Metric({ namespace, metricName, dimensionsMap: { service }, statistic, period });
}
