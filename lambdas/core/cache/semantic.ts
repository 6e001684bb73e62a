// The semantic level of the response cache (opt-in per alias, `cache.semantic`): a request whose every turn but
// the last user message, and every parameter, match a cached request exactly may be served that request's answer
// when its last user message means the same (cosine similarity of their embeddings at or above the threshold).
// The exact part is a hash (the "prefix") that names the vector namespace, so an agent conversation can never
// get another conversation's answer. The last user message is embedded with the alias's embedding alias, on
// the operator's account (charged to the operator's day and month, logged). Theory: docs/cache.md.
import type { AliasCache, GatewayConfig } from '../config/schema';
import type { ChatRequest } from '../openai/chat-request';
import { messageText } from '../openai/chat-request';
import type { OperatorBudget } from '../admission/bill';
import { costNanoUsd } from '../pricing/cost';
import { estimateEmbeddingsInputTokens } from '../tokens';
import type { PriceBook } from '../pricing/price-book';
import type { CacheKey, CachedAnswer, Clock, LedgerEntry, Logger, VectorIndex } from '../ports';
import type { Provider } from '../../providers/types';
import { canonicalJson, keyMaterial, sha256 } from './key';
import type { Hit } from './replay';

/** how long an embedding call may take before the semantic lookup gives up (a miss) */
const EMBEDDING_TIMEOUT_MS = 5_000;

export interface SemanticTurn {
  /** the nearest cached neighbour at or above the threshold, read with `get` (its exact entry) */
  lookup(get: (hash: string) => Promise<CachedAnswer | undefined>): Promise<Hit | undefined>;
  /** index the stored answer's request under its prefix (after a miss's answer was kept) */
  remember(expiresAt: number): Promise<void>;
}

export interface SemanticDeps {
  config: GatewayConfig;
  providers: Map<string, Provider>;
  prices: PriceBook;
  clock: Clock;
  logger: Logger;
  /** the operator's account on the day a request arrived: what embeddings are charged to */
  operator(receivedAt: number): OperatorBudget;
}

export class SemanticCache {
  constructor(
    private readonly index: VectorIndex,
    private readonly deps: SemanticDeps,
  ) {}

  /** the request's semantic turn, or undefined when it cannot have one (its last message is not a user's text) */
  open(config: AliasCache, key: CacheKey, route: LedgerEntry['route'], parsed: unknown, alias: string, requestId: string): SemanticTurn | undefined {
    const semantic = config.semantic!;
    const chat = (parsed as { chat: ChatRequest }).chat;
    const last = chat.messages.at(-1);
    if (!last || last.role !== 'user') return undefined;
    const text = messageText(last.content as never);
    if (!text || (Array.isArray(last.content) && last.content.some((p) => p.type !== 'text'))) return undefined;
    const prefix = prefixMaterial(route, parsed);
    if (prefix === undefined) return undefined;
    const namespace = `${key.partition}#${sha256(canonicalJson({ partition: key.partition, route, alias, prefix, outputGuard: key.outputGuard }))}`;
    let vector: Promise<number[] | undefined> | undefined;
    const embedded = () => (vector ??= this.#embed(semantic.embedding, text, requestId));
    const index = this.index;
    const logger = this.deps.logger;
    return {
      async lookup(get) {
        const v = await embedded();
        if (!v) return undefined;
        const match = await index.nearest(namespace, v, semantic.threshold);
        if (!match) return undefined;
        const answer = await get(match.hash);
        return answer ? { answer, status: 'semantic-hit', similarity: match.similarity } : undefined;
      },
      async remember(expiresAt) {
        const v = await embedded();
        if (!v) return;
        await index.put(namespace, key.hash, v, expiresAt).catch((err: Error) => logger.warn('indexing a cached answer failed', { requestId, error: err.message }));
      },
    };
  }

  /** the text's embedding by the first target of the embedding alias that answers; undefined: none did */
  async #embed(aliasName: string, text: string, requestId: string): Promise<number[] | undefined> {
    const { config, providers, prices, clock, logger } = this.deps;
    const alias = config.models.find((m) => m.name === aliasName);
    for (const target of alias?.targets ?? []) {
      const provider = providers.get(target.provider);
      const quote = provider && prices.priceOf(provider.id, target.model);
      if (!provider || !quote || !(await provider.isConfigured())) continue;
      try {
        const res = await provider.embeddings({ model: target.model, input: text }, target.model, { signal: AbortSignal.timeout(EMBEDDING_TIMEOUT_MS), requestId: `${requestId}-cache-embedding` });
        // no usage reported: the input's upper bound (core/tokens), as a tenant's embeddings call is charged
        const tokens = res.usage?.prompt_tokens ?? estimateEmbeddingsInputTokens({ model: target.model, input: text });
        const cost = costNanoUsd({ input: tokens, output: 0, cachedInput: 0, cacheWrite: 0 }, quote.price);
        // the operator's: the cache is the operator's service
        void this.deps
          .operator(clock.now())
          .charge({ costNanoUsd: cost, inputTokens: tokens, outputTokens: 0, cachedInputTokens: 0, provider: provider.id, model: `${provider.id}/${target.model}`, route: 'embeddings' })
          .catch((err: Error) => logger.warn('charging a cache embedding failed', { requestId, error: err.message }));
        logger.info('cache embedding', { requestId, provider: provider.id, model: target.model, inputTokens: tokens, costNanoUsd: cost });
        const e = res.data[0]?.embedding;
        if (Array.isArray(e)) return e;
        if (typeof e === 'string') return [...new Float32Array(new Uint8Array(Buffer.from(e, 'base64')).buffer)];
      } catch (err) {
        logger.warn('cache embedding failed: no semantic lookup', { requestId, provider: provider.id, error: (err as Error).message });
      }
    }
    return undefined;
  }
}

/** the request without its last user message: what must match exactly (the door's own form of it) */
function prefixMaterial(route: LedgerEntry['route'], parsed: unknown): unknown {
  const material = keyMaterial(route, parsed) as { request: Record<string, unknown> };
  const request = { ...material.request };
  if (route === 'responses') {
    const input = request.input;
    if (typeof input === 'string') request.input = [];
    else if (Array.isArray(input)) request.input = input.slice(0, -1);
    else return undefined;
  } else {
    const messages = request.messages;
    if (!Array.isArray(messages)) return undefined;
    request.messages = messages.slice(0, -1);
  }
  delete request.model;
  return { ...material, request };
}

/** cosine similarity of two vectors of one length (0 for a zero vector) */
export function cosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}
