// Wiring of the response cache for a runtime (Lambda and the local server): an in-process LRU in front of the
// DynamoDB cache table, made only when some alias caches (none: no cache object, no work per request).
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { GatewayConfig } from '../core/config/schema';
import type { Clock, Logger, Metrics } from '../core/ports';
import { MemoryCacheStore, TieredCacheStore } from '../core/cache/memory-store';
import { ResponseCache } from '../core/cache/response-cache';
import { DynamoCacheStore } from '../adapters/dynamodb/cache-store';

export function createResponseCache(config: GatewayConfig, dynamo: DynamoDBClient, tableName: string, deps: { clock: Clock; logger: Logger; metrics: Metrics }): ResponseCache | undefined {
  if (!config.models.some((m) => m.cache)) return undefined;
  const store = new TieredCacheStore(new MemoryCacheStore(deps.clock), new DynamoCacheStore(dynamo, tableName, deps.clock));
  return new ResponseCache(store, deps);
}
