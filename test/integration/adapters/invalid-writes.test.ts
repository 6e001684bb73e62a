// Writes DynamoDB refuses as invalid (dynalite enforces the same item and key size limits): a name from a request
// that reaches the ledger adapter is bounded, so the write lands; an item that is invalid anyway is refused
// alone, never retried, and the items written with it land; a settlement batch the store refuses is never
// resent ahead of the rest, and its cost still lands.
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchWriter } from '../../../lambdas/adapters/dynamodb/batch-writer';
import { DynamoCostLedger } from '../../../lambdas/adapters/dynamodb/cost-ledger';
import { Budgets, type Settlement } from '../../../lambdas/core/admission/budgets';
import { StoreRejectedWrite, type BudgetPeriod, type CostLedger, type LedgerEntry } from '../../../lambdas/core/ports';
import { startTestDynamo, type TestDynamo } from '../../helpers/dynalite';
import { MemoryLogger } from '../../helpers/logs';

let db: TestDynamo;
beforeAll(async () => {
  db = await startTestDynamo();
});
afterAll(async () => {
  await db?.stop();
});

const TODAY = new Date().toISOString().slice(0, 10);
let seq = 0;
const freshPeriod = (): BudgetPeriod => ({ tenantId: `invalid-${++seq}`, kind: 'day', name: TODAY });
const ledger = () => new DynamoCostLedger(db.client, db.tables.costLedger, 30);
/** the model name of the report: 110 KB, four breakdown attributes of it are over DynamoDB's 400 KB item limit */
const HUGE = `mock/${'m'.repeat(110_000)}`;

function flushOf(model: string, cost: number, seqNo = 1) {
  const breakdown = { costNanoUsd: cost, requests: 1, inputTokens: 10, outputTokens: 5 };
  return {
    leaseId: `lease-${seqNo}`,
    seq: 1,
    usedAfter: cost,
    committedDelta: cost,
    totals: { costNanoUsd: cost, requests: 1, inputTokens: 10, outputTokens: 5, cachedInputTokens: 0, byModel: { [model]: breakdown }, byProvider: { mock: breakdown } },
    open: { granted: 0, expiresAt: Date.now() + 60_000 },
  };
}

describe('ledger writes with names from requests', () => {
  it('a settlement whose model name is 110 KB lands, its breakdown under a bounded stand-in for the name', async () => {
    const period = freshPeriod();
    const outcome = await ledger().flush(period, flushOf(HUGE, 7_000));
    expect(outcome).toEqual({ applied: true, costNanoUsd: 7_000 });
    const { day } = await ledger().usage(period.tenantId, TODAY, TODAY.slice(0, 7));
    expect(day).toMatchObject({ costNanoUsd: 7_000, requests: 1 });
    const [name, totals] = Object.entries(day.byModel)[0]!;
    expect(name.length).toBeLessThanOrEqual(512);
    expect(name).toMatch(/^mock\/m+…#[0-9a-f]{16}$/);
    expect(totals).toEqual({ costNanoUsd: 7_000, requests: 1, inputTokens: 10, outputTokens: 5 });
    // the same long name adds up under the same stand-in
    await ledger().flush(period, { ...flushOf(HUGE, 3_000, 2), leaseId: 'lease-2' });
    expect((await ledger().usage(period.tenantId, TODAY, TODAY.slice(0, 7))).day.byModel[name]).toMatchObject({ costNanoUsd: 10_000, requests: 2 });
  });

  it('a ledger entry whose model and alias are 300 KB each lands with bounded names', async () => {
    const tenantId = `invalid-entry-${++seq}`;
    const huge = 'x'.repeat(300_000);
    const entry: LedgerEntry = {
      requestId: 'req-huge-name',
      tenantId,
      at: Date.now(),
      route: 'chat',
      alias: `mock/${huge}`,
      provider: 'mock',
      model: huge,
      tokens: { input: 10, output: 5, cachedInput: 0, cacheWrite: 0 },
      costNanoUsd: 1_234,
      operatorCostNanoUsd: 0,
      calls: [{ provider: 'mock', model: huge, status: 200, inputTokens: 10, outputTokens: 5, costNanoUsd: 1_234, bearer: 'tenant' }],
      latencyMs: 5,
      status: 200,
      attempts: 1,
      stream: false,
    };
    await ledger().putEntry(entry);
    const { Items } = await db.client.send(
      new QueryCommand({ TableName: db.tables.costLedger, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: `T#${tenantId}#D#${TODAY}` } } }),
    );
    expect(Items).toHaveLength(1);
    expect(Items![0]!.costNanoUsd).toEqual({ N: '1234' });
    expect(Items![0]!.model!.S!.length).toBeLessThanOrEqual(1_024);
  });
});

describe('BatchWriter and items DynamoDB refuses as invalid', () => {
  const count = async (pk: string) =>
    (await db.client.send(new QueryCommand({ TableName: db.tables.costLedger, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: pk } } }))).Count;

  it('refuses only the invalid item, once, and writes the ones that shared its batch', async () => {
    let calls = 0;
    db.client.middlewareStack.add((next) => async (args) => ((calls += 1), next(args)), { step: 'initialize', name: 'countInvalidCalls' });
    const writer = new BatchWriter(db.client, db.tables.costLedger);
    const good = (i: number) => ({ pk: { S: 'invalid-batch' }, sk: { S: `R#${i}` }, n: { N: '1' } });
    // a sort key over DynamoDB's 1 KB: the whole BatchWriteItem is refused with a ValidationException
    const bad = { pk: { S: 'invalid-batch' }, sk: { S: `R#${'k'.repeat(2_000)}` }, n: { N: '1' } };
    const outcomes = await Promise.allSettled([writer.put(good(0)), ...[1, 2, 3, 4, 5].map((i) => writer.put(i === 3 ? bad : good(i))), writer.put(good(6))]);
    db.client.middlewareStack.remove('countInvalidCalls');

    const refused = outcomes.flatMap((o, i) => (o.status === 'rejected' ? [[i, o.reason]] : []));
    expect(refused).toHaveLength(1);
    expect(refused[0]![0]).toBe(3);
    expect(refused[0]![1]).toBeInstanceOf(StoreRejectedWrite);
    expect((refused[0]![1] as Error).message.length).toBeLessThan(600);
    expect(await count('invalid-batch')).toBe(6);
    // 1 alone, then 6 that failed together and were halved down to the bad one: a bounded number of calls
    expect(calls).toBeLessThanOrEqual(1 + 1 + 2 * Math.ceil(Math.log2(6)) + 1);
  });
});

describe('Budgets and settlement batches the store refuses as invalid', () => {
  const TUNING = { horizonMs: 10_000, shareDivisor: 4, admitMs: 60_000, settleMs: 120_000 };
  const points: Array<{ name: string; dimensions?: Record<string, string> }> = [];
  const metrics = { add: (name: string, _v: number, _u: string, dimensions?: Record<string, string>) => void points.push({ name, dimensions }), flush: () => {} };
  const budgetsOn = (l: CostLedger, logger = new MemoryLogger()) => new Budgets({ ledger: l, clock: { now: () => Date.now() }, logger, metrics, alerts: { publish: async () => {} } }, TUNING);
  const settlement = (model: string, cost: number): Settlement => ({ costNanoUsd: cost, inputTokens: 10, outputTokens: 5, cachedInputTokens: 0, provider: 'mock', model });

  it('a tenant that fills its period item with model names keeps being charged: batches the store refuses land without their breakdown', async () => {
    const period = freshPeriod();
    const logger = new MemoryLogger();
    const b = budgetsOn(ledger(), logger);
    // 500-character names pass the adapter's bound, and each adds four ~520-byte attributes: some 190 of them fill 400 KB
    const names = Array.from({ length: 240 }, (_, i) => `mock/${String(i).padStart(4, '0')}${'n'.repeat(495)}`);
    let charged = 0;
    for (const [i, name] of names.entries()) {
      const hold = await b.reserve(period, 10_000_000_000, 100_000);
      expect(hold, `call ${i}`).toBeDefined();
      const cost = 1_000 + i;
      await b.settle(hold!, settlement(name, cost));
      charged += cost;
    }
    // and an ordinary call after them all
    const last = await b.reserve(period, 10_000_000_000, 100_000);
    await b.settle(last!, settlement('mock/echo', 5_000));
    charged += 5_000;
    await b.closeAll();

    const { day } = await ledger().usage(period.tenantId, TODAY, TODAY.slice(0, 7));
    expect(day).toMatchObject({ costNanoUsd: charged, requests: names.length + 1 });
    const bare = logger.find('settlement written without its breakdown by model: the store refused the whole batch as invalid');
    expect(bare.length).toBeGreaterThan(0);
    expect(JSON.stringify(bare[0])).not.toContain('n'.repeat(100));
    expect(logger.find('a settlement batch could not be written yet; it is sent again before the next one')).toEqual([]);
    expect(points.some((p) => p.name === 'LedgerWritesRejected' && p.dimensions?.Kind === 'breakdown')).toBe(true);
  });

  it('a batch refused even without its breakdown is set aside and logged, and never resent ahead of the next', async () => {
    const period = freshPeriod();
    const real = ledger();
    const logger = new MemoryLogger();
    let tries = 0;
    // the store refuses every write that carries this call's settlement, as DynamoDB does an item over its limit
    const refusing: CostLedger = new Proxy(real, {
      get: (target, name: keyof CostLedger) =>
        name === 'flush'
          ? async (p: BudgetPeriod, f: Parameters<CostLedger['flush']>[1]) => {
              if (f.totals.costNanoUsd === 777) {
                tries++;
                throw new StoreRejectedWrite('Item size to update has exceeded the maximum allowed size');
              }
              return target.flush(p, f);
            }
          : (target[name] as (...args: unknown[]) => unknown).bind(target),
    });
    const b = budgetsOn(refusing, logger);
    const first = await b.reserve(period, 1_000_000, 100_000);
    await b.settle(first!, settlement('mock/echo', 777));
    for (const cost of [1_000, 2_000]) {
      const hold = await b.reserve(period, 1_000_000, 100_000);
      await b.settle(hold!, settlement('mock/echo', cost));
    }
    await b.closeAll();
    // tried as it was and once without its breakdown, then never again
    expect(tries).toBe(2);
    const { day } = await real.usage(period.tenantId, TODAY, TODAY.slice(0, 7));
    expect(day).toMatchObject({ costNanoUsd: 3_000, requests: 2, reservedNanoUsd: 0 });
    const [line] = logger.find('settlement set aside: the store refused it as invalid');
    expect(line).toMatchObject({ tenant: period.tenantId, costNanoUsd: 777, requests: 1, error: 'Item size to update has exceeded the maximum allowed size' });
    expect(points.some((p) => p.name === 'LedgerWritesRejected' && p.dimensions?.Kind === 'settlement')).toBe(true);
  });
});
