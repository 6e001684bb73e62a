// Files and batch jobs in DynamoDB (the batches table), one partition per tenant and kind:
//   T#<tenant>#F / <file id>    → a file record
//   T#<tenant>#B / <batch id>   → a batch: status, timestamps, progress counters, pieces accounted
// Ids begin with their creation time in hex (core/batches/objects.ts), so a Query read backwards lists newest
// first and `after` is the last key read. Every change is one UpdateItem (dynalite has no transactions): status
// moves are conditioned on the status they leave, pieces are accounted once through a condition on the set of
// pieces already accounted. Items expire by TTL (`expiresAt`, epoch seconds) after the retention period.
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { BatchRecord, BatchStatus, BatchStore, FileRecord, Page } from '../../core/batches/ports';
import { fromItem, toItem, type Plain } from './marshal';

type Item = Record<string, AttributeValue>;

const filesPk = (tenantId: string) => `T#${tenantId}#F`;
const batchesPk = (tenantId: string) => `T#${tenantId}#B`;
const ttl = (ms: number) => Math.floor(ms / 1000);

/** the record's field that a status's arrival is noted in */
const STAMP: Record<BatchStatus, keyof BatchRecord | undefined> = {
  validating: undefined,
  in_progress: 'inProgressAt',
  finalizing: 'finalizingAt',
  completed: 'completedAt',
  failed: 'failedAt',
  expired: 'expiredAt',
  cancelling: 'cancellingAt',
  cancelled: 'cancelledAt',
};

export class DynamoBatchStore implements BatchStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async putFile(file: FileRecord): Promise<void> {
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: toItem({ pk: filesPk(file.tenantId), sk: file.id, ...fileFields(file), expiresAt: ttl(file.expiresAt) }),
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async getFile(tenantId: string, id: string): Promise<FileRecord | undefined> {
    const { Item } = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: key(filesPk(tenantId), id), ConsistentRead: true }));
    return Item ? toFile(Item) : undefined;
  }

  async listFiles(tenantId: string, opts: { purpose?: string; after?: string; limit: number; order: 'asc' | 'desc' }): Promise<Page<FileRecord>> {
    const items = await this.page(filesPk(tenantId), opts.after, opts.limit, opts.order === 'asc', opts.purpose ? { expr: 'purpose = :purpose', values: { ':purpose': { S: opts.purpose } } } : undefined);
    return { data: items.data.map(toFile), hasMore: items.hasMore };
  }

  async deleteFile(tenantId: string, id: string): Promise<boolean> {
    try {
      await this.client.send(new DeleteItemCommand({ TableName: this.tableName, Key: key(filesPk(tenantId), id), ConditionExpression: 'attribute_exists(pk)' }));
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }

  async createBatch(batch: BatchRecord): Promise<void> {
    const { pieces: _pieces, ...fields } = batch;
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: toItem({ pk: batchesPk(batch.tenantId), sk: batch.id, ...(fields as unknown as Record<string, Plain>), expiresAt: ttl(batch.retainUntil), windowEndsAt: batch.expiresAt }),
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async getBatch(tenantId: string, id: string): Promise<BatchRecord | undefined> {
    const { Item } = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: key(batchesPk(tenantId), id), ConsistentRead: true }));
    return Item ? toBatch(Item) : undefined;
  }

  async listBatches(tenantId: string, opts: { after?: string; limit: number }): Promise<Page<BatchRecord>> {
    const items = await this.page(batchesPk(tenantId), opts.after, opts.limit, false);
    return { data: items.data.map(toBatch), hasMore: items.hasMore };
  }

  async allBatches(limit: number): Promise<BatchRecord[]> {
    const found: BatchRecord[] = [];
    let ExclusiveStartKey: Item | undefined;
    do {
      const page = await this.client.send(
        new ScanCommand({ TableName: this.tableName, FilterExpression: 'begins_with(sk, :b)', ExpressionAttributeValues: { ':b': { S: 'batch_' } }, ExclusiveStartKey }),
      );
      for (const item of page.Items ?? []) found.push(toBatch(item));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return found.sort((a, b) => b.createdAt - a.createdAt).slice(0, limit);
  }

  async transition(tenantId: string, id: string, from: readonly BatchStatus[], to: BatchStatus, at: number, set: Partial<Pick<BatchRecord, 'counts' | 'outputFileId' | 'errorFileId' | 'errors'>> = {}): Promise<boolean> {
    const names: Record<string, string> = { '#status': 'status' };
    const values: Item = { ':to': { S: to } };
    const sets = ['#status = :to'];
    const stamp = STAMP[to];
    if (stamp) {
      names['#stamp'] = stamp;
      values[':at'] = { N: String(at) };
      sets.push('#stamp = :at');
    }
    for (const [field, value] of Object.entries(set)) {
      if (value === undefined) continue;
      names[`#${field}`] = field;
      values[`:${field}`] = toItem({ v: value as Plain }).v!;
      sets.push(`#${field} = :${field}`);
    }
    from.forEach((s, i) => (values[`:from${i}`] = { S: s }));
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: key(batchesPk(tenantId), id),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: `attribute_exists(pk) AND #status IN (${from.map((_, i) => `:from${i}`).join(', ')})`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }

  async countLines(tenantId: string, id: string, done: { completed: number; failed: number }): Promise<void> {
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: key(batchesPk(tenantId), id),
        UpdateExpression: 'SET #counts.#completed = #counts.#completed + :completed, #counts.#failed = #counts.#failed + :failed',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#counts': 'counts', '#completed': 'completed', '#failed': 'failed' },
        ExpressionAttributeValues: { ':completed': { N: String(done.completed) }, ':failed': { N: String(done.failed) } },
      }),
    );
  }

  async accountPiece(tenantId: string, id: string, start: number, lines: number): Promise<number | undefined> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: key(batchesPk(tenantId), id),
          UpdateExpression: 'ADD linesDone :n, pieces :piece',
          ConditionExpression: 'attribute_exists(pk) AND NOT contains(pieces, :start)',
          ExpressionAttributeValues: { ':n': { N: String(lines) }, ':piece': { NS: [String(start)] }, ':start': { N: String(start) } },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return Number(Attributes?.linesDone?.N ?? 0);
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return undefined;
      throw err;
    }
  }

  /** one page of a tenant's partition, `limit` items after `after`, and whether more follow */
  private async page(pk: string, after: string | undefined, limit: number, forward: boolean, filter?: { expr: string; values: Item }): Promise<Page<Item>> {
    const data: Item[] = [];
    let ExclusiveStartKey: Item | undefined = after ? key(pk, after) : undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': { S: pk }, ...filter?.values },
          ...(filter ? { FilterExpression: filter.expr } : {}),
          ScanIndexForward: forward,
          ConsistentRead: true,
          ExclusiveStartKey,
          Limit: limit + 1 - data.length,
        }),
      );
      data.push(...(page.Items ?? []));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey && data.length <= limit);
    return { data: data.slice(0, limit), hasMore: data.length > limit };
  }
}

const key = (pk: string, sk: string): Item => ({ pk: { S: pk }, sk: { S: sk } });

function fileFields(file: FileRecord): Record<string, Plain> {
  return { id: file.id, tenantId: file.tenantId, filename: file.filename, purpose: file.purpose, bytes: file.bytes, createdAt: file.createdAt, fileExpiresAt: file.expiresAt, objectKey: file.objectKey };
}

function toFile(item: Item): FileRecord {
  const o = fromItem(item) as unknown as FileRecord & { fileExpiresAt: number };
  return { id: o.id, tenantId: o.tenantId, filename: o.filename, purpose: o.purpose, bytes: o.bytes, createdAt: o.createdAt, expiresAt: o.fileExpiresAt, objectKey: o.objectKey };
}

function toBatch(item: Item): BatchRecord {
  const { pk: _pk, sk: _sk, expiresAt: _ttl, windowEndsAt, pieces, ...rest } = fromItem(item) as unknown as BatchRecord & { pk: string; sk: string; windowEndsAt: number };
  return { ...rest, expiresAt: windowEndsAt, pieces: [...(pieces ?? [])].sort((a, b) => a - b) };
}
