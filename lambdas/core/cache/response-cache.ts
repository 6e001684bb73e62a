// The response cache as the pipeline uses it: per request, `open` says whether the alias caches at all (no:
// nothing else happens), reads the request's controls (Cache-Control no-cache / no-store,
// x-gateway-cache-ttl) and starts the lookup, which runs beside admission; after a miss's answer, `store`
// keeps it if it completed. Theory and limits: docs/cache.md.
import type { AliasCache } from '../config/schema';
import { errors } from '../errors';
import type { CacheKey, CachedAnswer, CacheStore, Clock, LedgerEntry, Logger, Metrics } from '../ports';
import type { EmbeddingsResponse } from '../openai/chat-response';
import { METRICS } from '../observability';
import type { ResolvedModel } from '../routing/resolve';
import { AnswerRecorder } from './capture';
import { exactKey } from './key';
import type { Hit } from './replay';
import type { SemanticCache, SemanticTurn } from './semantic';

export interface CacheTurn {
  readonly config: AliasCache;
  readonly alias: string;
  readonly key: CacheKey;
  /** the lookup, started at open: undefined for a miss (or a request that may not read) */
  readonly lookup: Promise<Hit | undefined>;
  /** what the ledger and the x-gateway-cache header say of a request that was not a hit */
  readonly status: 'miss' | 'bypass';
  /** the provider calls' answers, for `store` */
  readonly recorder: AnswerRecorder;
  /** keep the answer the served call gave (`embeddings`: the embeddings route's), if it completed and the request lets it be kept */
  store(served: { provider: string; model: string; costNanoUsd: number }, embeddings?: EmbeddingsResponse): Promise<void>;
}

export interface CacheStats {
  hits: number;
  semanticHits: number;
  misses: number;
  /** hits / (hits + misses) since this instance started; null before any lookup */
  hitRate: number | null;
}

export class ResponseCache {
  #hits = 0;
  #semanticHits = 0;
  #misses = 0;

  constructor(
    private readonly store: CacheStore,
    private readonly deps: { clock: Clock; logger: Logger; metrics: Metrics },
    private readonly semantic?: SemanticCache,
  ) {}

  /**
   * The request's cache turn, or undefined when its alias does not cache (no work at all). Throws a 400 for a
   * malformed x-gateway-cache-ttl.
   */
  open(route: LedgerEntry['route'], parsed: unknown, resolved: ResolvedModel, tenantId: string, headers: Record<string, string>, requestId: string, outputGuard?: string): CacheTurn | undefined {
    const config = resolved.alias?.cache;
    if (!config) return undefined;
    const alias = resolved.alias!.name;
    const controls = readControls(headers);
    const ttlSeconds = Math.min(config.ttlSeconds, controls.ttlSeconds ?? config.ttlSeconds);
    const key = exactKey(config, tenantId, alias, route, parsed, outputGuard);
    const recorder = new AnswerRecorder();
    const semantic = config.semantic && this.semantic && route !== 'embeddings' ? this.semantic.open(config, key, route, parsed, alias, requestId) : undefined;
    const lookup = controls.read ? this.#lookup(key, semantic) : Promise.resolve(undefined);
    const { clock, logger } = this.deps;
    const store = this.store;
    return {
      config,
      alias,
      key,
      lookup,
      status: controls.read ? 'miss' : 'bypass',
      recorder,
      async store(served, embeddings) {
        if (!controls.write || ttlSeconds <= 0) return;
        const completion = embeddings ? undefined : recorder.answerOf(served.provider, served.model);
        if (!completion && !embeddings) return;
        const now = clock.now();
        const answer: CachedAnswer = { ...(completion ? { completion } : { embeddings }), provider: served.provider, model: served.model, costNanoUsd: served.costNanoUsd, createdAt: now, expiresAt: now + ttlSeconds * 1000 };
        try {
          const kept = await store.put(key, answer);
          if (!kept) logger.info('answer not cached: too large for a cache item', { requestId });
          else if (semantic) await semantic.remember(answer.expiresAt);
        } catch (err) {
          logger.warn('writing the response cache failed', { requestId, error: (err as Error).message });
        }
      },
    };
  }

  async #lookup(key: CacheKey, semantic: SemanticTurn | undefined): Promise<Hit | undefined> {
    const { metrics, logger, clock } = this.deps;
    let hit: Hit | undefined;
    try {
      const answer = await this.store.get(key);
      if (answer && answer.expiresAt > clock.now()) hit = { answer, status: 'hit' };
      else if (semantic) hit = await semantic.lookup((hash) => this.store.get({ partition: key.partition, hash }));
    } catch (err) {
      logger.warn('reading the response cache failed: served as a miss', { error: (err as Error).message });
    }
    if (hit?.status === 'hit') this.#hits++;
    else if (hit) this.#semanticHits++;
    else {
      this.#misses++;
      metrics.add(METRICS.cacheMisses, 1, 'Count');
    }
    return hit;
  }

  stats(): CacheStats {
    const lookups = this.#hits + this.#semanticHits + this.#misses;
    return { hits: this.#hits, semanticHits: this.#semanticHits, misses: this.#misses, hitRate: lookups ? (this.#hits + this.#semanticHits) / lookups : null };
  }
}

/** Cache-Control no-cache (do not read) / no-store (do not write), and x-gateway-cache-ttl (at most the alias's) */
export function readControls(headers: Record<string, string>): { read: boolean; write: boolean; ttlSeconds?: number } {
  const directives = (headers['cache-control'] ?? '')
    .toLowerCase()
    .split(',')
    .map((d) => d.trim());
  const raw = headers['x-gateway-cache-ttl'];
  let ttlSeconds: number | undefined;
  if (raw !== undefined) {
    if (!/^\d{1,9}$/.test(raw.trim())) throw errors.invalidRequest('x-gateway-cache-ttl must be a whole number of seconds (0 or more).', 'x-gateway-cache-ttl');
    ttlSeconds = Number(raw.trim());
  }
  return { read: !directives.includes('no-cache'), write: !directives.includes('no-store'), ttlSeconds };
}
