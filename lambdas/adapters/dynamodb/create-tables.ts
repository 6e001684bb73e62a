// Create the tables if missing (local runs): idempotent, so several processes may race to do it.
import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  type AttributeDefinition,
  type DynamoDBClient,
  type GlobalSecondaryIndex,
} from '@aws-sdk/client-dynamodb';
import { TABLES, type IndexDefinition, type TableDefinition, type TableNames } from './tables';

export async function ensureTables(client: DynamoDBClient, names: TableNames): Promise<void> {
  await Promise.all(
    Object.entries(TABLES).map(async ([key, def]) => {
      const TableName = names[key as keyof TableNames];
      const indexes: readonly IndexDefinition[] = (def as TableDefinition).indexes ?? [];
      try {
        await client.send(
          new CreateTableCommand({
            TableName,
            BillingMode: 'PAY_PER_REQUEST',
            AttributeDefinitions: attributeDefinitions(def, indexes),
            KeySchema: [
              { AttributeName: def.partitionKey, KeyType: 'HASH' },
              { AttributeName: def.sortKey, KeyType: 'RANGE' },
            ],
            ...(indexes.length ? { GlobalSecondaryIndexes: indexes.map(globalIndex) } : {}),
          }),
        );
      } catch (err) {
        if (!(err instanceof ResourceInUseException)) throw err;
      }
      await waitActive(client, TableName);
      await addMissingIndexes(client, TableName, def, indexes);
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

function attributeDefinitions(def: TableDefinition, indexes: readonly IndexDefinition[]): AttributeDefinition[] {
  const names = new Set<string>([def.partitionKey, def.sortKey]);
  for (const index of indexes) {
    names.add(index.partitionKey);
    if (index.sortKey) names.add(index.sortKey);
  }
  return [...names].map((AttributeName) => ({ AttributeName, AttributeType: 'S' }));
}

function globalIndex(index: IndexDefinition): GlobalSecondaryIndex {
  return {
    IndexName: index.name,
    KeySchema: [{ AttributeName: index.partitionKey, KeyType: 'HASH' }, ...(index.sortKey ? [{ AttributeName: index.sortKey, KeyType: 'RANGE' as const }] : [])],
    Projection: { ProjectionType: 'ALL' },
  };
}

/** a table made before an index was defined (a kept dataDir, a shared endpoint) gets it, one at a time as DynamoDB asks */
async function addMissingIndexes(client: DynamoDBClient, TableName: string, def: TableDefinition, indexes: readonly IndexDefinition[]): Promise<void> {
  if (!indexes.length) return;
  const { Table } = await client.send(new DescribeTableCommand({ TableName }));
  const present = new Set((Table?.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName));
  for (const index of indexes) {
    if (present.has(index.name)) continue;
    const create = (throughput: boolean) =>
      client.send(
        new UpdateTableCommand({
          TableName,
          AttributeDefinitions: attributeDefinitions(def, [index]),
          // dynalite asks for a throughput even on an on-demand table (DynamoDB refuses one there)
          GlobalSecondaryIndexUpdates: [{ Create: { ...globalIndex(index), ...(throughput ? { ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 } } : {}) } }],
        }),
      );
    try {
      await create(false).catch((err: Error) => (/provisionedThroughput/i.test(err.message) ? create(true) : Promise.reject(err)));
    } catch (err) {
      // another process added it first
      if (!(err instanceof ResourceInUseException) && !/already exists/i.test((err as Error).message)) throw err;
    }
    await waitActive(client, TableName);
  }
}
