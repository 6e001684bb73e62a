// Rate-limit window counts in DynamoDB: one item per scope, dimension and window, grown only by ADD with a
// condition on the limit. Windows are keyed by their start, so a past window is never read again; TTL
// removes it an hour after it ended.
//   RL#<scope> / <dimension>#<window start, ISO> → used, expiresAt
import { ConditionalCheckFailedException, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { CounterKey, RateCounterStore } from '../../core/ports';
import { num } from './marshal';

const KEEP_AFTER_WINDOW_SECONDS = 3_600;

export const rateCounterKey = (k: CounterKey) => ({
  pk: { S: `RL#${k.scope}` },
  sk: { S: `${k.dimension}#${new Date(k.windowStart).toISOString()}` },
});

export class DynamoRateCounters implements RateCounterStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async take(key: CounterKey, units: number, limit: number): Promise<number | undefined> {
    if (units > limit) return undefined;
    try {
      const { Attributes } = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: rateCounterKey(key),
          UpdateExpression: 'ADD used :n SET expiresAt = :exp',
          ConditionExpression: 'attribute_not_exists(used) OR used <= :max',
          ExpressionAttributeValues: { ':n': { N: String(units) }, ':max': { N: String(limit - units) }, ':exp': { N: String(expiry(key)) } },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return num(Attributes, 'used');
    } catch (err) {
      // (an SDK retry of a take that went through counts it twice or is refused: fewer admissions, never more)
      if (err instanceof ConditionalCheckFailedException) return undefined;
      throw err;
    }
  }

  async charge(key: CounterKey, units: number): Promise<void> {
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: rateCounterKey(key),
        UpdateExpression: 'ADD used :n SET expiresAt = :exp',
        ExpressionAttributeValues: { ':n': { N: String(units) }, ':exp': { N: String(expiry(key)) } },
      }),
    );
  }
}

function expiry(key: CounterKey): number {
  return Math.ceil(key.windowEnd / 1000) + KEEP_AFTER_WINDOW_SECONDS;
}
