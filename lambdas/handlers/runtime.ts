// Builds the gateway from its environment: one wiring for the Lambda function and the local server, so
// both run the same core on the same adapters (the real DynamoDB adapter, against dynalite locally).
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { GatewayConfig } from '../core/config/schema';
import { createAdmissionControl } from '../core/admission/admit';
import { createGateway, type Gateway, type GatewayDeps } from '../core/gateway';
import type { AlertPublisher, Clock, HttpClient, Logger, Metrics, ObjectStore, SecretSource } from '../core/ports';
import { TenantDirectory } from '../core/tenants/directory';
import { PriceBook } from '../core/pricing/price-book';
import { createDynamoClient } from '../adapters/dynamodb/client';
import { DynamoBreakerStore } from '../adapters/dynamodb/breaker-store';
import { DynamoCostLedger } from '../adapters/dynamodb/cost-ledger';
import { DynamoRateCounters } from '../adapters/dynamodb/rate-counters';
import { DynamoResponseStore } from '../adapters/dynamodb/response-store';
import { DynamoRequestHistory } from '../adapters/dynamodb/request-history';
import { DynamoTenantStore } from '../adapters/dynamodb/tenant-store';
import type { RegionScope } from '../adapters/dynamodb/regions';
import { tableNamesFromEnv, type TableNames } from '../adapters/dynamodb/tables';
import { bucketNamesFromEnv, type BucketKey, type BucketNames } from '../adapters/s3/buckets';
import { LazyS3 } from '../adapters/s3/object-store';
import { NodeHttpClient } from '../adapters/http/node-http-client';
import { connectPolicyOf } from '../core/guardrails/provider-urls';
import type { GuardrailService } from '../core/guardrails/guard';
import { BedrockGuardrails } from '../adapters/bedrock-guardrails';
import { LogAlertPublisher } from '../adapters/alerts/alert-publishers';
import { createLogger, PowertoolsMetricsAdapter } from '../adapters/observability/powertools';
import { xrayTracer } from '../adapters/observability/xray';
import { Resilience } from '../core/resilience/resilience';
import { createProviders } from '../providers';
import { DOORS } from '../doors';
import { createResponseCache } from './response-cache';
import { S3VectorIndex } from '../adapters/s3vectors/vector-index';
import { BATCH_ROUTES } from '../core/batches/api';
import type { WorkQueue } from '../core/batches/ports';
import { DynamoBatchStore } from '../adapters/dynamodb/batch-store';
import { regionScopeOf, type GatewayEnvironment } from './environment';

export interface RuntimeOptions {
  env: GatewayEnvironment;
  config: GatewayConfig;
  secrets: SecretSource;
  dynamo?: DynamoDBClient;
  http?: HttpClient;
  logger?: Logger;
  metrics?: Metrics;
  /** defaults to the log; the Lambda entry passes the SNS publisher when ALERT_TOPIC_ARN is set */
  alerts?: AlertPublisher;
  clock?: Clock;
  /** uniform in [0, 1): jitter, weights, shadow sampling */
  random?: () => number;
  /**
   * Ledger entries and budget settlements wait this long for those of other calls, to share their writes.
   * 0 (the default) for Lambda, whose instance serves one call at a time; the local server sets it.
   */
  groupCommitMs?: number;
  /**
   * A deployed function: provider hosts that resolve to loopback or private addresses are refused at connect
   * time unless the provider is marked private (lambdas/core/guardrails/provider-urls.ts)
   */
  deployed?: boolean;
  /** Bedrock Guardrails (defaults to ApplyGuardrail through the SDK when a policy names one) */
  guardrails?: GuardrailService;
  /** where S3 is when not at env.S3_ENDPOINT, asked on first use (the local server's lazily started embedded one) */
  s3Endpoint?: () => Promise<string>;
  /** where batch work goes (SQS in AWS, the in-process queue locally); absent: /v1/files and /v1/batches answer 404 */
  workQueue?: WorkQueue;
}

export interface Runtime {
  gateway: Gateway;
  deps: GatewayDeps;
  tables: TableNames;
  regions: RegionScope;
  dynamo: DynamoDBClient;
  buckets: BucketNames;
  /** a bucket's store; the S3 client behind them is made on first use */
  objectStore(bucket: BucketKey): ObjectStore;

  close(): void;
}

export const systemClock: Clock = { now: () => Date.now() };

export function createRuntime(opts: RuntimeOptions): Runtime {
  const { env, config } = opts;
  const clock = opts.clock ?? systemClock;
  const logger = opts.logger ?? createLogger();
  const metrics = opts.metrics ?? new PowertoolsMetricsAdapter();
  const http = opts.http ?? new NodeHttpClient({ connect: connectPolicyOf(config.providers, opts.deployed ?? false) });
  const dynamo = opts.dynamo ?? createDynamoClient({ endpoint: env.DYNAMODB_ENDPOINT, region: env.AWS_REGION });
  const tables = tableNamesFromEnv(env);
  const alerts = opts.alerts ?? new LogAlertPublisher(logger);
  const regions = regionScopeOf(env);
  const buckets = bucketNamesFromEnv(env);
  const s3 = new LazyS3({ endpoint: env.S3_ENDPOINT ?? opts.s3Endpoint, region: env.AWS_REGION });
  // the payload bucket lives in the primary region: a client of its own there when this is another
  const payloadS3 = env.PAYLOAD_BUCKET_REGION && env.PAYLOAD_BUCKET_REGION !== env.AWS_REGION && !env.S3_ENDPOINT ? new LazyS3({ region: env.PAYLOAD_BUCKET_REGION }) : undefined;
  const stores = new Map<BucketKey, ObjectStore>();
  const objectStore = (bucket: BucketKey): ObjectStore => {
    let store = stores.get(bucket);
    if (!store) stores.set(bucket, (store = s3.store(buckets[bucket])));
    return store;
  };
  const breakerStore = new DynamoBreakerStore(dynamo, tables.breakerState, env.AWS_REGION);
  const ledger = new DynamoCostLedger(dynamo, tables.costLedger, config.gateway.ledgerRetentionDays, regions, opts.groupCommitMs);

  const deps: GatewayDeps = {
    config,
    providers: createProviders(config.providers, { http, secrets: opts.secrets, clock, logger }),
    tenants: new TenantDirectory(config, new DynamoTenantStore(dynamo, tables.tenants), clock),
    admission: createAdmissionControl(
      config,
      { rateCounters: new DynamoRateCounters(dynamo, tables.rateCounters, regions), ledger, clock, logger, metrics, alerts },
      opts.groupCommitMs,
    ),
    prices: new PriceBook(config),
    ledger,
    clock,
    logger,
    metrics,
    alerts,
    resilience: new Resilience(config, { store: breakerStore, clock, logger, metrics, alerts }, opts.random),
    region: env.AWS_REGION,
    version: env.SWITCHBOARD_VERSION,
    doors: { ...DOORS, ...BATCH_ROUTES },
    responses: new DynamoResponseStore(dynamo, tables.responses, config.gateway.responseRetentionDays, clock),
    ...(Object.values(config.guardrails).some((p) => p.bedrock) ? { guardrails: opts.guardrails ?? new BedrockGuardrails(env.AWS_REGION) } : {}),
    history: new DynamoRequestHistory(dynamo, tables.costLedger, config.gateway.ledgerRetentionDays, clock),
    payloads: payloadS3 ? payloadS3.store(buckets.payloadLogs) : objectStore('payloadLogs'),
    // GenAI attributes into the X-Ray trace where Lambda runs a daemon (active tracing)
    trace: xrayTracer(),
    ...(opts.workQueue ? { batches: { store: new DynamoBatchStore(dynamo, tables.batches), objects: objectStore('batchFiles'), queue: opts.workQueue } } : {}),
  };
  const vectors = env.CACHE_VECTOR_BUCKET ? new S3VectorIndex(env.CACHE_VECTOR_BUCKET, env.CACHE_VECTOR_REGION, clock) : undefined;
  deps.cache = createResponseCache(deps, dynamo, tables.responseCache, { vectors, groupCommitMs: opts.groupCommitMs });
  deps.resilience.breakers.warm();
  return {
    gateway: createGateway(deps),
    deps,
    tables,
    regions,
    dynamo,
    buckets,
    objectStore,
    close() {
      if (http instanceof NodeHttpClient) http.close();
      dynamo.destroy();
      s3.destroy();
      payloadS3?.destroy();
    },
  };
}
