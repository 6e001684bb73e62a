// SwitchboardFunction: the one NodejsFunction subclass every Switchboard Lambda is built with. It owns the
// defaults (runtime, architecture, bundling, tracing, logs, Powertools) and the grant helpers, which set a
// resource's environment variable and its least-privilege grant in one call so the two never drift.
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Architecture, LoggingFormat, Runtime, SystemLogLevel, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, type NodejsFunctionProps } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { TABLES, type TableKey } from '../../../lambdas/adapters/dynamodb/tables';
import { ESBUILD_TARGET, ESM_REQUIRE_BANNER, FUNCTION_NODE_OPTIONS } from '../../config/bundling';
import { METRIC_NAMESPACE } from '../../config/metrics';

/** The newest Node.js LTS that Lambda runs; cdk-nag's Lambda runtime rule checks for the family's latest. */
export const FUNCTION_RUNTIME = Runtime.NODEJS_24_X;

/** getPut: single-item reads and writes only (the response cache: no Query, Scan, Update or Delete) */
export type TableAccess = 'read' | 'write' | 'readWrite' | 'getPut';

export interface SwitchboardFunctionProps {
  /** the handler file, relative to the project root or absolute */
  readonly entry: string;
  /** @default 'handler' */
  readonly handler?: string;
  /** one-line purpose, shown in the console */
  readonly description: string;
  /** Powertools service name: the `service` field of every log line and metric */
  readonly serviceName: string;
  /**
   * Memory in MB. Lambda gives CPU in proportion to memory, so this also sets how fast JSON and TLS work runs.
   * @default 512
   */
  readonly memorySize?: number;
  /** @default Duration.seconds(30) */
  readonly timeout?: Duration;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** @default 'INFO' */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** extra environment variables (grant helpers add their own) */
  readonly environment?: Record<string, string>;
  /** esbuild `define` entries, e.g. the bundled gateway config */
  readonly define?: Record<string, string>;
  /** a fixed name, for functions other stacks find by name @default - generated */
  readonly functionName?: string;
  /** the function's log group name @default - generated from the stack */
  readonly logGroupName?: string;
  /** CloudWatch namespace of the function's metrics @default 'Switchboard' */
  readonly metricNamespace?: string;
  /**
   * X-Ray active tracing. A function that runs on a schedule is traced on every run (Lambda samples the first
   * call of each second), which bills a trace a minute for nothing: such functions turn it off.
   * @default true
   */
  readonly tracing?: boolean;
}

export class SwitchboardFunction extends NodejsFunction {
  private readonly executionRole: iam.Role;

  constructor(scope: Construct, id: string, props: SwitchboardFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      logGroupName: props.logGroupName,
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      // logs are operational data: `cdk destroy` should leave nothing behind that keeps billing
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // An explicit role instead of the AWSLambdaBasicExecutionRole managed policy: this function may write
    // to its own log group only.
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.serviceName}: ${props.description}`,
    });
    logGroup.grantWrite(role);

    const nodejsProps: NodejsFunctionProps = {
      entry: props.entry,
      handler: props.handler ?? 'handler',
      description: props.description,
      runtime: FUNCTION_RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(30),
      tracing: props.tracing === false ? Tracing.DISABLED : Tracing.ACTIVE,
      logGroup,
      loggingFormat: LoggingFormat.JSON,
      // START, END and REPORT lines (INFO) cost log bytes on every invocation; Lambda's own metrics carry
      // duration and memory, and a timeout or crash is still logged (WARN and above)
      systemLogLevelV2: SystemLogLevel.WARN,
      role,
      // no reserved concurrency, ever: Lambda keeps 100 units unreserved, so an account whose quota is still
      // 10 or 50 (every new account) refuses any reservation and the stack rolls back
      functionName: props.functionName,
      environment: {
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: props.metricNamespace ?? METRIC_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: props.logLevel ?? 'INFO',
        NODE_OPTIONS: FUNCTION_NODE_OPTIONS,
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: ESBUILD_TARGET,
        mainFields: ['module', 'main'],
        banner: ESM_REQUIRE_BANNER,
        minify: true,
        sourceMap: true,
        // stack traces need file and line, not the sources: keep the bundle small
        sourcesContent: false,
        // the runtime ships AWS SDK v3: do not bundle it
        bundleAwsSDK: false,
        define: props.define,
        forceDockerBundling: false,
      },
    };
    super(scope, id, nodejsProps);
    this.executionRole = role;

    if (props.tracing !== false) {
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'Active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions.',
      });
    } else {
      Validations.of(this).acknowledge({
        id: 'Serverless-LambdaTracing',
        reason: 'A scheduled function: Lambda would trace every run (the first call of each second is always sampled), a billed trace a minute that shows nothing new.',
      });
    }
    Validations.of(this).acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason:
        'Invoked synchronously (API Gateway, Secrets Manager rotation) or by a schedule whose next run repeats the work: no event to park; failures are alarmed.',
    });
  }

  /** Read or read/write one of the Switchboard tables, named to the function by its TABLES env var. */
  bindTable(table: ITable, key: TableKey, access: TableAccess): this {
    this.addEnvironment(TABLES[key].envVar, table.tableName);
    if (access === 'read') table.grantReadData(this);
    else if (access === 'write') table.grantWriteData(this);
    else if (access === 'getPut') table.grant(this, 'dynamodb:GetItem', 'dynamodb:PutItem');
    else table.grantReadWriteData(this);
    return this;
  }

  /** Publish alerts to the topic: ALERT_TOPIC_ARN, sns:Publish on it, and use of its key when it has one. */
  bindAlertTopic(topic: ITopic, key?: IKey): this {
    this.addEnvironment('ALERT_TOPIC_ARN', topic.topicArn);
    this.addToRolePolicy(new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [topic.topicArn] }));
    key?.grant(this, 'kms:Decrypt', 'kms:GenerateDataKey');
    return this;
  }

  /**
   * Apply the Bedrock guardrails the config's guardrail policies name (ApplyGuardrail), each on exactly its
   * guardrail's ARN: an id in the policy's region (the stack's by default), or the ARN the policy gives.
   */
  allowGuardrails(guardrails: ReadonlyArray<{ guardrailId: string; region?: string }>): this {
    if (guardrails.length === 0) return this;
    const stack = Stack.of(this);
    const resources = new Set(
      guardrails.map(({ guardrailId, region }) =>
        guardrailId.startsWith('arn:') ? guardrailId : `arn:${stack.partition}:bedrock:${region ?? stack.region}:${stack.account}:guardrail/${guardrailId}`,
      ),
    );
    this.addToRolePolicy(new iam.PolicyStatement({ actions: ['bedrock:ApplyGuardrail'], resources: [...resources].sort() }));
    return this;
  }

  /**
   * Invoke the Bedrock models the gateway config routes to, in their regions. Cross-region inference
   * profiles (us.…, eu.…) also need the underlying model in every region the profile may route to.
   */
  allowBedrock(models: readonly BedrockModel[]): this {
    if (models.length === 0) return this;
    const stack = Stack.of(this);
    const resources = new Set<string>();
    const anyRegion: string[] = [];
    for (const { region, modelId } of models) {
      const profile = INFERENCE_PROFILE.exec(modelId);
      if (profile) {
        resources.add(`arn:${stack.partition}:bedrock:${region}:${stack.account}:inference-profile/${modelId}`);
        resources.add(`arn:${stack.partition}:bedrock:*::foundation-model/${profile[2]}`);
        anyRegion.push(profile[2]!);
      } else {
        resources.add(`arn:${stack.partition}:bedrock:${region}::foundation-model/${modelId}`);
      }
    }
    this.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'], resources: [...resources] }),
    );
    Validations.of(this.executionRole).acknowledge(
      ...anyRegion.map((model) => ({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:bedrock:*::foundation-model/${model}]`,
        reason: 'A cross-region inference profile may route to this one model in any region of its geography.',
      })),
    );
    return this;
  }

  /**
   * Read provider keys from Secrets Manager by name. The names travel in the bundled gateway config; the
   * grant names each secret (in this function's region, where a replica lives in multi-region setups).
   */
  allowSecretsRead(secretNames: readonly string[], cacheTtl: Duration = Duration.minutes(1)): this {
    this.addEnvironment('SECRET_CACHE_TTL_MS', String(cacheTtl.toMilliseconds()));
    if (secretNames.length === 0) return this;
    this.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
        resources: secretNames.map((name) => secretArnPattern(this, name)),
      }),
    );
    return this;
  }
}

export interface BedrockModel {
  readonly region: string;
  readonly modelId: string;
}

/** us.anthropic.claude-… : a geography prefix, then the foundation model id */
const INFERENCE_PROFILE = /^(us|eu|apac|us-gov|jp|au|ca|global)\.(.+)$/;

/** The ARN of a secret known by name: Secrets Manager ends every ARN with "-" and six random characters. */
function secretArnPattern(scope: Construct, name: string): string {
  const stack = Stack.of(scope);
  return `arn:${stack.partition}:secretsmanager:${stack.region}:${stack.account}:secret:${name}-??????`;
}
