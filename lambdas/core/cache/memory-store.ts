// The response cache's first level: a small in-process LRU bounded in bytes, in front of the shared store
// (DynamoDB). A hit here costs no round trip; a hit in the shared store is kept here for the next one.
import type { CacheKey, CachedAnswer, CacheStore, Clock } from '../ports';

/** default bound of the in-process level: small beside a Lambda's memory */
export const MEMORY_CACHE_BYTES = 8 * 1024 * 1024;
/** an entry is served from here for at most this long: a purge reaches every instance within it */
export const MEMORY_CACHE_MAX_AGE_MS = 60_000;

export class MemoryCacheStore implements CacheStore {
  readonly #entries = new Map<string, { answer: CachedAnswer; bytes: number; until: number }>();
  #bytes = 0;

  constructor(
    private readonly clock: Clock,
    private readonly maxBytes = MEMORY_CACHE_BYTES,
    private readonly maxAgeMs = MEMORY_CACHE_MAX_AGE_MS,
  ) {}

  get size(): number {
    return this.#entries.size;
  }

  async get(key: CacheKey): Promise<CachedAnswer | undefined> {
    const id = idOf(key);
    const entry = this.#entries.get(id);
    if (!entry) return undefined;
    this.#entries.delete(id);
    if (entry.until <= this.clock.now()) {
      this.#bytes -= entry.bytes;
      return undefined;
    }
    // most recently used last
    this.#entries.set(id, entry);
    return entry.answer;
  }

  async put(key: CacheKey, answer: CachedAnswer): Promise<boolean> {
    const bytes = JSON.stringify(answer.completion ?? answer.embeddings).length * 2 + 256;
    if (bytes > this.maxBytes / 4) return false;
    this.delete(key);
    this.#entries.set(idOf(key), { answer, bytes, until: Math.min(answer.expiresAt, this.clock.now() + this.maxAgeMs) });
    this.#bytes += bytes;
    for (const [id, entry] of this.#entries) {
      if (this.#bytes <= this.maxBytes) break;
      this.#entries.delete(id);
      this.#bytes -= entry.bytes;
    }
    return true;
  }

  delete(key: CacheKey): void {
    const id = idOf(key);
    const entry = this.#entries.get(id);
    if (!entry) return;
    this.#entries.delete(id);
    this.#bytes -= entry.bytes;
  }

  /** drop a partition's entries (a purge through this process) */
  purge(partitionPrefix: string): void {
    for (const [id, entry] of this.#entries) {
      if (!id.startsWith(partitionPrefix)) continue;
      this.#entries.delete(id);
      this.#bytes -= entry.bytes;
    }
  }
}

function idOf(key: CacheKey): string {
  return `${key.partition}|${key.hash}`;
}

/** the in-process level in front of the shared one: reads fall through, writes go to both */
export class TieredCacheStore implements CacheStore {
  constructor(
    readonly memory: MemoryCacheStore,
    readonly shared: CacheStore | undefined,
  ) {}

  async get(key: CacheKey): Promise<CachedAnswer | undefined> {
    const near = await this.memory.get(key);
    if (near || !this.shared) return near;
    const far = await this.shared.get(key);
    if (far) await this.memory.put(key, far);
    return far;
  }

  async put(key: CacheKey, answer: CachedAnswer): Promise<boolean> {
    const [kept] = await Promise.all([this.shared ? this.shared.put(key, answer) : Promise.resolve(true), this.memory.put(key, answer)]);
    return kept;
  }
}
