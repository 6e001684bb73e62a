// The local server's embedded S3 (s3rver): started on first use, holding the gateway's buckets, reached by
// the runtime's object stores through the real S3 adapter, and stopped (its temp directory removed) on close.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_BUCKET_NAMES } from '../../../lambdas/adapters/s3/buckets';
import { createS3Client } from '../../../lambdas/adapters/s3/client';
import { S3ObjectStore } from '../../../lambdas/adapters/s3/object-store';
import { startEmbeddedS3 } from '../../../lambdas/local/embedded-s3';
import { startTestGateway, type TestGateway } from '../../helpers/gateway';
import { listKeys } from '../../helpers/s3';

describe('the local gateway and its embedded S3 server', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(async () => {
    await gw?.close();
  });

  it("writes through the runtime's object store to the embedded server, which holds every bucket", async () => {
    await gw.runtime.objectStore('batchFiles').put('files/one.jsonl', '{"a":1}\n');
    const endpoint = await gw.s3Endpoint();
    expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const client = await createS3Client({ endpoint });
    try {
      expect(await listKeys(client, LOCAL_BUCKET_NAMES.batchFiles)).toEqual(['files/one.jsonl']);
      expect(await listKeys(client, LOCAL_BUCKET_NAMES.payloadLogs)).toEqual([]);
      expect(new TextDecoder().decode(await gw.runtime.objectStore('batchFiles').get('files/one.jsonl'))).toBe('{"a":1}\n');
    } finally {
      client.destroy();
    }
  });
});

describe('startEmbeddedS3', () => {
  it('keeps objects in dataDir across restarts when given one, and removes its temp directory otherwise', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dataDir = mkdtempSync(join(tmpdir(), 'sb-s3-test-'));
    try {
      let s3 = await startEmbeddedS3({ dataDir });
      let client = await s3.client();
      await new S3ObjectStore(client, LOCAL_BUCKET_NAMES.payloadLogs).put('kept', 'yes');
      client.destroy();
      await s3.stop();
      s3 = await startEmbeddedS3({ dataDir });
      client = await s3.client();
      expect(new TextDecoder().decode(await new S3ObjectStore(client, LOCAL_BUCKET_NAMES.payloadLogs).get('kept'))).toBe('yes');
      client.destroy();
      await s3.stop();
      expect(existsSync(dataDir)).toBe(true);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
    const temp = await startEmbeddedS3();
    expect(existsSync(temp.directory)).toBe(true);
    await temp.stop();
    expect(existsSync(temp.directory)).toBe(false);
  });
});
