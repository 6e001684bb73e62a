// The stored Responses API turns against dynalite: a turn larger than one DynamoDB item split over several and
// read back whole, keys that hold the tenant, expiry at its time (before DynamoDB's TTL gets to it), and delete.
import { randomBytes } from 'node:crypto';
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoResponseStore, responsePk, SLICE_BYTES } from '../../../lambdas/adapters/dynamodb/response-store';
import { StoreRejectedWrite, type StoredResponse } from '../../../lambdas/core/ports';
import { startTestDynamo, type TestDynamo } from '../../helpers/dynalite';

let db: TestDynamo;
let now = Date.parse('2026-11-22T10:00:00Z');
const clock = { now: () => now };

beforeAll(async () => {
  db = await startTestDynamo();
});
afterAll(async () => {
  await db?.stop();
});

function turn(id: string, tenantId = 'acme', input: unknown[] = [{ type: 'message', role: 'user', content: 'hi' }]): StoredResponse {
  return { tenantId, id, createdAt: now, response: { id, object: 'response', output: [{ type: 'message', content: [{ type: 'output_text', text: 'hello' }] }] }, input };
}

describe('DynamoResponseStore', () => {
  it('keeps a small turn in one item and reads it back', async () => {
    const store = new DynamoResponseStore(db.client, db.tables.responses, 30, clock);
    await store.put(turn('resp_small'));

    expect(await store.get('acme', 'resp_small')).toEqual(turn('resp_small'));
    const { Items } = await db.client.send(new QueryCommand({ TableName: db.tables.responses, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: responsePk('acme', 'resp_small') } } }));
    expect(Items!.map((i) => i.sk!.S)).toEqual(['R']);
    // DynamoDB's TTL removes it after the retention (epoch seconds)
    expect(Number(Items![0]!.expiresAt!.N)).toBe(now / 1000 + 30 * 86_400);
  });

  it('splits a turn past one item (a coding agent’s whole conversation) and reads it whole', async () => {
    const store = new DynamoResponseStore(db.client, db.tables.responses, 30, clock);
    // random text does not compress: 1.2 MB of it takes four items
    const big = Array.from({ length: 12 }, (_, i) => ({ type: 'function_call_output', call_id: `c${i}`, output: randomBytes(50_000).toString('hex') }));
    await store.put(turn('resp_big', 'acme', big));

    const back = await store.get('acme', 'resp_big');
    expect(back?.input).toEqual(big);
    const { Items } = await db.client.send(new QueryCommand({ TableName: db.tables.responses, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: responsePk('acme', 'resp_big') } } }));
    expect(Items!.length).toBeGreaterThan(1);
    expect(Items!.every((i) => (i.data?.B?.length ?? 0) <= SLICE_BYTES)).toBe(true);
  });

  it("never gives one tenant another's turn, and never replaces a turn under the same id", async () => {
    const store = new DynamoResponseStore(db.client, db.tables.responses, 30, clock);
    await store.put(turn('resp_shared_id', 'acme'));

    expect(await store.get('globex', 'resp_shared_id')).toBeUndefined();
    expect(await store.delete('globex', 'resp_shared_id')).toBe(false);
    await expect(store.put(turn('resp_shared_id', 'acme', []))).rejects.toThrow();
    expect((await store.get('acme', 'resp_shared_id'))?.input).toHaveLength(1);
  });

  it('reads an expired turn as gone before DynamoDB’s TTL removes it', async () => {
    const store = new DynamoResponseStore(db.client, db.tables.responses, 1, clock);
    await store.put(turn('resp_expiring'));
    now += 86_400_000 + 1000;
    try {
      expect(await store.get('acme', 'resp_expiring')).toBeUndefined();
      expect(await store.delete('acme', 'resp_expiring')).toBe(false);
    } finally {
      now -= 86_400_000 + 1000;
    }
  });

  it('deletes every item of a turn', async () => {
    const store = new DynamoResponseStore(db.client, db.tables.responses, 30, clock);
    const big = [{ type: 'message', role: 'user', content: randomBytes(400_000).toString('base64') }];
    await store.put(turn('resp_gone', 'acme', big));

    expect(await store.delete('acme', 'resp_gone')).toBe(true);
    expect(await store.get('acme', 'resp_gone')).toBeUndefined();
    const { Items } = await db.client.send(new QueryCommand({ TableName: db.tables.responses, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: responsePk('acme', 'resp_gone') } } }));
    expect(Items).toEqual([]);
  });

  it('refuses a turn past its limit as a write the store cannot take', async () => {
    const store = new DynamoResponseStore(db.client, db.tables.responses, 30, clock);
    const huge = [{ type: 'message', role: 'user', content: randomBytes(6 * 1024 * 1024).toString('base64') }];
    await expect(store.put(turn('resp_huge', 'acme', huge))).rejects.toBeInstanceOf(StoreRejectedWrite);
    expect(await store.get('acme', 'resp_huge')).toBeUndefined();
  });
});
