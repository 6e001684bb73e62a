// The S3 client: pointed at S3_ENDPOINT locally (the embedded S3-compatible server), the region's S3 in AWS.
// @aws-sdk/client-s3 is imported on first use only (the runtime's SDK; nothing of it loads at a cold start
// of a function whose requests never touch a bucket).
import type { S3Client } from '@aws-sdk/client-s3';

export interface S3ClientOptions {
  /** an S3-compatible endpoint (the embedded server); unset in AWS */
  endpoint?: string;
  region?: string;
}

/** the credentials the embedded server (s3rver) knows; it checks signatures */
export const LOCAL_S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

export async function createS3Client(opts: S3ClientOptions = {}): Promise<S3Client> {
  const { S3Client } = await import('@aws-sdk/client-s3');
  const client = opts.endpoint
    ? new S3Client({
        endpoint: opts.endpoint,
        region: opts.region && opts.region !== 'local' ? opts.region : 'us-east-1',
        forcePathStyle: true,
        credentials: LOCAL_S3_CREDENTIALS,
        // the embedded server knows no flexible checksums (x-amz-checksum-*, aws-chunked trailers)
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
        maxAttempts: 3,
      })
    : new S3Client({ region: opts.region, maxAttempts: 3 });
  // as for DynamoDB (../dynamodb/client.ts): we log our own way, the SDK's redacted copies are pure cost
  client.middlewareStack.remove('loggerMiddleware');
  return client;
}
