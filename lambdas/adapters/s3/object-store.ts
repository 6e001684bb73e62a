// ObjectStore on S3 (PutObject/GetObject/DeleteObject). Encryption is the bucket's default (KMS), so no
// per-call SSE parameters. The command classes are imported on first use (see ./client.ts).
import type { S3Client } from '@aws-sdk/client-s3';
import type { ObjectStore } from '../../core/ports';
import { createS3Client, type S3ClientOptions } from './client';

const sdk = () => import('@aws-sdk/client-s3');

export class S3ObjectStore implements ObjectStore {
  constructor(
    private readonly client: S3Client,
    readonly bucket: string,
  ) {}

  async put(key: string, body: Uint8Array | string, opts: { contentType?: string } = {}): Promise<void> {
    const { PutObjectCommand } = await sdk();
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: opts.contentType }));
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const { GetObjectCommand } = await sdk();
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return out.Body ? await out.Body.transformToByteArray() : new Uint8Array();
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    const { DeleteObjectCommand } = await sdk();
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.Code === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404;
}

/**
 * The S3 client of a process, made on first use and shared by its buckets' stores: a function whose
 * requests never touch a bucket never loads the S3 SDK.
 */
export class LazyS3 {
  private client?: Promise<S3Client>;
  private made?: S3Client;

  /** `endpoint` as a function: resolved on first use (the local server starts its embedded S3 server then) */
  constructor(private readonly opts: Omit<S3ClientOptions, 'endpoint'> & { endpoint?: string | (() => Promise<string>) }) {}

  store(bucket: string): ObjectStore {
    const lazy = this;
    let real: Promise<S3ObjectStore> | undefined;
    const get = () => (real ??= lazy.get().then((c) => new S3ObjectStore(c, bucket)));
    return {
      put: async (key, body, opts) => (await get()).put(key, body, opts),
      get: async (key) => (await get()).get(key),
      delete: async (key) => (await get()).delete(key),
    };
  }

  private get(): Promise<S3Client> {
    return (this.client ??= (async () => {
      const { endpoint, region } = this.opts;
      const client = await createS3Client({ region, endpoint: typeof endpoint === 'function' ? await endpoint() : endpoint });
      return (this.made = client);
    })());
  }

  destroy(): void {
    this.made?.destroy();
  }
}
