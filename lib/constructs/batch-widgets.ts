// The batch row of the regional dashboard: work waiting per priority queue and in the dead-letter queue, lines
// finished per minute (ok or error), and batches reaching each final status (failed, expired, cancelled beside
// completed). Added by the service stack when batches are enabled.
import { Duration } from 'aws-cdk-lib';
import { GraphWidget, MathExpression, type IWidget } from 'aws-cdk-lib/aws-cloudwatch';
import { BATCH_METRICS } from '../../lambdas/core/batches/worker';
import { PRIORITIES } from '../../lambdas/core/batches/ports';
import type { BatchQueue } from './batch-queue';

const PERIOD = Duration.minutes(1);

export function batchWidgets(queue: BatchQueue, namespace: string): IWidget[] {
  const byDimension = (metric: string, dimension: string, label: string) =>
    new MathExpression({ expression: `SEARCH('{${namespace},${dimension},service} MetricName="${metric}"', 'Sum', ${PERIOD.toSeconds()})`, usingMetrics: {}, period: PERIOD, label });
  return [
    new GraphWidget({
      title: 'Batch queue depth',
      left: [
        ...PRIORITIES.map((p) => queue.queues[p].metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum', label: p })),
        queue.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum', label: 'dead letters' }),
      ],
      width: 8,
      height: 6,
    }),
    new GraphWidget({ title: 'Batch lines per minute', left: [byDimension(BATCH_METRICS.lines, 'Outcome', '')], width: 8, height: 6 }),
    new GraphWidget({ title: 'Batches finished, by status (failures: failed, expired)', left: [byDimension(BATCH_METRICS.finished, 'Status', '')], width: 8, height: 6 }),
  ];
}
