// The semantic level of the response cache (opt-in per alias): placeholder type until it is built.
import type { AliasCache } from '../config/schema';
import type { CacheKey, CachedAnswer, LedgerEntry } from '../ports';
import type { Hit } from './replay';

export interface SemanticTurn {
  lookup(get: (hash: string) => Promise<CachedAnswer | undefined>): Promise<Hit | undefined>;
  remember(expiresAt: number): Promise<void>;
}

export interface SemanticCache {
  open(config: AliasCache, key: CacheKey, route: LedgerEntry['route'], parsed: unknown, tenantId: string, requestId: string): SemanticTurn | undefined;
}
