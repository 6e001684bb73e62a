// The stateless stack of one region: gateway function, REST API, health check, alerting, dashboard, and
// with a domain the regional custom domain and (several regions) this region's routed record with its health
// check. It reaches the tables and secrets of the stateful stack by name (their replicas in this region), so
// it can be replaced freely.
import { ArnFormat, CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { Function as LambdaFunction, type IFunction } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { LEDGER_BY_REQUEST_INDEX, TABLES, type TableKey } from '../../lambdas/adapters/dynamodb/tables';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { grantCacheVectors, semanticDimensions } from '../constructs/cache-vectors';
import { grantPayloads, payloadBucketName } from '../constructs/payload-bucket';
import { BUNDLED_CONFIG_DEFINE } from '../../lambdas/handlers/environment';
import { bundledConfigLiteral, type DeployedGatewayConfig } from '../config/gateway-config';
import { SERVICES } from '../config/metrics';
import { DeploymentNames } from '../config/names';
import { Alerting } from '../constructs/alerting';
import { CostBudget } from '../constructs/cost-budget';
import { GatewayDashboard } from '../constructs/dashboard';
import { FailoverRecord, type RoutingRole } from '../constructs/failover-dns';
import { GatewayApi } from '../constructs/gateway-api';
import { SwitchboardFunction, type BedrockModel } from '../constructs/gateway-function';
import { ProviderHealthCheck } from '../constructs/health-check';
import { RegionalDomain } from '../constructs/regional-domain';
import { importStateTables } from '../constructs/state-tables';
import { TeamChannels, type TeamChannelsProps } from '../constructs/team-channels';
import { BatchFilesBucket } from '../constructs/batch-files-bucket';
import { BatchQueue } from '../constructs/batch-queue';
import { BATCH_WORKER_TIMEOUT, BatchWorker, grantBatchAccess } from '../constructs/batch-worker';
import { batchWidgets } from '../constructs/batch-widgets';

/** The gateway function's memory when the deploy settings name none (see docs/deploy.md, "Memory"). */
export const DEFAULT_GATEWAY_MEMORY_MB = 512;

export interface RegionalServiceStackProps extends StackProps {
  readonly gateway: DeployedGatewayConfig;
  readonly version: string;
  /** @default new DeploymentNames() */
  readonly names?: DeploymentNames;
  /** @default [] */
  readonly alarmEmails?: readonly string[];
  /**
   * The custom domain and its record: `plain` (one region) an A record; a routing role (several regions) this
   * region's routed record of the shared name, guarded by a health check on its RegionUnhealthy alarm; `none`
   * (failover regions beyond the second) the domain without a record.
   * @default - none
   */
  readonly domain?: { domainName: string; hostedZoneId: string; hostedZoneName: string; record: RoutingRole | 'plain' | 'none' };
  /** @default - no WAF */
  readonly wafRateLimit?: number;
  /** @default Duration.seconds(0), see GatewayApiProps.authorizerCacheTtl */
  readonly authorizerCacheTtl?: Duration;
  /** @default 'authorization', see GatewayApiProps.authorizerCacheHeader */
  readonly authorizerCacheHeader?: string;
  /**
   * Gateway function memory (MB). A stream bills its whole duration, and the gateway mostly waits on the
   * provider, so memory multiplies the cost of every streamed second: see docs/deploy.md, "Memory" and the
   * cost table, which follows this value.
   * @default DEFAULT_GATEWAY_MEMORY_MB
   */
  readonly gatewayMemoryMb?: number;
  /** @default 0.05, see GatewayApiProps.traceSampleRate */
  readonly traceSampleRate?: number;
  /** publish per-tenant metrics (TENANT_METRICS) @default false */
  readonly tenantMetrics?: boolean;
  /** @default false, see AlertingProps.encryptTopic */
  readonly encryptAlarmTopic?: boolean;
  /** Slack and Teams channels for the alarm topic @default - none */
  readonly channels?: Pick<TeamChannelsProps, 'slack' | 'teams'>;
  /** a monthly cost budget (USD) alerting the alarm topic; one region of a deployment holds it @default - none */
  readonly monthlyBudgetUsd?: number;
  /** the rotation function (primary region's state stack) to alarm on @default - none */
  readonly rotationFunctionName?: string;
  /**
   * The deployment's regions, the primary first. With two or more, the functions learn them (REGIONS) so that
   * each writes only its own region's items of the global tables and sums every region's where totals count.
   * @default [] (one region)
   */
  readonly regions?: readonly string[];
}

export class RegionalServiceStack extends Stack {
  readonly gatewayFunction: SwitchboardFunction;
  readonly gatewayApi: GatewayApi;
  readonly healthCheck: ProviderHealthCheck;
  readonly alerting: Alerting;
  readonly domain?: RegionalDomain;
  readonly routedRecord?: FailoverRecord;
  /** the Files and Batches APIs' resources, when the gateway config enables them */
  readonly batches?: { queue: BatchQueue; bucket: BatchFilesBucket; worker: BatchWorker };

  constructor(scope: Construct, id: string, props: RegionalServiceStackProps) {
    super(scope, id, props);
    const names = props.names ?? new DeploymentNames();
    const tables = importStateTables(this, names);
    const define = { [BUNDLED_CONFIG_DEFINE]: bundledConfigLiteral(props.gateway.config) };
    const secretNames = props.gateway.keyedProviders.map((p) => p.secretName);
    const bedrockModels: BedrockModel[] = props.gateway.bedrockModels.map((m) => ({ region: m.region ?? this.region, modelId: m.modelId }));
    const integrationTimeout = Duration.minutes(5);

    this.gatewayFunction = new SwitchboardFunction(this, 'Gateway', {
      entry: 'lambdas/handlers/gateway.ts',
      description: 'Switchboard gateway: every OpenAI-compatible route, streamed',
      serviceName: SERVICES.gateway,
      memorySize: props.gatewayMemoryMb ?? DEFAULT_GATEWAY_MEMORY_MB,
      // the stream may run as long as the integration allows; settling the ledger follows the last byte
      timeout: integrationTimeout.plus(Duration.seconds(30)),
      define,
      environment: { SWITCHBOARD_VERSION: props.version, ...(props.tenantMetrics ? { TENANT_METRICS: 'true' } : {}) },
      logGroupName: names.logGroup('gateway'),
      metricNamespace: names.metricNamespace,
    });
    for (const key of Object.keys(TABLES) as TableKey[]) this.gatewayFunction.bindTable(tables[key], key, key === 'tenants' ? 'read' : key === 'responseCache' ? 'getPut' : 'readWrite');
    this.gatewayFunction.allowSecretsRead(secretNames).allowBedrock(bedrockModels).allowGuardrails(bedrockGuardrailsOf(props.gateway.config));
    const vectorDimensions = semanticDimensions(props.gateway.config);
    if (vectorDimensions.length) grantCacheVectors(this.gatewayFunction, names, vectorDimensions, props.regions?.[0]);
    // request history: Query on the ledger's ByRequest index (an imported table's grants cover no index), and
    // the payload bucket of the primary region (lib/constructs/payload-bucket.ts)
    this.gatewayFunction.addToRolePolicy(new PolicyStatement({ actions: ['dynamodb:Query'], resources: [`${tables.costLedger.tableArn}/index/${LEDGER_BY_REQUEST_INDEX.name}`] }));
    const primaryRegion = props.regions?.[0] ?? this.region;
    grantPayloads(this.gatewayFunction, payloadBucketName(names.name, this.account, primaryRegion), primaryRegion);

    this.gatewayApi = new GatewayApi(this, 'Api', {
      names,
      gatewayFunction: this.gatewayFunction,
      tenantsTable: tables.tenants,
      authorizerDefine: define,
      tiers: Object.keys(props.gateway.config.tiers),
      tenants: props.gateway.config.tenants.map((t) => ({ id: t.id, tier: t.tier })),
      authorizerCacheTtl: props.authorizerCacheTtl,
      authorizerCacheHeader: props.authorizerCacheHeader,
      integrationTimeout,
      wafRateLimit: props.wafRateLimit,
      traceSampleRate: props.traceSampleRate,
    });

    this.healthCheck = new ProviderHealthCheck(this, 'HealthCheck', {
      define,
      breakerTable: tables.breakerState,
      secretNames,
      bedrockModels,
      // every region sweeps the leases its own instances left
      leaseSweep: { costLedgerTable: tables.costLedger, tenantsTable: tables.tenants },
      // the region's own API, as a client reaches it: what its failover follows
      regionHealthUrl: `${this.gatewayApi.api.url}health`,
      logGroupName: names.logGroup('health-check'),
      metricNamespace: names.metricNamespace,
      ruleName: names.regional('health-check'),
    });
    const regions = props.regions ?? [];
    if (regions.length > 1) for (const fn of [this.gatewayFunction, this.healthCheck.function]) fn.addEnvironment('REGIONS', regions.join(','));

    const watched: Record<string, IFunction> = { Authorizer: this.gatewayApi.authorizerFunction };
    if (props.rotationFunctionName) {
      watched.SecretRotation = LambdaFunction.fromFunctionAttributes(this, 'SecretRotation', {
        functionArn: this.formatArn({ service: 'lambda', resource: 'function', resourceName: props.rotationFunctionName, arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
        sameEnvironment: true,
      });
    }
    this.alerting = new Alerting(this, 'Alerting', {
      names,
      emails: props.alarmEmails,
      api: this.gatewayApi.api,
      gatewayFunction: this.gatewayFunction,
      functions: watched,
      tables: Object.values(tables),
      encryptTopic: props.encryptAlarmTopic,
    });
    this.gatewayFunction.bindAlertTopic(this.alerting.topic, this.alerting.topicKey);
    new TeamChannels(this, 'TeamChannels', { topic: this.alerting.topic, namePrefix: names.global('alarms', this.region), ...props.channels });
    if (props.monthlyBudgetUsd) {
      this.alerting.allowPublishFrom('budgets.amazonaws.com');
      new CostBudget(this, 'CostBudget', { budgetName: names.global('monthly'), deployment: names.name, monthlyUsd: props.monthlyBudgetUsd, topic: this.alerting.topic });
    }

    if (props.gateway.config.batches.enabled) {
      // batches live in the region that took them: its bucket, its queues, its workers (docs/batches.md)
      const queue = new BatchQueue(this, 'BatchQueue', { visibilityTimeout: BATCH_WORKER_TIMEOUT.plus(Duration.minutes(5)), alarmName: names.regional('BatchDeadLetters'), alarmTopic: this.alerting.topic });
      const bucket = new BatchFilesBucket(this, 'BatchFiles', { retentionDays: props.gateway.config.batches.retentionDays });
      grantBatchAccess(this.gatewayFunction, queue.queues, bucket.bucket);
      const worker = new BatchWorker(this, 'BatchWorker', {
        queues: queue.queues,
        bucket: bucket.bucket,
        tables,
        define,
        secretNames,
        bedrockModels,
        serviceName: SERVICES.batchWorker,
        maxConcurrency: Math.max(2, props.gateway.config.batches.workers),
        logGroupName: names.logGroup('batch-worker'),
        metricNamespace: names.metricNamespace,
        environment: { SWITCHBOARD_VERSION: props.version, ...(regions.length > 1 ? { REGIONS: regions.join(',') } : {}) },
      });
      worker.function.bindAlertTopic(this.alerting.topic, this.alerting.topicKey);
      this.batches = { queue, bucket, worker };
    }

    const dashboard = new GatewayDashboard(this, 'Dashboard', {
      api: this.gatewayApi.api,
      gatewayFunction: this.gatewayFunction,
      gatewayLogGroup: this.gatewayFunction.logGroup,
      metricNamespace: names.metricNamespace,
      dashboardName: names.global('dashboard', this.region),
    });
    if (this.batches) dashboard.dashboard.addWidgets(...batchWidgets(this.batches.queue, names.metricNamespace));

    if (props.domain) {
      const { record, ...domain } = props.domain;
      this.domain = new RegionalDomain(this, 'Domain', { api: this.gatewayApi.api, ...domain, createRecord: record === 'plain' });
      if (typeof record === 'object') {
        this.routedRecord = new FailoverRecord(this, 'RoutedRecord', {
          domainName: domain.domainName,
          hostedZoneId: domain.hostedZoneId,
          region: this.region,
          role: record,
          target: this.domain.domain,
          regionUnhealthy: this.alerting.regionUnhealthy,
          setIdentifier: `${names.name}-${this.region}`,
        });
      }
      new CfnOutput(this, 'CustomDomainUrl', { value: `https://${props.domain.domainName}/v1` });
    }
    new CfnOutput(this, 'ApiUrl', { value: `${this.gatewayApi.api.url}v1`, description: 'OpenAI base URL (API key)' });
    new CfnOutput(this, 'IamApiUrl', { value: `${this.gatewayApi.api.url}iam/v1`, description: 'OpenAI base URL (SigV4)' });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alerting.topic.topicArn });
    new CfnOutput(this, 'DashboardName', { value: dashboard.dashboard.dashboardName });
  }
}

/** the Bedrock guardrails the config's guardrail policies apply */
function bedrockGuardrailsOf(config: RegionalServiceStackProps['gateway']['config']): Array<{ guardrailId: string; region?: string }> {
  return Object.values(config.guardrails ?? {}).flatMap((p) => (p.bedrock ? [{ guardrailId: p.bedrock.guardrailId, region: p.bedrock.region }] : []));
}
