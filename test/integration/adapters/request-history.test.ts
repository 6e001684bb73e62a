// Request history against dynalite: entries written by the cost ledger (one write each, with the ByRequest
// index key) read back newest first across day partitions, paged by the last id, bounded by since/until,
// filtered, and only ever the calling tenant's. Also: the ledger stores and reads back the agreed optional
// fields, and ensureTables gives an existing ledger table (made before the index) its index.
import { CreateTableCommand, DescribeTableCommand, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoCostLedger, ledgerKeys } from '../../../lambdas/adapters/dynamodb/cost-ledger';
import { ensureTables } from '../../../lambdas/adapters/dynamodb/create-tables';
import { DynamoRequestHistory } from '../../../lambdas/adapters/dynamodb/request-history';
import { LEDGER_BY_REQUEST_INDEX, LOCAL_TABLE_NAMES } from '../../../lambdas/adapters/dynamodb/tables';
import type { LedgerEntry } from '../../../lambdas/core/ports';
import { startTestDynamo, type TestDynamo } from '../../helpers/dynalite';

let db: TestDynamo;
const NOW = Date.parse('2026-12-02T12:00:00Z');
const HOUR = 3_600_000;
const clock = { now: () => NOW };

function entry(tenantId: string, requestId: string, at: number, over: Partial<LedgerEntry> = {}): LedgerEntry {
  return {
    requestId,
    tenantId,
    at,
    route: 'chat',
    alias: 'fast',
    provider: 'openai',
    model: 'gpt-4o-mini',
    tokens: { input: 10, output: 5, cachedInput: 0, cacheWrite: 0 },
    costNanoUsd: 1_000,
    operatorCostNanoUsd: 0,
    calls: [{ provider: 'openai', model: 'gpt-4o-mini', status: 200, inputTokens: 10, outputTokens: 5, costNanoUsd: 1_000, bearer: 'tenant' }],
    latencyMs: 120,
    status: 200,
    attempts: 1,
    stream: false,
    ...over,
  };
}

let history: DynamoRequestHistory;
const acme: string[] = []; // newest first

beforeAll(async () => {
  db = await startTestDynamo();
  const ledger = new DynamoCostLedger(db.client, db.tables.costLedger, 90);
  history = new DynamoRequestHistory(db.client, db.tables.costLedger, 90, clock);
  // acme: 30 entries over 12 days, every 9.6 hours (so several days hold none), some failed, some other models
  const writes: Array<Promise<void>> = [];
  for (let i = 0; i < 30; i++) {
    const id = `req_acme_${String(i).padStart(2, '0')}`;
    acme.unshift(id);
    const at = NOW - (30 - i) * 9.6 * HOUR;
    writes.push(ledger.putEntry(entry('acme', id, at, { status: i % 5 === 0 ? 502 : 200, alias: i % 3 === 0 ? 'smart' : 'fast', provider: i % 3 === 0 ? 'anthropic' : 'openai', route: i % 4 === 0 ? 'messages' : 'chat' })));
  }
  // globex: same days, and one id equal to an acme id
  for (let i = 0; i < 5; i++) writes.push(ledger.putEntry(entry('globex', `req_globex_${i}`, NOW - i * HOUR)));
  writes.push(ledger.putEntry(entry('globex', 'req_acme_29', NOW - 2 * HOUR)));
  // a tenant whose id starts like another's
  writes.push(ledger.putEntry(entry('acme-2', 'req_x', NOW - HOUR)));
  await Promise.all(writes);
}, 60_000);
afterAll(async () => {
  await db?.stop();
});

async function all(q: Omit<Parameters<DynamoRequestHistory['list']>[0], 'after'>): Promise<string[]> {
  const ids: string[] = [];
  let after: string | undefined;
  for (let pages = 0; pages < 100; pages++) {
    const page = await history.list({ ...q, after });
    if ('unknownAfter' in page) throw new Error('unknown after');
    ids.push(...page.entries.map((e) => e.requestId));
    if (!page.hasMore) return ids;
    after = page.entries.at(-1)!.requestId;
  }
  throw new Error('never ended');
}

describe('DynamoRequestHistory', () => {
  it('lists a tenant’s entries newest first across days, page by page through the last id', async () => {
    const first = await history.list({ tenantId: 'acme', limit: 7 });
    expect('entries' in first && first.entries.map((e) => e.requestId)).toEqual(acme.slice(0, 7));
    expect('hasMore' in first && first.hasMore).toBe(true);
    expect(await all({ tenantId: 'acme', limit: 7 })).toEqual(acme);
    expect(await all({ tenantId: 'acme', limit: 100 })).toEqual(acme);
    expect(await all({ tenantId: 'acme', limit: 1 })).toEqual(acme);
  });

  it('reads every field back as written', async () => {
    const page = await history.list({ tenantId: 'acme', limit: 1 });
    const [newest] = 'entries' in page ? page.entries : [];
    const { region, ...rest } = newest as LedgerEntry & { region?: string };
    expect(rest).toEqual(entry('acme', 'req_acme_29', NOW - 9.6 * HOUR, { status: 200, alias: 'fast', provider: 'openai', route: 'chat' }));
    expect(region).toBe('local');
  });

  it('never shows another tenant’s entries, by list, by id or as a cursor', async () => {
    expect(await all({ tenantId: 'globex', limit: 100 })).toEqual(['req_globex_0', 'req_globex_1', 'req_globex_2', 'req_acme_29', 'req_globex_3', 'req_globex_4']);
    expect(await all({ tenantId: 'acme-2', limit: 100 })).toEqual(['req_x']);
    expect(await history.get('acme', 'req_globex_0')).toBeUndefined();
    expect(await history.get('acme', 'req_x')).toBeUndefined();
    expect((await history.get('globex', 'req_acme_29'))?.tenantId).toBe('globex');
    expect((await history.get('acme', 'req_acme_29'))?.tenantId).toBe('acme');
    expect(await history.list({ tenantId: 'acme', limit: 5, after: 'req_globex_1' })).toEqual({ unknownAfter: true });
  });

  it('bounds by since (inclusive) and until (exclusive) inside and across days', async () => {
    const at = (id: string) => NOW - (30 - Number(id.slice(-2))) * 9.6 * HOUR;
    const since = at('req_acme_10');
    const until = at('req_acme_20');
    expect(await all({ tenantId: 'acme', limit: 4, since, until })).toEqual(acme.filter((id) => at(id) >= since && at(id) < until));
    expect(await all({ tenantId: 'acme', limit: 4, since: since + 1, until: until + 1 })).toEqual(acme.filter((id) => at(id) > since && at(id) <= until));
    expect(await all({ tenantId: 'acme', limit: 4, since: NOW + HOUR })).toEqual([]);
    // entries older than the retention are not read
    const short = new DynamoRequestHistory(db.client, db.tables.costLedger, 3, clock);
    const recent = await short.list({ tenantId: 'acme', limit: 100 });
    expect('entries' in recent && recent.entries.every((e) => e.at >= NOW - 4 * 24 * HOUR)).toBe(true);
  });

  it('filters by model (alias or provider model), provider, status and route, across pages', async () => {
    const entries = await Promise.all(acme.map((id) => history.get('acme', id)));
    const ids = (pick: (e: LedgerEntry) => boolean) => entries.filter((e) => pick(e!)).map((e) => e!.requestId);
    expect(await all({ tenantId: 'acme', limit: 3, model: 'smart' })).toEqual(ids((e) => e.alias === 'smart'));
    expect(await all({ tenantId: 'acme', limit: 3, model: 'gpt-4o-mini' })).toEqual(acme);
    expect(await all({ tenantId: 'acme', limit: 3, provider: 'anthropic' })).toEqual(ids((e) => e.provider === 'anthropic'));
    expect(await all({ tenantId: 'acme', limit: 3, status: 502 })).toEqual(ids((e) => e.status === 502));
    expect(await all({ tenantId: 'acme', limit: 3, status: 'error' })).toEqual(ids((e) => e.status >= 400));
    expect(await all({ tenantId: 'acme', limit: 3, status: 'ok' })).toEqual(ids((e) => e.status < 400));
    expect(await all({ tenantId: 'acme', limit: 3, route: 'messages', provider: 'anthropic' })).toEqual(ids((e) => e.route === 'messages' && e.provider === 'anthropic'));
  });

  it('gives the newest entry for an id a client sent twice', async () => {
    const ledger = new DynamoCostLedger(db.client, db.tables.costLedger, 90);
    await ledger.putEntry(entry('initech', 'my-id', NOW - 5 * HOUR, { latencyMs: 1 }));
    await ledger.putEntry(entry('initech', 'my-id', NOW - 2 * HOUR, { latencyMs: 2 }));
    expect((await history.get('initech', 'my-id'))?.latencyMs).toBe(2);
  });
});

describe('the ledger entry', () => {
  it('is one item holding the index key, and stores and reads back firstByteMs, payloadKey, cache, guardrails and batchId', async () => {
    const ledger = new DynamoCostLedger(db.client, db.tables.costLedger, 90);
    const full = entry('hooli', 'req_full', NOW - HOUR, {
      firstByteMs: 87,
      payloadKey: 'payloads/hooli/2026/12/02/req_full.json.gz',
      cache: { status: 'semantic-hit', savedNanoUsd: 900, similarity: 0.97 },
      guardrails: ['pii-mask:masked=email'],
      batchId: 'batch_1',
    });
    await ledger.putEntry(full);
    const { Item } = await db.client.send(new GetItemCommand({ TableName: db.tables.costLedger, Key: { pk: { S: ledgerKeys.entries('hooli', '2026-12-02') }, sk: { S: ledgerKeys.entry('hooli', '2026-12-02', full.at, 'req_full').sk } } }));
    expect(Item?.rq).toEqual({ S: 'hooli#req_full' });
    const { region: _region, ...back } = (await history.get('hooli', 'req_full')) as LedgerEntry & { region?: string };
    expect(back).toEqual(full);
  });
});

describe('ensureTables', () => {
  // dynalite accepts UpdateTable's index creation but does not build the index, so this is checked on the calls
  it('gives a ledger table made before the index (a kept table, a shared endpoint) its ByRequest index, once', async () => {
    const { mockClient } = await import('aws-sdk-client-mock');
    const { DynamoDBClient, UpdateTableCommand, UpdateTimeToLiveCommand } = await import('@aws-sdk/client-dynamodb');
    const mock = mockClient(DynamoDBClient);
    try {
      const { ResourceInUseException } = await import('@aws-sdk/client-dynamodb');
      mock.on(CreateTableCommand).rejects(new ResourceInUseException({ message: 'exists', $metadata: {} }));
      mock.on(UpdateTimeToLiveCommand).resolves({});
      mock.on(UpdateTableCommand).resolves({});
      let described = 0;
      mock.on(DescribeTableCommand).callsFake(({ TableName }) => {
        described++;
        // the ledger has no index the first two times it is described (create's wait, the index check), then it has
        const indexed = TableName !== LOCAL_TABLE_NAMES.costLedger || described > 2 * Object.keys(LOCAL_TABLE_NAMES).length;
        return { Table: { TableStatus: 'ACTIVE', GlobalSecondaryIndexes: indexed && TableName === LOCAL_TABLE_NAMES.costLedger ? [{ IndexName: LEDGER_BY_REQUEST_INDEX.name }] : [] } };
      });
      await ensureTables(new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }), LOCAL_TABLE_NAMES);
      const updates = mock.commandCalls(UpdateTableCommand).map((c) => c.args[0].input);
      expect(updates).toEqual([
        {
          TableName: LOCAL_TABLE_NAMES.costLedger,
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'S' }, { AttributeName: 'rq', AttributeType: 'S' }],
          GlobalSecondaryIndexUpdates: [{ Create: { IndexName: 'ByRequest', KeySchema: [{ AttributeName: 'rq', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }], Projection: { ProjectionType: 'ALL' } } }],
        },
      ]);
    } finally {
      mock.restore();
    }
  });

  it('creates the ledger table with its index (dynalite)', async () => {
    const { Table } = await db.client.send(new DescribeTableCommand({ TableName: db.tables.costLedger }));
    expect(Table?.GlobalSecondaryIndexes?.map((i) => i.IndexName)).toEqual([LEDGER_BY_REQUEST_INDEX.name]);
  });
});
