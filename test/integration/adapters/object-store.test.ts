// The S3 object store against the embedded S3-compatible server (s3rver, what `npm start` runs) and, for
// the calls' exact parameters and S3's error shapes, with aws-sdk-client-mock.
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, NoSuchKey, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BUCKETS, bucketNamesFromEnv, LOCAL_BUCKET_NAMES } from '../../../lambdas/adapters/s3/buckets';
import { LazyS3, S3ObjectStore } from '../../../lambdas/adapters/s3/object-store';
import { startTestS3, type TestS3 } from '../../helpers/s3';

let s3: TestS3;

beforeAll(async () => {
  s3 = await startTestS3();
});
afterAll(async () => {
  await s3?.stop();
});

describe('S3ObjectStore against the embedded S3 server', () => {
  it('creates every bucket the gateway defines', async () => {
    for (const name of Object.values(LOCAL_BUCKET_NAMES)) expect(await s3.keys(name)).toEqual([]);
  });

  it('writes text and bytes, reads them back exactly, with the content type', async () => {
    const store = new S3ObjectStore(s3.client, s3.buckets.payloadLogs);
    await store.put('payloads/acme/2026/12/02/req_1.json', '{"hello":"wörld"}', { contentType: 'application/json' });
    const bytes = new Uint8Array([0x1f, 0x8b, 0, 1, 2, 255, 254]);
    await store.put('payloads/acme/2026/12/02/req_2.json.gz', bytes, { contentType: 'application/gzip' });

    expect(new TextDecoder().decode(await store.get('payloads/acme/2026/12/02/req_1.json'))).toBe('{"hello":"wörld"}');
    expect(await store.get('payloads/acme/2026/12/02/req_2.json.gz')).toEqual(bytes);
    const head = await s3.client.send(new HeadObjectCommand({ Bucket: s3.buckets.payloadLogs, Key: 'payloads/acme/2026/12/02/req_1.json' }));
    expect(head.ContentType).toBe('application/json');
    expect(await s3.keys(s3.buckets.payloadLogs, 'payloads/acme/')).toEqual(['payloads/acme/2026/12/02/req_1.json', 'payloads/acme/2026/12/02/req_2.json.gz']);
  });

  it('replaces an object under the same key', async () => {
    const store = new S3ObjectStore(s3.client, s3.buckets.batchFiles);
    await store.put('files/f1', 'first');
    await store.put('files/f1', 'second');
    expect(new TextDecoder().decode(await store.get('files/f1'))).toBe('second');
  });

  it('reads a missing key as undefined and deletes without error when absent', async () => {
    const store = new S3ObjectStore(s3.client, s3.buckets.batchFiles);
    expect(await store.get('files/none')).toBeUndefined();
    await store.put('files/gone', 'x');
    await store.delete('files/gone');
    expect(await store.get('files/gone')).toBeUndefined();
    await expect(store.delete('files/gone')).resolves.toBeUndefined();
  });

  it('keeps buckets apart', async () => {
    const payloads = new S3ObjectStore(s3.client, s3.buckets.payloadLogs);
    const batches = new S3ObjectStore(s3.client, s3.buckets.batchFiles);
    await payloads.put('shared/key', 'payload');
    expect(await batches.get('shared/key')).toBeUndefined();
  });

  it('fails loudly on a bucket that does not exist (a write must not vanish)', async () => {
    const store = new S3ObjectStore(s3.client, 'no-such-bucket');
    await expect(store.put('k', 'v')).rejects.toThrow();
  });

  it('LazyS3 makes its client on first use and serves each bucket', async () => {
    const lazy = new LazyS3({ endpoint: s3.endpoint });
    try {
      const store = lazy.store(s3.buckets.payloadLogs);
      await store.put('lazy/one', 'made on first use');
      expect(new TextDecoder().decode(await new S3ObjectStore(s3.client, s3.buckets.payloadLogs).get('lazy/one'))).toBe('made on first use');
      await store.delete('lazy/one');
      expect(await store.get('lazy/one')).toBeUndefined();
    } finally {
      lazy.destroy();
    }
  });
});

describe('S3ObjectStore calls (aws-sdk-client-mock)', () => {
  // stubs S3Client.prototype.send for this block only (the block above talks to the real server)
  let mock: ReturnType<typeof mockClient>;
  beforeAll(() => {
    mock = mockClient(S3Client);
  });
  afterEach(() => mock.reset());
  afterAll(() => mock.restore());

  it('puts with bucket, key, body and content type, and no per-call encryption parameters (the bucket default is KMS)', async () => {
    mock.on(PutObjectCommand).resolves({});
    await new S3ObjectStore(new S3Client({ region: 'eu-west-1' }), 'b').put('k', 'v', { contentType: 'application/json' });
    const input = mock.commandCalls(PutObjectCommand)[0]!.args[0].input;
    expect(input).toEqual({ Bucket: 'b', Key: 'k', Body: 'v', ContentType: 'application/json' });
  });

  it('maps NoSuchKey to undefined, and rethrows other errors', async () => {
    const store = new S3ObjectStore(new S3Client({ region: 'eu-west-1' }), 'b');
    mock.on(GetObjectCommand).rejects(new NoSuchKey({ message: 'gone', $metadata: { httpStatusCode: 404 } }));
    expect(await store.get('k')).toBeUndefined();
    mock.on(GetObjectCommand).rejects(new S3ServiceException({ name: 'AccessDenied', $fault: 'client', message: 'denied', $metadata: { httpStatusCode: 403 } }));
    await expect(store.get('k')).rejects.toThrow('denied');
    mock.on(DeleteObjectCommand).rejects(new S3ServiceException({ name: 'AccessDenied', $fault: 'client', message: 'denied', $metadata: { httpStatusCode: 403 } }));
    await expect(store.delete('k')).rejects.toThrow('denied');
  });
});

describe('bucket names', () => {
  it('come from the environment variables, falling back to the local names', () => {
    expect(bucketNamesFromEnv({ [BUCKETS.payloadLogs.envVar]: 'prod-payloads' })).toEqual({ payloadLogs: 'prod-payloads', batchFiles: BUCKETS.batchFiles.localName });
  });
});
