// StateTables: the four DynamoDB tables (breaker state, rate counters, cost ledger, tenants), built from the
// shared definitions in lambdas/adapters/dynamodb/tables.ts, as global tables when replica regions are given.
import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, Billing, TableV2, type ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { TABLES, type TableDefinition, type TableKey } from '../../lambdas/adapters/dynamodb/tables';
import { DeploymentNames } from '../config/names';

export type StateTableSet = Record<TableKey, ITable>;

export interface StateTablesProps {
  /**
   * Regions that get a replica of every table (DynamoDB global tables); not the table's own region.
   * @default [] (one region)
   */
  readonly replicaRegions?: readonly string[];
  /**
   * The deployment's names. Table names are fixed (`<deployment>-breaker-state`…), not generated, so stacks in
   * other regions reach their replica by name without cross-region references.
   * @default new DeploymentNames() (switchboard-breaker-state…)
   */
  readonly names?: DeploymentNames;
  /**
   * Deleting a stack must not delete tenants and the cost ledger: tables are retained and protected. A dev
   * deployment may say DESTROY.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** The tables as a function in another stack (any region) sees them: by name, in its own region. */
export function importStateTables(scope: Construct, names: DeploymentNames = new DeploymentNames()): StateTableSet {
  return Object.fromEntries(
    (Object.keys(TABLES) as TableKey[]).map((key) => [key, TableV2.fromTableName(scope, `${TABLES[key].logicalName}Table`, names.table(key))]),
  ) as unknown as StateTableSet;
}

export class StateTables extends Construct {
  readonly tables: Record<TableKey, TableV2>;

  constructor(scope: Construct, id: string, props: StateTablesProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const replicas = (props.replicaRegions ?? []).map((region) => ({ region }));
    this.tables = Object.fromEntries(
      (Object.keys(TABLES) as TableKey[]).map((key) => {
        const def: TableDefinition = TABLES[key];
        const table = new TableV2(this, def.logicalName, {
          tableName: (props.names ?? new DeploymentNames()).table(key),
          partitionKey: { name: def.partitionKey, type: AttributeType.STRING },
          sortKey: { name: def.sortKey, type: AttributeType.STRING },
          timeToLiveAttribute: def.ttlAttribute,
          // the same indexes the local tables get (create-tables.ts); TableV2 gives every replica them too
          globalSecondaryIndexes: def.indexes?.map((index) => ({
            indexName: index.name,
            partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
            ...(index.sortKey ? { sortKey: { name: index.sortKey, type: AttributeType.STRING } } : {}),
          })),
          // on-demand: zero cost when idle, no capacity to tune for bursts
          billing: Billing.onDemand(),
          pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
          deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
          removalPolicy,
          replicas,
        });
        return [key, table];
      }),
    ) as Record<TableKey, TableV2>;
  }
}
