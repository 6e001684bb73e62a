// The DynamoDB client's measuring mode (npm run bench): every call asks for its consumed capacity, and the
// units dynalite reports are summed, reads apart from writes, with refused conditional writes counted.
import { BatchWriteItemCommand, GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoClient } from '../../../lambdas/adapters/dynamodb/client';
import { tallyConsumedCapacity } from '../../../lambdas/adapters/dynamodb/consumed-capacity';
import { startTestDynamo, type TestDynamo } from '../../helpers/dynalite';

describe('tallyConsumedCapacity', () => {
  let db: TestDynamo;

  beforeAll(async () => {
    db = await startTestDynamo();
  });
  afterAll(async () => {
    await db?.stop();
  });

  it('sums the write and read units the store reports per call, and counts each command', async () => {
    // Prepare
    const client = createDynamoClient({ endpoint: db.endpoint });
    const tally = tallyConsumedCapacity(client);
    const table = db.tables.breakerState;
    const key = (pk: string) => ({ pk: { S: pk }, sk: { S: 'item' } });

    // Act: a 3 KB item is 3 write units; a strongly consistent read of it one read unit (4 KB each)
    await client.send(new PutItemCommand({ TableName: table, Item: { ...key('big'), blob: { S: 'x'.repeat(3_000) } } }));
    await client.send(new UpdateItemCommand({ TableName: table, Key: key('small'), UpdateExpression: 'ADD n :one', ExpressionAttributeValues: { ':one': { N: '1' } } }));
    await client.send(new GetItemCommand({ TableName: table, Key: key('big'), ConsistentRead: true }));
    await client.send(new BatchWriteItemCommand({ RequestItems: { [table]: [{ PutRequest: { Item: key('a') } }, { PutRequest: { Item: key('b') } }] } }));
    client.destroy();

    // Assess
    expect(tally.writeUnits).toBe(3 + 1 + 2);
    expect(tally.readUnits).toBe(1);
    expect(tally.calls).toEqual({ PutItemCommand: 1, UpdateItemCommand: 1, GetItemCommand: 1, BatchWriteItemCommand: 1 });
    expect(tally.unreported).toEqual({});
  });

  it('counts a refused conditional write, which DynamoDB charges but reports no capacity for', async () => {
    // Prepare
    const client = createDynamoClient({ endpoint: db.endpoint });
    const tally = tallyConsumedCapacity(client);
    const write = () =>
      client.send(new PutItemCommand({ TableName: db.tables.breakerState, Item: { pk: { S: 'once' }, sk: { S: 'item' } }, ConditionExpression: 'attribute_not_exists(pk)' }));

    // Act
    await write();
    const refused = await write().catch((err: Error) => err.name);
    client.destroy();

    // Assess
    expect(refused).toBe('ConditionalCheckFailedException');
    expect(tally).toMatchObject({ writeUnits: 1, conditionFailures: 1, calls: { PutItemCommand: 2 } });
  });

  it('leaves a client without it asking for nothing: its answers carry no capacity', async () => {
    // Act
    const out = await db.client.send(new GetItemCommand({ TableName: db.tables.breakerState, Key: { pk: { S: 'big' }, sk: { S: 'item' } } }));

    // Assess
    expect(out.ConsumedCapacity).toBeUndefined();
  });
});
