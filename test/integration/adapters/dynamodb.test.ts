// The DynamoDB adapters against dynalite: the same API calls they make in AWS.
import { DescribeTableCommand, GetItemCommand, ListTablesCommand, PutItemCommand, QueryCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoClient } from '../../../lambdas/adapters/dynamodb/client';
import { DynamoCostLedger } from '../../../lambdas/adapters/dynamodb/cost-ledger';
import { ensureTables } from '../../../lambdas/adapters/dynamodb/create-tables';
import { toItem } from '../../../lambdas/adapters/dynamodb/marshal';
import { LOCAL_TABLE_NAMES, TABLES } from '../../../lambdas/adapters/dynamodb/tables';
import { DynamoTenantStore, tenantKeys } from '../../../lambdas/adapters/dynamodb/tenant-store';
import { DynamoLeaseSweep } from '../../../lambdas/adapters/dynamodb/lease-sweep';
import { DynamoRateCounters } from '../../../lambdas/adapters/dynamodb/rate-counters';
import type { RegionScope } from '../../../lambdas/adapters/dynamodb/regions';
import type { BudgetPeriod, CounterKey, StoredLease, UsageTotals } from '../../../lambdas/core/ports';
import { startTestDynamo, type TestDynamo } from '../../helpers/dynalite';

let db: TestDynamo;
beforeAll(async () => {
  db = await startTestDynamo();
});
afterAll(async () => {
  await db?.stop();
});

/** two regions of one deployment on one table, as global tables are once replicated: us-east-1 is the primary */
const EAST: RegionScope = { own: 'us-east-1', all: ['us-east-1', 'eu-west-1'] };
const WEST: RegionScope = { own: 'eu-west-1', all: ['us-east-1', 'eu-west-1'] };

/** a client that counts the calls it sends */
function countingClient(): { client: DynamoDBClient; sent: () => number } {
  const client = createDynamoClient({ endpoint: db.endpoint });
  let sent = 0;
  client.middlewareStack.add((next) => (args) => {
    sent++;
    return next(args);
  });
  return { client, sent: () => sent };
}

describe('createDynamoClient', () => {
  it('drops the SDK logger middleware and caches each command class its middleware chain, yet every send carries its own input', async () => {
    const client = createDynamoClient({ endpoint: db.endpoint });
    expect(client.middlewareStack.identify().join(' ')).not.toMatch(/loggerMiddleware/);
    expect(client.config.cacheMiddleware).toBe(true);
    const keys = ['a', 'b', 'c'].map((k) => ({ pk: { S: `client-test#${k}` }, sk: { S: k } }));
    await Promise.all(keys.map((Key) => client.send(new PutItemCommand({ TableName: db.tables.costLedger, Item: { ...Key, v: { S: Key.sk.S } } }))));
    const read = await Promise.all(keys.map((Key) => client.send(new GetItemCommand({ TableName: db.tables.costLedger, Key }))));
    expect(read.map((r) => r.Item?.v?.S)).toEqual(['a', 'b', 'c']);
    client.destroy();
  });
});

describe('ensureTables', () => {
  it('creates every table with pk/sk keys, and several processes may race to do it', async () => {
    const others = [createDynamoClient({ endpoint: db.endpoint }), createDynamoClient({ endpoint: db.endpoint })];
    await Promise.all(others.map((c) => ensureTables(c, LOCAL_TABLE_NAMES)));
    const { TableNames } = await db.client.send(new ListTablesCommand({}));
    expect(TableNames).toEqual(expect.arrayContaining(Object.values(TABLES).map((t) => t.localName)));
    const { Table } = await db.client.send(new DescribeTableCommand({ TableName: LOCAL_TABLE_NAMES.costLedger }));
    expect(Table?.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    others.forEach((c) => c.destroy());
  });
});

describe('DynamoCostLedger', () => {
  const period = (tenantId: string, name = '2026-11-22'): BudgetPeriod => ({ tenantId, kind: 'day', name });
  const totals = (cost: number, model = 'mock/echo'): UsageTotals => ({
    costNanoUsd: cost,
    requests: 1,
    inputTokens: 10,
    outputTokens: 5,
    cachedInputTokens: 1,
    byModel: { [model]: { costNanoUsd: cost, requests: 1, inputTokens: 10, outputTokens: 5 } },
    byProvider: { [model.split('/')[0]!]: { costNanoUsd: cost, requests: 1, inputTokens: 10, outputTokens: 5 } },
  });
  const lease = (id: string, granted: number, expiresAt = Date.now() + 60_000): StoredLease => ({ id, granted, used: 0, seq: 0, topUps: 0, expiresAt });

  it('sums concurrent settlement batches of many channels exactly, with totals by model and provider', async () => {
    const ledger = new DynamoCostLedger(db.client, db.tables.costLedger, 30);
    const p = period('acme');
    await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const id = `ch${i}`;
        await ledger.flush(p, { leaseId: id, seq: 1, usedAfter: 1_000 + i, committedDelta: 1_000 + i, totals: totals(1_000 + i), open: { granted: 0, expiresAt: Date.now() + 60_000 } });
        await ledger.flush(p, { leaseId: id, seq: 2, usedAfter: 2_000 + i, committedDelta: 1_000, totals: totals(1_000, 'other/m') });
      }),
    );
    const { day } = await ledger.usage('acme', '2026-11-22', '2026-11');
    const expected = Array.from({ length: 20 }, (_, i) => 2_000 + i).reduce((a, b) => a + b, 0);
    expect(day).toMatchObject({ costNanoUsd: expected, reservedNanoUsd: 0, requests: 40, inputTokens: 400, outputTokens: 200, cachedInputTokens: 40 });
    expect(day.byModel['mock/echo']).toEqual({ costNanoUsd: expected - 20_000, requests: 20, inputTokens: 200, outputTokens: 100 });
    expect(day.byProvider.other).toEqual({ costNanoUsd: 20_000, requests: 20, inputTokens: 200, outputTokens: 100 });
  });

  it('applies a settlement batch once: a repeat of the same seq is refused', async () => {
    const ledger = new DynamoCostLedger(db.client, db.tables.costLedger, 30);
    const p = period('once');
    expect(await ledger.openLease(p, lease('l1', 5_000), 10_000)).toBe(5_000);
    const batch = { leaseId: 'l1', seq: 1, usedAfter: 700, committedDelta: 0, totals: totals(700) };
    expect(await ledger.flush(p, batch)).toEqual({ applied: true, costNanoUsd: 700 });
    expect(await ledger.flush(p, batch)).toEqual({ applied: false });
    expect(await ledger.readLease(p, 'l1')).toMatchObject({ granted: 5_000, used: 700, seq: 1 });
    const { day } = await ledger.usage('once', '2026-11-22', '2026-11');
    expect(day).toMatchObject({ costNanoUsd: 700, reservedNanoUsd: 4_300, requests: 1 });
  });

  it('opens leases only while committed + grant stays within the limit, and a close gives the unused grant back', async () => {
    const ledger = new DynamoCostLedger(db.client, db.tables.costLedger, 30);
    const p = period('limited');
    const opened = await Promise.all(Array.from({ length: 10 }, (_, i) => ledger.openLease(p, lease(`c${i}`, 3_000), 10_000)));
    expect(opened.filter((c) => c !== undefined)).toHaveLength(3);
    const [first] = opened.flatMap((c, i) => (c === undefined ? [] : [`c${i}`]));
    await ledger.flush(p, { leaseId: first!, seq: 1, usedAfter: 1_000, committedDelta: -2_000, totals: totals(1_000), close: true });
    expect(await ledger.readLease(p, first!)).toBeUndefined();
    expect(await ledger.openLease(p, lease('again', 3_000), 10_000)).toBe(10_000);
    expect(await ledger.openLease(p, lease('over', 1), 10_000)).toBeUndefined();
  });

  it('grows a lease within the limit, once per top-up count', async () => {
    const ledger = new DynamoCostLedger(db.client, db.tables.costLedger, 30);
    const p = period('grown');
    await ledger.openLease(p, lease('g1', 2_000), 10_000);
    const grows = await Promise.all([ledger.growLease(p, 'g1', 3_000, 1, 10_000), ledger.growLease(p, 'g1', 3_000, 1, 10_000)]);
    expect(grows.filter((c) => c !== undefined)).toEqual([5_000]);
    expect(await ledger.growLease(p, 'g1', 6_000, 2, 10_000)).toBeUndefined();
    expect(await ledger.growLease(p, 'g1', 5_000, 2, 10_000)).toBe(10_000);
    expect(await ledger.readLease(p, 'g1')).toMatchObject({ granted: 10_000, topUps: 2 });
  });

  it('marks each budget alert once', async () => {
    const ledger = new DynamoCostLedger(db.client, db.tables.costLedger, 30);
    const marks = await Promise.all(Array.from({ length: 5 }, () => ledger.markAlert(period('alerts'), 80)));
    expect(marks.filter(Boolean)).toHaveLength(1);
  });
});

describe('DynamoCostLedger in several regions', () => {
  const period = (tenantId: string): BudgetPeriod => ({ tenantId, kind: 'day', name: '2026-11-22' });
  const channel = (id: string, cost: number, model: string) => ({
    leaseId: id,
    seq: 1,
    usedAfter: cost,
    committedDelta: cost,
    totals: { costNanoUsd: cost, requests: 1, inputTokens: 10, outputTokens: 5, cachedInputTokens: 0, byModel: { [model]: { costNanoUsd: cost, requests: 1, inputTokens: 10, outputTokens: 5 } }, byProvider: {} },
    open: { granted: 0, expiresAt: Date.now() + 60_000 },
  });

  it("keeps each region's period item apart — the primary's under the single-region key — and sums them in usage", async () => {
    const east = new DynamoCostLedger(db.client, db.tables.costLedger, 30, EAST);
    const west = new DynamoCostLedger(db.client, db.tables.costLedger, 30, WEST);
    const p = period('regional');
    await Promise.all([east.flush(p, channel('e1', 700, 'mock/echo')), west.flush(p, channel('w1', 300, 'mock/echo')), west.flush(p, channel('w2', 50, 'other/m'))]);
    const cost = async (sk: string) => (await db.client.send(new GetItemCommand({ TableName: db.tables.costLedger, Key: { pk: { S: 'T#regional' }, sk: { S: sk } } }))).Item?.costNanoUsd?.N;
    expect([await cost('D#2026-11-22'), await cost('D#2026-11-22#R#eu-west-1')]).toEqual(['700', '350']);
    for (const ledger of [east, west, new DynamoCostLedger(db.client, db.tables.costLedger, 30)]) {
      const { day } = await ledger.usage('regional', '2026-11-22', '2026-11');
      expect(day).toMatchObject({ costNanoUsd: 1_050, requests: 3, inputTokens: 30, reservedNanoUsd: 0 });
      expect(day.byModel).toEqual({ 'mock/echo': { costNanoUsd: 1_000, requests: 2, inputTokens: 20, outputTokens: 10 }, 'other/m': { costNanoUsd: 50, requests: 1, inputTokens: 10, outputTokens: 5 } });
    }
  });

  it("reads the other regions' committed and settled totals and alert marks, never its own", async () => {
    const east = new DynamoCostLedger(db.client, db.tables.costLedger, 30, EAST);
    const west = new DynamoCostLedger(db.client, db.tables.costLedger, 30, WEST);
    const p = period('elsewhere');
    await east.openLease(p, { id: 'e', granted: 5_000, used: 0, seq: 0, topUps: 0, expiresAt: Date.now() + 60_000 }, 10_000);
    await west.flush(p, channel('w', 700, 'mock/echo'));
    await east.markAlert(p, 80);
    expect(await west.otherRegions(p)).toEqual({ committedNanoUsd: 5_000, costNanoUsd: 0, alerted: [80] });
    expect(await east.otherRegions(p)).toEqual({ committedNanoUsd: 700, costNanoUsd: 700, alerted: [] });
    // each region's condition is on its own item: the other region's 5 000 is for the caller to subtract
    expect(await west.openLease(p, { id: 'w2', granted: 9_000, used: 0, seq: 0, topUps: 0, expiresAt: Date.now() + 60_000 }, 10_000)).toBe(9_700);
  });

  it('in one region, reads no other region: no round trip', async () => {
    const { client, sent } = countingClient();
    const ledger = new DynamoCostLedger(client, db.tables.costLedger, 30);
    expect(await ledger.otherRegions(period('alone'))).toBeUndefined();
    expect(sent()).toBe(0);
    client.destroy();
  });

  it('gives part of a grant back with a negative top-up, once', async () => {
    const ledger = new DynamoCostLedger(db.client, db.tables.costLedger, 30, WEST);
    const p = period('shrunk');
    await ledger.openLease(p, { id: 's', granted: 2_000, used: 0, seq: 0, topUps: 0, expiresAt: Date.now() + 60_000 }, 10_000);
    expect(await ledger.growLease(p, 's', 3_000, 1, 10_000)).toBe(5_000);
    const back = await Promise.all([ledger.growLease(p, 's', -3_000, 2, undefined), ledger.growLease(p, 's', -3_000, 2, undefined)]);
    expect(back.filter((c) => c !== undefined)).toEqual([2_000]);
    expect(await ledger.readLease(p, 's')).toMatchObject({ granted: 2_000, topUps: 2 });
  });

  it('writes the entries of two regions apart even for the same request id at the same moment', async () => {
    const at = Date.UTC(2026, 10, 22, 12, 0, 0);
    const entry = { requestId: 'req_same', tenantId: 'entries', at, route: 'chat' as const, alias: 'echo', provider: 'mock', model: 'echo', tokens: { input: 1, output: 1, cachedInput: 0, cacheWrite: 0 }, costNanoUsd: 5, operatorCostNanoUsd: 0, calls: [], latencyMs: 1, status: 200, attempts: 1, stream: false };
    await Promise.all([EAST, WEST].map((r) => new DynamoCostLedger(db.client, db.tables.costLedger, 30, r).putEntry(entry)));
    const { Items } = await db.client.send(new QueryCommand({ TableName: db.tables.costLedger, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: 'T#entries#D#2026-11-22' } } }));
    expect(Items?.map((i) => i.region?.S).sort()).toEqual(['eu-west-1', 'us-east-1']);
  });
});

describe('DynamoLeaseSweep', () => {
  const lease = (id: string, granted: number, expiresAt: number): StoredLease => ({ id, granted, used: 0, seq: 0, topUps: 0, expiresAt });

  it('finds expired leases and releases each exactly once', async () => {
    const ledger = new DynamoCostLedger(db.client, db.tables.costLedger, 30);
    const sweep = new DynamoLeaseSweep(db.client, db.tables.costLedger);
    const p: BudgetPeriod = { tenantId: 'crashed', kind: 'day', name: new Date().toISOString().slice(0, 10) };
    await ledger.openLease(p, lease('dead', 4_000, Date.now() - 1_000), undefined);
    await ledger.openLease(p, lease('alive', 4_000, Date.now() + 60_000), undefined);
    const expired = await sweep.expiredLeases('crashed', Date.now());
    expect(expired.map((e) => e.lease.id)).toEqual(['dead']);
    const results = await Promise.all([sweep.releaseLease(p, expired[0]!.lease), sweep.releaseLease(p, expired[0]!.lease)]);
    expect(results.sort()).toEqual([false, true]);
    expect((await ledger.usage('crashed', p.name, p.name.slice(0, 7))).day.reservedNanoUsd).toBe(4_000);
  });

});

describe('DynamoLeaseSweep in several regions', () => {
  it("sweeps only the leases of its own region's items", async () => {
    const p: BudgetPeriod = { tenantId: 'crashed-both', kind: 'day', name: new Date().toISOString().slice(0, 10) };
    const dead = (id: string): StoredLease => ({ id, granted: 1_000, used: 0, seq: 0, topUps: 0, expiresAt: Date.now() - 1_000 });
    await new DynamoCostLedger(db.client, db.tables.costLedger, 30, EAST).openLease(p, dead('east'), undefined);
    await new DynamoCostLedger(db.client, db.tables.costLedger, 30, WEST).openLease(p, dead('west'), undefined);
    for (const [scope, id] of [[EAST, 'east'], [WEST, 'west']] as const) {
      const sweep = new DynamoLeaseSweep(db.client, db.tables.costLedger, scope);
      const expired = await sweep.expiredLeases('crashed-both', Date.now());
      expect(expired.map((e) => [e.period, e.lease.id])).toEqual([[p, id]]);
      expect(await sweep.releaseLease(p, expired[0]!.lease)).toBe(true);
    }
    expect((await new DynamoCostLedger(db.client, db.tables.costLedger, 30, EAST).usage('crashed-both', p.name, '')).day.reservedNanoUsd).toBe(0);
  });
});

describe('DynamoRateCounters', () => {
  const key = (dimension: string): CounterKey => ({ scope: 'T#acme', dimension, windowStart: Date.UTC(2026, 10, 22, 12, 0), windowEnd: Date.UTC(2026, 10, 22, 12, 1) });

  it('admits exactly up to the limit under concurrent takes', async () => {
    const counters = new DynamoRateCounters(db.client, db.tables.rateCounters);
    const taken = await Promise.all(Array.from({ length: 30 }, () => counters.take(key('rpm'), 1, 12)));
    expect(taken.filter((c) => c !== undefined)).toHaveLength(12);
    expect(Math.max(...taken.map((c) => c ?? 0))).toBe(12);
  });

  it('refuses a slice that would pass the limit but admits one that fits, and charges past it', async () => {
    const counters = new DynamoRateCounters(db.client, db.tables.rateCounters);
    expect(await counters.take(key('tpm'), 80, 100)).toBe(80);
    expect(await counters.take(key('tpm'), 30, 100)).toBeUndefined();
    expect(await counters.take(key('tpm'), 20, 100)).toBe(100);
    await counters.charge(key('tpm'), 7);
    expect(await counters.take(key('tpm'), 1, 100)).toBeUndefined();
  });

  it("counts each region's takes in its own item and reads the other regions' counts of the window", async () => {
    const east = new DynamoRateCounters(db.client, db.tables.rateCounters, EAST);
    const west = new DynamoRateCounters(db.client, db.tables.rateCounters, WEST);
    const window = (dimension: string): CounterKey => ({ ...key(dimension), scope: 'T#regional' });
    expect(await Promise.all([east.take(window('rpm'), 5, 10), west.take(window('rpm'), 3, 10), west.charge(window('rpm'), 1)])).toEqual([5, 3, undefined]);
    expect(await east.otherRegions(window('rpm'))).toBe(4);
    expect(await west.otherRegions(window('rpm'))).toBe(5);
    expect(await west.otherRegions(window('rph'))).toBe(0);
    const { Items } = await db.client.send(new QueryCommand({ TableName: db.tables.rateCounters, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: 'RL#T#regional' } } }));
    expect(Items?.map((i) => [i.sk?.S, i.used?.N])).toEqual([
      ['rpm#2026-11-22T12:00:00.000Z', '5'],
      ['rpm#2026-11-22T12:00:00.000Z#R#eu-west-1', '4'],
    ]);
  });

  it('in one region, reads no other region: no round trip', async () => {
    const { client, sent } = countingClient();
    expect(await new DynamoRateCounters(client, db.tables.rateCounters).otherRegions(key('rpm'))).toBeUndefined();
    expect(sent()).toBe(0);
    client.destroy();
  });
});

describe('DynamoTenantStore', () => {
  it('finds keys by hash, principals by ARN, and profiles by id', async () => {
    const store = new DynamoTenantStore(db.client, db.tables.tenants);
    const put = (item: Record<string, unknown>) =>
      db.client.send(new PutItemCommand({ TableName: db.tables.tenants, Item: item as never }));
    await put({ ...tenantKeys.apiKey('ab'.repeat(32)), ...toItem({ tenantId: 'acme', keyId: 'k1', expiresAtMs: 5_000, revoked: false }) });
    await put({ ...tenantKeys.principal('arn:aws:iam::1:role/R'), ...toItem({ tenantId: 'acme' }) });
    await put({ ...tenantKeys.profile('acme'), ...toItem({ name: 'Acme', tier: 'gold', limits: { requestsPerMinute: 7 }, budget: { dailyUsd: 2.5 }, models: ['fast'] }) });

    expect(await store.findKey('ab'.repeat(32))).toEqual({ keyHash: 'ab'.repeat(32), tenantId: 'acme', keyId: 'k1', expiresAt: 5_000, revoked: false });
    expect(await store.findKey('cd'.repeat(32))).toBeUndefined();
    expect(await store.findPrincipal('arn:aws:iam::1:role/R')).toEqual({ tenantId: 'acme' });
    expect(await store.getTenant('acme')).toEqual({ id: 'acme', name: 'Acme', tier: 'gold', limits: { requestsPerMinute: 7 }, budget: { dailyUsd: 2.5 }, models: ['fast'] });
    expect(await store.getTenant('nobody')).toBeUndefined();
  });
});
