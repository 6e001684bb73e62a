// Alerting: the encrypted alarm topic with its email subscriptions, and the alarms that page someone when
// the gateway cannot serve: 5xx rate, p99 latency, Lambda errors and throttles, DynamoDB throttles, breakers
// opening, budget thresholds, failed health checks, and one composite "gateway unhealthy" alarm.
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import {
  Alarm,
  AlarmRule,
  ComparisonOperator,
  CompositeAlarm,
  MathExpression,
  Metric,
  TreatMissingData,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { insightsQuery, METRICS } from '../config/metrics';

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
  /** API p99 latency over 5 minutes; streams count until their last byte @default Duration.seconds(60) */
  readonly p99Latency?: Duration;
  /** gateway function errors in 5 minutes (errors the handler could not turn into an HTTP answer) @default 5 */
  readonly gatewayErrors?: number;
}

export interface AlertingProps {
  /** @default [] */
  readonly emails?: readonly string[];
  readonly api: RestApi;
  /** the gateway function: its errors feed the composite alarm */
  readonly gatewayFunction: IFunction;
  /** every other function (authorizer, health check, rotation): errors and throttles alarm */
  readonly functions: Readonly<Record<string, IFunction>>;
  readonly tables: readonly ITable[];
  /** @default - see AlertThresholds */
  readonly thresholds?: AlertThresholds;
}

export class Alerting extends Construct {
  readonly topic: Topic;
  readonly topicKey: Key;
  readonly alarms: Alarm[] = [];
  readonly gatewayUnhealthy: CompositeAlarm;
  private readonly action: SnsAction;

  constructor(scope: Construct, id: string, props: AlertingProps) {
    super(scope, id);
    const t = props.thresholds ?? {};

    this.topicKey = new Key(this, 'TopicKey', {
      description: 'Encrypts the Switchboard alarm topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
      policy: new iam.PolicyDocument({
        statements: [
          new iam.PolicyStatement({ actions: KEY_ADMIN_ACTIONS, principals: [new iam.AccountRootPrincipal()], resources: ['*'] }),
          // CloudWatch alarms publish to the topic, which needs a data key from this key
          new iam.PolicyStatement({
            actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
            principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
            resources: ['*'],
            conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
          }),
        ],
      }),
    });
    this.topic = new Topic(this, 'Topic', {
      displayName: 'Switchboard alarms',
      masterKey: this.topicKey,
      enforceSSL: true,
    });
    for (const email of props.emails ?? []) {
      const subscription = this.topic.addSubscription(new EmailSubscription(email));
      Validations.of(subscription).acknowledge({
        id: 'Serverless-SNSRedrivePolicy',
        reason: 'E-mail subscriptions: SNS retries delivery itself, and a dead-letter queue of undelivered alarm mails would be one more thing nobody watches.',
      });
    }
    this.action = new SnsAction(this.topic);

    const serverErrorRate = t.serverErrorRate ?? 0.05;
    const serverErrors = this.alarm('ServerErrorRate', {
      description: `More than ${serverErrorRate * 100}% of API requests answered 5xx over 5 minutes.`,
      metric: props.api.metricServerError({ statistic: 'Average', period: Duration.minutes(5) }),
      threshold: serverErrorRate,
      evaluationPeriods: 1,
    });
    const p99Latency = t.p99Latency ?? Duration.seconds(60);
    this.alarm('LatencyP99', {
      description: `API p99 latency above ${p99Latency.toSeconds()} s over 15 minutes.`,
      metric: props.api.metricLatency({ statistic: 'p99', period: Duration.minutes(5) }),
      threshold: p99Latency.toMilliseconds(),
      evaluationPeriods: 3,
    });
    const gatewayErrors = this.alarm('GatewayFunctionErrors', {
      description: 'The gateway function failed invocations (crashes or timeouts, not HTTP errors).',
      metric: props.gatewayFunction.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: t.gatewayErrors ?? 5,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
    });
    for (const [name, fn] of Object.entries({ Gateway: props.gatewayFunction, ...props.functions })) {
      if (fn !== props.gatewayFunction) {
        this.alarm(`${name}FunctionErrors`, {
          description: `The ${name} function failed.`,
          metric: fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
          threshold: 1,
          comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: 1,
        });
      }
      this.alarm(`${name}FunctionThrottles`, {
        description: `The ${name} function was throttled (concurrency limit reached).`,
        metric: fn.metricThrottles({ period: Duration.minutes(5), statistic: 'Sum' }),
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
      });
    }
    this.alarm('DynamoDbThrottles', {
      description: 'DynamoDB throttled reads or writes on a Switchboard table.',
      metric: new MathExpression({
        label: 'throttle events',
        expression: props.tables.map((_, i) => `r${i} + w${i}`).join(' + '),
        usingMetrics: Object.fromEntries(
          props.tables.flatMap((table, i) => [
            [`r${i}`, tableMetric(table, 'ReadThrottleEvents')],
            [`w${i}`, tableMetric(table, 'WriteThrottleEvents')],
          ]),
        ),
        period: Duration.minutes(5),
      }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
    });
    this.alarm('BreakerOpened', {
      description: 'A provider circuit breaker opened: calls to it fail and traffic falls back.',
      metric: insights(METRICS.breakerOpened, 'SUM', Duration.minutes(1)),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
    });
    this.alarm('BudgetThreshold', {
      description: 'A tenant reached a budget threshold (80, 90 or 100 % of a daily or monthly budget).',
      metric: insights(METRICS.budgetThreshold, 'SUM', Duration.minutes(5)),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
    });
    this.alarm('ProviderUnhealthy', {
      description: 'A provider failed the scheduled health check for 5 minutes in a row.',
      metric: insights(METRICS.providerHealthy, 'MIN', Duration.minutes(1)),
      threshold: 1,
      comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 5,
    });
    const regionUnhealthy = this.alarm('NoHealthyProvider', {
      description: 'No provider passed the scheduled health check for 3 minutes (or the check stopped reporting): this region cannot serve.',
      metric: insights(METRICS.providerHealthy, 'MAX', Duration.minutes(1)),
      threshold: 1,
      comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 3,
      // silence from the every-minute check is itself a failure
      treatMissingData: TreatMissingData.BREACHING,
    });

    this.gatewayUnhealthy = new CompositeAlarm(this, 'GatewayUnhealthy', {
      alarmDescription: 'The gateway is failing requests: 5xx rate, function errors, or no healthy provider.',
      alarmRule: AlarmRule.anyOf(serverErrors, gatewayErrors, regionUnhealthy),
    });
    this.gatewayUnhealthy.addAlarmAction(this.action);
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

function tableMetric(table: ITable, metricName: string): Metric {
  return new Metric({ namespace: 'AWS/DynamoDB', metricName, dimensionsMap: { TableName: table.tableName }, statistic: 'Sum' });
}

function insights(metric: string, aggregate: 'SUM' | 'MAX' | 'MIN', period: Duration): MathExpression {
  return new MathExpression({ expression: insightsQuery(metric, aggregate), usingMetrics: {}, period, label: metric });
}
