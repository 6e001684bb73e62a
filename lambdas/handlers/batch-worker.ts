// The batch worker Lambda: SQS messages (one piece of batch work each) from the three priority queues, each run
// through the same worker code the local server runs in-process (core/batches/worker.ts), on the gateway's own
// runtime (its gateway entry, stores and clock), so every line is served as a live call. A message that fails
// is reported back alone (ReportBatchItemFailures) and retried by SQS, then moved to the dead-letter queue.
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { lambdaSecretSource } from '../adapters/secrets/secret-sources';
import { SnsAlertPublisher } from '../adapters/alerts/alert-publishers';
import { createLogger } from '../adapters/observability/powertools';
import { queueUrlsFromEnv } from '../adapters/sqs/queues';
import { SqsWorkQueue, workOf } from '../adapters/sqs/work-queue';
import { expireOverdue, runBatchWork } from '../core/batches/worker';
import { batchWorkerDeps } from './batch-runtime';
import { bundledConfig } from './bundled-config';
import { gatewayEnvironment } from './environment';
import { createRuntime, systemClock } from './runtime';

const env = gatewayEnvironment.parse(process.env);
const config = bundledConfig();
const logger = createLogger();
const urls = queueUrlsFromEnv(process.env);
if (!urls) throw new Error('the batch worker needs BATCH_QUEUE_HIGH_URL, BATCH_QUEUE_NORMAL_URL and BATCH_QUEUE_LOW_URL');
const queue = new SqsWorkQueue(urls, { region: env.AWS_REGION });
const runtime = createRuntime({
  env,
  config,
  logger,
  alerts: env.ALERT_TOPIC_ARN ? new SnsAlertPublisher(env.ALERT_TOPIC_ARN, logger) : undefined,
  secrets: lambdaSecretSource(systemClock, env.SECRET_CACHE_TTL_MS),
  workQueue: queue,
});
const deps = batchWorkerDeps(runtime, queue);

/** time kept back at the end of an invocation: one line's whole deadline, and a margin to write what was done */
const STOP_MARGIN_MS = config.gateway.requestTimeoutMs + 15_000;

/** the hourly schedule's event (lib/constructs/batch-worker.ts): end batches whose work can no longer arrive */
export const SWEEP_EVENT = { sweep: 'overdue-batches' } as const;

export async function handler(event: SQSEvent | typeof SWEEP_EVENT, context: Context): Promise<SQSBatchResponse> {
  if ('sweep' in event) {
    await expireOverdue(deps);
    await deps.metrics.flush();
    return { batchItemFailures: [] };
  }
  const stopAt = Date.now() + context.getRemainingTimeInMillis() - STOP_MARGIN_MS;
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  for (const record of event.Records) {
    const work = workOf(record.body);
    if (!work) {
      logger.error('a batch queue message is not batch work; dropped', { messageId: record.messageId });
      continue;
    }
    try {
      await runBatchWork(work, deps, { stopAt });
    } catch (err) {
      logger.error('batch work failed; SQS retries it', { messageId: record.messageId, batchId: work.batchId, error: (err as Error).message });
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  await deps.metrics.flush();
  return { batchItemFailures };
}
