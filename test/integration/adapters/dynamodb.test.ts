// The DynamoDB adapters against dynalite: the same API calls they make in AWS.
import { DescribeTableCommand, ListTablesCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoClient } from '../../../lambdas/adapters/dynamodb/client';
import { DynamoCostLedger } from '../../../lambdas/adapters/dynamodb/cost-ledger';
import { ensureTables } from '../../../lambdas/adapters/dynamodb/create-tables';
import { toItem } from '../../../lambdas/adapters/dynamodb/marshal';
import { LOCAL_TABLE_NAMES, TABLES } from '../../../lambdas/adapters/dynamodb/tables';
import { DynamoTenantStore, tenantKeys } from '../../../lambdas/adapters/dynamodb/tenant-store';
import type { LedgerEntry } from '../../../lambdas/core/ports';
import { startTestDynamo, type TestDynamo } from '../../helpers/dynalite';

let db: TestDynamo;
beforeAll(async () => {
  db = await startTestDynamo();
});
afterAll(async () => {
  await db?.stop();
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
  const entry = (i: number, tenantId = 'acme', at = Date.UTC(2026, 10, 22, 12)): LedgerEntry => ({
    requestId: `req-${tenantId}-${i}`,
    tenantId,
    at: at + i,
    route: 'chat',
    alias: 'fast',
    provider: 'mock',
    model: 'echo',
    tokens: { input: 10 + i, output: 5, cachedInput: 1, cacheWrite: 0 },
    costNanoUsd: 1_000 + i,
    latencyMs: 3,
    status: 200,
    attempts: 1,
    stream: false,
  });

  it('sums concurrent records exactly into the day and month aggregates', async () => {
    const ledger = new DynamoCostLedger(db.client, db.tables.costLedger, 30);
    await Promise.all(Array.from({ length: 50 }, (_, i) => ledger.record(entry(i))));
    const { day, month } = await ledger.usage('acme', '2026-11-22', '2026-11');
    const expectedCost = Array.from({ length: 50 }, (_, i) => 1_000 + i).reduce((a, b) => a + b, 0);
    expect(day).toEqual({ period: '2026-11-22', costNanoUsd: expectedCost, requests: 50, inputTokens: 50 * 10 + 1225, outputTokens: 250 });
    expect(month.costNanoUsd).toBe(expectedCost);
  });

  it('keeps tenants and days apart, and reports zero for a period with no calls', async () => {
    const ledger = new DynamoCostLedger(db.client, db.tables.costLedger, 30);
    await ledger.record(entry(0, 'beta', Date.UTC(2026, 10, 21, 23, 59, 59)));
    const { day, month } = await ledger.usage('beta', '2026-11-22', '2026-11');
    expect(day.requests).toBe(0);
    expect(month.requests).toBe(1);
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
