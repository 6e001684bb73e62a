// Rate-limit window counts in DynamoDB: one item per scope, dimension, window and region, grown only by ADD with
// a condition on the limit. Windows are keyed by their start, so a past window is never read again; TTL
// removes it an hour after it ended. A window's count across regions is the sum of its regions' items.
//   RL#<scope> / <dimension>#<window start, ISO>[#R#<region>] → used, expiresAt   (no suffix: the primary's)
import { ConditionalCheckFailedException, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { CounterKey, RateCounterStore } from '../../core/ports';
import { num } from './marshal';
import { queryItems } from './query';
import { isMultiRegion, regionSuffix, singleRegion, type RegionScope } from './regions';

const KEEP_AFTER_WINDOW_SECONDS = 3_600;

const windowBase = (k: CounterKey) => `${k.dimension}#${new Date(k.windowStart).toISOString()}`;

export const rateCounterKey = (k: CounterKey, suffix = '') => ({
  pk: { S: `RL#${k.scope}` },
  sk: { S: windowBase(k) + suffix },
});

export class DynamoRateCounters implements RateCounterStore {
  readonly #client: DynamoDBClient;
  readonly #tableName: string;
  readonly #regions: RegionScope;
  readonly #suffix: string;

  constructor(
    client: DynamoDBClient,
    tableName: string,
    regions: RegionScope = singleRegion(),
  ) {
    this.#client = client;
    this.#tableName = tableName;
    this.#regions = regions;
    this.#suffix = regionSuffix(regions);
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

  async otherRegions(key: CounterKey): Promise<number | undefined> {
    if (!isMultiRegion(this.#regions)) return undefined;
    const own = windowBase(key) + this.#suffix;
    let used = 0;
    for await (const item of queryItems(this.#client, {
      TableName: this.#tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :window)',
      ExpressionAttributeValues: { ':pk': { S: `RL#${key.scope}` }, ':window': { S: windowBase(key) } },
      ProjectionExpression: 'sk, used',
      ConsistentRead: true,
    })) {
      if (item.sk?.S !== own) used += num(item, 'used');
    }
    return used;
  }

  /** ADD used :n, within the limit when there is one; the count after */
  async #add(key: CounterKey, units: number, limit?: number): Promise<number> {
    const { Attributes } = await this.#client.send(
      new UpdateItemCommand({
        TableName: this.#tableName,
        Key: rateCounterKey(key, this.#suffix),
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
