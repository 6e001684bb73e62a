// A dynalite server with the gateway's tables, for adapter tests against the real DynamoDB API.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDynamoClient } from '../../lambdas/adapters/dynamodb/client';
import { ensureTables } from '../../lambdas/adapters/dynamodb/create-tables';
import { LOCAL_TABLE_NAMES, type TableNames } from '../../lambdas/adapters/dynamodb/tables';
import { startEmbeddedDynamo } from '../../lambdas/local/embedded-dynamodb';

export interface TestDynamo {
  endpoint: string;
  client: DynamoDBClient;
  tables: TableNames;
  stop(): Promise<void>;
}

export async function startTestDynamo(): Promise<TestDynamo> {
  const embedded = await startEmbeddedDynamo();
  const client = createDynamoClient({ endpoint: embedded.endpoint });
  await ensureTables(client, LOCAL_TABLE_NAMES);
  return {
    endpoint: embedded.endpoint,
    client,
    tables: LOCAL_TABLE_NAMES,
    async stop() {
      client.destroy();
      await embedded.stop();
    },
  };
}
