// The two WorkQueues: the in-process priority queue of local runs (order, retries, dead letters), and the SQS
// adapter (one queue per priority, batches of ten, delays, lower work stepping aside for higher) against a mock.
import { GetQueueAttributesCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { InProcessWorkQueue } from '../../../lambdas/adapters/queue/in-process-queue';
import { SqsWorkQueue, workOf } from '../../../lambdas/adapters/sqs/work-queue';
import type { BatchWork } from '../../../lambdas/core/batches/ports';
import { MemoryLogger } from '../../helpers/logs';

const work = (batchId: string, from = 0): BatchWork => ({ kind: 'lines', tenantId: 't', batchId, chunk: 0, from, end: from + 1 });

describe('InProcessWorkQueue', () => {
  it('hands out high before normal before low, first in first out within a priority', async () => {
    const queue = new InProcessWorkQueue(new MemoryLogger());
    await queue.send([work('low-1'), work('low-2')], { priority: 'low' });
    await queue.send([work('normal-1')], { priority: 'normal' });
    await queue.send([work('high-1')], { priority: 'high' });
    expect(queue.depth()).toEqual({ high: 1, normal: 1, low: 2 });
    const seen: string[] = [];
    let done!: () => void;
    const all = new Promise<void>((r) => (done = r));
    queue.start(async (w) => {
      seen.push(w.batchId);
      if (seen.length === 4) done();
    }, 1);
    await all;
    await queue.close();
    expect(seen).toEqual(['high-1', 'normal-1', 'low-1', 'low-2']);
  });

  it('tries failed work again, then sets it aside after maxReceives', async () => {
    const logger = new MemoryLogger();
    const queue = new InProcessWorkQueue(logger, 3);
    let calls = 0;
    queue.start(async () => {
      calls++;
      throw new Error('boom');
    }, 2);
    await queue.send([work('bad')], { priority: 'normal' });
    for (let i = 0; i < 50 && queue.dead.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    await queue.close();
    expect(calls).toBe(3);
    expect(queue.dead).toEqual([work('bad')]);
  });

  it('delays work sent with a delay', async () => {
    const queue = new InProcessWorkQueue(new MemoryLogger());
    const seenAt: number[] = [];
    queue.start(async () => void seenAt.push(Date.now()), 1);
    const sent = Date.now();
    await queue.send([work('later')], { priority: 'high', delayMs: 150 });
    for (let i = 0; i < 50 && seenAt.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    await queue.close();
    expect(seenAt[0]! - sent).toBeGreaterThanOrEqual(140);
  });
});

describe('SqsWorkQueue', () => {
  const sqs = mockClient(SQSClient);
  const urls = { high: 'https://sqs/high', normal: 'https://sqs/normal', low: 'https://sqs/low' };
  beforeEach(() => sqs.reset());

  it('sends to the priority queue in batches of ten, with the delay in seconds', async () => {
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    const queue = new SqsWorkQueue(urls, { client: new SQSClient({ region: 'us-east-1' }) });
    await queue.send(Array.from({ length: 23 }, (_, i) => work('b', i)), { priority: 'low', delayMs: 20_500 });
    const calls = sqs.commandCalls(SendMessageBatchCommand);
    expect(calls.map((c) => c.args[0].input.Entries!.length)).toEqual([10, 10, 3]);
    expect(calls.every((c) => c.args[0].input.QueueUrl === urls.low)).toBe(true);
    expect(calls[0]!.args[0].input.Entries![0]!.DelaySeconds).toBe(21);
    expect(workOf(calls[2]!.args[0].input.Entries![2]!.MessageBody!)).toEqual(work('b', 22));
  });

  it('fails when SQS refuses a message (the worker then reports the item failed and SQS retries it)', async () => {
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [{ Id: '0', Code: 'InternalError', SenderFault: false }] });
    const queue = new SqsWorkQueue(urls, { client: new SQSClient({ region: 'us-east-1' }) });
    await expect(queue.send([work('b')], { priority: 'high' })).rejects.toThrow(/InternalError/);
  });

  it('tells lower work that higher work waits, from the higher queues\' depth', async () => {
    sqs.on(GetQueueAttributesCommand, { QueueUrl: urls.high }).resolves({ Attributes: { ApproximateNumberOfMessages: '0' } });
    sqs.on(GetQueueAttributesCommand, { QueueUrl: urls.normal }).resolves({ Attributes: { ApproximateNumberOfMessages: '4' } });
    const queue = new SqsWorkQueue(urls, { client: new SQSClient({ region: 'us-east-1' }) });
    expect(await queue.waitingAbove('high')).toBe(false);
    expect(sqs.commandCalls(GetQueueAttributesCommand)).toHaveLength(0);
    expect(await queue.waitingAbove('normal')).toBe(false);
    expect(await queue.waitingAbove('low')).toBe(true);
  });

  it('reads only its own messages', () => {
    expect(workOf('{"kind":"plan","tenantId":"t","batchId":"b"}')).toEqual({ kind: 'plan', tenantId: 't', batchId: 'b' });
    expect(workOf('{"kind":"lines","tenantId":"t","batchId":"b","chunk":0,"from":"x","end":1}')).toBeUndefined();
    expect(workOf('not json')).toBeUndefined();
  });
});
