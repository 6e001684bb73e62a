// Provider health as the scheduled check records it, in the breaker table (one item per provider and
// region), so the breaker and GET /health can read the last probe without calling the provider (the
// breaker store reads these items beside the breakers, in the same BatchGetItem):
//   HEALTH#<providerId> / REGION#<region> → healthy, configured, latencyMs, checkedAt, error, expiresAt
import { BatchWriteItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ProviderHealth, ProviderHealthStore } from '../../core/health/check-providers';
import { num, str, toItem } from './marshal';

/** old results expire on their own once a provider leaves the config */
const RETENTION_SECONDS = 24 * 60 * 60;
const BATCH = 25;

export const providerHealthKey = (providerId: string, region: string) => ({ pk: `HEALTH#${providerId}`, sk: `REGION#${region}` });

export class DynamoProviderHealthStore implements ProviderHealthStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async record(region: string, results: readonly ProviderHealth[]): Promise<void> {
    for (let i = 0; i < results.length; i += BATCH) {
      const requests = results.slice(i, i + BATCH).map((r) => ({
        PutRequest: {
          Item: toItem({
            ...providerHealthKey(r.providerId, region),
            healthy: r.healthy,
            configured: r.configured,
            latencyMs: r.latencyMs,
            checkedAt: r.checkedAt,
            error: r.error,
            expiresAt: Math.floor(r.checkedAt / 1000) + RETENTION_SECONDS,
          }),
        },
      }));
      let pending: typeof requests | undefined = requests;
      // unprocessed items are retried a few times; the next run a minute later rewrites them anyway
      for (let attempt = 0; pending?.length && attempt < 3; attempt++) {
        const out = await this.client.send(new BatchWriteItemCommand({ RequestItems: { [this.tableName]: pending } }));
        pending = out.UnprocessedItems?.[this.tableName] as typeof requests | undefined;
      }
    }
  }
}

/** A recorded probe, from its item (the breaker store reads these beside the breakers). */
export function healthFromItem(item: Record<string, AttributeValue>): ProviderHealth {
  return {
    providerId: str(item, 'pk')!.slice('HEALTH#'.length),
    configured: item.configured?.BOOL === true,
    healthy: item.healthy?.BOOL === true,
    latencyMs: num(item, 'latencyMs'),
    checkedAt: num(item, 'checkedAt'),
    ...(str(item, 'error') ? { error: str(item, 'error') } : {}),
  };
}
