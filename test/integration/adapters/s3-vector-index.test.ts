// The S3 Vectors index of the semantic cache, at the SDK client (aws-sdk-client-mock): the index per dimension,
// the namespace and expiry filter, cosine distance read as similarity, and the threshold.
import { PutVectorsCommand, QueryVectorsCommand, S3VectorsClient } from '@aws-sdk/client-s3vectors';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { S3VectorIndex, vectorKey } from '../../../lambdas/adapters/s3vectors/vector-index';

const s3vectors = mockClient(S3VectorsClient);
const now = 1_800_000_000_000;

describe('S3VectorIndex', () => {
  beforeEach(() => s3vectors.reset());

  it('queries the index of the vector’s dimension, filtered to its namespace and unexpired vectors', async () => {
    s3vectors.on(QueryVectorsCommand).resolves({ vectors: [{ key: 'k', distance: 0.02, metadata: { hash: 'abc', ns: 'T#t#a#p' } }], distanceMetric: 'cosine' });
    const index = new S3VectorIndex('sb-cache-vectors', 'eu-west-1', { now: () => now });
    const match = await index.nearest('T#t#a#p', [1, 0, 0], 0.95);
    expect(match?.hash).toBe('abc');
    expect(match?.similarity).toBeCloseTo(0.98);
    const input = s3vectors.commandCalls(QueryVectorsCommand)[0]!.args[0].input;
    expect(input).toMatchObject({ vectorBucketName: 'sb-cache-vectors', indexName: 'cache-3', topK: 1, returnDistance: true });
    expect(input.filter).toEqual({ $and: [{ ns: { $eq: 'T#t#a#p' } }, { exp: { $gt: now } }] });
  });

  it('misses below the threshold and when nothing is found', async () => {
    const index = new S3VectorIndex('b', undefined, { now: () => now });
    s3vectors.on(QueryVectorsCommand).resolves({ vectors: [{ key: 'k', distance: 0.2, metadata: { hash: 'abc' } }], distanceMetric: 'cosine' });
    expect(await index.nearest('ns', [1, 0], 0.95)).toBeUndefined();
    s3vectors.on(QueryVectorsCommand).resolves({ vectors: [], distanceMetric: 'cosine' });
    expect(await index.nearest('ns', [1, 0], 0.95)).toBeUndefined();
  });

  it('puts one vector per namespace and request, with its namespace, hash and expiry as metadata', async () => {
    s3vectors.on(PutVectorsCommand).resolves({});
    const index = new S3VectorIndex('b', undefined, { now: () => now });
    await index.put('ns', 'h1', [0.5, 0.5], now + 60_000);
    const input = s3vectors.commandCalls(PutVectorsCommand)[0]!.args[0].input;
    expect(input.indexName).toBe('cache-2');
    expect(input.vectors).toEqual([{ key: vectorKey('ns', 'h1'), data: { float32: [0.5, 0.5] }, metadata: { ns: 'ns', hash: 'h1', exp: now + 60_000 } }]);
  });
});
