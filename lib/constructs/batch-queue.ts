// The batch work queues: one SQS queue per priority (high, normal, low), a shared dead-letter queue with redrive
// after `maxReceiveCount` failed receives, and an alarm on the dead-letter queue's depth. All encrypted with
// SQS-managed keys (no KMS key billed idle) and reachable over TLS only.
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { PRIORITIES, type Priority } from '../../lambdas/core/batches/ports';

export interface BatchQueueProps {
  /** how long a received message stays hidden: at least the worker's timeout (SQS requires it for an event source) */
  readonly visibilityTimeout: Duration;
  /** failed receives before a message moves to the dead-letter queue @default 5 */
  readonly maxReceiveCount?: number;
  /** the alarm's name */
  readonly alarmName: string;
  /** where the alarm goes @default - nowhere */
  readonly alarmTopic?: ITopic;
}

export class BatchQueue extends Construct {
  readonly queues: Record<Priority, Queue>;
  readonly deadLetterQueue: Queue;
  readonly deadLetterAlarm: Alarm;

  constructor(scope: Construct, id: string, props: BatchQueueProps) {
    super(scope, id);
    this.deadLetterQueue = new Queue(this, 'DeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: RemovalPolicy.DESTROY,
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'Serverless-SQSRedrivePolicy',
      reason: 'It is the dead-letter queue of the batch queues: what lands here is alarmed and redriven by an operator, never onwards.',
    });
    const make = (priority: Priority) =>
      new Queue(this, `${priority[0]!.toUpperCase()}${priority.slice(1)}`, {
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        visibilityTimeout: props.visibilityTimeout,
        // a batch has 24 hours; its work never needs to wait longer than that
        retentionPeriod: Duration.days(2),
        deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount ?? 5 },
        removalPolicy: RemovalPolicy.DESTROY,
      });
    this.queues = Object.fromEntries(PRIORITIES.map((p) => [p, make(p)])) as Record<Priority, Queue>;

    this.deadLetterAlarm = new Alarm(this, 'DeadLettersAlarm', {
      alarmName: props.alarmName,
      alarmDescription: 'Batch work failed every retry and was moved to the dead-letter queue: its batch cannot finish. Read the worker logs, then redrive the queue.',
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    if (props.alarmTopic) {
      this.deadLetterAlarm.addAlarmAction(new SnsAction(props.alarmTopic));
      this.deadLetterAlarm.addOkAction(new SnsAction(props.alarmTopic));
    }
  }
}
