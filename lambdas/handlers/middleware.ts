// The middy composition every Lambda entry shares: Powertools' Lambda context (request id, cold start) on
// the log lines of each invocation, and its metrics published when it ends, also when it throws.
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy, { type MiddlewareObj, type MiddyfiedHandler } from '@middy/core';
import type { Context } from 'aws-lambda';
import type { Logger, Metrics } from '../core/ports';
import { PowertoolsLoggerAdapter, PowertoolsMetricsAdapter } from '../adapters/observability/powertools';

export interface Observability {
  logger: Logger;
  metrics?: Metrics;
}

/** `injectLambdaContext` for a logger on Powertools; a port that is not (a test's in-memory logger) gets none */
export function lambdaContextMiddleware(logger: Logger): MiddlewareObj[] {
  return logger instanceof PowertoolsLoggerAdapter ? [injectLambdaContext(logger.powertools) as MiddlewareObj] : [];
}

/** `logMetrics` for metrics on Powertools; none for another port */
export function metricsMiddleware(metrics: Metrics | undefined): MiddlewareObj | undefined {
  return metrics instanceof PowertoolsMetricsAdapter ? (logMetrics(metrics.powertools) as MiddlewareObj) : undefined;
}

/** A request/response Lambda entry (authorizer, scheduled health check, secret rotation) through middy. */
export function lambdaHandler<E, R>(handler: (event: E, context: Context) => Promise<R>, { logger, metrics }: Observability): MiddyfiedHandler<E, R> {
  const published = metricsMiddleware(metrics);
  return middy<E, R>(handler).use([...lambdaContextMiddleware(logger), ...(published ? [published] : [])]);
}
