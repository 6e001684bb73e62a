// One DynamoDB client per process (module singleton), pointed at DYNAMODB_ENDPOINT locally.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

let shared: DynamoDBClient | undefined;

export interface DynamoClientOptions {
  /** a DynamoDB-compatible endpoint (dynalite); unset in AWS */
  endpoint?: string;
  region?: string;
}

export function createDynamoClient(opts: DynamoClientOptions = {}): DynamoDBClient {
  if (opts.endpoint) {
    return new DynamoDBClient({
      endpoint: opts.endpoint,
      region: opts.region && opts.region !== 'local' ? opts.region : 'us-east-1',
      // dynalite checks that requests are signed, not by whom
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 3,
    });
  }
  return new DynamoDBClient({ region: opts.region, maxAttempts: 3 });
}

export function dynamoClient(opts: DynamoClientOptions = {}): DynamoDBClient {
  shared ??= createDynamoClient(opts);
  return shared;
}
