// The gateway's one entry point: route a GatewayRequest to its use case, map every error to an
// OpenAI-shaped answer in one place, and log and measure each request once it is over.
import type { AdmissionControl } from './admission/admit';
import type { GatewayConfig } from './config/schema';
import { boundedName } from './bounded-name';
import { asGatewayError, errors, GatewayError } from './errors';
import { jsonResponse, type GatewayRequest, type GatewayResponse } from './http';
import { METRICS } from './observability';
import { StoreRejectedWrite, type AlertPublisher, type Clock, type CostLedger, type Logger, type Metrics, type ObjectStore, type RequestHistory, type ResponseStore } from './ports';
import type { PriceBook } from './pricing/price-book';
import type { Provider } from '../providers/types';
import type { TenantDirectory } from './tenants/directory';
import type { Resilience } from './resilience/resilience';
import { serveDoor, type Door } from './pipeline/serve';
import { handleEmbeddings } from './pipeline/embeddings';
import { handleModels } from './pipeline/models';
import { handleUsage } from './pipeline/usage';
import { handleHealth } from './pipeline/health';
import { requestLogLine } from './request-log';
import type { ResponseCache } from './cache/response-cache';
import type { GuardrailService } from './guardrails/guard';
import { genAiAttributes, type GenAiAttributes } from './history/tracing';
import { uploadLimit } from './batches/limits';

export interface GatewayDeps {
  config: GatewayConfig;
  providers: Map<string, Provider>;
  tenants: TenantDirectory;
  /** rate limits, budgets and settlement (lambdas/core/admission) */
  admission: AdmissionControl;
  /** what each provider's models cost (config pricing, free providers, the resolved catalogue) */
  prices: PriceBook;
  ledger: CostLedger;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  alerts: AlertPublisher;
  /** breakers, latency, retry budgets and throttles: one per process, shared by every request */
  resilience: Resilience;
  region: string;
  version: string;
  /** the front doors the runtime serves (lambdas/doors), by path and method */
  doors: DoorRoutes;
  /** stored Responses API turns; absent: nothing is stored (store is taken as false) */
  responses?: ResponseStore;
  /** the response cache (lambdas/core/cache); absent: nothing is cached */
  cache?: ResponseCache;
  /** Amazon Bedrock Guardrails (ApplyGuardrail) for policies that name one; absent: such checks fail per onError */
  guardrails?: GuardrailService;
  /** the ledger's per-request entries read back (GET /v1/requests); absent: an empty history */
  history?: RequestHistory;
  /** the payload bucket (tenants with payloadLogging on); absent: a payload write fails, logged and counted */
  payloads?: ObjectStore;
  /** a request's GenAI attributes to its trace (X-Ray in Lambda); absent: the log line alone carries them */
  trace?: (attributes: GenAiAttributes, startMs: number, endMs: number) => void;
  /** files and batch jobs (lambdas/core/batches); absent: /v1/files and /v1/batches answer 404 */
  batches?: import('./batches/ports').BatchServices;
}

/**
 * A door's route that the shared pipeline does not serve, because it calls no model for an answer (Anthropic's
 * count_tokens, GET /v1/responses/{id}): its own handler, with its errors in the door's shape or not. A path may
 * be a template: `{name}` stands for one non-empty segment.
 */
export type DoorHandler = Handler | { handle: Handler; error?: Door['error'] };

export type DoorRoutes = Record<string, Partial<Record<string, Door | DoorHandler>>>;

/** What one request did, filled in as it goes; logged once, after the last byte. */
export interface RequestScope {
  requestId: string;
  receivedAt: number;
  /** the route template (routeOf), never the raw path */
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
  /** what the operator bore for this request beside the tenant's cost */
  operatorCostNanoUsd?: number;
  /** what guardrail policies did (x-gateway-guardrails items), never what they matched */
  guardrails?: string[];
  /** ms from arrival to the answer's first byte (set as it leaves) */
  firstByteMs?: number;
  /** the tenant's call's tokens, once settled (the log line has them as gen_ai.usage.*) */
  usage?: { input: number; output: number };
  /**
   * Settlement of what the request's upstream calls cost, set by a route once it has admitted the request:
   * runs after the response however the request ended (served, failed, client gone), never lost.
   */
  settle?: () => Promise<void>;
  /** the batch whose line this request is (lambdas/core/batches) */
  batchId?: string;
}

type Handler = (req: GatewayRequest, scope: RequestScope, deps: GatewayDeps) => Promise<GatewayResponse>;

/** the core's own routes; the front doors' come from the runtime (GatewayDeps.doors) */
const ROUTES: Record<string, Partial<Record<string, Handler>>> = {
  '/v1/embeddings': { POST: handleEmbeddings },
  '/v1/models': { GET: handleModels },
  '/v1/usage': { GET: handleUsage },
  '/health': { GET: handleHealth },
};

export type Gateway = (req: GatewayRequest) => Promise<GatewayResponse>;

/** the Route of a path that is not one of ours: a metric dimension takes values from a fixed set only */
export const OTHER_ROUTE = 'other';

/**
 * The route a path names, for logs and the Route metric dimension: one of the ROUTES templates, or "other".
 * Never the raw path, which the caller chooses: each distinct dimension value is a CloudWatch metric billed
 * to the operator.
 */
export function routeOf(path: string): string {
  if (Object.hasOwn(ROUTES, path) || DOOR_PATHS.includes(path)) return path;
  return DOOR_TEMPLATES.find((template) => fillsTemplate(template, path)) ?? OTHER_ROUTE;
}

/** the paths of the front doors DESIGN names: known to the Route dimension whichever doors a runtime serves */
const DOOR_PATHS = ['/v1/chat/completions', '/v1/messages', '/v1/messages/count_tokens', '/v1/responses', '/v1/requests'];
/** door paths with an id in them: the Route dimension takes the template, never the id a caller sent */
const DOOR_TEMPLATES = [
  '/v1/responses/{id}', '/v1/responses/{id}/input_items', '/v1/responses/{id}/cancel', '/v1/requests/{id}',
  '/v1/files', '/v1/files/{id}', '/v1/files/{id}/content', '/v1/batches', '/v1/batches/{id}', '/v1/batches/{id}/cancel',
];

/** whether `path` is `template` with each `{name}` segment filled by one non-empty segment */
export function fillsTemplate(template: string, path: string): boolean {
  if (!template.includes('{')) return template === path;
  const want = template.split('/');
  const have = path.split('/');
  return want.length === have.length && want.every((segment, i) => (segment.startsWith('{') ? have[i] !== '' : segment === have[i]));
}

/** the door path (or template) that serves `path` */
function doorPathOf(path: string, doors: DoorRoutes): string | undefined {
  if (Object.hasOwn(doors, path)) return path;
  for (const template of Object.keys(doors)) if (template.includes('{') && fillsTemplate(template, path)) return template;
  return undefined;
}

/** the handler for a path and method: the core's own, or a door's (its own, or through the shared pipeline) */
function handlerOf(path: string, method: string, doors: DoorRoutes): Handler | undefined {
  const core = Object.hasOwn(ROUTES, path) ? ROUTES[path] : undefined;
  if (core) return Object.hasOwn(core, method) ? core[method] : undefined;
  const door = doorOf(path, method, doors);
  if (typeof door === 'function') return door;
  if (door && 'handle' in door) return door.handle;
  return door && ((req, scope, deps) => serveDoor(door, req, scope, deps));
}

export function createGateway(deps: GatewayDeps): Gateway {
  return async (req) => {
    const scope: RequestScope = { requestId: req.requestId, receivedAt: req.receivedAt, route: routeOf(req.path), ...(req.batchId ? { batchId: req.batchId } : {}) };
    let response: GatewayResponse;
    try {
      const known = Object.hasOwn(ROUTES, req.path) || doorPathOf(req.path, deps.doors) !== undefined;
      if (!known) throw errors.notFound(req.path);
      const handler = handlerOf(req.path, req.method, deps.doors);
      if (!handler) throw errors.methodNotAllowed(req.method, req.path);
      const limit = req.path === '/v1/files' ? uploadLimit(deps.config) : deps.config.gateway.maxRequestBytes;
      if (req.bodyBytes > limit) throw errors.requestTooLarge(limit);
      response = await handler(req, scope, deps);
    } catch (err) {
      const door = doorOf(req.path, req.method, deps.doors);
      response = errorResponse(err, scope, deps, typeof door === 'object' ? door : undefined);
    }
    response.headers['x-request-id'] = req.requestId;
    boundHeaders(response.headers);
    const routeAfter = response.after;
    response.after = async () => {
      const afterWork = async (work: (() => Promise<void>) | undefined) => {
        try {
          await work?.();
        } catch (err) {
          if (err instanceof StoreRejectedWrite) {
            // the entry is a record of the call; its cost is in the period's settlement, which is written apart
            deps.logger.error('ledger entry set aside: the store refused it as invalid', { requestId: req.requestId, tenant: scope.tenant, costNanoUsd: scope.costNanoUsd, error: err.message });
            deps.metrics.add(METRICS.ledgerWritesRejected, 1, 'Count', { Kind: 'entry' });
          } else {
            deps.logger.error('after-response work failed', { requestId: req.requestId, error: describe(err) });
          }
        }
      };
      await Promise.all([
        afterWork(routeAfter),
        afterWork(scope.settle),
        // breaker outcomes and transitions are shared once the client has its answer, never before it
        deps.resilience.sync().catch((err: unknown) => deps.logger.error('breaker sync failed', { error: describe(err) })),
      ]);
      await finish(scope, response.status, deps);
    };
    return response;
  };
}

/** the door a path and method name, if any: its errors take the door's own shape */
function doorOf(path: string, method: string, doors: DoorRoutes): Door | DoorHandler | undefined {
  const at = doorPathOf(path, doors);
  const methods = at === undefined ? undefined : doors[at]!;
  return methods && Object.hasOwn(methods, method) ? methods[method] : undefined;
}

function errorResponse(err: unknown, scope: RequestScope, deps: GatewayDeps, door?: Pick<Door, 'error'>): GatewayResponse {
  const gatewayError = asGatewayError(err);
  if (!(err instanceof GatewayError)) {
    deps.logger.error('unhandled error', { requestId: scope.requestId, error: describe(err) });
  }
  deps.metrics.add(METRICS.errors, 1, 'Count', { Code: gatewayError.code });
  if (gatewayError.code === 'rate_limit_exceeded') deps.metrics.add(METRICS.rateLimited, 1, 'Count');
  if (gatewayError.code === 'budget_exceeded') deps.metrics.add(METRICS.budgetExceeded, 1, 'Count');
  return door?.error ? door.error(gatewayError, scope.requestId) : jsonResponse(gatewayError.status, gatewayError.toBody(), { ...gatewayError.headers });
}

async function finish(scope: RequestScope, status: number, deps: GatewayDeps): Promise<void> {
  const latencyMs = deps.clock.now() - scope.receivedAt;
  // /health is the scheduled check's probe (RegionHealthy counts it): as requests it would only be two more
  // custom metrics billed every month of an idle region
  if (scope.route !== '/health') {
    deps.metrics.add(METRICS.requests, 1, 'Count', { Route: scope.route });
    deps.metrics.add(METRICS.latency, latencyMs, 'Milliseconds');
  }
  const genAi = genAiAttributes(scope, deps.config);
  // the line has the request id as requestId already: gen_ai.request.id is the trace's
  const { 'gen_ai.request.id': _id, ...logged } = genAi ?? { 'gen_ai.request.id': '' };
  deps.logger.info('request', { ...requestLogLine(scope, status, latencyMs), ...logged });
  if (genAi) deps.trace?.(genAi, scope.receivedAt, deps.clock.now());
  await deps.metrics.flush();
}

/** a response header value longer than this (a model name from the request, echoed) is cut to a stand-in */
const MAX_HEADER_VALUE_CHARS = 512;
/** what a header value may hold: visible ASCII, spaces and tabs (Node refuses the rest with an exception) */
const HEADER_VALUE = /^[\t\x20-\x7e]*$/;

/**
 * Response headers that echo request values (x-gateway-model is the model a tenant addressed) stay small and
 * well-formed: an oversized one breaks clients (their header limit is 16 KB) and API Gateway (10 KB), and a
 * control character makes Node throw while the answer is being written.
 */
function boundHeaders(headers: Record<string, string>): void {
  for (const [name, value] of Object.entries(headers)) {
    if (value.length <= MAX_HEADER_VALUE_CHARS && HEADER_VALUE.test(value)) continue;
    headers[name] = boundedName(value.replace(/[^\t\x20-\x7e]/g, '?'), MAX_HEADER_VALUE_CHARS).replace('…', '...');
  }
}

/** error text for logs: message and stack, never request data */
export function describe(err: unknown): Record<string, unknown> {
  return err instanceof Error ? { name: err.name, message: err.message, stack: err.stack } : { value: String(err) };
}
