// The gateway's one entry point: route a GatewayRequest to its use case, map every error to an
// OpenAI-shaped answer in one place, and log and measure each request once it is over.
import type { AdmissionControl } from './admission/admit';
import type { GatewayConfig } from './config/schema';
import { asGatewayError, errors, GatewayError } from './errors';
import { jsonResponse, type GatewayRequest, type GatewayResponse } from './http';
import { METRICS } from './observability';
import type { AlertPublisher, Clock, CostLedger, Logger, Metrics } from './ports';
import type { Provider } from '../providers/types';
import type { TenantDirectory } from './tenants/directory';
import type { Resilience } from './resilience/resilience';
import { handleChat } from './pipeline/chat';
import { handleEmbeddings } from './pipeline/embeddings';
import { handleModels } from './pipeline/models';
import { handleUsage } from './pipeline/usage';
import { handleHealth } from './pipeline/health';
import { requestLogLine } from './request-log';

export interface GatewayDeps {
  config: GatewayConfig;
  providers: Map<string, Provider>;
  tenants: TenantDirectory;
  /** rate limits, budgets and settlement (lambdas/core/admission) */
  admission: AdmissionControl;
  ledger: CostLedger;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  alerts: AlertPublisher;
  /** breakers, latency, retry budgets and throttles: one per process, shared by every request */
  resilience: Resilience;
  region: string;
  version: string;
}

/** What one request did, filled in as it goes; logged once, after the last byte. */
export interface RequestScope {
  requestId: string;
  receivedAt: number;
  route: string;
  tenant?: string;
  model?: string;
  provider?: string;
  providerModel?: string;
  attempts?: number;
  costNanoUsd?: number;
  stream?: boolean;
  /** error code of an answer that failed after its status was sent (mid-stream) */
  streamError?: string;
}

type Handler = (req: GatewayRequest, scope: RequestScope, deps: GatewayDeps) => Promise<GatewayResponse>;

const ROUTES: Record<string, Partial<Record<string, Handler>>> = {
  '/v1/chat/completions': { POST: handleChat },
  '/v1/embeddings': { POST: handleEmbeddings },
  '/v1/models': { GET: handleModels },
  '/v1/usage': { GET: handleUsage },
  '/health': { GET: handleHealth },
};

export type Gateway = (req: GatewayRequest) => Promise<GatewayResponse>;

export function createGateway(deps: GatewayDeps): Gateway {
  return async (req) => {
    const scope: RequestScope = { requestId: req.requestId, receivedAt: req.receivedAt, route: req.path };
    let response: GatewayResponse;
    try {
      const methods = ROUTES[req.path];
      if (!methods) throw errors.notFound(req.path);
      const handler = methods[req.method];
      if (!handler) throw errors.methodNotAllowed(req.method, req.path);
      if (req.bodyBytes > deps.config.gateway.maxRequestBytes) throw errors.requestTooLarge(deps.config.gateway.maxRequestBytes);
      response = await handler(req, scope, deps);
    } catch (err) {
      response = errorResponse(err, scope, deps);
    }
    response.headers['x-request-id'] = req.requestId;
    const routeAfter = response.after;
    response.after = async () => {
      try {
        await routeAfter?.();
      } catch (err) {
        deps.logger.error('after-response work failed', { requestId: req.requestId, error: describe(err) });
      }
      // breaker outcomes and transitions are shared once the client has its answer, never before it
      await deps.resilience.sync().catch((err: unknown) => deps.logger.error('breaker sync failed', { error: describe(err) }));
      await finish(scope, response.status, deps);
    };
    return response;
  };
}

function errorResponse(err: unknown, scope: RequestScope, deps: GatewayDeps): GatewayResponse {
  const gatewayError = asGatewayError(err);
  if (!(err instanceof GatewayError)) {
    deps.logger.error('unhandled error', { requestId: scope.requestId, error: describe(err) });
  }
  deps.metrics.add(METRICS.errors, 1, 'Count', { Code: gatewayError.code });
  if (gatewayError.code === 'rate_limit_exceeded') deps.metrics.add(METRICS.rateLimited, 1, 'Count');
  if (gatewayError.code === 'budget_exceeded') deps.metrics.add(METRICS.budgetExceeded, 1, 'Count');
  return jsonResponse(gatewayError.status, gatewayError.toBody(), { ...gatewayError.headers });
}

async function finish(scope: RequestScope, status: number, deps: GatewayDeps): Promise<void> {
  const latencyMs = deps.clock.now() - scope.receivedAt;
  deps.metrics.add(METRICS.requests, 1, 'Count', { Route: scope.route });
  deps.metrics.add(METRICS.latency, latencyMs, 'Milliseconds');
  deps.logger.info('request', requestLogLine(scope, status, latencyMs));
  await deps.metrics.flush();
}

/** error text for logs: message and stack, never request data */
export function describe(err: unknown): Record<string, unknown> {
  return err instanceof Error ? { name: err.name, message: err.message, stack: err.stack } : { value: String(err) };
}
