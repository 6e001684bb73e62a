// The batch worker: what one unit of queued work does (SQS in AWS, the in-process queue locally; the same code).
//   plan:  validate the input file line by line; fail the batch at `validating` with line numbers, or cut it into
//          chunks (objects in the store) and queue one piece of work per chunk at the batch's priority.
//   lines: run a piece's lines one after another, each as an ordinary request through the gateway (the same
//          doors, admission, budgets, routing, resilience and ledger as a live call; the tenant is the batch's
//          owner; the ledger entry carries the batch id). Between lines the batch is read again, so a cancel
//          or the end of the completion window stops new lines within a line's time.
// A piece writes its output and error lines under its first line's index and is accounted once (one conditional
// UpdateItem); the piece that brings the lines accounted to the total finalizes the batch.
import type { Gateway } from '../gateway';
import type { GatewayRequest } from '../http';
import type { GatewayConfig } from '../config/schema';
import type { Clock, Logger, Metrics, ObjectStore } from '../ports';
import type { TenantDirectory, Tenant } from '../tenants/directory';
import { validateBatchInput, jsonlLines, type BatchLine } from './input';
import { chunkInputKey, fileObjectKey, newFileId, newLineRequestId, pieceOutputKey } from './objects';
import { FINAL_STATUSES, type BatchRecord, type BatchStore, type BatchWork, type FileRecord, type WorkQueue } from './ports';
import type { BatchShare } from './share';

export const BATCH_METRICS = {
  /** one batch line finished; dimension Outcome (ok|error) */
  lines: 'BatchLines',
  /** a batch reached a final status; dimension Status (completed|failed|expired|cancelled) */
  finished: 'BatchesFinished',
} as const;

export interface BatchWorkerDeps {
  store: BatchStore;
  objects: ObjectStore;
  queue: WorkQueue;
  /** the gateway's own entry: every line takes the path a live call takes */
  gateway: Gateway;
  tenants: TenantDirectory;
  share: BatchShare;
  config: GatewayConfig;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  /** wait this many clock milliseconds */
  sleep(ms: number): Promise<void>;
}

export interface WorkLimits {
  /** clock ms by which the worker must have handed back what it has not done (Lambda's timeout less a line's time) */
  stopAt?: number;
  /** the process is stopping: leave at once, accounting nothing */
  signal?: AbortSignal;
}

/** a lower-priority piece that finds higher work waiting steps aside for this long */
const DEFER_MS = 20_000;
/** the longest single wait between two looks at the batch (a cancel is seen within it) */
const WAIT_SLICE_MS = 1_000;
/** between lines the batch is read again (a cancel) and the progress counters written at most this often */
const LOOK_EVERY_MS = 500;
const DAY_MS = 86_400_000;

type Stop = 'cancel' | 'expired' | 'deadline' | 'abort';

interface LineResult {
  ok: boolean;
  line: string;
}

export async function runBatchWork(work: BatchWork, deps: BatchWorkerDeps, limits: WorkLimits = {}): Promise<void> {
  if (work.kind === 'plan') return plan(work, deps);
  return runLines(work, deps, limits);
}

async function plan(work: Extract<BatchWork, { kind: 'plan' }>, deps: BatchWorkerDeps): Promise<void> {
  const { store, objects, clock } = deps;
  const batch = await store.getBatch(work.tenantId, work.batchId);
  if (!batch) return;
  if (batch.status === 'cancelling') return void (await store.transition(batch.tenantId, batch.id, ['cancelling'], 'cancelled', clock.now()));
  if (batch.status !== 'validating') return; // a repeated delivery
  if (clock.now() >= batch.expiresAt) return void (await store.transition(batch.tenantId, batch.id, ['validating'], 'expired', clock.now()));
  const file = await store.getFile(batch.tenantId, batch.inputFileId);
  const bytes = file && (await objects.get(file.objectKey));
  if (!bytes) {
    await store.transition(batch.tenantId, batch.id, ['validating'], 'failed', clock.now(), { errors: [{ code: 'invalid_file', message: `The input file ${batch.inputFileId} no longer exists.`, param: 'input_file_id', line: null }] });
    return finished(deps, 'failed');
  }
  const { lines, problems } = validateBatchInput(Buffer.from(bytes).toString('utf8'), batch.endpoint, deps.config.batches.maxLines);
  if (problems.length) {
    await store.transition(batch.tenantId, batch.id, ['validating'], 'failed', clock.now(), { errors: problems });
    deps.logger.info('batch failed validation', { batchId: batch.id, tenant: batch.tenantId, problems: problems.length, firstLine: problems[0]?.line });
    return finished(deps, 'failed');
  }
  const size = deps.config.batches.linesPerChunk;
  const chunks: number[] = [];
  for (let at = 0; at < lines.length; at += size) chunks.push(at);
  await Promise.all(chunks.map((at) => objects.put(chunkInputKey(batch.tenantId, batch.id, at), lines.slice(at, at + size).join('\n'), { contentType: 'application/jsonl' })));
  const started = await store.transition(batch.tenantId, batch.id, ['validating'], 'in_progress', clock.now(), { counts: { total: lines.length, completed: 0, failed: 0 } });
  if (!started) {
    // cancelled while it was being validated
    await store.transition(batch.tenantId, batch.id, ['cancelling'], 'cancelled', clock.now());
    return finished(deps, 'cancelled');
  }
  await deps.queue.send(
    chunks.map((at) => ({ kind: 'lines', tenantId: batch.tenantId, batchId: batch.id, chunk: at, from: at, end: Math.min(at + size, lines.length) })),
    { priority: batch.priority },
  );
}

async function runLines(work: Extract<BatchWork, { kind: 'lines' }>, deps: BatchWorkerDeps, limits: WorkLimits): Promise<void> {
  const { store, objects, clock } = deps;
  const first = await store.getBatch(work.tenantId, work.batchId);
  if (!first || first.status === 'finalizing' || FINAL_STATUSES.includes(first.status) || first.pieces.includes(work.from)) return;
  if (first.status === 'in_progress' && (await deps.queue.waitingAbove(first.priority))) {
    await deps.queue.send([work], { priority: first.priority, delayMs: DEFER_MS });
    return;
  }
  const input = await objects.get(chunkInputKey(work.tenantId, work.batchId, work.chunk));
  const lines = input ? jsonlLines(Buffer.from(input).toString('utf8')) : [];
  const tenant = await deps.tenants.identify(ownerRequest(work.tenantId));
  const out: string[] = [];
  const err: string[] = [];
  let lookedAt = -Infinity;
  const progress = { completed: 0, failed: 0 };
  const flushProgress = async () => {
    if (progress.completed + progress.failed === 0) return;
    const done = { ...progress };
    progress.completed = progress.failed = 0;
    await store.countLines(work.tenantId, work.batchId, done);
  };
  const check = async (force = true): Promise<Stop | undefined> => {
    if (limits.signal?.aborted) return 'abort';
    if (clock.now() >= first.expiresAt) return 'expired';
    if (limits.stopAt !== undefined && clock.now() >= limits.stopAt) return 'deadline';
    if (!force && clock.now() - lookedAt < LOOK_EVERY_MS) return undefined;
    lookedAt = clock.now();
    const [batch] = await Promise.all([store.getBatch(work.tenantId, work.batchId), flushProgress()]);
    if (!batch || batch.status === 'cancelling' || batch.status === 'cancelled') return 'cancel';
    return undefined;
  };
  // each line's settlement (ledger entry, budget, rate corrections) runs behind the next line, as a live call's
  // runs after its response; all of them are done before the piece's results are written and accounted
  const settling: Array<Promise<void>> = [];
  let stop: Stop | undefined;
  let i = work.from;
  for (; i < work.end; i++) {
    stop = await check(false);
    if (stop) break;
    const raw = lines[i - work.chunk];
    const result = raw === undefined ? missingLine(i, clock.now()) : await runLine(JSON.parse(raw) as BatchLine, first, tenant, deps, check, settling);
    if (typeof result === 'string') {
      stop = result;
      break;
    }
    (result.ok ? out : err).push(result.line);
    progress[result.ok ? 'completed' : 'failed']++;
    deps.metrics.add(BATCH_METRICS.lines, 1, 'Count', { Outcome: result.ok ? 'ok' : 'error' });
  }
  await flushProgress();
  await Promise.all(settling);
  if (stop === 'abort') return;
  if (stop === 'expired') {
    for (let j = i; j < work.end; j++) err.push(expiredLine(lines[j - work.chunk], clock.now()));
  }
  const accounted = stop === 'deadline' ? i - work.from : work.end - work.from;
  if (out.length) await objects.put(pieceOutputKey(work.tenantId, work.batchId, work.from, 'out'), out.join('\n'));
  if (err.length) await objects.put(pieceOutputKey(work.tenantId, work.batchId, work.from, 'err'), err.join('\n'));
  if (stop === 'deadline') {
    // the rest goes back to the queue as a piece of its own; nothing done: this same piece, untouched
    await deps.queue.send([{ ...work, from: i }], { priority: first.priority });
    if (accounted === 0) return;
  }
  const done = await store.accountPiece(work.tenantId, work.batchId, work.from, accounted);
  if (done !== undefined && done >= first.counts.total) await finalize(work.tenantId, work.batchId, deps);
}

/**
 * One line through the gateway, as its owner. A 429 of the tenant's rate limit is waited on, never reported:
 * the line waits for its window and is sent again. Returns a Stop when the batch stops while it waits.
 */
async function runLine(line: BatchLine, batch: BatchRecord, tenant: Tenant, deps: BatchWorkerDeps, check: () => Promise<Stop | undefined>, settling: Array<Promise<void>>): Promise<LineResult | Stop> {
  const body = JSON.stringify(line.body);
  const bodyBytes = Buffer.byteLength(body);
  const wait = async (ms: number): Promise<Stop | undefined> => {
    for (let left = ms; left > 0; left -= WAIT_SLICE_MS) {
      await deps.sleep(Math.min(left, WAIT_SLICE_MS));
      const stop = await check();
      if (stop) return stop;
    }
    return undefined;
  };
  for (;;) {
    const shareWait = await deps.share.take(tenant, Math.ceil(bodyBytes / 4));
    if (shareWait !== undefined) {
      const stop = await wait(shareWait);
      if (stop) return stop;
      continue;
    }
    const now = deps.clock.now();
    const requestId = newLineRequestId(now);
    const req: GatewayRequest = {
      method: 'POST',
      path: batch.endpoint,
      headers: { 'content-type': 'application/json' },
      query: {},
      body,
      bodyBytes,
      requestId,
      receivedAt: now,
      identity: { tenantId: batch.tenantId },
      batchId: batch.id,
    };
    const response = await deps.gateway(req);
    const text = typeof response.body === 'string' ? response.body : await collect(response.body);
    if (response.after) settling.push(response.after());
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
    // the tenant's budget answers 429 with x-should-retry: false (in every door's shape); its rate limits without
    const budget = response.status === 429 && response.headers['x-should-retry'] === 'false';
    if (response.status === 429 && !budget) {
      const stop = await wait(Math.max(1, Number(response.headers['retry-after'] ?? 1)) * 1000);
      if (stop) return stop;
      continue;
    }
    const ok = response.status >= 200 && response.status < 300;
    const error = budget ? { code: 'budget_exceeded', message: errorMessage(parsed) } : null;
    return { ok, line: JSON.stringify({ id: requestId, custom_id: line.custom_id, response: { status_code: response.status, request_id: requestId, body: parsed }, error }) };
  }
}

/** an overdue batch is left this long past its window for its running pieces to end on their own */
const OVERDUE_GRACE_MS = 15 * 60_000;

/**
 * Batches whose work can no longer arrive (a piece in the dead-letter queue, a local queue lost with its process)
 * would never end: past their window and a grace period they are finalized as they stand (expired, or cancelled
 * when a cancel was pending), with what finished. Run on a schedule (AWS: hourly; locally: with the lease sweep).
 */
export async function expireOverdue(deps: BatchWorkerDeps): Promise<number> {
  const now = deps.clock.now();
  let ended = 0;
  for (const batch of await deps.store.allBatches(Number.MAX_SAFE_INTEGER)) {
    if (now < batch.expiresAt + OVERDUE_GRACE_MS) continue;
    if (batch.status === 'validating') {
      if (await deps.store.transition(batch.tenantId, batch.id, ['validating'], 'expired', now)) ended++;
    } else if (batch.status === 'in_progress' || batch.status === 'cancelling') {
      await finalize(batch.tenantId, batch.id, deps);
      ended++;
    }
  }
  if (ended) deps.logger.warn('overdue batches ended as they stood', { batches: ended });
  return ended;
}

/** Gather every piece's lines into the output and error files and move the batch to its final status. */
export async function finalize(tenantId: string, batchId: string, deps: BatchWorkerDeps): Promise<void> {
  const { store, objects, clock } = deps;
  const batch = await store.getBatch(tenantId, batchId);
  if (!batch) return;
  const cancelled = batch.status === 'cancelling';
  if (!(await store.transition(tenantId, batchId, ['in_progress', 'cancelling'], 'finalizing', clock.now()))) return;
  const read = async (from: number, kind: 'out' | 'err') => {
    const bytes = await objects.get(pieceOutputKey(tenantId, batchId, from, kind));
    return bytes ? jsonlLines(Buffer.from(bytes).toString('utf8')) : [];
  };
  const out: string[] = [];
  const err: string[] = [];
  for (const from of batch.pieces) {
    const [o, e] = await Promise.all([read(from, 'out'), read(from, 'err')]);
    out.push(...o);
    err.push(...e);
  }
  const now = clock.now();
  const outputFileId = out.length ? await writeFile(tenantId, `${batchId}_output.jsonl`, out, deps) : undefined;
  const errorFileId = err.length ? await writeFile(tenantId, `${batchId}_error.jsonl`, err, deps) : undefined;
  const status = cancelled ? 'cancelled' : now >= batch.expiresAt ? 'expired' : 'completed';
  await store.transition(tenantId, batchId, ['finalizing'], status, clock.now(), {
    counts: { total: batch.counts.total, completed: out.length, failed: err.length },
    ...(outputFileId ? { outputFileId } : {}),
    ...(errorFileId ? { errorFileId } : {}),
  });
  finished(deps, status);
  deps.logger.info('batch finished', { batchId, tenant: tenantId, status, completed: out.length, failed: err.length });
  // the working objects are no longer needed (the bucket's lifecycle would remove them too)
  const keys = [
    ...new Set(batch.pieces.map((p) => p - (p % deps.config.batches.linesPerChunk))).values(),
  ].map((c) => chunkInputKey(tenantId, batchId, c));
  for (const from of batch.pieces) keys.push(pieceOutputKey(tenantId, batchId, from, 'out'), pieceOutputKey(tenantId, batchId, from, 'err'));
  await Promise.all(keys.map((k) => objects.delete(k).catch(() => undefined)));
}

async function writeFile(tenantId: string, filename: string, lines: string[], deps: BatchWorkerDeps): Promise<string> {
  const now = deps.clock.now();
  const id = newFileId(now);
  const body = `${lines.join('\n')}\n`;
  const record: FileRecord = { id, tenantId, filename, purpose: 'batch_output', bytes: Buffer.byteLength(body), createdAt: now, expiresAt: now + deps.config.batches.retentionDays * DAY_MS, objectKey: fileObjectKey(tenantId, id) };
  await deps.objects.put(record.objectKey, body, { contentType: 'application/jsonl' });
  await deps.store.putFile(record);
  return id;
}

function finished(deps: BatchWorkerDeps, status: string): void {
  deps.metrics.add(BATCH_METRICS.finished, 1, 'Count', { Status: status });
}

function expiredLine(raw: string | undefined, now: number): string {
  const customId = raw === undefined ? null : ((JSON.parse(raw) as BatchLine).custom_id ?? null);
  return JSON.stringify({ id: newLineRequestId(now), custom_id: customId, response: null, error: { code: 'batch_expired', message: 'This request could not be executed before the completion window expired.' } });
}

/** a chunk whose input object is gone (removed by hand): its lines fail, they cannot run */
function missingLine(index: number, now: number): LineResult {
  return { ok: false, line: JSON.stringify({ id: newLineRequestId(now), custom_id: null, response: null, error: { code: 'line_missing', message: `Line ${index + 1} of the batch's input could not be read.` } }) };
}

/** a request the batch's owner makes: identified as that tenant, the way the key authorizer hands over a tenant */
function ownerRequest(tenantId: string): GatewayRequest {
  return { method: 'POST', path: '/', headers: {}, query: {}, body: undefined, bodyBytes: 0, requestId: 'batch', receivedAt: 0, identity: { tenantId } };
}

async function collect(body: AsyncIterable<string>): Promise<string> {
  let text = '';
  for await (const piece of body) text += piece;
  return text;
}

function errorMessage(body: unknown): string {
  const message = (body as { error?: { message?: unknown } } | null)?.error?.message;
  return typeof message === 'string' ? message : 'The request failed.';
}
