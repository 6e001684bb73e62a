// Create the tables if missing (local runs): idempotent, so several processes may race to do it.
import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { TABLES, type TableNames } from './tables';

export async function ensureTables(client: DynamoDBClient, names: TableNames): Promise<void> {
  await Promise.all(
    Object.entries(TABLES).map(async ([key, def]) => {
      const TableName = names[key as keyof TableNames];
      try {
        await client.send(
          new CreateTableCommand({
            TableName,
            BillingMode: 'PAY_PER_REQUEST',
            AttributeDefinitions: [
              { AttributeName: def.partitionKey, AttributeType: 'S' },
              { AttributeName: def.sortKey, AttributeType: 'S' },
            ],
            KeySchema: [
              { AttributeName: def.partitionKey, KeyType: 'HASH' },
              { AttributeName: def.sortKey, KeyType: 'RANGE' },
            ],
          }),
        );
      } catch (err) {
        if (!(err instanceof ResourceInUseException)) throw err;
      }
      await waitActive(client, TableName);
      if ('ttlAttribute' in def) await enableTtl(client, TableName, def.ttlAttribute);
    }),
  );
}

async function waitActive(client: DynamoDBClient, TableName: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName }));
    if (Table?.TableStatus === 'ACTIVE') return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`table ${TableName} did not become ACTIVE`);
}

async function enableTtl(client: DynamoDBClient, TableName: string, AttributeName: string): Promise<void> {
  try {
    await client.send(new UpdateTimeToLiveCommand({ TableName, TimeToLiveSpecification: { AttributeName, Enabled: true } }));
  } catch (err) {
    // dynalite does not implement TTL; a real DynamoDB says so when TTL is already on
    const name = (err as Error).name;
    if (name !== 'UnknownOperationException' && !/already enabled/i.test((err as Error).message)) throw err;
  }
}
