// The WorkQueue in AWS: three SQS queues, one per priority (high, normal, low), each feeding the batch worker
// through its own event source mapping. SQS has no priorities within a queue, so the order is kept so: every
// queue's work starts at once when workers are free, and a piece of lower work that finds higher work waiting
// (ApproximateNumberOfMessages of the higher queues) steps aside, re-sent with a delay (core/batches/worker.ts).
// @aws-sdk/client-sqs is the Lambda runtime's and is imported on first use: the gateway loads it only when a
// batch is created.
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { BatchWork, Priority, WorkQueue } from '../../core/batches/ports';

/** SendMessageBatch takes ten entries; SQS delays at most 15 minutes */
const BATCH_ENTRIES = 10;
const MAX_DELAY_S = 900;
const ABOVE: Record<Priority, Priority[]> = { high: [], normal: ['high'], low: ['high', 'normal'] };

export class SqsWorkQueue implements WorkQueue {
  #client?: Promise<SQSClient>;

  constructor(
    private readonly urls: Record<Priority, string>,
    private readonly opts: { region?: string; client?: SQSClient } = {},
  ) {}

  async send(work: BatchWork[], opts: { priority: Priority; delayMs?: number }): Promise<void> {
    const client = await this.client();
    const { SendMessageBatchCommand } = await import('@aws-sdk/client-sqs');
    const DelaySeconds = opts.delayMs ? Math.min(MAX_DELAY_S, Math.ceil(opts.delayMs / 1000)) : undefined;
    for (let at = 0; at < work.length; at += BATCH_ENTRIES) {
      const entries = work.slice(at, at + BATCH_ENTRIES).map((w, i) => ({ Id: String(i), MessageBody: JSON.stringify(w), DelaySeconds }));
      const result = await client.send(new SendMessageBatchCommand({ QueueUrl: this.urls[opts.priority], Entries: entries }));
      if (result.Failed?.length) throw new Error(`SQS refused ${result.Failed.length} of ${entries.length} messages: ${result.Failed[0]!.Code}`);
    }
  }

  async waitingAbove(priority: Priority): Promise<boolean> {
    const above = ABOVE[priority];
    if (!above.length) return false;
    const client = await this.client();
    const { GetQueueAttributesCommand } = await import('@aws-sdk/client-sqs');
    const depths = await Promise.all(
      above.map((p) => client.send(new GetQueueAttributesCommand({ QueueUrl: this.urls[p], AttributeNames: ['ApproximateNumberOfMessages'] }))),
    );
    return depths.some((d) => Number(d.Attributes?.ApproximateNumberOfMessages ?? 0) > 0);
  }

  private client(): Promise<SQSClient> {
    return (this.#client ??= this.opts.client
      ? Promise.resolve(this.opts.client)
      : import('@aws-sdk/client-sqs').then(({ SQSClient }) => new SQSClient({ region: this.opts.region, maxAttempts: 3 })));
  }
}

/** a queue message's body as the work it carries; undefined when it is not one of ours */
export function workOf(body: string): BatchWork | undefined {
  try {
    const work = JSON.parse(body) as BatchWork;
    if (work.kind === 'plan' && typeof work.batchId === 'string' && typeof work.tenantId === 'string') return work;
    if (work.kind === 'lines' && typeof work.batchId === 'string' && [work.chunk, work.from, work.end].every(Number.isInteger)) return work;
  } catch {
    // not JSON
  }
  return undefined;
}
