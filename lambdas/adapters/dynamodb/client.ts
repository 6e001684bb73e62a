// One DynamoDB client per process (module singleton), pointed at DYNAMODB_ENDPOINT locally.
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';

let shared: DynamoDBClient | undefined;

export interface DynamoClientOptions {
  /** a DynamoDB-compatible endpoint (dynalite); unset in AWS */
  endpoint?: string;
  region?: string;
}

export function createDynamoClient(opts: DynamoClientOptions = {}): DynamoDBClient {
  const common: DynamoDBClientConfig = {
    maxAttempts: 3,
    // resolve each command class's middleware chain once, not on every send; so middleware must be added to
    // the client before its first send (we add none per command)
    cacheMiddleware: true,
  };
  const client = opts.endpoint
    ? new DynamoDBClient({
        ...common,
        endpoint: opts.endpoint,
        region: opts.region && opts.region !== 'local' ? opts.region : 'us-east-1',
        // dynalite checks that requests are signed, not by whom
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      })
    : new DynamoDBClient({ ...common, region: opts.region });
  // The SDK's logger middleware builds a redacted copy of every input and output for its logger, even the
  // no-op one we leave it; we log our own way, so that copy is pure cost (~0.1 ms of CPU per call).
  client.middlewareStack.remove('loggerMiddleware');
  return client;
}

export function dynamoClient(opts: DynamoClientOptions = {}): DynamoDBClient {
  shared ??= createDynamoClient(opts);
  return shared;
}
