// The response cache table against dynalite: answers kept compressed and read back, expiry at their time
// (before DynamoDB's TTL gets to them), answers too large for an item not kept, the operator's stats and purge
// by tenant (and alias), and the ledger entry's cache field stored and read back.
import { randomBytes } from 'node:crypto';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CacheTableAdmin, DynamoCacheStore, MAX_ITEM_DATA_BYTES } from '../../../lambdas/adapters/dynamodb/cache-store';
import { DynamoCostLedger } from '../../../lambdas/adapters/dynamodb/cost-ledger';
import { cachePartition } from '../../../lambdas/core/cache/key';
import type { CachedAnswer, LedgerEntry } from '../../../lambdas/core/ports';
import { startTestDynamo, type TestDynamo } from '../../helpers/dynalite';

let db: TestDynamo;
let now = Date.parse('2026-12-02T10:00:00Z');
const clock = { now: () => now };

beforeAll(async () => {
  db = await startTestDynamo();
});
afterAll(async () => {
  await db?.stop();
});

function answer(text: string, ttlMs = 60_000): CachedAnswer {
  return {
    completion: { id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }], usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 } },
    provider: 'openai',
    model: 'gpt-4o-mini',
    costNanoUsd: 2_000_000,
    createdAt: now,
    expiresAt: now + ttlMs,
  };
}

describe('DynamoCacheStore', () => {
  it('keeps an answer gzip-compressed under its partition and hash, with a TTL in epoch seconds, and reads it back', async () => {
    const store = new DynamoCacheStore(db.client, db.tables.responseCache, clock);
    const key = { partition: cachePartition('tenant', 'acme', 'fast'), hash: 'h1' };
    const text = 'the same sentence again. '.repeat(200);
    expect(await store.put(key, answer(text))).toBe(true);
    expect(await store.get(key)).toEqual(answer(text));
    const { Item } = await db.client.send(new GetItemCommand({ TableName: db.tables.responseCache, Key: { pk: { S: 'T#acme#fast' }, sk: { S: 'h1' } } }));
    expect(Item!.data!.B!.length).toBeLessThan(text.length / 4);
    expect(Number(Item!.expiresAt!.N)).toBe((now + 60_000) / 1000);
  });

  it('reads an entry past its time as a miss, and one never stored as a miss', async () => {
    const store = new DynamoCacheStore(db.client, db.tables.responseCache, clock);
    const key = { partition: 'T#acme#fast', hash: 'short' };
    await store.put(key, answer('brief', 1_000));
    now += 1_001;
    expect(await store.get(key)).toBeUndefined();
    expect(await store.get({ partition: 'T#acme#fast', hash: 'never' })).toBeUndefined();
  });

  it('does not keep an answer too large for one item', async () => {
    const store = new DynamoCacheStore(db.client, db.tables.responseCache, clock);
    const key = { partition: 'T#acme#fast', hash: 'huge' };
    // random text does not compress
    expect(await store.put(key, answer(randomBytes(MAX_ITEM_DATA_BYTES).toString('base64')))).toBe(false);
    expect(await store.get(key)).toBeUndefined();
  });
});

describe('CacheTableAdmin', () => {
  it("counts entries per partition and purges one tenant's, of one alias or all, and no one else's", async () => {
    const store = new DynamoCacheStore(db.client, db.tables.responseCache, clock);
    for (const [partition, hash] of [
      ['T#t1#fast', 'a'],
      ['T#t1#fast', 'b'],
      ['T#t1#slow', 'c'],
      ['T#t10#fast', 'd'],
      ['S#fast', 'e'],
    ] as const) await store.put({ partition, hash }, answer(hash));
    const admin = new CacheTableAdmin(db.client, db.tables.responseCache);
    const stats = await admin.stats(now);
    expect(stats.find((s) => s.partition === 'T#t1#fast')).toMatchObject({ items: 2, live: 2 });

    expect(await admin.purge('t1', 'fast')).toBe(2);
    expect(await store.get({ partition: 'T#t1#fast', hash: 'a' })).toBeUndefined();
    expect(await store.get({ partition: 'T#t1#slow', hash: 'c' })).toBeDefined();
    expect(await admin.purge('t1')).toBe(1);
    expect(await store.get({ partition: 'T#t1#slow', hash: 'c' })).toBeUndefined();
    // t10 starts with t1, and shared entries belong to no tenant: both untouched
    expect(await store.get({ partition: 'T#t10#fast', hash: 'd' })).toBeDefined();
    expect(await store.get({ partition: 'S#fast', hash: 'e' })).toBeDefined();
  });
});

describe('ledger entry of a cache hit', () => {
  it('stores and reads back the cache status and the saving', async () => {
    const ledger = new DynamoCostLedger(db.client, db.tables.costLedger, 30);
    const entry: LedgerEntry = {
      requestId: 'req-hit-1',
      tenantId: 'acme',
      at: now,
      route: 'chat',
      alias: 'fast',
      provider: 'openai',
      model: 'gpt-4o-mini',
      tokens: { input: 0, output: 0, cachedInput: 0, cacheWrite: 0 },
      costNanoUsd: 0,
      operatorCostNanoUsd: 0,
      calls: [],
      latencyMs: 3,
      status: 200,
      attempts: 0,
      stream: false,
      cache: { status: 'hit', savedNanoUsd: 2_000_000 },
    };
    await ledger.putEntry(entry);
    const day = new Date(now).toISOString().slice(0, 10);
    const read = [];
    for await (const e of ledger.entries('acme', day)) read.push(e);
    expect(read.find((e) => e.requestId === 'req-hit-1')?.cache).toEqual({ status: 'hit', savedNanoUsd: 2_000_000 });
  });
});
