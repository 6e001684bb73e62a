// The semantic cache's vectors in Amazon S3 Vectors (serverless, nothing to pay while idle): one index per
// embedding dimension (`cache-<dimension>`, cosine) in the deployment's vector bucket, made by the state stack
// (lib/constructs/cache-vectors.ts). A vector's metadata holds its namespace (scope, alias and the hash of the
// earlier turns) and its expiry; queries filter on both, so one tenant's vectors never answer another's
// request and expired ones are never served. The SDK client is loaded on first use only: requests to aliases
// without a semantic cache never load it (the Lambda runtime provides the AWS SDK; it is not in the bundle).
import type { S3VectorsClient } from '@aws-sdk/client-s3vectors';
import { createHash } from 'node:crypto';
import type { Clock, VectorIndex, VectorMatch } from '../../core/ports';

export function vectorIndexName(dimension: number): string {
  return `cache-${dimension}`;
}

export class S3VectorIndex implements VectorIndex {
  #client: Promise<{ client: S3VectorsClient; sdk: typeof import('@aws-sdk/client-s3vectors') }> | undefined;

  constructor(
    private readonly bucketName: string,
    private readonly region: string | undefined,
    private readonly clock: Clock,
  ) {}

  #sdk() {
    return (this.#client ??= import('@aws-sdk/client-s3vectors').then((sdk) => ({ sdk, client: new sdk.S3VectorsClient(this.region ? { region: this.region } : {}) })));
  }

  async nearest(namespace: string, vector: number[], minSimilarity: number): Promise<VectorMatch | undefined> {
    const { sdk, client } = await this.#sdk();
    const out = await client.send(
      new sdk.QueryVectorsCommand({
        vectorBucketName: this.bucketName,
        indexName: vectorIndexName(vector.length),
        topK: 1,
        queryVector: { float32: vector },
        filter: { $and: [{ ns: { $eq: namespace } }, { exp: { $gt: this.clock.now() } }] },
        returnMetadata: true,
        returnDistance: true,
      }),
    );
    const best = out.vectors?.[0];
    const hash = (best?.metadata as { hash?: string } | undefined)?.hash;
    // cosine distance is 1 - similarity
    const similarity = best?.distance === undefined ? undefined : 1 - best.distance;
    return hash && similarity !== undefined && similarity >= minSimilarity ? { hash, similarity } : undefined;
  }

  async put(namespace: string, hash: string, vector: number[], expiresAt: number): Promise<void> {
    const { sdk, client } = await this.#sdk();
    await client.send(
      new sdk.PutVectorsCommand({
        vectorBucketName: this.bucketName,
        indexName: vectorIndexName(vector.length),
        vectors: [{ key: vectorKey(namespace, hash), data: { float32: vector }, metadata: { ns: namespace, hash, exp: expiresAt } }],
      }),
    );
  }
}

/** one vector per namespace and request: a request cached again replaces its vector */
export function vectorKey(namespace: string, hash: string): string {
  return `${createHash('sha256').update(namespace).digest('hex').slice(0, 32)}-${hash}`;
}
