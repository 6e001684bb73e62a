// Puts items with group commit: a put waits up to `lingerMs` (0: goes at once) for others to share its
// BatchWriteItem (up to 25): each batch leaves once its oldest put has waited that long, or when the write before
// it ends if that is later. One request alone (a Lambda invocation) costs one call as before; many at once (a busy
// local server) cost a fraction of a call each.
// DynamoDB refuses a whole BatchWriteItem when one of its items is invalid (too large, a key too long): the batch
// is then halved until each invalid item stands alone, so the others land and only the invalid ones are refused,
// once, never retried.
import { BatchWriteItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { boundedName } from '../../core/bounded-name';
import { StoreRejectedWrite } from '../../core/ports';
import { backoffDelay } from '../../core/resilience/backoff';

/** DynamoDB's limit per BatchWriteItem */
const MAX_BATCH = 25;
const MAX_TRIES = 8;

interface Queued {
  item: Record<string, AttributeValue>;
  key: string;
  /** when it was put (Date.now()) */
  at: number;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class BatchWriter {
  readonly #queue: Queued[] = [];
  #draining = false;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
    private readonly lingerMs = 0,
  ) {}

  /** resolves once the item is written; rejects when DynamoDB would not take it after retries, or (StoreRejectedWrite) refuses it as invalid */
  put(item: Record<string, AttributeValue>): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ item, key: `${item.pk?.S}\0${item.sk?.S}`, at: this.lingerMs > 0 ? Date.now() : 0, resolve, reject });
      if (!this.#draining) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#draining = true;
    while (this.#queue.length > 0) {
      // the puts that came while a write was in flight wait out their own linger too, so the ones after them join
      // their batch: one call per linger, not one per write
      const wait = this.lingerMs > 0 ? this.#queue[0]!.at + this.lingerMs - Date.now() : 0;
      if (wait > 0) await this.sleep(wait);
      await this.#writeSplitting(this.#take());
    }
    this.#draining = false;
  }

  /** write the batch; one DynamoDB refuses as invalid is halved until the invalid items stand alone */
  async #writeSplitting(batch: Queued[]): Promise<void> {
    try {
      await this.#write(batch.map((q) => q.item));
      for (const q of batch) q.resolve();
    } catch (err) {
      if (!(err instanceof Error && err.name === 'ValidationException')) {
        for (const q of batch) q.reject(err);
      } else if (batch.length === 1) {
        batch[0]!.reject(new StoreRejectedWrite(`${this.tableName} refused the item ${boundedName(batch[0]!.key.replace('\0', ' / '), 200)}: ${err.message}`));
      } else {
        const half = Math.ceil(batch.length / 2);
        await this.#writeSplitting(batch.slice(0, half));
        await this.#writeSplitting(batch.slice(half));
      }
    }
  }

  /** up to 25 queued puts, no two for the same key (BatchWriteItem refuses duplicates; a later one waits) */
  #take(): Queued[] {
    const batch: Queued[] = [];
    const keys = new Set<string>();
    for (let i = 0; i < this.#queue.length && batch.length < MAX_BATCH; ) {
      const q = this.#queue[i]!;
      if (keys.has(q.key)) {
        i++;
        continue;
      }
      keys.add(q.key);
      batch.push(q);
      this.#queue.splice(i, 1);
    }
    return batch;
  }

  /** write every item, resending what DynamoDB left unprocessed (throttling) with backoff */
  async #write(items: Array<Record<string, AttributeValue>>): Promise<void> {
    let requests = items.map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 1; ; attempt++) {
      const out = await this.client.send(new BatchWriteItemCommand({ RequestItems: { [this.tableName]: requests } }));
      const left = out.UnprocessedItems?.[this.tableName] ?? [];
      if (left.length === 0) return;
      if (attempt >= MAX_TRIES) throw new Error(`${left.length} of ${items.length} items were not written to ${this.tableName} after ${attempt} tries`);
      requests = left as typeof requests;
      await this.sleep(backoffDelay(attempt, { baseMs: 50, maxMs: 1_000 }, Math.random));
    }
  }
}
