// The response cache's shared level in DynamoDB: one item per cached answer,
//   <partition: T#<tenant>#<alias> or S#<alias>> / <request hash> → data (gzip'd JSON), createdAt, expiresAt (TTL)
// so `switchboard cache purge --tenant ID [--model ALIAS]` finds a tenant's entries by key. An answer whose
// compressed form passes MAX_ITEM_DATA_BYTES is not cached: a hit must cost one GetItem, never an S3 round trip
// after it, and answers that large (hundreds of KB compressed) are rare and slow to generate anyway.
import { gunzipSync, gzipSync } from 'node:zlib';
import { BatchWriteItemCommand, GetItemCommand, PutItemCommand, ScanCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { CacheKey, CachedAnswer, CacheStore, Clock } from '../../core/ports';
import { BatchWriter } from './batch-writer';
import { queryItems } from './query';

// answers are small (a few KB): zlib's sync calls take tens of µs, less than a trip through the thread pool
const zip = (data: Buffer) => gzipSync(data, { level: 6 });
const unzip = (data: Uint8Array) => gunzipSync(data);

/** compressed bytes of one answer at most: room below DynamoDB's 400 KB item limit for keys and attributes */
export const MAX_ITEM_DATA_BYTES = 350_000;

export class DynamoCacheStore implements CacheStore {
  /** group commit (the local server: many answers at once share a BatchWriteItem); Lambda puts each alone */
  readonly #batched: BatchWriter | undefined;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly clock: Clock = { now: () => Date.now() },
    groupCommitMs = 0,
  ) {
    this.#batched = groupCommitMs > 0 ? new BatchWriter(client, tableName, undefined, groupCommitMs) : undefined;
  }

  async get(key: CacheKey): Promise<CachedAnswer | undefined> {
    const { Item } = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: { pk: { S: key.partition }, sk: { S: key.hash } } }));
    if (!Item?.data?.B) return undefined;
    const answer = JSON.parse(unzip(Item.data.B).toString('utf8')) as CachedAnswer;
    // TTL deletes within days, not at once: an item past its time is a miss
    return answer.expiresAt > this.clock.now() ? answer : undefined;
  }

  async put(key: CacheKey, answer: CachedAnswer): Promise<boolean> {
    const data = zip(Buffer.from(JSON.stringify(answer), 'utf8'));
    if (data.length > MAX_ITEM_DATA_BYTES) return false;
    const Item = {
      pk: { S: key.partition },
      sk: { S: key.hash },
      data: { B: data },
      createdAt: { N: String(answer.createdAt) },
      expiresAt: { N: String(Math.ceil(answer.expiresAt / 1000)) },
    };
    if (this.#batched) await this.#batched.put(Item);
    else await this.client.send(new PutItemCommand({ TableName: this.tableName, Item }));
    return true;
  }
}

/** What the cache holds, per partition (scope and alias): the CLI's `cache stats`. */
export interface CachePartitionStats {
  partition: string;
  items: number;
  /** compressed bytes */
  bytes: number;
  live: number;
}

/** The operator's side of the cache table (the CLI; never the gateway's path). */
export class CacheTableAdmin {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async stats(now = Date.now()): Promise<CachePartitionStats[]> {
    const by = new Map<string, CachePartitionStats>();
    for await (const item of this.#scan(undefined, 'pk, expiresAt, #d', { '#d': 'data' })) {
      const partition = item.pk!.S!;
      const s = by.get(partition) ?? { partition, items: 0, bytes: 0, live: 0 };
      s.items++;
      s.bytes += item.data?.B?.length ?? 0;
      if (Number(item.expiresAt?.N ?? 0) * 1000 > now) s.live++;
      by.set(partition, s);
    }
    return [...by.values()].sort((a, b) => a.partition.localeCompare(b.partition));
  }

  /** delete a tenant's entries (of one alias, or all): the count deleted */
  async purge(tenantId: string, alias?: string): Promise<number> {
    const keys: Array<Record<string, AttributeValue>> = [];
    if (alias) {
      for await (const item of queryItems(this.client, { TableName: this.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: `T#${tenantId}#${alias}` } }, ProjectionExpression: 'pk, sk' })) keys.push({ pk: item.pk!, sk: item.sk! });
    } else {
      for await (const item of this.#scan(`T#${tenantId}#`, 'pk, sk')) keys.push({ pk: item.pk!, sk: item.sk! });
    }
    for (let i = 0; i < keys.length; i += 25) {
      let requests = keys.slice(i, i + 25).map((Key) => ({ DeleteRequest: { Key } }));
      for (let tries = 0; requests.length && tries < 8; tries++) {
        const out = await this.client.send(new BatchWriteItemCommand({ RequestItems: { [this.tableName]: requests } }));
        requests = (out.UnprocessedItems?.[this.tableName] ?? []) as typeof requests;
        if (requests.length) await new Promise((r) => setTimeout(r, 50 * 2 ** tries));
      }
      if (requests.length) throw new Error(`cache purge: ${requests.length} deletes were not processed; run it again`);
    }
    return keys.length;
  }

  async *#scan(pkPrefix: string | undefined, projection: string, names?: Record<string, string>): AsyncGenerator<Record<string, AttributeValue>> {
    let start: Record<string, AttributeValue> | undefined;
    do {
      const out = await this.client.send(
        new ScanCommand({
          TableName: this.tableName,
          ProjectionExpression: projection,
          ...(names ? { ExpressionAttributeNames: names } : {}),
          ...(pkPrefix ? { FilterExpression: 'begins_with(pk, :p)', ExpressionAttributeValues: { ':p': { S: pkPrefix } } } : {}),
          ExclusiveStartKey: start,
        }),
      );
      yield* out.Items ?? [];
      start = out.LastEvaluatedKey;
    } while (start);
  }
}
