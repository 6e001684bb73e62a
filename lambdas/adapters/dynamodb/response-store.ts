// Stored Responses API turns in DynamoDB, one partition per tenant and turn:
//   T#<tenant>#R#<response id> / P#0001 …  → data (the rest of the turn, when it is larger than one item)
//   T#<tenant>#R#<response id> / R         → createdAt, parts, data (the first slice), expiresAt
// A turn is its response and every input item its model received, as gzip'd JSON split into slices of at
// most SLICE_BYTES: a coding agent's turn carries its whole conversation (often 100-500 KB of JSON, a few
// times less compressed), past DynamoDB's 400 KB item limit. Slices, not S3: a turn is read whole by one
// strongly consistent Query, written once and never updated, and it expires by TTL, all of which one table
// does without a second store to grant, replicate and expire; a turn past MAX_TURN_BYTES is refused.
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { DeleteItemCommand, PutItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { StoreRejectedWrite, type Clock, type ResponseStore, type StoredResponse } from '../../core/ports';
import { queryItems } from './query';

const zip = promisify(gzip);
const unzip = promisify(gunzip);

/** bytes of compressed turn per item: room below DynamoDB's 400 KB for the keys and the other attributes */
export const SLICE_BYTES = 350_000;
/** the most compressed bytes one turn may take (twelve items; some 12 MB of JSON, past any model's context): a Query reads it in a few pages */
export const MAX_TURN_BYTES = 4 * 1024 * 1024;
const HEAD = 'R';

type Item = Record<string, AttributeValue>;

export function responsePk(tenantId: string, id: string): string {
  return `T#${tenantId}#R#${id}`;
}

const sliceKey = (n: number) => `P#${String(n).padStart(4, '0')}`;

export class DynamoResponseStore implements ResponseStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly retentionDays: number,
    private readonly clock: Clock,
  ) {}

  async put(record: StoredResponse): Promise<void> {
    const data = await zip(Buffer.from(JSON.stringify({ response: record.response, input: record.input }), 'utf8'));
    if (data.length > MAX_TURN_BYTES) {
      throw new StoreRejectedWrite(`a stored turn may take ${MAX_TURN_BYTES} compressed bytes; this one takes ${data.length}`);
    }
    const pk = { S: responsePk(record.tenantId, record.id) };
    const expiresAt = { N: String(Math.floor(record.createdAt / 1000) + this.retentionDays * 86_400) };
    const slices: Buffer[] = [];
    for (let at = 0; at < data.length || slices.length === 0; at += SLICE_BYTES) slices.push(data.subarray(at, at + SLICE_BYTES));
    // the rest first, the head last: a reader that finds the head finds every slice it counts
    await Promise.all(slices.slice(1).map((slice, i) => this.send(new PutItemCommand({ TableName: this.tableName, Item: { pk, sk: { S: sliceKey(i + 1) }, data: { B: slice }, expiresAt } }))));
    await this.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: { pk, sk: { S: HEAD }, createdAt: { N: String(record.createdAt) }, parts: { N: String(slices.length) }, data: { B: slices[0]! }, expiresAt },
        // ids are random; a repeated one must never replace another turn
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async get(tenantId: string, id: string): Promise<StoredResponse | undefined> {
    const items = await this.items(tenantId, id);
    const head = items.find((item) => item.sk?.S === HEAD);
    // DynamoDB's TTL removes expired items within days, not at once: an expired turn is gone from the moment it expires
    if (!head || Number(head.expiresAt?.N ?? 0) * 1000 <= this.clock.now()) return undefined;
    const parts = Number(head.parts?.N ?? 1);
    const slices = [head.data?.B];
    for (let n = 1; n < parts; n++) slices.push(items.find((item) => item.sk?.S === sliceKey(n))?.data?.B);
    // a slice missing: the turn is being deleted
    if (slices.some((s) => s === undefined)) return undefined;
    const json = (await unzip(Buffer.concat(slices as Uint8Array[]))).toString('utf8');
    const { response, input } = JSON.parse(json) as { response: unknown; input: unknown[] };
    return { tenantId, id, createdAt: Number(head.createdAt?.N ?? 0), response, input };
  }

  async delete(tenantId: string, id: string): Promise<boolean> {
    const items = await this.items(tenantId, id, 'pk, sk, expiresAt');
    const head = items.find((item) => item.sk?.S === HEAD);
    if (!head || Number(head.expiresAt?.N ?? 0) * 1000 <= this.clock.now()) return false;
    // the head first: from then on the turn reads as gone, whatever happens to its slices
    const remove = (item: Item) => this.send(new DeleteItemCommand({ TableName: this.tableName, Key: { pk: item.pk!, sk: item.sk! } }));
    await remove(head);
    await Promise.all(items.filter((item) => item !== head).map(remove));
    return true;
  }

  private async items(tenantId: string, id: string, projection?: string): Promise<Item[]> {
    const items: Item[] = [];
    for await (const item of queryItems(this.client, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': { S: responsePk(tenantId, id) } },
      // a follow-up often comes at once, to whichever instance: it must see the turn just written
      ConsistentRead: true,
      ...(projection ? { ProjectionExpression: projection } : {}),
    })) {
      items.push(item);
    }
    return items;
  }

  private async send(command: PutItemCommand | DeleteItemCommand): Promise<void> {
    try {
      await this.client.send(command as PutItemCommand);
    } catch (err) {
      throw err instanceof Error && err.name === 'ValidationException' ? new StoreRejectedWrite(err.message) : err;
    }
  }
}
