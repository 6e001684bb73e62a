// Wiring of the response cache for a runtime (Lambda and the local server): an in-process LRU in front of the
// DynamoDB cache table, and for aliases with a semantic cache a vector index. Made only when some alias caches
// (none: no cache object, no work per request).
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { GatewayDeps } from '../core/gateway';
import type { VectorIndex } from '../core/ports';
import { MemoryCacheStore, TieredCacheStore } from '../core/cache/memory-store';
import { MemoryVectorIndex } from '../core/cache/memory-vectors';
import { ResponseCache } from '../core/cache/response-cache';
import { SemanticCache } from '../core/cache/semantic';
import { DynamoCacheStore } from '../adapters/dynamodb/cache-store';

export function createResponseCache(deps: GatewayDeps, dynamo: DynamoDBClient, tableName: string, opts: { vectors?: VectorIndex; groupCommitMs?: number } = {}): ResponseCache | undefined {
  const { config, clock } = deps;
  if (!config.models.some((m) => m.cache)) return undefined;
  const store = new TieredCacheStore(new MemoryCacheStore(clock), new DynamoCacheStore(dynamo, tableName, clock, opts.groupCommitMs));
  const semantic = config.models.some((m) => m.cache?.semantic)
    ? new SemanticCache(opts.vectors ?? new MemoryVectorIndex(clock), { ...deps, operator: (at) => deps.admission.operator(at) })
    : undefined;
  return new ResponseCache(store, deps, semantic);
}
