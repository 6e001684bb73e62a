// Logger and Metrics ports on Powertools: JSON log lines, and CloudWatch EMF metrics (one EMF blob per
// dimension set, since EMF applies a blob's dimensions to every metric in it).
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { Metrics as PowertoolsMetrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { LogAttributes, Logger, MetricUnit as Unit, Metrics } from '../../core/ports';
import { METRIC_NAMESPACE } from '../../core/observability';

const SERVICE = 'switchboard';

export function createLogger(): Logger {
  const logger = new PowertoolsLogger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? SERVICE });
  return {
    debug: (message: string, attributes?: LogAttributes) => logger.debug(message, attributes ?? {}),
    info: (message: string, attributes?: LogAttributes) => logger.info(message, attributes ?? {}),
    warn: (message: string, attributes?: LogAttributes) => logger.warn(message, attributes ?? {}),
    error: (message: string, attributes?: LogAttributes) => logger.error(message, attributes ?? {}),
  };
}

const UNITS: Record<Unit, (typeof MetricUnit)[keyof typeof MetricUnit]> = {
  Count: MetricUnit.Count,
  Milliseconds: MetricUnit.Milliseconds,
  None: MetricUnit.NoUnit,
};

interface Point {
  name: string;
  value: number;
  unit: Unit;
}

/** Powertools' Metrics, saying whether POWERTOOLS_METRICS_DISABLED (or POWERTOOLS_DEV) turned it off, as it reads them */
class EmfMetrics extends PowertoolsMetrics {
  get off(): boolean {
    return this.isDisabled();
  }
}

/**
 * Dimensions that name a tenant. Each value is a custom metric billed every month ($0.30 per tenant and
 * metric), so unless TENANT_METRICS=true (deploy setting tenantMetrics) a tenant is written as a field of the
 * metric's log line instead: Logs Insights still sums cost per tenant from it, and no metric is created.
 */
const TENANT_DIMENSIONS = ['Tenant'];

export interface MetricsAdapterOptions {
  /** publish Tenant as a metric dimension @default process.env.TENANT_METRICS === 'true' */
  tenantDimension?: boolean;
}

export class PowertoolsMetricsAdapter implements Metrics {
  private readonly emf = new EmfMetrics({
    namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? METRIC_NAMESPACE,
    serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? SERVICE,
  });
  private readonly groups = new Map<string, { dimensions: Record<string, string>; fields: Record<string, string>; points: Point[] }>();
  private readonly tenantDimension: boolean;

  constructor(opts: MetricsAdapterOptions = {}) {
    this.tenantDimension = opts.tenantDimension ?? process.env.TENANT_METRICS === 'true';
  }

  add(name: string, value: number, unit: Unit, dimensions: Record<string, string> = {}): void {
    if (this.emf.off) return; // `npm start` turns EMF off: nothing would be printed, so nothing is gathered
    let dims = dimensions;
    const fields: Record<string, string> = {};
    if (!this.tenantDimension && TENANT_DIMENSIONS.some((d) => d in dimensions)) {
      dims = {};
      for (const [k, v] of Object.entries(dimensions)) (TENANT_DIMENSIONS.includes(k) ? fields : dims)[k] = v;
    }
    const key = JSON.stringify([dims, fields]);
    let group = this.groups.get(key);
    if (!group) this.groups.set(key, (group = { dimensions: dims, fields, points: [] }));
    group.points.push({ name, value, unit });
  }

  flush(): void {
    if (this.groups.size === 0) return;
    const groups = [...this.groups.values()];
    this.groups.clear();
    for (const { dimensions, fields, points } of groups) {
      if (Object.keys(dimensions).length) this.emf.addDimensions(dimensions);
      for (const [k, v] of Object.entries(fields)) this.emf.addMetadata(k, v);
      for (const p of points) this.emf.addMetric(p.name, UNITS[p.unit], p.value);
      this.emf.publishStoredMetrics();
    }
  }
}
