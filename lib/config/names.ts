// Every stack and physical name a deployment uses, derived from its name in one place, so two deployments
// (staging beside prod) in one account and region never collide. The default name (`switchboard`) gives the
// names a single deployment has always had: tables switchboard-*, secrets switchboard/<provider>.
import { tenantUsageKeyName, tenantUsageKeyValue, usagePlanName } from '../../lambdas/adapters/apigateway/usage-keys';
import { deployedTableName, type TableKey } from '../../lambdas/adapters/dynamodb/tables';
import { METRIC_NAMESPACE } from '../../lambdas/core/observability';
import { DEFAULT_DEPLOYMENT_NAME } from './deploy-settings';

export class DeploymentNames {
  constructor(readonly name: string = DEFAULT_DEPLOYMENT_NAME) {}

  /** `<name>-state-us-east-1`, `<name>-service-eu-west-1`; without a region (environment-agnostic) no suffix */
  stack(kind: 'state' | 'service', region?: string): string {
    return `${this.name}-${kind}${region ? `-${region}` : ''}`;
  }

  table(key: TableKey): string {
    return deployedTableName(this.name, key);
  }

  /**
   * A provider's key secret: `<name>/<provider id>` for a key the local config reads from the environment,
   * and a name the config gives under `<name>/` (unless it is there already).
   */
  secret(providerId: string, given?: string): string {
    if (!given) return `${this.name}/${providerId}`;
    return given.startsWith(`${this.name}/`) ? given : `${this.name}/${given}`;
  }

  /** the rotation function, found by name from every region's alarms */
  rotationFunction(): string {
    return `${this.name}-secret-rotation`;
  }

  /** CloudWatch namespace of the gateway's metrics: `Switchboard` for the default deployment, `Switchboard/<name>` else */
  get metricNamespace(): string {
    return this.name === DEFAULT_DEPLOYMENT_NAME ? METRIC_NAMESPACE : `${METRIC_NAMESPACE}/${this.name}`;
  }

  /** a log group of this deployment (log groups are regional, and each region has its own stack) */
  logGroup(what: string): string {
    return `/${this.name}/${what}`;
  }

  /** a regional resource (alarm, topic, rule): each region's stack has its own under the same name */
  regional(id: string): string {
    return `${this.name}-${id}`;
  }

  /** dashboards, Chatbot configurations and budgets are global: their names carry the region where there is one per region */
  global(what: string, region?: string): string {
    return `${this.name}${region ? `-${region}` : ''}-${what}`;
  }

  /** the REST API's name, also the X-Ray service name of its stage (`<api name>/<stage>`) */
  get api(): string {
    return this.name;
  }

  usagePlan(tier: string): string {
    return usagePlanName(this.name, tier);
  }

  /** a tenant's own usage-plan key (see lambdas/adapters/apigateway/usage-keys.ts) */
  tenantUsageKey(tenantId: string): { name: string; value: string } {
    return { name: tenantUsageKeyName(this.name, tenantId), value: tenantUsageKeyValue(this.name, tenantId) };
  }
}
