// The batch store against dynalite (status moves conditioned on the status left, pieces accounted once, pages
// per tenant), and the worker on it with a fake gateway and a clock the test moves: the completion window
// running out mid-batch, a piece that runs out of invocation time handing the rest back, lower work stepping
// aside for higher.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoBatchStore } from '../../../lambdas/adapters/dynamodb/batch-store';
import type { BatchRecord, BatchWork, Priority, WorkQueue } from '../../../lambdas/core/batches/ports';
import { expireOverdue, runBatchWork, type BatchWorkerDeps } from '../../../lambdas/core/batches/worker';
import { BatchShare } from '../../../lambdas/core/batches/share';
import { fileObjectKey, newBatchId, newFileId } from '../../../lambdas/core/batches/objects';
import { validateGatewayConfig } from '../../../lambdas/core/config/load';
import type { Gateway } from '../../../lambdas/core/gateway';
import type { ObjectStore, RateCounterStore } from '../../../lambdas/core/ports';
import type { TenantDirectory } from '../../../lambdas/core/tenants/directory';
import { startTestDynamo, type TestDynamo } from '../../helpers/dynalite';
import { MemoryLogger } from '../../helpers/logs';

let db: TestDynamo;
let store: DynamoBatchStore;
beforeAll(async () => {
  db = await startTestDynamo();
  store = new DynamoBatchStore(db.client, db.tables.batches);
});
afterAll(async () => {
  await db?.stop();
});

const T0 = Date.parse('2026-12-02T10:00:00Z');

function batch(tenantId: string, at: number, over: Partial<BatchRecord> = {}): BatchRecord {
  return {
    id: newBatchId(at),
    tenantId,
    endpoint: '/v1/chat/completions',
    inputFileId: 'file-000000000000000000000000',
    completionWindow: '24h',
    status: 'validating',
    priority: 'normal',
    createdAt: at,
    expiresAt: at + 86_400_000,
    counts: { total: 0, completed: 0, failed: 0 },
    linesDone: 0,
    pieces: [],
    retainUntil: at + 30 * 86_400_000,
    ...over,
  };
}

describe('DynamoBatchStore', () => {
  it('moves a status only from the statuses named, stamping when, and reads it back', async () => {
    const b = batch('acme', T0);
    await store.createBatch(b);
    expect(await store.transition('acme', b.id, ['in_progress'], 'finalizing', T0 + 1)).toBe(false);
    expect(await store.transition('acme', b.id, ['validating'], 'in_progress', T0 + 2, { counts: { total: 7, completed: 0, failed: 0 } })).toBe(true);
    expect(await store.transition('acme', b.id, ['validating'], 'in_progress', T0 + 3)).toBe(false);
    await store.countLines('acme', b.id, { completed: 1, failed: 0 });
    await store.countLines('acme', b.id, { completed: 0, failed: 1 });
    const read = await store.getBatch('acme', b.id);
    expect(read).toMatchObject({ status: 'in_progress', inProgressAt: T0 + 2, counts: { total: 7, completed: 1, failed: 1 }, expiresAt: b.expiresAt });
    // another tenant's id reads as absent, and cannot be moved
    expect(await store.getBatch('other', b.id)).toBeUndefined();
    expect(await store.transition('other', b.id, ['in_progress'], 'cancelling', T0)).toBe(false);
  });

  it('accounts a piece once, however often it is delivered', async () => {
    const b = batch('acme', T0 + 10, { status: 'in_progress' });
    await store.createBatch(b);
    expect(await store.accountPiece('acme', b.id, 0, 20)).toBe(20);
    expect(await store.accountPiece('acme', b.id, 0, 20)).toBeUndefined();
    expect(await Promise.all([store.accountPiece('acme', b.id, 20, 5), store.accountPiece('acme', b.id, 20, 5)])).toContain(undefined);
    expect((await store.getBatch('acme', b.id))!).toMatchObject({ linesDone: 25, pieces: [0, 20] });
  });

  it('pages a tenant\'s batches newest first after a cursor, and its files by purpose', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const b = batch('pager', T0 + i * 1000);
      await store.createBatch(b);
      ids.push(b.id);
    }
    const first = await store.listBatches('pager', { limit: 2 });
    expect(first.data.map((b) => b.id)).toEqual([ids[4], ids[3]]);
    expect(first.hasMore).toBe(true);
    const last = await store.listBatches('pager', { limit: 2, after: ids[1] });
    expect(last.data.map((b) => b.id)).toEqual([ids[0]]);
    expect(last.hasMore).toBe(false);
    const f = { tenantId: 'pager', filename: 'x.jsonl', bytes: 3, createdAt: T0, expiresAt: T0 + 1, objectKey: 'k' };
    await store.putFile({ ...f, id: newFileId(T0), purpose: 'batch' });
    await store.putFile({ ...f, id: newFileId(T0 + 1), purpose: 'batch_output' });
    expect((await store.listFiles('pager', { purpose: 'batch_output', limit: 10, order: 'desc' })).data.map((x) => x.purpose)).toEqual(['batch_output']);
    expect((await store.listFiles('pager', { limit: 1, order: 'asc' })).hasMore).toBe(true);
    expect((await store.allBatches(100)).filter((b) => b.tenantId === 'pager')).toHaveLength(5);
  });
});

class MemoryObjects implements ObjectStore {
  readonly objects = new Map<string, Uint8Array>();
  async put(key: string, body: Uint8Array | string) {
    this.objects.set(key, typeof body === 'string' ? Buffer.from(body) : body);
  }
  async get(key: string) {
    return this.objects.get(key);
  }
  async delete(key: string) {
    this.objects.delete(key);
  }
}

class ListQueue implements WorkQueue {
  readonly sent: Array<{ work: BatchWork; priority: Priority; delayMs?: number }> = [];
  higherWaiting = false;
  async send(work: BatchWork[], opts: { priority: Priority; delayMs?: number }) {
    for (const w of work) this.sent.push({ work: w, ...opts });
  }
  async waitingAbove() {
    return this.higherWaiting;
  }
}

const noRates: RateCounterStore = { take: async () => 1, charge: async () => {}, otherRegions: async () => undefined };

function worker(now: { t: number }, opts: { callMs: number }): { deps: BatchWorkerDeps; objects: MemoryObjects; queue: ListQueue; calls: string[] } {
  const objects = new MemoryObjects();
  const queue = new ListQueue();
  const calls: string[] = [];
  const clock = { now: () => now.t };
  const gateway: Gateway = async (req) => {
    calls.push(req.body!);
    now.t += opts.callMs;
    return { status: 200, headers: {}, body: JSON.stringify({ ok: true, tenant: req.identity.tenantId, batch: req.batchId }) };
  };
  const config = validateGatewayConfig({ providers: [{ id: 'mock', type: 'mock' }], batches: { enabled: true, linesPerChunk: 4 } }, 'test');
  const tenants = { identify: async () => ({ id: 'acme', limits: {}, budget: {} }) } as unknown as TenantDirectory;
  return {
    objects,
    queue,
    calls,
    deps: { store, objects, queue, gateway, tenants, share: new BatchShare(noRates, clock, 0.5), config, clock, logger: new MemoryLogger(), metrics: { add() {}, flush() {} }, sleep: async () => {} },
  };
}

async function submitted(deps: BatchWorkerDeps, objects: MemoryObjects, lines: number, over: Partial<BatchRecord> = {}): Promise<BatchRecord> {
  const now = deps.clock.now();
  const fileId = newFileId(now);
  const text = Array.from({ length: lines }, (_, i) => JSON.stringify({ custom_id: `c${i}`, method: 'POST', url: '/v1/chat/completions', body: { model: 'echo', messages: [{ role: 'user', content: `m${i}` }] } })).join('\n');
  await objects.put(fileObjectKey('acme', fileId), text);
  await store.putFile({ id: fileId, tenantId: 'acme', filename: 'in.jsonl', purpose: 'batch', bytes: text.length, createdAt: now, expiresAt: now + 86_400_000, objectKey: fileObjectKey('acme', fileId) });
  const b = batch('acme', now, { inputFileId: fileId, ...over });
  await store.createBatch(b);
  return b;
}

/** run what the queue holds until it is empty */
async function drain(deps: BatchWorkerDeps, queue: ListQueue, limits: { stopAt?: number } = {}): Promise<void> {
  while (queue.sent.length) await runBatchWork(queue.sent.shift()!.work, deps, limits);
}

describe('the batch worker', () => {
  it('runs every line as the batch owner, marked with the batch, and completes', async () => {
    const now = { t: T0 + 100_000 };
    const { deps, objects, queue, calls } = worker(now, { callMs: 10 });
    const b = await submitted(deps, objects, 10);
    await runBatchWork({ kind: 'plan', tenantId: 'acme', batchId: b.id }, deps);
    expect(queue.sent.map((s) => s.work)).toEqual([0, 4, 8].map((at) => ({ kind: 'lines', tenantId: 'acme', batchId: b.id, chunk: at, from: at, end: Math.min(at + 4, 10) })));
    await drain(deps, queue);
    expect(calls).toHaveLength(10);
    const done = (await store.getBatch('acme', b.id))!;
    expect(done).toMatchObject({ status: 'completed', counts: { total: 10, completed: 10, failed: 0 } });
    const out = Buffer.from((await objects.get(fileObjectKey('acme', done.outputFileId!)))!).toString('utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(out.map((l) => l.custom_id)).toEqual(Array.from({ length: 10 }, (_, i) => `c${i}`));
    expect(out[0].response.body).toEqual({ ok: true, tenant: 'acme', batch: b.id });
    // the working objects are gone; the input and output files stay
    expect([...objects.objects.keys()].filter((k) => k.startsWith('work/'))).toEqual([]);
  });

  it('expires what is not done when the completion window ends, with OpenAI\'s batch_expired lines', async () => {
    const now = { t: T0 + 200_000 };
    const { deps, objects, queue, calls } = worker(now, { callMs: 1_000 });
    const b = await submitted(deps, objects, 10, { expiresAt: T0 + 200_000 + 5_500 });
    await runBatchWork({ kind: 'plan', tenantId: 'acme', batchId: b.id }, deps);
    await drain(deps, queue);
    const done = (await store.getBatch('acme', b.id))!;
    expect(done.status).toBe('expired');
    expect(done.expiredAt).toBeTypeOf('number');
    expect(calls.length).toBeLessThan(10);
    expect(done.counts).toEqual({ total: 10, completed: calls.length, failed: 10 - calls.length });
    const err = Buffer.from((await objects.get(fileObjectKey('acme', done.errorFileId!)))!).toString('utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(err.every((l) => l.error.code === 'batch_expired' && l.response === null)).toBe(true);
  });

  it('hands the rest of a piece back to the queue when its invocation runs out of time, and finishes once', async () => {
    const now = { t: T0 + 300_000 };
    const { deps, objects, queue, calls } = worker(now, { callMs: 1_000 });
    const b = await submitted(deps, objects, 4);
    await runBatchWork({ kind: 'plan', tenantId: 'acme', batchId: b.id }, deps);
    const piece = queue.sent.shift()!.work;
    await runBatchWork(piece, deps, { stopAt: now.t + 1_500 });
    expect(calls).toHaveLength(2);
    expect(queue.sent.map((s) => s.work)).toEqual([{ ...piece, from: 2 }]);
    expect((await store.getBatch('acme', b.id))!).toMatchObject({ status: 'in_progress', linesDone: 2, pieces: [0] });
    // a repeated delivery of the first piece does nothing
    await runBatchWork(piece, deps);
    expect(calls).toHaveLength(2);
    await drain(deps, queue);
    expect(calls).toHaveLength(4);
    expect((await store.getBatch('acme', b.id))!).toMatchObject({ status: 'completed', counts: { total: 4, completed: 4, failed: 0 } });
  });

  it('steps a lower-priority piece aside while higher work waits', async () => {
    const now = { t: T0 + 400_000 };
    const { deps, objects, queue, calls } = worker(now, { callMs: 1 });
    const b = await submitted(deps, objects, 2, { priority: 'low' });
    await runBatchWork({ kind: 'plan', tenantId: 'acme', batchId: b.id }, deps);
    const piece = queue.sent.shift()!;
    expect(piece.priority).toBe('low');
    queue.higherWaiting = true;
    await runBatchWork(piece.work, deps);
    expect(calls).toHaveLength(0);
    expect(queue.sent).toEqual([{ work: piece.work, priority: 'low', delayMs: 20_000 }]);
  });
});

describe('the overdue sweep', () => {
  it('ends a batch whose remaining work never arrives, past its window, with what finished', async () => {
    const now = { t: T0 + 500_000 };
    const { deps, objects, queue } = worker(now, { callMs: 1 });
    const b = await submitted(deps, objects, 8, { expiresAt: T0 + 500_000 + 60_000 });
    await runBatchWork({ kind: 'plan', tenantId: 'acme', batchId: b.id }, deps);
    await runBatchWork(queue.sent.shift()!.work, deps); // the first piece runs; the second is lost
    const stuck = await submitted(deps, objects, 1, { expiresAt: T0 + 500_000 + 60_000 }); // never validated
    expect(await expireOverdue(deps)).toBe(0);
    now.t += 60_000 + 15 * 60_000;
    expect(await expireOverdue(deps)).toBeGreaterThanOrEqual(2);
    const done = (await store.getBatch('acme', b.id))!;
    expect(done).toMatchObject({ status: 'expired', counts: { total: 8, completed: 4, failed: 0 } });
    expect(done.outputFileId).toMatch(/^file-/);
    expect((await store.getBatch('acme', stuck.id))!.status).toBe('expired');
    // ended once: a second sweep finds nothing to do for them
    const again = await expireOverdue(deps);
    expect((await store.getBatch('acme', b.id))!.completedAt).toBeUndefined();
    expect(again).toBe(0);
  });
});
