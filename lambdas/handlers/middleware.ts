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

/**
 * The Powertools middlewares for the logger and metrics a function runs with. A port that is not on
 * Powertools (a test's in-memory logger) has nothing for them to do, so it gets none.
 */
export function powertoolsMiddlewares({ logger, metrics }: Observability): MiddlewareObj[] {
  const stack: MiddlewareObj[] = [];
  if (logger instanceof PowertoolsLoggerAdapter) stack.push(injectLambdaContext(logger.powertools) as MiddlewareObj);
  if (metrics instanceof PowertoolsMetricsAdapter) stack.push(logMetrics(metrics.powertools) as MiddlewareObj);
  return stack;
}

/** A request/response Lambda entry (authorizer, scheduled health check, secret rotation) through middy. */
export function lambdaHandler<E, R>(handler: (event: E, context: Context) => Promise<R>, observability: Observability): MiddyfiedHandler<E, R> {
  return middy<E, R>(handler).use(powertoolsMiddlewares(observability));
}
