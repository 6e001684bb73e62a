// Logger and Metrics ports on Powertools: JSON log lines, and CloudWatch EMF metrics (one EMF blob per
// dimension set, since EMF applies a blob's dimensions to every metric in it). Each adapter exposes its
// Powertools instance for the middy middlewares of lambdas/handlers/middleware.ts.
import { LogFormatter, LogItem, Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import type { LogAttributes as PowertoolsAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';
import { Metrics as PowertoolsMetrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { LogAttributes, Logger, MetricUnit as Unit, Metrics } from '../../core/ports';
import { METRIC_NAMESPACE } from '../../core/observability';

const SERVICE = 'switchboard';

/**
 * What every line carries besides its own fields: level, message, time, the invocation's request id (and
 * cold_start on an invocation that started the instance) and the X-Ray trace id. Powertools' default
 * formatter also puts the function's ARN, name and memory size, the service name and the sampling rate on
 * every line, about 200 bytes that the log group already says.
 */
class CompactLogFormatter extends LogFormatter {
  override formatAttributes(attributes: UnformattedAttributes, additional: PowertoolsAttributes): LogItem {
    return new LogItem({
      attributes: {
        level: attributes.logLevel,
        message: attributes.message,
        timestamp: this.formatTimestamp(attributes.timestamp),
        function_request_id: attributes.lambdaContext?.awsRequestId,
        cold_start: attributes.lambdaContext?.coldStart || undefined,
        xray_trace_id: attributes.xRayTraceId,
      },
    }).addAttributes(additional);
  }
}

export class PowertoolsLoggerAdapter implements Logger {
  /** what `injectLambdaContext` takes */
  readonly powertools = new PowertoolsLogger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? SERVICE, logFormatter: new CompactLogFormatter() });

  debug(message: string, attributes?: LogAttributes): void {
    this.powertools.debug(message, attributes ?? {});
  }
  info(message: string, attributes?: LogAttributes): void {
    this.powertools.info(message, attributes ?? {});
  }
  warn(message: string, attributes?: LogAttributes): void {
    this.powertools.warn(message, attributes ?? {});
  }
  error(message: string, attributes?: LogAttributes): void {
    this.powertools.error(message, attributes ?? {});
  }
}

export function createLogger(): PowertoolsLoggerAdapter {
  return new PowertoolsLoggerAdapter();
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

/**
 * Powertools' Metrics holding the points recorded since the last publish, grouped by dimension set.
 * `publishStoredMetrics` — what `logMetrics` calls when an invocation ends, and what the port's flush
 * calls once a response is out — prints one blob per group, and nothing (no "no metrics" warning) when
 * nothing was recorded: a streamed answer records most of its metrics after its last byte, past the
 * middleware's end of the handler, and the authorizer records none.
 */
class EmfMetrics extends PowertoolsMetrics {
  private readonly groups = new Map<string, { dimensions: Record<string, string>; fields: Record<string, string>; points: Point[] }>();

  /** whether POWERTOOLS_METRICS_DISABLED (or POWERTOOLS_DEV) turned EMF off, as Powertools reads them */
  get off(): boolean {
    return this.isDisabled();
  }

  /** a point under its dimensions; `fields` ride on its blob as plain log fields, not dimensions */
  record(name: string, value: number, unit: Unit, dimensions: Record<string, string>, fields: Record<string, string> = {}): void {
    const key = JSON.stringify([dimensions, fields]);
    let group = this.groups.get(key);
    if (!group) this.groups.set(key, (group = { dimensions, fields, points: [] }));
    group.points.push({ name, value, unit });
  }

  override publishStoredMetrics(): this {
    const groups = [...this.groups.values()];
    this.groups.clear();
    for (const { dimensions, fields, points } of groups) {
      if (Object.keys(dimensions).length) this.addDimensions(dimensions);
      for (const [k, v] of Object.entries(fields)) this.addMetadata(k, v);
      for (const p of points) this.addMetric(p.name, UNITS[p.unit], p.value);
      super.publishStoredMetrics();
    }
    // what was added to the instance directly (not through the port) leaves too
    if (this.hasStoredMetrics()) super.publishStoredMetrics();
    return this;
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
  /** what `logMetrics` takes */
  readonly powertools = new EmfMetrics({
    namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? METRIC_NAMESPACE,
    serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? SERVICE,
  });
  private readonly tenantDimension: boolean;

  constructor(opts: MetricsAdapterOptions = {}) {
    this.tenantDimension = opts.tenantDimension ?? process.env.TENANT_METRICS === 'true';
  }

  add(name: string, value: number, unit: Unit, dimensions: Record<string, string> = {}): void {
    if (this.powertools.off) return; // `npm start` turns EMF off: nothing would be printed, so nothing is gathered
    if (this.tenantDimension || !TENANT_DIMENSIONS.some((d) => d in dimensions)) return this.powertools.record(name, value, unit, dimensions);
    const dims: Record<string, string> = {};
    const fields: Record<string, string> = {};
    for (const [k, v] of Object.entries(dimensions)) (TENANT_DIMENSIONS.includes(k) ? fields : dims)[k] = v;
    this.powertools.record(name, value, unit, dims, fields);
  }

  flush(): void {
    this.powertools.publishStoredMetrics();
  }
}
