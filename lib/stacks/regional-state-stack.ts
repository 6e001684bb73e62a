// The stateful stack, deployed once in the primary region: the global tables (replicated to every other
// region) and the provider-key secrets (replicated likewise) with their rotation. Service stacks in any
// region reach the replicas by name, so nothing here is exported.
import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { DeploymentNames } from '../config/names';
import { ProviderSecrets, type KeyedProvider } from '../constructs/provider-secrets';
import { StateTables } from '../constructs/state-tables';
import { CacheVectors } from '../constructs/cache-vectors';
import { PayloadBucket, payloadBucketName, type PayloadObjectLock } from '../constructs/payload-bucket';

export interface RegionalStateStackProps extends StackProps {
  /** @default new DeploymentNames() */
  readonly names?: DeploymentNames;
  /** regions (other than this one) that get table and secret replicas @default [] */
  readonly replicaRegions?: readonly string[];
  readonly keyedProviders: readonly KeyedProvider[];
  /** @default [] */
  readonly gatewayKeys?: readonly string[];
  /** tables and secrets on `cdk destroy`: RETAIN keeps them (and protects tables from deletion) @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Only what a teardown retained (tables and secrets, no rotation), for `cdk import` of those resources into
   * a new stack: an import may not create anything else (docs/deploy.md, "Teardown").
   * @default false
   */
  readonly retainedOnly?: boolean;
  /** embedding dimensions of the semantic caches: an S3 Vectors index each (lib/constructs/cache-vectors) @default [] */
  readonly cacheVectorDimensions?: readonly number[];
  /** logged payloads: days kept, and Object Lock @default 30 days, no lock */
  readonly payloads?: { expirationDays?: number; objectLock?: PayloadObjectLock };
}

export class RegionalStateStack extends Stack {
  readonly tables: StateTables;
  readonly secrets: ProviderSecrets;
  /** logged payloads (lib/constructs/payload-bucket.ts); not in an import of retained state */
  readonly payloads?: PayloadBucket;

  constructor(scope: Construct, id: string, props: RegionalStateStackProps) {
    super(scope, id, props);
    const names = props.names ?? new DeploymentNames();
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.tables = new StateTables(this, 'Tables', { replicaRegions: props.replicaRegions, names, removalPolicy });
    this.secrets = new ProviderSecrets(this, 'ProviderSecrets', {
      providers: props.keyedProviders,
      gatewayKeys: props.gatewayKeys,
      replicaRegions: props.replicaRegions,
      rotationFunctionName: names.rotationFunction(),
      rotationLogGroupName: names.logGroup('secret-rotation'),
      metricNamespace: names.metricNamespace,
      removalPolicy,
      withoutRotation: props.retainedOnly,
    });
    if (props.cacheVectorDimensions?.length && !props.retainedOnly) new CacheVectors(this, 'CacheVectors', { names, dimensions: props.cacheVectorDimensions, removalPolicy });
    if (!props.retainedOnly) {
      this.payloads = new PayloadBucket(this, 'PayloadLogs', { bucketName: payloadBucketName(names.name, this.account, this.region), removalPolicy, ...props.payloads });
    }
  }
}
