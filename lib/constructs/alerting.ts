// Alerting: the alarm topic with its email subscriptions, and the alarms that page someone when the gateway
// cannot serve: the region failing its own /health (what regional failover follows), 5xx rate, time to first
// byte, Lambda errors, DynamoDB throttles, breakers opening, budget thresholds, providers failing their check.
// Every alarm metric is billed monthly ($0.10, a Metrics Insights alarm per series it reads), so each alarm
// here pages on something no other alarm already pages on.
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import { Alarm, ComparisonOperator, MathExpression, TreatMissingData, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { insightsQuery, METRICS, serviceMetric, SERVICES } from '../config/metrics';
import { DeploymentNames } from '../config/names';

/** Key administration spelled out action by action: the account keeps full control without a `kms:*`. */
const KEY_ADMIN_ACTIONS = [
  'kms:CancelKeyDeletion', 'kms:CreateAlias', 'kms:CreateGrant', 'kms:DeleteAlias', 'kms:DescribeKey', 'kms:DisableKey',
  'kms:DisableKeyRotation', 'kms:EnableKey', 'kms:EnableKeyRotation', 'kms:GetKeyPolicy', 'kms:GetKeyRotationStatus',
  'kms:ListAliases', 'kms:ListGrants', 'kms:ListKeyPolicies', 'kms:ListResourceTags', 'kms:PutKeyPolicy', 'kms:RetireGrant',
  'kms:RevokeGrant', 'kms:ScheduleKeyDeletion', 'kms:TagResource', 'kms:UntagResource', 'kms:UpdateAlias',
  'kms:UpdateKeyDescription', 'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:ReEncryptFrom', 'kms:ReEncryptTo',
];

export interface AlertThresholds {
  /** share of API requests answered 5xx over 5 minutes @default 0.05 */
  readonly serverErrorRate?: number;
  /** p99 time to the first byte of an answer over 5 minutes (a long stream's length does not count) @default Duration.seconds(60) */
  readonly p99TimeToFirstByte?: Duration;
  /** gateway function errors in 5 minutes (errors the handler could not turn into an HTTP answer) @default 5 */
  readonly gatewayErrors?: number;
  /** minutes in a row the region's own /health must fail before it counts as down (and fails over) @default 2 */
  readonly regionDownMinutes?: number;
}

export interface AlertingProps {
  /** @default new DeploymentNames() */
  readonly names?: DeploymentNames;
  /** @default [] */
  readonly emails?: readonly string[];
  readonly api: RestApi;
  /** the gateway function: its errors and throttles alarm */
  readonly gatewayFunction: IFunction;
  /** other functions whose errors alarm (the authorizer, the rotation function) */
  readonly functions: Readonly<Record<string, IFunction>>;
  readonly tables: readonly ITable[];
  /**
   * Encrypt the topic with a customer-managed KMS key ($1 a month). Off, the topic is not encrypted at rest:
   * alarm notifications and budget alerts hold alarm names, thresholds, tenant ids and amounts, never
   * prompts or keys, and SNS keeps a message only until it is delivered.
   * @default false
   */
  readonly encryptTopic?: boolean;
  /** @default - see AlertThresholds */
  readonly thresholds?: AlertThresholds;
}

export class Alerting extends Construct {
  readonly topic: Topic;
  readonly topicKey?: Key;
  readonly alarms: Alarm[] = [];
  /** the region failed its own /health: what its Route 53 health check follows */
  readonly regionUnhealthy: Alarm;
  private readonly action: SnsAction;
  private readonly names: DeploymentNames;

  constructor(scope: Construct, id: string, props: AlertingProps) {
    super(scope, id);
    const t = props.thresholds ?? {};
    this.names = props.names ?? new DeploymentNames();
    const namespace = this.names.metricNamespace;

    if (props.encryptTopic) {
      this.topicKey = new Key(this, 'TopicKey', {
        description: 'Encrypts the Switchboard alarm topic',
        enableKeyRotation: true,
        removalPolicy: RemovalPolicy.DESTROY,
        pendingWindow: Duration.days(7),
        policy: new iam.PolicyDocument({
          statements: [new iam.PolicyStatement({ actions: KEY_ADMIN_ACTIONS, principals: [new iam.AccountRootPrincipal()], resources: ['*'] })],
        }),
      });
    }
    this.topic = new Topic(this, 'Topic', {
      topicName: this.names.regional('alarms'),
      displayName: 'Switchboard alarms',
      masterKey: this.topicKey,
      enforceSSL: true,
    });
    // CloudWatch alarms publish to the topic, which needs a data key when the topic is encrypted
    this.allowPublishFrom('cloudwatch.amazonaws.com');
    for (const email of props.emails ?? []) {
      const subscription = this.topic.addSubscription(new EmailSubscription(email));
      Validations.of(subscription).acknowledge({
        id: 'Serverless-SNSRedrivePolicy',
        reason: 'E-mail subscriptions: SNS retries delivery itself, and a dead-letter queue of undelivered alarm mails would be one more thing nobody watches.',
      });
    }
    this.action = new SnsAction(this.topic);

    const regionDown = t.regionDownMinutes ?? 2;
    this.regionUnhealthy = this.alarm('RegionUnhealthy', {
      description:
        `The region's own GET /health failed ${regionDown} minutes in a row, or the scheduled check stopped reporting: its API, ` +
        'its gateway function, its state store or all its providers are down. Route 53 fails the region over on this alarm.',
      // a plain metric with its exact dimensions and a Minimum: what a Route 53 health check can follow
      metric: serviceMetric(namespace, METRICS.regionHealthy, SERVICES.healthCheck, 'Minimum'),
      threshold: 1,
      comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: regionDown,
      // silence from the every-minute check is itself a failure
      treatMissingData: TreatMissingData.BREACHING,
    });
    const serverErrorRate = t.serverErrorRate ?? 0.05;
    this.alarm('ServerErrorRate', {
      description: `More than ${serverErrorRate * 100}% of API requests answered 5xx over 5 minutes.`,
      metric: props.api.metricServerError({ statistic: 'Average', period: Duration.minutes(5) }),
      threshold: serverErrorRate,
      evaluationPeriods: 1,
    });
    const p99 = t.p99TimeToFirstByte ?? Duration.seconds(60);
    this.alarm('LatencyP99', {
      description: `p99 time to the first byte of an answer above ${p99.toSeconds()} s over 15 minutes (a long stream's length does not count).`,
      metric: serviceMetric(namespace, METRICS.timeToFirstByte, SERVICES.gateway, 'p99', Duration.minutes(5)),
      threshold: p99.toMilliseconds(),
      evaluationPeriods: 3,
    });
    this.alarm('GatewayFunctionErrors', {
      description: 'The gateway function failed invocations (crashes or timeouts, not HTTP errors).',
      metric: props.gatewayFunction.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: t.gatewayErrors ?? 5,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
    });
    this.alarm('GatewayFunctionThrottles', {
      description: "The gateway function was throttled: the account's concurrency is used up.",
      metric: props.gatewayFunction.metricThrottles({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
    });
    for (const [name, fn] of Object.entries(props.functions)) {
      this.alarm(`${name}FunctionErrors`, {
        description: `The ${name} function failed.`,
        metric: fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
      });
    }
    // one query over the tables' ThrottledRequests, which DynamoDB publishes only for throttled requests
    const tables = props.tables.map((table) => `TableName = '${table.tableName}'`).join(' OR ');
    this.alarm('DynamoDbThrottles', {
      description: 'DynamoDB throttled reads or writes on a Switchboard table.',
      metric: insights(`SELECT SUM(ThrottledRequests) FROM SCHEMA("AWS/DynamoDB", Operation, TableName) WHERE ${tables}`, 'ThrottledRequests', Duration.minutes(5)),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
    });
    this.alarm('BreakerOpened', {
      description: 'A provider circuit breaker opened: calls to it fail and traffic falls back.',
      metric: insights(insightsQuery(namespace, METRICS.breakerOpened, 'SUM'), METRICS.breakerOpened, Duration.minutes(1)),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
    });
    this.alarm('BudgetThreshold', {
      description: 'A tenant reached a budget threshold (80, 90 or 100 % of a daily or monthly budget).',
      metric: insights(insightsQuery(namespace, METRICS.budgetThreshold, 'SUM'), METRICS.budgetThreshold, Duration.minutes(5)),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
    });
    this.alarm('ProviderUnhealthy', {
      description: 'A provider failed the scheduled health check for 5 minutes in a row (a revoked key, an outage); traffic falls back.',
      metric: insights(insightsQuery(namespace, METRICS.providerHealthy, 'MIN'), METRICS.providerHealthy, Duration.minutes(1)),
      threshold: 1,
      comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 5,
    });
  }

  /**
   * Let an AWS service (CloudWatch alarms, AWS Budgets) publish to the topic from this account: a topic
   * policy statement, and use of the topic's key when there is one.
   */
  allowPublishFrom(service: string): void {
    const principal = new iam.ServicePrincipal(service);
    const account = Stack.of(this).account;
    if (service !== 'cloudwatch.amazonaws.com') {
      // CloudWatch alarms of this account publish through the topic's default policy
      this.topic.addToResourcePolicy(
        new iam.PolicyStatement({ actions: ['sns:Publish'], principals: [principal], resources: [this.topic.topicArn], conditions: { StringEquals: { 'aws:SourceAccount': account } } }),
      );
    }
    this.topicKey?.addToResourcePolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        principals: [principal],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': account } },
      }),
    );
  }

  private alarm(
    id: string,
    props: {
      description: string;
      metric: IMetric;
      threshold: number;
      evaluationPeriods: number;
      comparisonOperator?: ComparisonOperator;
      treatMissingData?: TreatMissingData;
    },
  ): Alarm {
    const alarm = new Alarm(this, id, {
      alarmName: this.names.regional(id),
      alarmDescription: props.description,
      metric: props.metric,
      threshold: props.threshold,
      evaluationPeriods: props.evaluationPeriods,
      comparisonOperator: props.comparisonOperator ?? ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: props.treatMissingData ?? TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(this.action);
    alarm.addOkAction(this.action);
    this.alarms.push(alarm);
    return alarm;
  }
}

function insights(expression: string, label: string, period: Duration): MathExpression {
  return new MathExpression({ expression, usingMetrics: {}, period, label });
}
