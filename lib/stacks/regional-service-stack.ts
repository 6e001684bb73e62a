// The stateless stack of one region: gateway function, REST API, provider health check, alerting,
// dashboard and (with a domain) the regional custom domain. It reaches the tables and secrets of the
// stateful stack by name (their replicas in this region), so it can be replaced freely.
import { ArnFormat, CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { Function as LambdaFunction, type IFunction } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { TABLES, type TableKey } from '../../lambdas/adapters/dynamodb/tables';
import { BUNDLED_CONFIG_DEFINE } from '../../lambdas/handlers/environment';
import { bundledConfigLiteral, type DeployedGatewayConfig } from '../config/gateway-config';
import { Alerting } from '../constructs/alerting';
import { GatewayDashboard } from '../constructs/dashboard';
import { GatewayApi } from '../constructs/gateway-api';
import { SwitchboardFunction, type BedrockModel } from '../constructs/gateway-function';
import { ProviderHealthCheck } from '../constructs/health-check';
import { RegionalDomain } from '../constructs/regional-domain';
import { importStateTables } from '../constructs/state-tables';

export interface RegionalServiceStackProps extends StackProps {
  readonly gateway: DeployedGatewayConfig;
  readonly version: string;
  /** @default [] */
  readonly alarmEmails?: readonly string[];
  /** the custom domain; createRecord false when the global DNS stack routes the name @default - none */
  readonly domain?: { domainName: string; hostedZoneId: string; hostedZoneName: string; createRecord: boolean };
  /** @default - no WAF */
  readonly wafRateLimit?: number;
  /** @default Duration.seconds(0), see GatewayApiProps.authorizerCacheTtl */
  readonly authorizerCacheTtl?: Duration;
  /**
   * Gateway function memory (MB). A stream bills its whole duration, and the gateway mostly waits on the
   * provider: 512 MB (about 0.3 vCPU) keeps the per-request CPU (measured 5-8 ms at full speed) near
   * 20 ms while costing half of 1024 MB per streamed second. Estimate, not measured in Lambda: see
   * docs/deploy.md, "Memory".
   * @default 512
   */
  readonly gatewayMemoryMb?: number;
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
  readonly alerting: Alerting;
  readonly domain?: RegionalDomain;

  constructor(scope: Construct, id: string, props: RegionalServiceStackProps) {
    super(scope, id, props);
    const tables = importStateTables(this);
    const define = { [BUNDLED_CONFIG_DEFINE]: bundledConfigLiteral(props.gateway.config) };
    const secretNames = props.gateway.keyedProviders.map((p) => p.secretName);
    const bedrockModels: BedrockModel[] = props.gateway.bedrockModels.map((m) => ({ region: m.region ?? this.region, modelId: m.modelId }));
    const integrationTimeout = Duration.minutes(5);

    this.gatewayFunction = new SwitchboardFunction(this, 'Gateway', {
      entry: 'lambdas/handlers/gateway.ts',
      description: 'Switchboard gateway: every OpenAI-compatible route, streamed',
      serviceName: 'switchboard-gateway',
      memorySize: props.gatewayMemoryMb ?? 512,
      // the stream may run as long as the integration allows; settling the ledger follows the last byte
      timeout: integrationTimeout.plus(Duration.seconds(30)),
      define,
      environment: { SWITCHBOARD_VERSION: props.version },
    });
    for (const key of Object.keys(TABLES) as TableKey[]) this.gatewayFunction.bindTable(tables[key], key, key === 'tenants' ? 'read' : 'readWrite');
    this.gatewayFunction.allowSecretsRead(secretNames).allowBedrock(bedrockModels);

    this.gatewayApi = new GatewayApi(this, 'Api', {
      gatewayFunction: this.gatewayFunction,
      tenantsTable: tables.tenants,
      authorizerDefine: define,
      tiers: Object.keys(props.gateway.config.tiers),
      authorizerCacheTtl: props.authorizerCacheTtl,
      integrationTimeout,
      wafRateLimit: props.wafRateLimit,
    });

    const healthCheck = new ProviderHealthCheck(this, 'HealthCheck', {
      define,
      breakerTable: tables.breakerState,
      secretNames,
      bedrockModels,
      // every region sweeps the leases its own instances left
      leaseSweep: { costLedgerTable: tables.costLedger, tenantsTable: tables.tenants },
    });
    const regions = props.regions ?? [];
    if (regions.length > 1) for (const fn of [this.gatewayFunction, healthCheck.function]) fn.addEnvironment('REGIONS', regions.join(','));

    const watched: Record<string, IFunction> = {
      Authorizer: this.gatewayApi.authorizerFunction,
      HealthCheck: healthCheck.function,
    };
    if (props.rotationFunctionName) {
      watched.SecretRotation = LambdaFunction.fromFunctionAttributes(this, 'SecretRotation', {
        functionArn: this.formatArn({ service: 'lambda', resource: 'function', resourceName: props.rotationFunctionName, arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
        sameEnvironment: true,
      });
    }
    this.alerting = new Alerting(this, 'Alerting', {
      emails: props.alarmEmails,
      api: this.gatewayApi.api,
      gatewayFunction: this.gatewayFunction,
      functions: watched,
      tables: Object.values(tables),
    });
    this.gatewayFunction.bindAlertTopic(this.alerting.topic, this.alerting.topicKey);

    const dashboard = new GatewayDashboard(this, 'Dashboard', {
      api: this.gatewayApi.api,
      gatewayFunction: this.gatewayFunction,
      gatewayLogGroup: this.gatewayFunction.logGroup,
    });

    if (props.domain) {
      this.domain = new RegionalDomain(this, 'Domain', { api: this.gatewayApi.api, ...props.domain });
      new CfnOutput(this, 'CustomDomainUrl', { value: `https://${props.domain.domainName}/v1` });
    }
    new CfnOutput(this, 'ApiUrl', { value: `${this.gatewayApi.api.url}v1`, description: 'OpenAI base URL (API key)' });
    new CfnOutput(this, 'IamApiUrl', { value: `${this.gatewayApi.api.url}iam/v1`, description: 'OpenAI base URL (SigV4)' });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alerting.topic.topicArn });
    new CfnOutput(this, 'DashboardName', { value: dashboard.dashboard.dashboardName });
  }
}
