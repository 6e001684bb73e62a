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
  readonly #client: DynamoDBClient;
  readonly #tableName: string;

  constructor(
    client: DynamoDBClient,
    tableName: string,
  ) {
    this.#client = client;
    this.#tableName = tableName;
  }

  async take(key: CounterKey, units: number, limit: number): Promise<number | undefined> {
    if (units > limit) return undefined;
    try {
      return await this.#add(key, units, limit);
    } catch (err) {
      // (an SDK retry of a take that went through counts it twice or is refused: fewer admissions, never more)
      if (err instanceof ConditionalCheckFailedException) return undefined;
      throw err;
    }
  }

  async charge(key: CounterKey, units: number): Promise<void> {
    await this.#add(key, units);
  }

  /** ADD used :n, within the limit when there is one; the count after */
  async #add(key: CounterKey, units: number, limit?: number): Promise<number> {
    const { Attributes } = await this.#client.send(
      new UpdateItemCommand({
        TableName: this.#tableName,
        Key: rateCounterKey(key),
        UpdateExpression: 'ADD used :n SET expiresAt = :exp',
        ConditionExpression: limit === undefined ? undefined : 'attribute_not_exists(used) OR used <= :max',
        ExpressionAttributeValues: {
          ':n': { N: String(units) },
          ':exp': { N: String(Math.ceil(key.windowEnd / 1000) + KEEP_AFTER_WINDOW_SECONDS) },
          ...(limit === undefined ? {} : { ':max': { N: String(limit - units) } }),
        },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return num(Attributes, 'used');
  }
}
