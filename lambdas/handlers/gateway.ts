// The gateway Lambda function: every route, streamed through Lambda response streaming (API Gateway REST
// with ResponseTransferMode.STREAM) by middy. The local server runs this same handler.
import { lambdaSecretSource } from '../adapters/secrets/secret-sources';
import { SnsAlertPublisher } from '../adapters/alerts/alert-publishers';
import { createLogger } from '../adapters/observability/powertools';
import { bundledConfig } from './bundled-config';
import { gatewayEnvironment } from './environment';
import { gatewayHandler } from './response-stream';
import { createRuntime, systemClock } from './runtime';
import { queueUrlsFromEnv } from '../adapters/sqs/queues';
import { SqsWorkQueue } from '../adapters/sqs/work-queue';

const env = gatewayEnvironment.parse(process.env);
const config = bundledConfig();

const logger = createLogger();
const queueUrls = queueUrlsFromEnv(process.env);
const runtime = createRuntime({
  env,
  config,
  logger,
  deployed: true,
  alerts: env.ALERT_TOPIC_ARN ? new SnsAlertPublisher(env.ALERT_TOPIC_ARN, logger) : undefined,
  secrets: lambdaSecretSource(systemClock, env.SECRET_CACHE_TTL_MS),
  // batches: the gateway queues a batch's validation; the batch worker function does the rest
  workQueue: queueUrls && new SqsWorkQueue(queueUrls, { region: env.AWS_REGION }),
});

export const handler = gatewayHandler(runtime.gateway, systemClock, runtime.deps);
