// The semantic cache's vector index in process (the local server; also a Lambda without an S3 Vectors index):
// brute-force cosine similarity over each namespace's vectors, bounded in count, oldest dropped first.
import type { Clock, VectorIndex, VectorMatch } from '../ports';
import { cosine } from './semantic';

/** vectors kept in all, at most (1536 floats each: some 12 KB; 4096 of them, under 50 MB) */
export const MEMORY_VECTORS = 4096;

export class MemoryVectorIndex implements VectorIndex {
  readonly #byNamespace = new Map<string, Map<string, { vector: number[]; expiresAt: number }>>();
  #count = 0;

  constructor(
    private readonly clock: Clock,
    private readonly maxVectors = MEMORY_VECTORS,
  ) {}

  async nearest(namespace: string, vector: number[], minSimilarity: number): Promise<VectorMatch | undefined> {
    const now = this.clock.now();
    let best: VectorMatch | undefined;
    for (const [hash, entry] of this.#byNamespace.get(namespace) ?? []) {
      if (entry.expiresAt <= now || entry.vector.length !== vector.length) continue;
      const similarity = cosine(vector, entry.vector);
      if (similarity >= minSimilarity && (!best || similarity > best.similarity)) best = { hash, similarity };
    }
    return best;
  }

  async put(namespace: string, hash: string, vector: number[], expiresAt: number): Promise<void> {
    let entries = this.#byNamespace.get(namespace);
    if (!entries) this.#byNamespace.set(namespace, (entries = new Map()));
    if (!entries.delete(hash)) this.#count++;
    entries.set(hash, { vector, expiresAt });
    // over the bound: drop the oldest namespace's oldest vector (maps keep insertion order)
    while (this.#count > this.maxVectors) {
      const [oldestNs, oldest] = this.#byNamespace.entries().next().value!;
      const first = oldest.keys().next().value;
      if (first !== undefined) oldest.delete(first);
      this.#count--;
      if (oldest.size === 0) this.#byNamespace.delete(oldestNs);
    }
  }
}
