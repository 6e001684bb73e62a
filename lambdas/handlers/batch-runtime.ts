// The batch worker's dependencies, from a gateway runtime: the same gateway entry, tenants, stores and clock,
// so a batch line is served exactly as a live call is. One wiring for the worker Lambda and the local server.
import type { BatchWorkerDeps } from '../core/batches/worker';
import type { WorkQueue } from '../core/batches/ports';
import { BatchShare } from '../core/batches/share';
import { DynamoBatchStore } from '../adapters/dynamodb/batch-store';
import { DynamoRateCounters } from '../adapters/dynamodb/rate-counters';
import type { Runtime } from './runtime';

export function batchWorkerDeps(runtime: Runtime, queue: WorkQueue, sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms))): BatchWorkerDeps {
  const { deps } = runtime;
  return {
    store: deps.batches?.store ?? new DynamoBatchStore(runtime.dynamo, runtime.tables.batches),
    objects: deps.batches?.objects ?? runtime.objectStore('batchFiles'),
    queue,
    gateway: runtime.gateway,
    tenants: deps.tenants,
    share: new BatchShare(new DynamoRateCounters(runtime.dynamo, runtime.tables.rateCounters, runtime.regions), deps.clock, deps.config.batches.rateShare),
    config: deps.config,
    clock: deps.clock,
    logger: deps.logger,
    metrics: deps.metrics,
    sleep,
  };
}
