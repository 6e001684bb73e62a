// The batch worker function and what it may touch: fed by the three priority queues through event source
// mappings whose maxConcurrency bounds the workers (never reserved concurrency: a new account's quota refuses
// any reservation), it runs each line through the gateway core, so it reads and writes the same tables as the
// gateway function, the files bucket's objects, and sends work back to the queues (a batch's chunks, a piece
// that steps aside for higher priority or runs out of time).
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Rule, RuleTargetInput, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { TABLES, type TableKey } from '../../lambdas/adapters/dynamodb/tables';
import { BUCKETS } from '../../lambdas/adapters/s3/buckets';
import { QUEUE_URL_ENV } from '../../lambdas/adapters/sqs/queues';
import { PRIORITIES, type Priority } from '../../lambdas/core/batches/ports';
import { SwitchboardFunction, type BedrockModel } from './gateway-function';

/** the worker's timeout: Lambda's longest, so a chunk rarely has to hand back what it has not done */
export const BATCH_WORKER_TIMEOUT = Duration.minutes(15);

export interface BatchWorkerProps {
  readonly queues: Record<Priority, IQueue>;
  readonly bucket: IBucket;
  readonly tables: Record<TableKey, ITable>;
  /** esbuild defines (the bundled gateway config) */
  readonly define: Record<string, string>;
  readonly secretNames: readonly string[];
  readonly bedrockModels: readonly BedrockModel[];
  /**
   * Workers at once per priority queue (the event source mapping's maxConcurrency, 2 to 1000); high gets
   * twice as many. @default 2
   */
  readonly maxConcurrency?: number;
  readonly logGroupName?: string;
  readonly metricNamespace?: string;
  readonly serviceName: string;
  readonly environment?: Record<string, string>;
  /** @default 512: a worker mostly waits on providers, and a waiting second is billed by its memory */
  readonly memorySize?: number;
}

export class BatchWorker extends Construct {
  readonly function: SwitchboardFunction;

  constructor(scope: Construct, id: string, props: BatchWorkerProps) {
    super(scope, id);
    this.function = new SwitchboardFunction(this, 'Function', {
      entry: 'lambdas/handlers/batch-worker.ts',
      description: 'Switchboard batch worker: runs batch lines through the gateway core, within each tenant limit',
      serviceName: props.serviceName,
      memorySize: props.memorySize ?? 512,
      timeout: BATCH_WORKER_TIMEOUT,
      define: props.define,
      environment: props.environment,
      logGroupName: props.logGroupName,
      metricNamespace: props.metricNamespace,
    });
    for (const key of Object.keys(TABLES) as TableKey[]) this.function.bindTable(props.tables[key], key, key === 'tenants' ? 'read' : 'readWrite');
    this.function.allowSecretsRead(props.secretNames).allowBedrock(props.bedrockModels);
    grantBatchAccess(this.function, props.queues, props.bucket);

    const concurrency = props.maxConcurrency ?? 2;
    for (const priority of PRIORITIES) {
      const source = new SqsEventSource(props.queues[priority], {
        batchSize: 1,
        reportBatchItemFailures: true,
        maxConcurrency: priority === 'high' ? concurrency * 2 : concurrency,
      });
      this.function.addEventSource(source);
    }
    for (const child of this.function.node.children) {
      if (!child.node.id.startsWith('SqsEventSource:')) continue;
      Validations.of(child).acknowledge({
        id: 'Serverless-LambdaEventSourceMappingDestination',
        reason: 'An SQS source: a message that fails every receive moves to the queue\'s dead-letter queue (redrive), which is alarmed; an on-failure destination would be a second copy.',
      });
    }
    // batches whose remaining work can no longer arrive (a piece in the dead-letter queue) end as they stand
    const sweep = new Rule(this, 'OverdueSweep', {
      description: 'Switchboard: end batches past their completion window whose work can no longer arrive',
      schedule: Schedule.rate(Duration.hours(1)),
      targets: [new LambdaFunction(this.function, { event: RuleTargetInput.fromObject({ sweep: 'overdue-batches' }), retryAttempts: 0 })],
    });
    Validations.of(sweep).acknowledge({
      id: 'Serverless-EventBusDLQ',
      reason: 'An hourly sweep whose next run repeats the work: a missed run needs no dead-letter queue.',
    });
    Validations.of(this.function).acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason: 'Invoked by SQS event source mappings: failed messages go to the queues\' own dead-letter queue (redrive), alarmed.',
    });
  }
}

/**
 * What the gateway and the worker need of the batch resources, named: the queue URLs in the environment,
 * sending to (and reading the depth of) the three queues, and reading, writing and deleting the bucket's objects.
 */
export function grantBatchAccess(fn: SwitchboardFunction, queues: Record<Priority, IQueue>, bucket: IBucket): void {
  for (const priority of PRIORITIES) fn.addEnvironment(QUEUE_URL_ENV[priority], queues[priority].queueUrl);
  fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage', 'sqs:GetQueueAttributes'], resources: PRIORITIES.map((p) => queues[p].queueArn) }));
  fn.addEnvironment(BUCKETS.batchFiles.envVar, bucket.bucketName);
  fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], resources: [bucket.arnForObjects('files/*'), bucket.arnForObjects('work/*')] }));
  const stack = Stack.of(fn);
  Validations.of(fn.role!).acknowledge(
    ...['files', 'work'].map((prefix) => ({
      id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(bucket.node.defaultChild as never)}.Arn>/${prefix}/*]`,
      reason: `Objects under ${prefix}/ are keyed by tenant and file or batch id at run time; the grant is the prefix, with get, put and delete only.`,
    })),
  );
}
