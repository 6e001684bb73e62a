// The gateway Lambda function: every route, streamed through Lambda response streaming (API Gateway REST
// with ResponseTransferMode.STREAM). The local server runs this same handler.
import { readFileSync } from 'node:fs';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { parseGatewayConfig } from '../core/config/load';
import { ChainedSecretSource, EnvSecretSource, SecretsManagerSource } from '../adapters/secrets/secret-sources';
import { SnsAlertPublisher } from '../adapters/alerts/alert-publishers';
import { createLogger } from '../adapters/observability/powertools';
import { gatewayEnvironment } from './environment';
import { streamingHandler } from './response-stream';
import { createRuntime, systemClock } from './runtime';

const env = gatewayEnvironment.parse(process.env);
// bundled at synth (see BUNDLED_CONFIG_DEFINE); a local run of this file reads GATEWAY_CONFIG instead
const bundled = process.env.SWITCHBOARD_CONFIG_JSON;
const config = bundled
  ? parseGatewayConfig(bundled, 'the bundled gateway config')
  : parseGatewayConfig(readFileSync(env.GATEWAY_CONFIG, 'utf8'), env.GATEWAY_CONFIG);

const logger = createLogger();
const runtime = createRuntime({
  env,
  config,
  logger,
  alerts: env.ALERT_TOPIC_ARN ? new SnsAlertPublisher(new SNSClient({}), env.ALERT_TOPIC_ARN, logger) : undefined,
  secrets: new ChainedSecretSource([
    new EnvSecretSource(),
    new SecretsManagerSource(new SecretsManagerClient({}), systemClock, env.SECRET_CACHE_TTL_MS),
  ]),
});

export const handler = awslambda.streamifyResponse(streamingHandler(runtime.gateway, systemClock, runtime.deps.logger));
