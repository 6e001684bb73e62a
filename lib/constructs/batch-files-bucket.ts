// The batch files bucket: uploaded input files, produced output and error files, and the workers' chunk
// objects. Encrypted with S3's KMS key (aws/s3, nothing billed idle; bucket keys cut its requests), TLS only, no
// public access, and objects expire after the retention period, as their records in DynamoDB do.
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface BatchFilesBucketProps {
  /** days objects are kept (`batches.retentionDays` of the gateway config) */
  readonly retentionDays: number;
  /** @default RemovalPolicy.RETAIN: `cdk destroy` leaves it, and its lifecycle empties it within the retention period */
  readonly removalPolicy?: RemovalPolicy;
}

export class BatchFilesBucket extends Construct {
  readonly bucket: Bucket;

  constructor(scope: Construct, id: string, props: BatchFilesBucketProps) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.bucket = new Bucket(this, 'Bucket', {
      encryption: BucketEncryption.KMS_MANAGED,
      bucketKeyEnabled: true,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [
        { id: 'expire', expiration: Duration.days(props.retentionDays) },
        { id: 'abort-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      removalPolicy,
    });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'Every file is written and read through the gateway, whose request log (CloudWatch) and ledger record who did what; server access logs would be a second bucket billed for the same record.',
    });
  }
}
