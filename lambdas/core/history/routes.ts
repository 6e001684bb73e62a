// Request history: GET /v1/requests (the calling tenant's ledger entries, newest first, in OpenAI's list shape)
// and GET /v1/requests/{id} (one entry, with its logged payload when the tenant logs payloads). The tenant is
// always the caller's (its key or the authorizer's context); another tenant's id is answered exactly as an id
// that never existed. Query parameters are checked: a bad one is a 400 in OpenAI's shape, with nothing read.
import { errors, GatewayError } from '../errors';
import type { DoorHandler, DoorRoutes } from '../gateway';
import { jsonResponse, type GatewayRequest } from '../http';
import type { HistoryQuery, LedgerCall, LedgerEntry } from '../ports';
import { formatUsd } from '../pricing/cost';
import { decodePayload } from './payloads';

export const HISTORY_DEFAULT_LIMIT = 20;
export const HISTORY_MAX_LIMIT = 100;
/** what request ids look like (the front door takes at most 128 of these characters as the caller's) */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const ROUTES = ['chat', 'embeddings', 'messages', 'responses'] as const;
const FILTER_CHARS = 1_024;
const KNOWN_PARAMS = new Set(['limit', 'after', 'model', 'provider', 'status', 'route', 'since', 'until', 'order']);

function notFound(id: string): GatewayError {
  return new GatewayError(404, 'not_found', `Request with id '${id.slice(0, 200)}' not found.`, { param: 'request_id' });
}

/** the request's query string as a HistoryQuery, or a 400 naming the parameter */
export function historyQuery(query: Record<string, string>, tenantId: string): HistoryQuery {
  for (const name of Object.keys(query)) if (!KNOWN_PARAMS.has(name)) throw errors.invalidRequest(`Unknown parameter '${name.slice(0, 100)}'. Known: ${[...KNOWN_PARAMS].join(', ')}.`, name.slice(0, 100));
  const q: HistoryQuery = { tenantId, limit: HISTORY_DEFAULT_LIMIT };
  if (query.limit !== undefined) {
    const limit = Number(query.limit);
    if (!/^\d+$/.test(query.limit) || limit < 1 || limit > HISTORY_MAX_LIMIT) throw errors.invalidRequest(`'limit' must be a whole number from 1 to ${HISTORY_MAX_LIMIT}.`, 'limit');
    q.limit = limit;
  }
  if (query.order !== undefined && query.order !== 'desc') throw errors.invalidRequest("'order' can only be 'desc' (newest first).", 'order');
  if (query.after !== undefined) {
    if (!REQUEST_ID.test(query.after)) throw errors.invalidRequest("'after' must be a request id (the 'last_id' of the previous page).", 'after');
    q.after = query.after;
  }
  for (const name of ['model', 'provider'] as const) {
    const value = query[name];
    if (value === undefined) continue;
    if (!value || value.length > FILTER_CHARS) throw errors.invalidRequest(`'${name}' must be 1 to ${FILTER_CHARS} characters.`, name);
    q[name] = value;
  }
  if (query.route !== undefined) {
    if (!(ROUTES as readonly string[]).includes(query.route)) throw errors.invalidRequest(`'route' must be one of ${ROUTES.join(', ')}.`, 'route');
    q.route = query.route as HistoryQuery['route'];
  }
  if (query.status !== undefined) {
    const s = query.status;
    if (s === 'ok' || s === 'error') q.status = s;
    else if (/^[1-5]\d\d$/.test(s)) q.status = Number(s);
    else throw errors.invalidRequest("'status' must be an HTTP status (100-599), 'ok' (below 400) or 'error' (400 and up).", 'status');
  }
  for (const name of ['since', 'until'] as const) {
    const value = query[name];
    if (value !== undefined) q[name] = instant(value, name);
  }
  if (q.since !== undefined && q.until !== undefined && q.since >= q.until) throw errors.invalidRequest("'since' must be before 'until'.", 'since');
  return q;
}

/** Unix seconds (as OpenAI's `created`) or an ISO 8601 date-time, as epoch ms */
function instant(value: string, name: string): number {
  let ms: number;
  if (/^\d{1,12}$/.test(value)) ms = Number(value) * 1000;
  else if (/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?$/.test(value)) ms = Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value);
  else ms = NaN;
  if (!Number.isFinite(ms) || ms < 0 || ms > 8.64e15) throw errors.invalidRequest(`'${name}' must be Unix seconds or an ISO 8601 date-time such as 2026-12-02T10:00:00Z.`, name);
  return ms;
}

/** the outcome of one upstream call, as the list shows it */
function outcome(status: number): 'ok' | 'timeout' | 'error' {
  return status === 0 ? 'timeout' : status < 400 ? 'ok' : 'error';
}

/** An entry as the API shows it (snake_case, USD as strings like /v1/usage). */
export function requestObject(e: LedgerEntry & { region?: string }): Record<string, unknown> {
  const shown: Record<string, unknown> = {
    id: e.requestId,
    object: 'gateway.request',
    created: Math.floor(e.at / 1000),
    created_at: new Date(e.at).toISOString(),
    route: e.route,
    model: e.alias,
    provider: e.provider,
    provider_model: e.model,
    status: e.status,
    stream: e.stream,
    attempts: e.attempts,
    latency_ms: e.latencyMs,
    first_byte_ms: e.firstByteMs ?? null,
    usage: {
      input_tokens: e.tokens.input,
      output_tokens: e.tokens.output,
      cached_input_tokens: e.tokens.cachedInput,
      cache_write_tokens: e.tokens.cacheWrite,
    },
    cost_usd: formatUsd(e.costNanoUsd),
    operator_cost_usd: formatUsd(e.operatorCostNanoUsd),
    calls: e.calls.map((c: LedgerCall) => ({
      provider: c.provider,
      model: c.model,
      status: c.status,
      outcome: outcome(c.status),
      input_tokens: c.inputTokens,
      output_tokens: c.outputTokens,
      cost_usd: formatUsd(c.costNanoUsd),
      bearer: c.bearer,
      ...(c.estimated ? { estimated: true } : {}),
    })),
    payload_logged: e.payloadKey !== undefined,
  };
  if (e.region) shown.region = e.region;
  if (e.cache) shown.cache = { status: e.cache.status, ...(e.cache.savedNanoUsd !== undefined ? { saved_usd: formatUsd(e.cache.savedNanoUsd) } : {}), ...(e.cache.similarity !== undefined ? { similarity: e.cache.similarity } : {}) };
  if (e.guardrails?.length) shown.guardrails = e.guardrails;
  if (e.batchId) shown.batch_id = e.batchId;
  return shown;
}

const listRequests: DoorHandler = async (req, scope, deps) => {
  const tenant = await deps.tenants.identify(req);
  scope.tenant = tenant.id;
  const q = historyQuery(req.query, tenant.id);
  if (!deps.history) return jsonResponse(200, { object: 'list', data: [], first_id: null, last_id: null, has_more: false });
  const page = await deps.history.list(q);
  if ('unknownAfter' in page) throw errors.invalidRequest(`'after' names no request of yours: pass the 'last_id' of the previous page.`, 'after');
  const data = page.entries.map(requestObject);
  return jsonResponse(200, {
    object: 'list',
    data,
    first_id: page.entries[0]?.requestId ?? null,
    last_id: page.entries.at(-1)?.requestId ?? null,
    has_more: page.hasMore,
  });
};

/** the id segment of /v1/requests/{id} */
function idOf(req: GatewayRequest): string {
  try {
    return decodeURIComponent(req.path.split('/')[3] ?? '');
  } catch {
    return '';
  }
}

const getRequest: DoorHandler = async (req, scope, deps) => {
  const tenant = await deps.tenants.identify(req);
  scope.tenant = tenant.id;
  const id = idOf(req);
  const entry = REQUEST_ID.test(id) && deps.history ? await deps.history.get(tenant.id, id) : undefined;
  if (!entry) throw notFound(id);
  const shown = requestObject(entry);
  if (entry.payloadKey) {
    // the key is the one this tenant's own entry holds: no id from the caller reaches the bucket
    try {
      const bytes = await deps.payloads?.get(entry.payloadKey);
      shown.payload = bytes ? decodePayload(bytes) : null;
      if (!bytes) shown.payload_error = 'the logged payload is gone (expired by the bucket lifecycle, or its write failed)';
    } catch (err) {
      deps.logger.warn('payload read failed', { requestId: req.requestId, key: entry.payloadKey, error: (err as Error).message });
      shown.payload = null;
      shown.payload_error = 'the logged payload could not be read right now';
    }
  }
  return jsonResponse(200, shown);
};

/** both routes, added to the runtime's route table beside the front doors (lambdas/doors/index.ts) */
export const HISTORY_ROUTES: DoorRoutes = {
  '/v1/requests': { GET: listRequests },
  '/v1/requests/{id}': { GET: getRequest },
};
