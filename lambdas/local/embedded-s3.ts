// An embedded S3-compatible server (s3rver) on 127.0.0.1, in a worker thread so its work does not sit on the
// gateway's event loop, with the gateway's buckets (../adapters/s3/buckets.ts) created. Objects live in a temp
// directory removed at stop, unless `dataDir` keeps them across restarts. The real S3 adapter talks to it, so
// what runs locally and in tests is the S3 API.
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { S3Client } from '@aws-sdk/client-s3';
import { LOCAL_BUCKET_NAMES } from '../adapters/s3/buckets';
import { createS3Client } from '../adapters/s3/client';

// plain CommonJS, evaluated in the worker: s3rver is a CommonJS package
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const S3rver = require(workerData.s3rverPath);
const server = new S3rver({
  address: '127.0.0.1',
  port: workerData.port,
  silent: true,
  directory: workerData.directory,
  configureBuckets: workerData.buckets.map((name) => ({ name })),
});
server.run().then(
  (address) => parentPort.postMessage({ port: address.port }),
  (err) => parentPort.postMessage({ error: err.message }),
);
parentPort.on('message', (message) => {
  if (message === 'stop') server.close().then(() => parentPort.postMessage({ stopped: true }), () => parentPort.postMessage({ stopped: true }));
});
`;

export interface EmbeddedS3 {
  endpoint: string;
  /** the buckets it holds */
  buckets: string[];
  /** where its objects are (a temp directory removed at stop, unless dataDir was given) */
  directory: string;
  /** a client for it (path-style addressing, the credentials it knows); the caller destroys it */
  client(): Promise<S3Client>;
  stop(): Promise<void>;
}

export async function startEmbeddedS3(opts: { port?: number; dataDir?: string; buckets?: string[] } = {}): Promise<EmbeddedS3> {
  const s3rverPath = createRequire(import.meta.url).resolve('s3rver');
  const directory = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'switchboard-s3-'));
  const buckets = opts.buckets ?? Object.values(LOCAL_BUCKET_NAMES);
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { s3rverPath, port: opts.port ?? 0, directory, buckets } });
  const cleanup = () => {
    if (!opts.dataDir) rmSync(directory, { recursive: true, force: true });
  };
  let port: number;
  try {
    port = await new Promise<number>((resolve, reject) => {
      worker.once('message', (m: { port?: number; error?: string }) => (m.port ? resolve(m.port) : reject(new Error(`the embedded S3 server did not start: ${m.error}`))));
      worker.once('error', reject);
    });
  } catch (err) {
    await worker.terminate();
    cleanup();
    throw err;
  }
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    buckets,
    directory,
    client: () => createS3Client({ endpoint }),
    async stop() {
      const stopped = new Promise<void>((resolve) => worker.once('message', () => resolve()));
      worker.postMessage('stop');
      await Promise.race([stopped, new Promise((r) => setTimeout(r, 1_000))]);
      await worker.terminate();
      cleanup();
    },
  };
}
