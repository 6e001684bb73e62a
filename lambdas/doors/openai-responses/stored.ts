// The stored turns of the calling tenant: GET and DELETE /v1/responses/{id}, GET /v1/responses/{id}/input_items,
// POST /v1/responses/{id}/cancel. Every read is keyed by the tenant the key names, so an id of another tenant's
// turn is answered exactly as an id that never existed.
import { errors, GatewayError } from '../../core/errors';
import type { DoorHandler, GatewayDeps, RequestScope } from '../../core/gateway';
import { jsonResponse, type GatewayRequest } from '../../core/http';
import type { OutputItem, ResponseObject } from '../../core/openai/responses';
import type { StoredResponse } from '../../core/ports';
import { withoutEncrypted } from './answer';

/** what the gateway's ids look like (resp_ and 48 hex digits); anything else is not found without a read */
const RESPONSE_ID = /^resp_[A-Za-z0-9_-]{1,128}$/;
const MAX_PAGE = 100;
const DEFAULT_PAGE = 20;

function notFound(id: string): GatewayError {
  return new GatewayError(404, 'not_found', `Response with id '${id}' not found.`, { param: 'response_id' });
}

/** the id segment of /v1/responses/{id}[/…] */
function idOf(req: GatewayRequest): string {
  return decodeURIComponent(req.path.split('/')[3] ?? '');
}

async function stored(req: GatewayRequest, scope: RequestScope, deps: GatewayDeps): Promise<StoredResponse> {
  const tenant = await deps.tenants.identify(req);
  scope.tenant = tenant.id;
  const id = idOf(req);
  const turn = RESPONSE_ID.test(id) && deps.responses ? await deps.responses.get(tenant.id, id) : undefined;
  if (!turn) throw notFound(id);
  return turn;
}

/** `include` from the query string: `include=a,b`, or the SDKs' `include[]=a` */
function includes(req: GatewayRequest, what: string): boolean {
  return [req.query.include, req.query['include[]']].some((v) => v?.split(',').includes(what));
}

function shown<T extends OutputItem>(item: T, req: GatewayRequest): T {
  return includes(req, 'reasoning.encrypted_content') ? item : withoutEncrypted(item);
}

export const getResponse: DoorHandler = async (req, scope, deps) => {
  if (req.query.stream === 'true') throw errors.invalidRequest('Streaming a stored response again is not supported here: GET it whole.', 'stream');
  const turn = await stored(req, scope, deps);
  const response = turn.response as ResponseObject;
  return jsonResponse(200, { ...response, output: response.output.map((item) => shown(item, req)) });
};

export const deleteResponse: DoorHandler = async (req, scope, deps) => {
  const tenant = await deps.tenants.identify(req);
  scope.tenant = tenant.id;
  const id = idOf(req);
  const deleted = RESPONSE_ID.test(id) && deps.responses ? await deps.responses.delete(tenant.id, id) : false;
  if (!deleted) throw notFound(id);
  return jsonResponse(200, { id, object: 'response', deleted: true });
};

export const listInputItems: DoorHandler = async (req, scope, deps) => {
  const turn = await stored(req, scope, deps);
  const limit = req.query.limit === undefined ? DEFAULT_PAGE : Number(req.query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) throw errors.invalidRequest(`limit is an integer from 1 to ${MAX_PAGE}.`, 'limit');
  const order = req.query.order ?? 'desc';
  if (order !== 'asc' && order !== 'desc') throw errors.invalidRequest("order is 'asc' or 'desc'.", 'order');
  let items = turn.input as OutputItem[];
  if (order === 'desc') items = [...items].reverse();
  const after = req.query.after;
  if (after) {
    const at = items.findIndex((item) => item.id === after);
    if (at < 0) throw errors.invalidRequest(`No input item with id '${after}' in this response.`, 'after');
    items = items.slice(at + 1);
  }
  const data = items.slice(0, limit).map((item) => shown(item, req));
  return jsonResponse(200, { object: 'list', data, first_id: data[0]?.id ?? null, last_id: data[data.length - 1]?.id ?? null, has_more: items.length > limit });
};

/** only a background response can be cancelled, and this gateway runs none: a stored one is already over */
export const cancelResponse: DoorHandler = async (req, scope, deps) => {
  await stored(req, scope, deps);
  throw errors.invalidRequest('Only responses created with background=true can be cancelled; this response has already finished.', 'response_id');
};
