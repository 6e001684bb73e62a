// The batch work queues, one per priority, named to functions by environment variables (like the tables in
// ../dynamodb/tables.ts): the CDK construct (lib/constructs/batch-queue.ts) and the functions share these.
import type { Priority } from '../../core/batches/ports';

export const QUEUE_URL_ENV: Record<Priority, string> = {
  high: 'BATCH_QUEUE_HIGH_URL',
  normal: 'BATCH_QUEUE_NORMAL_URL',
  low: 'BATCH_QUEUE_LOW_URL',
};

/** the queue URLs a function was given; undefined when it was given none (batches are off) */
export function queueUrlsFromEnv(env: Record<string, string | undefined>): Record<Priority, string> | undefined {
  const urls = { high: env[QUEUE_URL_ENV.high], normal: env[QUEUE_URL_ENV.normal], low: env[QUEUE_URL_ENV.low] };
  return urls.high && urls.normal && urls.low ? (urls as Record<Priority, string>) : undefined;
}
