// The whole Switchboard app from its deploy settings: one stateful stack (primary region) and one service
// stack per region, every stack and physical name prefixed with the deployment's name. With a domain and two
// or more regions each service stack also holds its region's routed record of the shared name. bin/app.ts
// runs it; tests build it with their own context.
import { readFileSync } from 'node:fs';
import { Annotations, App, Duration, RemovalPolicy, Tags, Validations, type Environment } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { customDomainOf, readDeploySettings, type DeploySettings } from './config/deploy-settings';
import { loadDeployedGatewayConfig } from './config/gateway-config';
import { semanticDimensions } from './constructs/cache-vectors';
import { DeploymentNames } from './config/names';
import { DEPLOYMENT_TAG } from './constructs/cost-budget';
import type { RoutingRole } from './constructs/failover-dns';
import { RegionalServiceStack } from './stacks/regional-service-stack';
import { RegionalStateStack } from './stacks/regional-state-stack';

export interface SwitchboardApp {
  app: App;
  settings: DeploySettings;
  names: DeploymentNames;
  state: RegionalStateStack;
  /** none when only the retained state is synthesized for an import */
  services: RegionalServiceStack[];
}

/**
 * With no `regions` setting the CLI's region is used (CDK_DEFAULT_REGION). With neither, the stacks are
 * environment-agnostic: they synthesize anywhere and deploy to whatever region the CLI targets.
 */
function environments(settings: DeploySettings): Array<Environment & { region?: string }> {
  const account = process.env.CDK_DEFAULT_ACCOUNT;
  const regions = settings.regions.length ? settings.regions : process.env.CDK_DEFAULT_REGION ? [process.env.CDK_DEFAULT_REGION] : [];
  if (regions.length === 0) return [{}];
  return regions.map((region) => ({ account, region }));
}

/** Route 53 failover has one PRIMARY and one SECONDARY: further regions serve their own URLs only. */
function routingRole(settings: DeploySettings, index: number, regionCount: number): RoutingRole | undefined {
  if (regionCount < 2) return undefined;
  if (settings.routing === 'latency') return { routing: 'latency' };
  if (index > 1) return undefined;
  return { routing: 'failover', failover: index === 0 ? 'PRIMARY' : 'SECONDARY' };
}

export function buildApp(app: App = new App()): SwitchboardApp {
  const settings = readDeploySettings(app.node);
  const names = new DeploymentNames(settings.name);
  const gateway = loadDeployedGatewayConfig(settings.gatewayConfig, names);
  const version = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;
  const envs = environments(settings);
  const [primary] = envs;
  const domain = customDomainOf(settings);
  const removalPolicy = settings.removalPolicy === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
  // every resource carries its deployment: the budget filters costs on it
  Tags.of(app).add(DEPLOYMENT_TAG, names.name);

  const state = new RegionalStateStack(app, names.stack('state', primary!.region), {
    env: envOf(primary!),
    description: `Switchboard state (${names.name}): global tables and provider-key secrets`,
    names,
    replicaRegions: envs.slice(1).map((e) => e.region!),
    keyedProviders: gateway.keyedProviders,
    removalPolicy,
    retainedOnly: settings.importRetainedState,
    cacheVectorDimensions: semanticDimensions(gateway.config),
    payloads: {
      expirationDays: settings.payloadRetentionDays,
      objectLock: settings.payloadObjectLock && { mode: settings.payloadObjectLock, days: settings.payloadObjectLockDays ?? settings.payloadRetentionDays },
    },
    // an import adopts resources and may create none: no CDK metadata resource either
    ...(settings.importRetainedState ? { analyticsReporting: false } : {}),
    // tenants and the cost ledger live here: deleting this stack takes a deliberate extra step
    terminationProtection: removalPolicy === RemovalPolicy.RETAIN,
  });

  const services = settings.importRetainedState
    ? []
    : envs.map((env, i) => {
        const routing = domain ? routingRole(settings, i, envs.length) : undefined;
        const service = new RegionalServiceStack(app, names.stack('service', env.region), {
          env: envOf(env),
          description: `Switchboard gateway service (${names.name})${env.region ? ` in ${env.region}` : ''}`,
          names,
          gateway,
          version,
          alarmEmails: settings.alarmEmails,
          // one region: a plain record; several: this region's routed record, none beyond failover's second region
          domain: domain && { ...domain, record: envs.length < 2 ? 'plain' : (routing ?? 'none') },
          wafRateLimit: settings.wafRateLimit,
          authorizerCacheTtl: Duration.seconds(settings.authorizerCacheTtl),
          authorizerCacheHeader: settings.authorizerCacheHeader,
          gatewayMemoryMb: settings.gatewayMemoryMb,
          traceSampleRate: settings.traceSampleRate,
          tenantMetrics: settings.tenantMetrics,
          encryptAlarmTopic: settings.encryptAlarmTopic,
          channels: {
            slack: settings.slackWorkspaceId && settings.slackChannelId ? { workspaceId: settings.slackWorkspaceId, channelId: settings.slackChannelId } : undefined,
            teams:
              settings.teamsTenantId && settings.teamsTeamId && settings.teamsChannelId
                ? { tenantId: settings.teamsTenantId, teamId: settings.teamsTeamId, channelId: settings.teamsChannelId }
                : undefined,
          },
          // budgets are global: the primary region holds the deployment's one
          monthlyBudgetUsd: i === 0 ? settings.monthlyBudgetUsd : undefined,
          rotationFunctionName: i === 0 && state.secrets.rotationFunction ? names.rotationFunction() : undefined,
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

  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  return { app, settings, names, state, services };
}

function envOf(env: Environment): Environment | undefined {
  return env.region ? { account: env.account, region: env.region } : undefined;
}
