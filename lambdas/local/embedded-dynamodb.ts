// An embedded DynamoDB-compatible server (dynalite) on 127.0.0.1, in a worker thread so its work does not
// sit on the gateway's event loop. In memory by default; `dataDir` keeps state across restarts.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

// plain CommonJS, evaluated in the worker: dynalite is a CommonJS package
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const dynalite = require(workerData.dynalitePath);
const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, path: workerData.dataDir });
server.on('error', (err) => parentPort.postMessage({ error: err.message }));
server.listen(workerData.port, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
parentPort.on('message', (message) => {
  if (message === 'stop') server.close(() => parentPort.postMessage({ stopped: true }));
});
`;

export interface EmbeddedDynamo {
  endpoint: string;
  stop(): Promise<void>;
}

export async function startEmbeddedDynamo(opts: { port?: number; dataDir?: string } = {}): Promise<EmbeddedDynamo> {
  const dynalitePath = createRequire(import.meta.url).resolve('dynalite');
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { dynalitePath, port: opts.port ?? 0, dataDir: opts.dataDir } });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('message', (m: { port?: number; error?: string }) => (m.port ? resolve(m.port) : reject(new Error(`dynalite did not start: ${m.error}`))));
    worker.once('error', reject);
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    async stop() {
      const stopped = new Promise<void>((resolve) => worker.once('message', () => resolve()));
      worker.postMessage('stop');
      await Promise.race([stopped, new Promise((r) => setTimeout(r, 1_000))]);
      await worker.terminate();
    },
  };
}
