import { BatchWriteItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoProviderHealthStore } from '../../../../lambdas/adapters/dynamodb/provider-health';

const ddb = mockClient(DynamoDBClient);

beforeEach(() => ddb.reset());

describe('provider health in the breaker table', () => {
  it('writes one item per provider and region, expiring a day after the check', async () => {
    ddb.on(BatchWriteItemCommand).resolves({});
    await new DynamoProviderHealthStore(new DynamoDBClient({ region: 'us-east-1' }), 'breaker').record('us-east-1', [
      { providerId: 'openai', configured: true, healthy: false, latencyMs: 120, checkedAt: 1_700_000_000_000, error: 'HTTP 503' },
    ]);
    const [call] = ddb.commandCalls(BatchWriteItemCommand);
    expect(call!.args[0].input.RequestItems!.breaker).toEqual([
      {
        PutRequest: {
          Item: {
            pk: { S: 'HEALTH#openai' },
            sk: { S: 'REGION#us-east-1' },
            healthy: { BOOL: false },
            configured: { BOOL: true },
            latencyMs: { N: '120' },
            checkedAt: { N: '1700000000000' },
            error: { S: 'HTTP 503' },
            expiresAt: { N: String(1_700_000_000 + 86_400) },
          },
        },
      },
    ]);
  });

  it('retries unprocessed items, in batches of 25', async () => {
    const results = Array.from({ length: 30 }, (_, i) => ({ providerId: `p${i}`, configured: true, healthy: true, latencyMs: 1, checkedAt: 0 }));
    ddb
      .on(BatchWriteItemCommand)
      .resolvesOnce({ UnprocessedItems: { breaker: [{ PutRequest: { Item: { pk: { S: 'HEALTH#p0' }, sk: { S: 'REGION#r' } } } }] } })
      .resolves({});
    await new DynamoProviderHealthStore(new DynamoDBClient({ region: 'us-east-1' }), 'breaker').record('r', results);
    const sizes = ddb.commandCalls(BatchWriteItemCommand).map((c) => c.args[0].input.RequestItems!.breaker!.length);
    expect(sizes).toEqual([25, 1, 5]);
  });
});
