// The Files and Batches APIs (OpenAI's shapes): upload and read batch input files, create, read, list and cancel
// batches. Everything is keyed by the calling tenant, so another tenant's id is answered exactly as one that
// never existed. The work itself runs in the batch workers (worker.ts), fed through the WorkQueue.
import { errors, GatewayError } from '../errors';
import type { DoorHandler, DoorRoutes, GatewayDeps, RequestScope } from '../gateway';
import { jsonResponse, type GatewayRequest, type GatewayResponse } from '../http';
import { jsonlLines } from './input';
import { boundaryOf, parseMultipart } from './multipart';
import { BATCH_ID, batchObject, FILE_ID, fileObject, fileObjectKey, newBatchId, newFileId } from './objects';
import { BATCH_ENDPOINTS, FINAL_STATUSES, PRIORITIES, type BatchEndpoint, type BatchRecord, type BatchServices, type FileRecord, type Priority } from './ports';

const DAY_MS = 86_400_000;
/** the one completion window OpenAI offers */
const COMPLETION_WINDOW_MS = { '24h': DAY_MS } as const;

function services(deps: GatewayDeps): BatchServices {
  if (!deps.batches) throw new GatewayError(404, 'not_found', 'Files and batches are not enabled on this gateway.');
  return deps.batches;
}

async function tenantOf(req: GatewayRequest, scope: RequestScope, deps: GatewayDeps): Promise<string> {
  const tenant = await deps.tenants.identify(req);
  scope.tenant = tenant.id;
  return tenant.id;
}

/** the id segment of /v1/files/{id}[/…] or /v1/batches/{id}[/…] */
function idOf(req: GatewayRequest): string {
  return decodeURIComponent(req.path.split('/')[3] ?? '');
}

const noFile = (id: string) => new GatewayError(404, 'not_found', `No such File object: ${id}`, { param: 'id' });
const noBatch = (id: string) => new GatewayError(404, 'not_found', `No batch found with id '${id}'.`, { param: 'batch_id' });

function pageSize(req: GatewayRequest, fallback: number, max: number): number {
  const raw = req.query.limit;
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) throw errors.invalidRequest(`limit is an integer from 1 to ${max}.`, 'limit');
  return n;
}

// ---- Files ----

const uploadFile: DoorHandler = async (req, scope, deps) => {
  const tenantId = await tenantOf(req, scope, deps);
  const { store, objects } = services(deps);
  const settings = deps.config.batches;
  const boundary = boundaryOf(req.headers['content-type']);
  if (!boundary) throw errors.invalidRequest('Upload a file as multipart/form-data with the fields "purpose" and "file".');
  const parts = parseMultipart(req.body ?? '', boundary);
  const purpose = parts.find((p) => p.name === 'purpose' && p.filename === undefined)?.value.trim();
  if (purpose === undefined) throw errors.invalidRequest('purpose is required.', 'purpose');
  if (purpose !== 'batch') throw errors.invalidRequest(`Only purpose "batch" is supported here, not "${purpose.slice(0, 64)}".`, 'purpose');
  const file = parts.find((p) => p.name === 'file');
  if (!file) throw errors.invalidRequest('file is required: the JSONL file as a form part named "file".', 'file');
  const bytes = Buffer.byteLength(file.value);
  if (bytes > settings.maxFileBytes) throw new GatewayError(413, 'request_too_large', `The file is ${bytes} bytes; files may be at most ${settings.maxFileBytes} bytes here.`, { param: 'file' });
  if (bytes === 0) throw errors.invalidRequest('The file is empty.', 'file');
  const filename = (file.filename ?? 'upload.jsonl').slice(0, 255);
  if (!filename.toLowerCase().endsWith('.jsonl')) throw errors.invalidRequest(`A batch input file is JSONL: its name must end in .jsonl, not "${filename.slice(0, 64)}".`, 'file');
  const lines = jsonlLines(file.value).length;
  if (lines > settings.maxLines) throw errors.invalidRequest(`A batch input file may hold at most ${settings.maxLines} lines; this one holds ${lines}.`, 'file');

  // storage is the operator's: a tenant keeps at most maxFilesPerTenant files (two uploads racing may pass it by one)
  const held = await store.listFiles(tenantId, { limit: settings.maxFilesPerTenant, order: 'desc' });
  if (held.data.length >= settings.maxFilesPerTenant) {
    throw new GatewayError(400, 'file_limit_reached', `This tenant keeps ${settings.maxFilesPerTenant} files, the most allowed here: delete files it no longer needs (DELETE /v1/files/{id}) before uploading more.`, { param: 'file' });
  }

  const now = deps.clock.now();
  const id = newFileId(now);
  const record: FileRecord = { id, tenantId, filename, purpose: 'batch', bytes, createdAt: now, expiresAt: now + settings.retentionDays * DAY_MS, objectKey: fileObjectKey(tenantId, id) };
  // bytes first: a record found always has its object
  await objects.put(record.objectKey, file.value, { contentType: 'application/jsonl' });
  await store.putFile(record);
  return jsonResponse(200, fileObject(record));
};

const listFiles: DoorHandler = async (req, scope, deps) => {
  const tenantId = await tenantOf(req, scope, deps);
  const order = req.query.order ?? 'desc';
  if (order !== 'asc' && order !== 'desc') throw errors.invalidRequest("order is 'asc' or 'desc'.", 'order');
  const limit = pageSize(req, 10_000, 10_000);
  const after = req.query.after;
  if (after !== undefined && !FILE_ID.test(after)) throw errors.invalidRequest(`after is a file id, not '${after.slice(0, 64)}'.`, 'after');
  const page = await services(deps).store.listFiles(tenantId, { purpose: req.query.purpose, after, limit, order });
  const data = page.data.map(fileObject);
  return jsonResponse(200, { object: 'list', data, first_id: page.data[0]?.id ?? null, last_id: page.data.at(-1)?.id ?? null, has_more: page.hasMore });
};

async function tenantFile(req: GatewayRequest, scope: RequestScope, deps: GatewayDeps): Promise<FileRecord> {
  const tenantId = await tenantOf(req, scope, deps);
  const id = idOf(req);
  const file = FILE_ID.test(id) ? await services(deps).store.getFile(tenantId, id) : undefined;
  if (!file || file.expiresAt <= deps.clock.now()) throw noFile(id);
  return file;
}

const getFile: DoorHandler = async (req, scope, deps) => jsonResponse(200, fileObject(await tenantFile(req, scope, deps)));

const fileContent: DoorHandler = async (req, scope, deps): Promise<GatewayResponse> => {
  const file = await tenantFile(req, scope, deps);
  const bytes = await services(deps).objects.get(file.objectKey);
  if (!bytes) throw noFile(file.id);
  return { status: 200, headers: { 'content-type': 'application/octet-stream' }, body: Buffer.from(bytes).toString('utf8') };
};

const deleteFile: DoorHandler = async (req, scope, deps) => {
  const file = await tenantFile(req, scope, deps);
  const { store, objects } = services(deps);
  // the record first: from then on the file reads as gone, whatever happens to its bytes
  if (!(await store.deleteFile(file.tenantId, file.id))) throw noFile(file.id);
  await objects.delete(file.objectKey);
  return jsonResponse(200, { id: file.id, object: 'file', deleted: true });
};

// ---- Batches ----

const CREATE_FIELDS = new Set(['input_file_id', 'endpoint', 'completion_window', 'metadata', 'output_expires_after']);

interface CreateBody {
  input_file_id: string;
  endpoint: BatchEndpoint;
  completion_window: '24h';
  metadata?: Record<string, string>;
}

/** POST /v1/batches's body, checked field by field (no schema library: the gateway bundle stays small) */
function createBody(json: unknown): CreateBody {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw errors.invalidRequest('The body must be a JSON object.');
  const body = json as Record<string, unknown>;
  const unknown = Object.keys(body).find((k) => !CREATE_FIELDS.has(k));
  if (unknown) throw errors.invalidRequest(`Unrecognized request argument supplied: ${unknown.slice(0, 64)}`, unknown.slice(0, 64));
  if (typeof body.input_file_id !== 'string' || !body.input_file_id) throw errors.invalidRequest('input_file_id is required: the id of an uploaded file with purpose "batch".', 'input_file_id');
  if (!BATCH_ENDPOINTS.includes(body.endpoint as BatchEndpoint)) throw errors.invalidRequest(`endpoint is one of ${BATCH_ENDPOINTS.join(', ')}.`, 'endpoint');
  if (body.completion_window !== '24h') throw errors.invalidRequest('completion_window must be "24h".', 'completion_window');
  const metadata = body.metadata ?? undefined;
  if (metadata !== undefined) {
    if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) throw errors.invalidRequest('metadata is an object of string values.', 'metadata');
    const pairs = Object.entries(metadata);
    if (pairs.length > 16) throw errors.invalidRequest('metadata holds at most 16 pairs.', 'metadata');
    for (const [k, v] of pairs) {
      if (k.length > 64 || typeof v !== 'string' || v.length > 512) throw errors.invalidRequest('metadata keys are at most 64 characters and values strings of at most 512.', 'metadata');
    }
  }
  return { input_file_id: body.input_file_id, endpoint: body.endpoint as BatchEndpoint, completion_window: '24h', ...(metadata ? { metadata: metadata as Record<string, string> } : {}) };
}

const createBatch: DoorHandler = async (req, scope, deps) => {
  const tenantId = await tenantOf(req, scope, deps);
  const { store, queue } = services(deps);
  let json: unknown;
  try {
    json = JSON.parse(req.body ?? '');
  } catch {
    throw errors.invalidRequest('The body is not valid JSON.');
  }
  const body = createBody(json);
  const metadata = body.metadata;
  const priority = (metadata?.priority ?? 'normal') as Priority;
  if (!PRIORITIES.includes(priority)) throw errors.invalidRequest(`metadata.priority is one of ${PRIORITIES.join(', ')}, not '${String(metadata?.priority).slice(0, 32)}'.`, 'metadata.priority');
  const input = FILE_ID.test(body.input_file_id) ? await store.getFile(tenantId, body.input_file_id) : undefined;
  const now = deps.clock.now();
  if (!input || input.expiresAt <= now) throw new GatewayError(404, 'not_found', `No such File object: ${body.input_file_id}`, { param: 'input_file_id' });
  if (input.purpose !== 'batch') throw errors.invalidRequest(`The file ${input.id} has purpose '${input.purpose}': a batch's input has purpose 'batch'.`, 'input_file_id');

  const batch: BatchRecord = {
    id: newBatchId(now),
    tenantId,
    endpoint: body.endpoint,
    inputFileId: input.id,
    completionWindow: body.completion_window,
    status: 'validating',
    priority,
    ...(metadata ? { metadata } : {}),
    createdAt: now,
    expiresAt: now + COMPLETION_WINDOW_MS[body.completion_window],
    counts: { total: 0, completed: 0, failed: 0 },
    linesDone: 0,
    pieces: [],
    retainUntil: now + deps.config.batches.retentionDays * DAY_MS,
  };
  await store.createBatch(batch);
  await queue.send([{ kind: 'plan', tenantId, batchId: batch.id }], { priority });
  deps.logger.info('batch created', { batchId: batch.id, tenant: tenantId, endpoint: batch.endpoint, priority });
  return jsonResponse(200, batchObject(batch));
};

async function tenantBatch(req: GatewayRequest, scope: RequestScope, deps: GatewayDeps): Promise<BatchRecord> {
  const tenantId = await tenantOf(req, scope, deps);
  const id = idOf(req);
  const batch = BATCH_ID.test(id) ? await services(deps).store.getBatch(tenantId, id) : undefined;
  if (!batch) throw noBatch(id);
  return batch;
}

const getBatch: DoorHandler = async (req, scope, deps) => jsonResponse(200, batchObject(await tenantBatch(req, scope, deps)));

const listBatches: DoorHandler = async (req, scope, deps) => {
  const tenantId = await tenantOf(req, scope, deps);
  const limit = pageSize(req, 20, 100);
  const after = req.query.after;
  if (after !== undefined && !BATCH_ID.test(after)) throw errors.invalidRequest(`after is a batch id, not '${after.slice(0, 64)}'.`, 'after');
  const page = await services(deps).store.listBatches(tenantId, { after, limit });
  return jsonResponse(200, { object: 'list', data: page.data.map(batchObject), first_id: page.data[0]?.id ?? null, last_id: page.data.at(-1)?.id ?? null, has_more: page.hasMore });
};

const cancelBatch: DoorHandler = async (req, scope, deps) => {
  const batch = await tenantBatch(req, scope, deps);
  const { store } = services(deps);
  const moved = await store.transition(batch.tenantId, batch.id, ['validating', 'in_progress'], 'cancelling', deps.clock.now());
  const now = await store.getBatch(batch.tenantId, batch.id);
  if (!moved && now && (FINAL_STATUSES.includes(now.status) || now.status === 'finalizing')) {
    throw errors.invalidRequest(`Cannot cancel a batch with status '${now.status}'.`, 'batch_id');
  }
  deps.logger.info('batch cancelling', { batchId: batch.id, tenant: batch.tenantId });
  return jsonResponse(200, batchObject(now ?? batch));
};

/** the routes, merged into the runtime's door routes (their errors take OpenAI's shape) */
export const BATCH_ROUTES: DoorRoutes = {
  '/v1/files': { POST: uploadFile, GET: listFiles },
  '/v1/files/{id}': { GET: getFile, DELETE: deleteFile },
  '/v1/files/{id}/content': { GET: fileContent },
  '/v1/batches': { POST: createBatch, GET: listBatches },
  '/v1/batches/{id}': { GET: getBatch },
  '/v1/batches/{id}/cancel': { POST: cancelBatch },
};
