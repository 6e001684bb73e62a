// The local gateway: an HTTP server that turns each request into the API Gateway event the Lambda handler
// gets in AWS, and runs that same handler through a Lambda-style response stream.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Context } from 'aws-lambda';
import type { GatewayConfig } from '../core/config/schema';
import type { HttpClient, Logger, Metrics } from '../core/ports';
import { runHealthChecks, type HealthCheckResult } from '../core/health/check-providers';
import { createDynamoClient } from '../adapters/dynamodb/client';
import { CAPACITY_TALLY_KEY, tallyConsumedCapacity } from '../adapters/dynamodb/consumed-capacity';
import { ensureTables } from '../adapters/dynamodb/create-tables';
import { tableNamesFromEnv } from '../adapters/dynamodb/tables';
import { sweepLeases } from '../adapters/dynamodb/lease-sweep';
import { DynamoProviderHealthStore } from '../adapters/dynamodb/provider-health';
import { EnvSecretSource } from '../adapters/secrets/secret-sources';
import { unpricedTargets, withCatalogPrices } from '../adapters/pricing/price-catalogue';
import { gatewayEnvironment } from '../handlers/environment';
import { gatewayHandler } from '../handlers/response-stream';
import { createRuntime, systemClock, type Runtime } from '../handlers/runtime';
import { startEmbeddedDynamo, type EmbeddedDynamo } from './embedded-dynamodb';
import { startEmbeddedS3, type EmbeddedS3 } from './embedded-s3';
import { readBody, toProxyEvent } from './http-event';
import { installLambdaShim } from './lambda-shim';
import { LocalResponseStream } from './response-stream';
import { PrometheusRegistry, PROMETHEUS_CONTENT_TYPE, teeMetrics } from './prometheus';
import { PowertoolsMetricsAdapter } from '../adapters/observability/powertools';
import { uploadLimit } from '../core/batches/limits';
import { expireOverdue, runBatchWork } from '../core/batches/worker';
import { InProcessWorkQueue } from '../adapters/queue/in-process-queue';
import { batchWorkerDeps } from '../handlers/batch-runtime';
import type { Clock } from '../core/ports';

export interface LocalGatewayOptions {
  config: GatewayConfig;
  /** default 8080; 0 picks a free port */
  port?: number;
  host?: string;
  /** share state with other processes through this DynamoDB-compatible endpoint instead of an embedded one */
  dynamodbEndpoint?: string;
  /** use this S3-compatible endpoint (its buckets must exist) instead of an embedded one */
  s3Endpoint?: string;
  /** environment for the handler (table names, provider keys); defaults to process.env */
  env?: Record<string, string | undefined>;
  logger?: Logger;
  metrics?: Metrics;
  /** the upstream HTTP client (tests resolve names their own way through it) @default NodeHttpClient */
  http?: HttpClient;
  /** probe every provider this often, as the scheduled health check does in AWS; 0: never @default 60000 */
  healthCheckIntervalMs?: number;
  /** release budget leases of crashed processes this often (the scheduled function's job in AWS); 0: never @default 60000 */
  sweepIntervalMs?: number;
  /**
   * Ledger entries and budget settlements wait this long after a response for those of other requests, to
   * share one write (RuntimeOptions.groupCommitMs; Lambda uses 0). Only after the response: no caller waits.
   * @default 20
   */
  groupCommitMs?: number;
  /**
   * Tests only: the gateway's clock runs this many times faster than the wall clock (rate windows, the batch
   * workers' waits), so a minute's rate window passes in seconds. @default 1
   */
  timeScale?: number;
}

const LOCAL_GROUP_COMMIT_MS = 20;

export interface LocalGateway {
  url: string;
  port: number;
  dynamodbEndpoint: string;
  /**
   * the S3-compatible endpoint holding the buckets: the one given, or the embedded server, started on first
   * use (by this call or the first object a request writes) so a gateway that never touches a bucket does not
   * pay its start (~0.7 s)
   */
  s3Endpoint(): Promise<string>;
  runtime: Runtime;
  /** what GET /metrics renders (Prometheus text): every metric the gateway records, as CloudWatch gets them */
  prometheus: PrometheusRegistry;
  /** the in-process queue the batch workers drain */
  workQueue: InProcessWorkQueue;
  /** probe every provider now and record the results (what the interval runs) */
  checkHealth(): Promise<HealthCheckResult>;
  close(): Promise<void>;
}

export async function startLocalGateway(opts: LocalGatewayOptions): Promise<LocalGateway> {
  installLambdaShim();
  const baseEnv = opts.env ?? process.env;
  let embedded: EmbeddedDynamo | undefined;
  const endpoint = opts.dynamodbEndpoint ?? baseEnv.DYNAMODB_ENDPOINT ?? (embedded = await startEmbeddedDynamo()).endpoint;
  const givenS3 = opts.s3Endpoint ?? baseEnv.S3_ENDPOINT;
  let embeddedS3: Promise<EmbeddedS3> | undefined;
  let closed = false;
  const s3Endpoint = async (): Promise<string> => {
    if (givenS3) return givenS3;
    if (closed) throw new Error('the local gateway is closed');
    embeddedS3 ??= startEmbeddedS3();
    return (await embeddedS3).endpoint;
  };
  const stopS3 = async () => {
    closed = true;
    await (await embeddedS3?.catch(() => undefined))?.stop();
  };
  const env = gatewayEnvironment.parse({ ...baseEnv, DYNAMODB_ENDPOINT: endpoint, S3_ENDPOINT: givenS3, AWS_REGION: baseEnv.AWS_REGION ?? 'local' });

  // tables first: the runtime reads breaker state as it starts
  const dynamo = createDynamoClient({ endpoint, region: env.AWS_REGION });
  // npm run bench reads what each request costs in DynamoDB from here (bench/processes.ts)
  if (baseEnv.SWITCHBOARD_MEASURE_CAPACITY === '1') (globalThis as Record<symbol, unknown>)[CAPACITY_TALLY_KEY] = tallyConsumedCapacity(dynamo);
  try {
    await ensureTables(dynamo, tableNamesFromEnv(env));
  } catch (err) {
    dynamo.destroy();
    await embedded?.stop();
    throw err;
  }
  // prices from the catalogue, as synth resolves them for a deployed function
  const config = withCatalogPrices(opts.config);
  // every metric also to the registry GET /metrics renders (local only: in AWS they are CloudWatch's)
  const prometheus = new PrometheusRegistry();
  const scale = opts.timeScale ?? 1;
  const clock = scale === 1 ? systemClock : scaledClock(scale);
  const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms / scale));
  const workQueue = new InProcessWorkQueue(opts.logger ?? { debug() {}, info() {}, warn: console.warn, error: console.error });
  const runtime = createRuntime({
    env,
    config,
    secrets: new EnvSecretSource(baseEnv),
    dynamo,
    logger: opts.logger,
    metrics: teeMetrics(opts.metrics ?? new PowertoolsMetricsAdapter(), prometheus),
    http: opts.http,
    groupCommitMs: opts.groupCommitMs ?? LOCAL_GROUP_COMMIT_MS,
    s3Endpoint,
    clock,
    workQueue: config.batches.enabled ? workQueue : undefined,
  });
  workQueue.logger = runtime.deps.logger;
  // the batch workers: the same worker code the SQS-fed Lambda runs, on the in-process queue
  if (config.batches.enabled) workQueue.start((work, signal) => runBatchWork(work, batchWorkerDeps(runtime, workQueue, sleep), { signal }), config.batches.workers);
  for (const target of unpricedTargets(config, (p, m) => runtime.deps.prices.priceOf(p, m))) {
    runtime.deps.logger.warn('a model target has no known price and is never called; price it in "pricing" or mark its provider "free"', { target });
  }
  // the Lambda entry's own composition (middy, its middlewares, response streaming) through the awslambda shim
  const handler = gatewayHandler(runtime.gateway, clock, runtime.deps);
  const limit = uploadLimit(config);
  // invocations still at work after their response (ledger, settlement): close() waits for them
  const invocations = new Set<Promise<void>>();

  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url?.split('?')[0] === '/metrics') {
      res.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE }).end(prometheus.render());
      return;
    }
    const invocation = (async () => {
      try {
        const body = await readBody(req, limit);
        const event = toProxyEvent(req, body, 'local', { trustForwardedFor: config.gateway.trustForwardedFor });
        await handler(event, new LocalResponseStream(res), localContext(event.requestContext.requestId));
      } catch (err) {
        // the client left: the response stream closed under the handler (middy's pipe rejects), no failure of ours
        if (res.destroyed && !res.writableFinished) return;
        runtime.deps.logger.error('local server failed a request', { error: (err as Error).message });
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end();
      }
    })();
    invocations.add(invocation);
    void invocation.finally(() => invocations.delete(invocation));
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 8080, opts.host ?? '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;

  const { deps } = runtime;
  const healthStore = new DynamoProviderHealthStore(runtime.dynamo, runtime.tables.breakerState);
  const checkHealth = async () => {
    const result = await runHealthChecks({ ...deps, store: healthStore });
    deps.resilience.breakers.noteHealth(result.providers);
    return result;
  };
  const interval = opts.healthCheckIntervalMs ?? 60_000;
  const healthTimer = interval > 0 ? setInterval(() => void checkHealth().catch((err: Error) => deps.logger.error('health check failed', { error: err.message })), interval) : undefined;
  healthTimer?.unref();
  const sweepEvery = opts.sweepIntervalMs ?? 60_000;
  const batchDeps = batchWorkerDeps(runtime, workQueue, sleep);
  const sweepAll = async () => {
    await sweep(runtime, opts.config);
    // batches whose work was lost (the in-process queue of a process that stopped, with a shared DYNAMODB_ENDPOINT)
    if (config.batches.enabled) await expireOverdue(batchDeps).catch((err: Error) => runtime.deps.logger.warn('the overdue batch sweep failed', { error: err.message }));
  };
  const sweeper = sweepEvery > 0 ? setInterval(() => void sweepAll(), sweepEvery).unref() : undefined;

  return {
    url: `http://${opts.host ?? '127.0.0.1'}:${port}`,
    port,
    dynamodbEndpoint: endpoint,
    s3Endpoint,
    runtime,
    prometheus,
    checkHealth,
    workQueue,
    async close() {
      clearInterval(healthTimer);
      clearInterval(sweeper);
      await workQueue.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 2_000).unref();
      });
      await Promise.all([...invocations]);
      // give unused budget leases back while the table is still reachable
      await runtime.deps.admission.close().catch((err) => runtime.deps.logger.warn('returning budget leases failed', { error: (err as Error).message }));
      runtime.close();
      await embedded?.stop();
      await stopS3();
    },
  };
}

async function sweep(runtime: Runtime, config: GatewayConfig): Promise<void> {
  try {
    const { dynamo: client, tables, regions, deps } = runtime;
    await sweepLeases({ client, tables, regions, configTenantIds: config.tenants.map((t) => t.id), logger: deps.logger, now: deps.clock.now() });
  } catch (err) {
    runtime.deps.logger.warn('the budget lease sweep failed; it runs again later', { error: (err as Error).message });
  }
}

/** what the Lambda runtime passes, with an invocation id of its own per request as Lambda gives */
function localContext(awsRequestId: string): Context {
  const deadline = Date.now() + 900_000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'switchboard-local',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:local:000000000000:function:switchboard-local',
    memoryLimitInMB: '1024',
    awsRequestId,
    logGroupName: 'local',
    logStreamName: 'local',
    getRemainingTimeInMillis: () => deadline - Date.now(),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

/** a clock that runs `scale` times faster than the wall clock from now on (LocalGatewayOptions.timeScale) */
function scaledClock(scale: number): Clock {
  const start = Date.now();
  return { now: () => start + (Date.now() - start) * scale };
}
