// The embedded S3-compatible server with the gateway's buckets, for adapter tests against the real S3 API.
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { LOCAL_BUCKET_NAMES, type BucketNames } from '../../lambdas/adapters/s3/buckets';
import { startEmbeddedS3 } from '../../lambdas/local/embedded-s3';

export interface TestS3 {
  endpoint: string;
  client: S3Client;
  buckets: BucketNames;
  /** every key in a bucket (under a prefix) */
  keys(bucket: string, prefix?: string): Promise<string[]>;
  stop(): Promise<void>;
}

export async function startTestS3(): Promise<TestS3> {
  const embedded = await startEmbeddedS3();
  const client = await embedded.client();
  return {
    endpoint: embedded.endpoint,
    client,
    buckets: LOCAL_BUCKET_NAMES,
    keys: (bucket, prefix) => listKeys(client, bucket, prefix),
    async stop() {
      client.destroy();
      await embedded.stop();
    },
  };
}

export async function listKeys(client: S3Client, bucket: string, prefix?: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const out = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    keys.push(...(out.Contents ?? []).map((o) => o.Key!));
    token = out.IsTruncated ? out.NextContinuationToken : undefined;
  } while (token);
  return keys;
}
