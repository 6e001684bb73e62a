// GatewayDashboard: one CloudWatch dashboard per region: traffic, latency percentiles and time to first byte,
// errors by code, refusals (rate limit, budget), breakers, fallbacks, provider and region health, cost per
// tenant and provider. Every gateway metric it reads is emitted in lambdas/ (test/infra/metrics.test.ts);
// the response cache's hits and misses, and guardrail actions by action and direction.
import { Duration } from 'aws-cdk-lib';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import {
  Dashboard,
  GraphWidget,
  LogQueryVisualizationType,
  LogQueryWidget,
  MathExpression,
  TextWidget,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { insightsQuery, METRICS } from '../config/metrics';

export interface GatewayDashboardProps {
  readonly api: RestApi;
  readonly gatewayFunction: IFunction;
  /** the gateway's log group: cost per tenant is read from its EMF lines (no per-tenant metric needed) */
  readonly gatewayLogGroup: ILogGroup;
  /** @default - generated */
  readonly dashboardName?: string;
  /** the gateway's metric namespace @default 'Switchboard' */
  readonly metricNamespace?: string;
}

const PERIOD = Duration.minutes(1);

/** the gateway's metrics in one namespace */
class GatewayMetrics {
  constructor(private readonly namespace: string) {}

  /**
   * One line per value of `dimension` (Provider, Code…), or per combination of values when it is several
   * (Action and Direction), or one line when there is none. Powertools adds a `service` dimension to every
   * metric, so the schema names it too.
   */
  byDimension(metric: string, dimension: string | readonly string[] | undefined, stat: 'Sum' | 'Average' | 'Maximum' | 'Minimum' | `p${number}`, label = ''): IMetric {
    const schema = [this.namespace, ...[dimension ?? []].flat(), 'service'].join(',');
    return new MathExpression({
      expression: `SEARCH('{${schema}} MetricName="${metric}"', '${stat}', ${PERIOD.toSeconds()})`,
      usingMetrics: {},
      period: PERIOD,
      label,
    });
  }

  total(metric: string, aggregate: 'SUM' | 'AVG' = 'SUM', label = metric): IMetric {
    return new MathExpression({ expression: insightsQuery(this.namespace, metric, aggregate), usingMetrics: {}, period: PERIOD, label });
  }
}

export class GatewayDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: GatewayDashboardProps) {
    super(scope, id);
    const { api, gatewayFunction: fn } = props;
    const m = new GatewayMetrics(props.metricNamespace ?? 'Switchboard');
    const byDimension = m.byDimension.bind(m);
    const total = m.total.bind(m);
    const graph = (title: string, left: IMetric[], width = 8) => new GraphWidget({ title, left, width, height: 6 });

    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName,
      defaultInterval: Duration.hours(3),
    });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: '# Switchboard\nAPI Gateway and Lambda on the left of each row, gateway metrics (namespace `Switchboard`) on the right.',
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      graph('Requests', [api.metricCount({ period: PERIOD, label: 'API requests' }), total(METRICS.requests, 'SUM', 'gateway requests')]),
      graph('Latency (API Gateway, to last byte)', ['p50', 'p95', 'p99'].map((p) => api.metricLatency({ statistic: p, period: PERIOD, label: p }))),
      graph('Time to first byte (gateway; the p99 alarm)', (['p50', 'p95', 'p99'] as const).map((p) => byDimension(METRICS.timeToFirstByte, undefined, p, p))),
    );
    this.dashboard.addWidgets(
      graph('Errors by code', [byDimension(METRICS.errors, 'Code', 'Sum')]),
      graph('API 4xx / 5xx', [api.metricClientError({ period: PERIOD }), api.metricServerError({ period: PERIOD })]),
      graph('Refusals: rate limit and budget', [total(METRICS.rateLimited), total(METRICS.budgetExceeded), total(METRICS.budgetThreshold)]),
    );
    this.dashboard.addWidgets(
      graph('Breaker state by provider (0 closed, 1 half-open, 2 open)', [byDimension(METRICS.breakerState, 'Provider', 'Maximum')]),
      graph('Fallbacks by failed provider', [byDimension(METRICS.fallbacks, 'Provider', 'Sum')]),
      graph('Provider health (scheduled check: 1 healthy)', [byDimension(METRICS.providerHealthy, 'Provider', 'Minimum')]),
    );
    this.dashboard.addWidgets(
      graph('Cost by provider (USD)', [byDimension(METRICS.costUsd, 'Provider', 'Sum')]),
      graph('Upstream latency by provider (ms, avg)', [byDimension(METRICS.upstreamLatency, 'Provider', 'Average')]),
      graph('Region health (its own /health, once a minute: 1 serving; failover follows it)', [byDimension(METRICS.regionHealthy, undefined, 'Minimum', 'RegionHealthy')]),
    );
    this.dashboard.addWidgets(
      graph('Response cache: hits and misses (aliases with a cache)', [total(METRICS.cacheHits), total(METRICS.cacheMisses)]),
      graph('Guardrail actions by action and direction', [byDimension(METRICS.guardrailActions, ['Action', 'Direction'], 'Sum')]),
    );
    this.dashboard.addWidgets(
      new LogQueryWidget({
        title: 'Cost by tenant (USD, from EMF log lines)',
        logGroupNames: [props.gatewayLogGroup.logGroupName],
        view: LogQueryVisualizationType.TABLE,
        queryLines: [
          `fields Tenant, ${METRICS.costUsd}`,
          `filter ispresent(Tenant) and ispresent(${METRICS.costUsd})`,
          `stats sum(${METRICS.costUsd}) as usd by Tenant`,
          'sort usd desc',
          'limit 50',
        ],
        width: 12,
        height: 6,
      }),
      graph('Gateway function', [fn.metricInvocations({ period: PERIOD }), fn.metricErrors({ period: PERIOD }), fn.metricThrottles({ period: PERIOD })], 6),
      graph('Gateway concurrency and duration', [
        fn.metric('ConcurrentExecutions', { statistic: 'Maximum', period: PERIOD }),
        fn.metricDuration({ statistic: 'p95', period: PERIOD }),
      ], 6),
    );
  }
}
