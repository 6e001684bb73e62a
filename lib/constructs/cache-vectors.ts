// CacheVectors: the semantic cache's S3 Vectors bucket and its indexes (one per embedding dimension the
// config's semantic aliases use, cosine), in the state stack; and the gateway's grant to query and put vectors
// in them. Made only when some alias has a semantic cache: S3 Vectors costs nothing while idle.
import { Arn, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { CfnIndex, CfnVectorBucket } from 'aws-cdk-lib/aws-s3vectors';
import { Construct } from 'constructs';
import { vectorIndexName } from '../../lambdas/adapters/s3vectors/vector-index';
import type { GatewayConfig } from '../../lambdas/core/config/schema';
import type { DeploymentNames } from '../config/names';
import type { SwitchboardFunction } from './gateway-function';

/** the embedding dimensions of the config's semantic caches (each needs its index); a deploy must name them */
export function semanticDimensions(config: GatewayConfig): number[] {
  const dims = new Set<number>();
  for (const m of config.models) {
    const semantic = m.cache?.semantic;
    if (!semantic) continue;
    if (!semantic.dimensions) throw new Error(`models "${m.name}": cache.semantic.dimensions is needed to deploy (the embedding's length, e.g. 1536): S3 Vectors indexes have a fixed dimension`);
    dims.add(semantic.dimensions);
  }
  return [...dims].sort((a, b) => a - b);
}

export function cacheVectorBucketName(names: DeploymentNames): string {
  return `${names.name}-cache-vectors`;
}

export interface CacheVectorsProps {
  readonly names: DeploymentNames;
  /** one index per dimension */
  readonly dimensions: readonly number[];
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

export class CacheVectors extends Construct {
  readonly bucket: CfnVectorBucket;

  constructor(scope: Construct, id: string, props: CacheVectorsProps) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.bucket = new CfnVectorBucket(this, 'Bucket', { vectorBucketName: cacheVectorBucketName(props.names) });
    this.bucket.applyRemovalPolicy(removalPolicy);
    for (const dimension of props.dimensions) {
      const index = new CfnIndex(this, `Index${dimension}`, {
        vectorBucketName: cacheVectorBucketName(props.names),
        indexName: vectorIndexName(dimension),
        dataType: 'float32',
        dimension,
        distanceMetric: 'cosine',
      });
      index.node.addDependency(this.bucket);
      index.applyRemovalPolicy(removalPolicy);
    }
  }
}

/**
 * Let the gateway query and put vectors in the cache indexes (the state stack's region: the bucket is not
 * replicated), and name the bucket and its region to it.
 */
export function grantCacheVectors(fn: SwitchboardFunction, names: DeploymentNames, dimensions: readonly number[], region?: string): void {
  const stack = Stack.of(fn);
  const bucketRegion = region ?? stack.region;
  fn.addEnvironment('CACHE_VECTOR_BUCKET', cacheVectorBucketName(names));
  fn.addEnvironment('CACHE_VECTOR_REGION', bucketRegion);
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ['s3vectors:QueryVectors', 's3vectors:GetVectors', 's3vectors:PutVectors'],
      resources: dimensions.map((d) => Arn.format({ service: 's3vectors', region: bucketRegion, resource: 'bucket', resourceName: `${cacheVectorBucketName(names)}/index/${vectorIndexName(d)}` }, stack)),
    }),
  );
}
