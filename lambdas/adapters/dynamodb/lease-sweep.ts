// The sweep's side of the cost ledger: find budget leases that expired with their instance and release each
// once. Kept apart from the gateway's ledger adapter: only the scheduled sweep, the local server and the CLI
// run it. Each region sweeps the leases of its own period items only: a release is a conditional update, and
// an update another region made to the same item at the same moment could be lost to replication.
import { ConditionalCheckFailedException, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { sweepExpiredLeases, type SweepResult } from '../../core/admission/reconcile';
import { dayOf } from '../../core/periods';
import type { BudgetPeriod, LeaseSweepStore, Logger, StoredLease } from '../../core/ports';
import { DAY_SECONDS, LEASE_PREFIX, ledgerKeys, parseLease } from './cost-ledger';
import { queryItems } from './query';
import { regionSuffix, singleRegion, splitRegion, type RegionScope } from './regions';
import type { TableNames } from './tables';

/** the sweep looks for leases in this many recent days (it runs every minute or so) */
const LOOKBACK_DAYS = 7;

export class DynamoLeaseSweep implements LeaseSweepStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly regions: RegionScope = singleRegion(),
  ) {}

  async expiredLeases(tenantId: string, before: number): Promise<Array<{ period: BudgetPeriod; lease: StoredLease }>> {
    const found: Array<{ period: BudgetPeriod; lease: StoredLease }> = [];
    const items = queryItems(this.client, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND sk >= :from',
      ExpressionAttributeValues: { ':pk': { S: `T#${tenantId}` }, ':from': { S: `D#${dayOf(before - LOOKBACK_DAYS * DAY_SECONDS * 1000)}` } },
      ConsistentRead: true,
    });
    for await (const item of items) {
      const { base, region } = splitRegion(item.sk?.S ?? '', this.regions);
      if (region !== this.regions.own) continue;
      const period: BudgetPeriod = { tenantId, kind: base.startsWith('D#') ? 'day' : 'month', name: base.slice(2) };
      for (const [attribute, value] of Object.entries(item)) {
        if (!attribute.startsWith(LEASE_PREFIX)) continue;
        const lease = parseLease(attribute.slice(LEASE_PREFIX.length), value);
        if (lease.expiresAt < before) found.push({ period, lease });
      }
    }
    return found;
  }

  async releaseLease(period: BudgetPeriod, lease: StoredLease): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: ledgerKeys.period(period, regionSuffix(this.regions)),
          UpdateExpression: 'ADD committedNanoUsd :unused REMOVE #L',
          ConditionExpression: '#L.s = :s AND #L.t = :t',
          ExpressionAttributeNames: { '#L': LEASE_PREFIX + lease.id },
          ExpressionAttributeValues: {
            ':unused': { N: String(-Math.max(0, lease.granted - lease.used)) },
            ':s': { N: String(lease.seq) },
            ':t': { N: String(lease.topUps) },
          },
        }),
      );
      return true;
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      // gone or changed since it was read; an SDK retry of a release that went through also lands here
      return (err.$metadata.attempts ?? 1) > 1;
    }
  }
}

/** Sweep every tenant of this deployment (those of the config file and those created at run time), in this region. */
export async function sweepLeases(opts: {
  client: DynamoDBClient;
  tables: Pick<TableNames, 'tenants' | 'costLedger'>;
  regions: RegionScope;
  configTenantIds: string[];
  logger: Logger;
  now: number;
}): Promise<SweepResult> {
  const stored = await storedTenantIds(opts.client, opts.tables.tenants);
  return sweepExpiredLeases(new DynamoLeaseSweep(opts.client, opts.tables.costLedger, opts.regions), [...opts.configTenantIds, ...stored], opts.now, opts.logger);
}

/** every tenant created at run time (TENANTS / <id>, written by the tenant admin) */
export async function storedTenantIds(client: DynamoDBClient, tenantsTable: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const item of queryItems(client, { TableName: tenantsTable, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: 'TENANTS' } } })) {
    if (item.sk?.S) ids.push(item.sk.S);
  }
  return ids;
}
