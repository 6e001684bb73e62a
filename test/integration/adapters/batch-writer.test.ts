// Group commit of ledger entries: concurrent puts share BatchWriteItem calls, nothing is dropped.
import { BatchWriteItemCommand, DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchWriter } from '../../../lambdas/adapters/dynamodb/batch-writer';
import { createDynamoClient } from '../../../lambdas/adapters/dynamodb/client';
import { startTestDynamo, type TestDynamo } from '../../helpers/dynalite';
import { until } from '../../helpers/wait';

const item = (pk: string, sk: string) => ({ pk: { S: pk }, sk: { S: sk }, n: { N: '1' } });

describe('BatchWriter against dynalite', () => {
  let db: TestDynamo;
  beforeAll(async () => {
    db = await startTestDynamo();
  });
  afterAll(async () => {
    await db?.stop();
  });

  it('writes every concurrent put, in fewer calls than puts', async () => {
    let calls = 0;
    db.client.middlewareStack.add((next) => async (args) => ((calls += 1), next(args)), { step: 'initialize', name: 'countCalls' });
    const writer = new BatchWriter(db.client, db.tables.costLedger);
    await Promise.all(Array.from({ length: 60 }, (_, i) => writer.put(item('batch-test', `R#${String(i).padStart(3, '0')}`))));
    db.client.middlewareStack.remove('countCalls');

    const { Count } = await db.client.send(
      new QueryCommand({ TableName: db.tables.costLedger, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: 'batch-test' } } }),
    );
    expect(Count).toBe(60);
    // the first put leaves alone, the other 59 queue behind it: 25 + 25 + 9
    expect(calls).toBe(4);
  });

  it('with a linger (group commit across requests), sends puts that come one after another within the linger in one call', async () => {
    const client = createDynamoClient({ endpoint: db.endpoint });
    let calls = 0;
    client.middlewareStack.add((next) => async (args) => ((calls += 1), next(args)), { step: 'initialize', name: 'countCalls' });
    const writer = new BatchWriter(client, db.tables.costLedger, undefined, 200);
    const puts: Array<Promise<void>> = [];
    for (let i = 0; i < 5; i++) {
      puts.push(writer.put(item('linger-test', `R#${i}`)));
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await Promise.all(puts);
    expect(calls).toBe(1);
    const { Count } = await client.send(
      new QueryCommand({ TableName: db.tables.costLedger, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: 'linger-test' } } }),
    );
    expect(Count).toBe(5);
    client.destroy();
  });
});

describe('BatchWriter with a throttling table', () => {
  // mocked only here: the mock replaces send() for every DynamoDBClient, dynalite's too
  let ddb: ReturnType<typeof mockClient>;
  beforeAll(() => {
    ddb = mockClient(DynamoDBClient);
  });
  afterAll(() => ddb.restore());

  it('resends what DynamoDB left unprocessed until it is written', async () => {
    ddb.reset();
    const first = item('p', 'a');
    ddb.on(BatchWriteItemCommand).resolvesOnce({ UnprocessedItems: { t: [{ PutRequest: { Item: first } }] } }).resolves({ UnprocessedItems: {} });
    const writer = new BatchWriter(new DynamoDBClient({}), 't', async () => {});
    await Promise.all([writer.put(first), writer.put(item('p', 'b'))]);
    const sent = ddb.commandCalls(BatchWriteItemCommand).map((c) => c.args[0].input.RequestItems!.t!.length);
    expect(sent).toEqual([1, 1, 1]); // a alone; then b; then a again (left unprocessed the first time)
  });

  it('with a linger, lets the puts that queue during a write wait out their own linger, so the puts after them share their call', async () => {
    // Prepare: the first write stays in flight until released; each linger passes when the test says so
    ddb.reset();
    let release!: () => void;
    const inFlight = new Promise<void>((resolve) => (release = resolve));
    const sizes: number[] = [];
    ddb.on(BatchWriteItemCommand).callsFake(async (input: { RequestItems: Record<string, unknown[]> }) => {
      sizes.push(input.RequestItems.t!.length);
      if (sizes.length === 1) await inFlight;
      return { UnprocessedItems: {} };
    });
    const lingers: Array<() => void> = [];
    const writer = new BatchWriter(new DynamoDBClient({}), 't', () => new Promise<void>((resolve) => lingers.push(resolve)), 60_000);

    // Act: a goes out alone; b and c come while its write is in flight; d while they wait
    const a = writer.put(item('p', 'a'));
    await until(() => lingers.length === 1);
    lingers.shift()!();
    await until(() => sizes.length === 1);
    const bc = [writer.put(item('p', 'b')), writer.put(item('p', 'c'))];
    release();
    await a;
    await until(() => lingers.length === 1);
    const d = writer.put(item('p', 'd'));
    lingers.shift()!();
    await Promise.all([...bc, d]);

    // Assess
    expect(sizes).toEqual([1, 3]);
  });

  it('never puts two items with one key into one batch, and gives up loudly after its retries', async () => {
    ddb.reset();
    ddb.on(BatchWriteItemCommand).callsFake((input: { RequestItems: Record<string, unknown> }) => ({ UnprocessedItems: { t: input.RequestItems.t } }));
    const writer = new BatchWriter(new DynamoDBClient({}), 't', async () => {});
    const same = item('p', 'dup');
    const results = await Promise.allSettled([writer.put(same), writer.put(same), writer.put(same)]);
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    expect(ddb.commandCalls(BatchWriteItemCommand).every((c) => c.args[0].input.RequestItems!.t!.length === 1)).toBe(true);
  });
});
