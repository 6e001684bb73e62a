// The whole Switchboard app from its deploy settings: one stateful stack (primary region), one service
// stack per region, and with a domain and two or more regions the global DNS stack. bin/app.ts runs it;
// tests build it with their own context.
import { readFileSync } from 'node:fs';
import { Annotations, App, Duration, Validations, type Environment } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { customDomainOf, readDeploySettings, type DeploySettings } from './config/deploy-settings';
import { loadDeployedGatewayConfig } from './config/gateway-config';
import { GlobalDnsStack } from './stacks/global-dns-stack';
import { RegionalServiceStack } from './stacks/regional-service-stack';
import { RegionalStateStack, rotationFunctionName } from './stacks/regional-state-stack';

export const STACK_PREFIX = 'Switchboard';

export interface SwitchboardApp {
  app: App;
  settings: DeploySettings;
  state: RegionalStateStack;
  services: RegionalServiceStack[];
  dns?: GlobalDnsStack;
}

/**
 * With no `regions` setting the CLI's region is used (CDK_DEFAULT_REGION). With neither, the stacks are
 * environment-agnostic: they synthesize anywhere and deploy to whatever region the CLI targets.
 */
function environments(settings: DeploySettings): Array<Environment & { label: string }> {
  const account = process.env.CDK_DEFAULT_ACCOUNT;
  const regions = settings.regions.length ? settings.regions : process.env.CDK_DEFAULT_REGION ? [process.env.CDK_DEFAULT_REGION] : [];
  if (regions.length === 0) return [{ label: '' }];
  return regions.map((region) => ({ account, region, label: `-${region}` }));
}

export function buildApp(app: App = new App()): SwitchboardApp {
  const settings = readDeploySettings(app.node);
  const gateway = loadDeployedGatewayConfig(settings.gatewayConfig);
  const version = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;
  const envs = environments(settings);
  const [primary] = envs;
  const domain = customDomainOf(settings);
  const routed = domain !== undefined && envs.length > 1;

  const state = new RegionalStateStack(app, `${STACK_PREFIX}-State${primary!.label}`, {
    env: envOf(primary!),
    description: 'Switchboard state: global tables and provider-key secrets',
    replicaRegions: envs.slice(1).map((e) => e.region!),
    keyedProviders: gateway.keyedProviders,
    // tenants and the cost ledger live here: deleting this stack takes a deliberate extra step
    terminationProtection: true,
  });

  const services = envs.map((env) => {
    const service = new RegionalServiceStack(app, `${STACK_PREFIX}-Service${env.label}`, {
      env: envOf(env),
      description: `Switchboard gateway service${env.region ? ` in ${env.region}` : ''}`,
      gateway,
      version,
      alarmEmails: settings.alarmEmails,
      domain: domain && { ...domain, createRecord: !routed },
      wafRateLimit: settings.wafRateLimit,
      authorizerCacheTtl: Duration.seconds(settings.authorizerCacheTtl),
      gatewayMemoryMb: settings.gatewayMemoryMb,
      rotationFunctionName: env === primary && state.secrets.rotationFunction ? rotationFunctionName(state.stackName) : undefined,
      regions: envs.flatMap((e) => (e.region ? [e.region] : [])),
    });
    // the tables and their replicas must exist before any region serves
    service.addStackDependency(state);
    for (const target of gateway.unpricedTargets) {
      Annotations.of(service).addWarningV2(
        `switchboard:unpriced-target:${target}`,
        `Model target ${target} has no known price (neither the price catalogue nor "pricing" in ${settings.gatewayConfig}) and is never called: price it, or mark a self-hosted provider "free".`,
      );
    }
    for (const tenant of gateway.tenantsWithDroppedKeys) {
      Annotations.of(service).addWarningV2(
        `switchboard:plain-api-keys:${tenant}`,
        `Tenant "${tenant}" has plain "apiKeys" in ${settings.gatewayConfig}: they are for local runs and were not deployed. ` +
          'Create its keys with the CLI (or list their SHA-256 in "apiKeyHashes").',
      );
    }
    return service;
  });

  let dns: GlobalDnsStack | undefined;
  if (routed && domain) {
    dns = new GlobalDnsStack(app, `${STACK_PREFIX}-Dns`, {
      env: envOf(primary!),
      description: `Switchboard DNS: ${settings.routing} routing of ${domain.domainName} across regions`,
      domainName: domain.domainName,
      hostedZoneId: domain.hostedZoneId,
      routing: settings.routing,
      endpoints: services.map((s) => ({
        region: s.region,
        aliasDomainName: s.domain!.domain.domainNameAliasDomainName,
        aliasHostedZoneId: s.domain!.domain.domainNameAliasHostedZoneId,
        healthCheckHost: `${s.gatewayApi.api.restApiId}.execute-api.${s.region}.${s.urlSuffix}`,
        healthCheckPath: `/${s.gatewayApi.api.deploymentStage.stageName}/health`,
      })),
    });
    for (const s of services) dns.addStackDependency(s);
  }

  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  return { app, settings, state, services, dns };
}

function envOf(env: Environment): Environment | undefined {
  return env.region ? { account: env.account, region: env.region } : undefined;
}
