// Scheduled (every minute) provider health check: probes each configured provider, records the result in
// the breaker table and as ProviderHealthy metrics, which the "no healthy provider" alarm watches.
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { parseGatewayConfig } from '../core/config/load';
import { checkProviders } from '../core/health/check-providers';
import { dynamoClient } from '../adapters/dynamodb/client';
import { DynamoProviderHealthStore } from '../adapters/dynamodb/provider-health';
import { tableNamesFromEnv } from '../adapters/dynamodb/tables';
import { NodeHttpClient } from '../adapters/http/node-http-client';
import { createLogger, PowertoolsMetricsAdapter } from '../adapters/observability/powertools';
import { ChainedSecretSource, EnvSecretSource, SecretsManagerSource } from '../adapters/secrets/secret-sources';
import { createProviders } from '../providers';
import { gatewayEnvironment } from './environment';
import { systemClock } from './runtime';

const env = gatewayEnvironment.parse(process.env);
const bundled = process.env.SWITCHBOARD_CONFIG_JSON;
if (!bundled) throw new Error('the health check runs with the gateway config bundled at synth (SWITCHBOARD_CONFIG_JSON)');
const config = parseGatewayConfig(bundled, 'the bundled gateway config');
const logger = createLogger();
const metrics = new PowertoolsMetricsAdapter();
const secrets = new ChainedSecretSource([
  new EnvSecretSource(),
  new SecretsManagerSource(new SecretsManagerClient({}), systemClock, env.SECRET_CACHE_TTL_MS),
]);
const providers = createProviders(config.providers, { http: new NodeHttpClient(), secrets, clock: systemClock, logger });
const store = new DynamoProviderHealthStore(dynamoClient({ region: env.AWS_REGION }), tableNamesFromEnv(env).breakerState);

export const handler = async (): Promise<{ canServe: boolean }> => {
  const { canServe } = await checkProviders({ providers, store, clock: systemClock, logger, metrics, region: env.AWS_REGION });
  return { canServe };
};
