// Scheduled (every minute) health check: probes each configured provider, records the result in the breaker
// table and as ProviderHealthy metrics, and calls the region's own GET /health (REGION_HEALTH_URL) for the
// RegionHealthy metric that regional failover follows. With SWEEP_LEASES (every region) it then releases the
// budget leases that this region's crashed instances left.
import { runHealthChecks } from '../core/health/check-providers';
import { dynamoClient } from '../adapters/dynamodb/client';
import { sweepLeases } from '../adapters/dynamodb/lease-sweep';
import { DynamoProviderHealthStore } from '../adapters/dynamodb/provider-health';
import { tableNamesFromEnv } from '../adapters/dynamodb/tables';
import { NodeHttpClient } from '../adapters/http/node-http-client';
import { connectPolicyOf } from '../core/guardrails/provider-urls';
import { createLogger, PowertoolsMetricsAdapter } from '../adapters/observability/powertools';
import { lambdaSecretSource } from '../adapters/secrets/secret-sources';
import { createProviders } from '../providers';
import { bundledConfig } from './bundled-config';
import { gatewayEnvironment, regionScopeOf } from './environment';
import { lambdaHandler } from './middleware';
import { systemClock } from './runtime';

const env = gatewayEnvironment.parse(process.env);
const config = bundledConfig();
const logger = createLogger();
const metrics = new PowertoolsMetricsAdapter();
const secrets = lambdaSecretSource(systemClock, env.SECRET_CACHE_TTL_MS);
// a deployed function: provider hosts on loopback or private networks only for providers marked private
const providers = createProviders(config.providers, { http: new NodeHttpClient({ connect: connectPolicyOf(config.providers, true) }), secrets, clock: systemClock, logger });
const dynamo = dynamoClient({ region: env.AWS_REGION });
const tables = tableNamesFromEnv(env);
const store = new DynamoProviderHealthStore(dynamo, tables.breakerState);

const sweep = process.env.SWEEP_LEASES === 'true';
const regionHealthUrl = process.env.REGION_HEALTH_URL;
const http = new NodeHttpClient();

export const handler = lambdaHandler(async (): Promise<{ canServe: boolean; leasesReleased?: number }> => {
  const { canServe } = await runHealthChecks({
    providers,
    store,
    clock: systemClock,
    logger,
    metrics,
    region: env.AWS_REGION,
    regionEndpoint: regionHealthUrl ? { url: regionHealthUrl, http } : undefined,
  });
  if (!sweep) return { canServe };
  const { released } = await sweepLeases({
    client: dynamo,
    tables,
    regions: regionScopeOf(env),
    configTenantIds: config.tenants.map((t) => t.id),
    logger,
    now: systemClock.now(),
  });
  return { canServe, leasesReleased: released };
}, { logger, metrics });
