// PayloadBucket: where tenants with payload logging on have their request and answer bodies written
// (lambdas/core/history/payloads.ts), in the state stack of the primary region. KMS-encrypted (the account's
// aws/s3 key with an S3 bucket key: no key to pay for while idle), TLS only, no public access, objects expired
// after `expirationDays`, and optionally locked (S3 Object Lock, governance or compliance) for that long or
// less, for audits that need the logs unchangeable. Its name is fixed per deployment, account and region so
// service stacks in every region find it by name (grantPayloads); they are given read and write of the
// payloads/ prefix only, nothing else (no list, no delete).
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectLockRetention, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Validations } from 'aws-cdk-lib';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { BUCKETS } from '../../lambdas/adapters/s3/buckets';

export const PAYLOAD_PREFIX = 'payloads/';

export interface PayloadObjectLock {
  readonly mode: 'governance' | 'compliance';
  /** each object is locked this many days after it is written (at most the expiry) */
  readonly days: number;
}

export interface PayloadBucketProps {
  /** the bucket's name: payloadBucketName() */
  readonly bucketName: string;
  /** days after which a logged payload is deleted @default 30 */
  readonly expirationDays?: number;
  /** S3 Object Lock for every object (set at creation; cannot be turned off later) @default - none */
  readonly objectLock?: PayloadObjectLock;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/** `<deployment>-payloads-<account>-<region>`: fixed, so every region's service stack names the same bucket */
export function payloadBucketName(deployment: string, account: string, region: string): string {
  return `${deployment}-payloads-${account}-${region}`;
}

export class PayloadBucket extends Construct {
  readonly bucket: Bucket;

  constructor(scope: Construct, id: string, props: PayloadBucketProps) {
    super(scope, id);
    const expirationDays = props.expirationDays ?? 30;
    if (!Number.isInteger(expirationDays) || expirationDays < 1) throw new Error(`payload expiry must be a whole number of days from 1, not ${expirationDays}`);
    const lock = props.objectLock;
    if (lock && !(Number.isInteger(lock.days) && lock.days >= 1 && lock.days <= expirationDays)) {
      throw new Error(`payload Object Lock days must be a whole number from 1 to the expiry (${expirationDays}), not ${lock.days}`);
    }
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.bucket = new Bucket(this, 'Bucket', {
      bucketName: props.bucketName,
      encryption: BucketEncryption.KMS_MANAGED,
      bucketKeyEnabled: true,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // Object Lock needs versioning; without it, a payload is written once per request id and needs none
      versioned: lock !== undefined,
      objectLockEnabled: lock !== undefined,
      objectLockDefaultRetention: lock && (lock.mode === 'compliance' ? ObjectLockRetention.compliance(Duration.days(lock.days)) : ObjectLockRetention.governance(Duration.days(lock.days))),
      lifecycleRules: [
        {
          id: 'expire-payloads',
          prefix: PAYLOAD_PREFIX,
          expiration: Duration.days(expirationDays),
          ...(lock ? { noncurrentVersionExpiration: Duration.days(1), expiredObjectDeleteMarker: false } : {}),
        },
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      removalPolicy,
      autoDeleteObjects: false,
    });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'Server access logs would need a second bucket, billed per request; every payload write is already one per request of a tenant who asked for it, named in its ledger entry, and S3 data events can go to CloudTrail where an audit needs them.',
    });
  }
}

/**
 * Read and write of logged payloads for a function (any region): PAYLOAD_BUCKET and PAYLOAD_BUCKET_REGION, and
 * s3:PutObject and s3:GetObject on payloads/* of that bucket only. The bucket's encryption is the account's
 * aws/s3 key, which S3 uses on the function's behalf without a KMS grant.
 */
export function grantPayloads(fn: LambdaFunction, bucketName: string, bucketRegion: string): void {
  fn.addEnvironment(BUCKETS.payloadLogs.envVar, bucketName);
  fn.addEnvironment('PAYLOAD_BUCKET_REGION', bucketRegion);
  const stack = Stack.of(fn);
  const objects = `arn:${stack.partition}:s3:::${bucketName}/${PAYLOAD_PREFIX}*`;
  fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:PutObject', 's3:GetObject'], resources: [objects] }));
  if (fn.role) {
    // as cdk-nag prints it: the partition is a reference in an environment-agnostic stack, `aws` in a deploy's
    Validations.of(fn.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagRendered(stack.resolve(objects))}]`,
      reason: 'Payload objects are keyed by tenant, day and request id under payloads/: the function writes and reads that prefix only (no list, no delete).',
    });
  }
}

/** a resolved name as cdk-nag prints it in a finding: references as <Name> */
function nagRendered(resolved: unknown): string {
  if (typeof resolved === 'string') return resolved;
  const o = resolved as { 'Fn::Join'?: [string, unknown[]]; Ref?: string };
  if (o?.Ref) return `<${o.Ref}>`;
  if (o?.['Fn::Join']) return o['Fn::Join'][1].map(nagRendered).join(o['Fn::Join'][0]);
  return JSON.stringify(resolved);
}
