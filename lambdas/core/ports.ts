// The interfaces the core needs from the world. Adapters implement them for AWS and for local runs;
// the core imports no AWS package.
import type { Budget, RateLimits } from './config/schema';
import type { ChatCompletion, EmbeddingsResponse } from './openai/chat-response';

export interface Clock {
  /** milliseconds since the epoch */
  now(): number;
}

export type LogAttributes = Record<string, unknown>;

export interface Logger {
  debug(message: string, attributes?: LogAttributes): void;
  info(message: string, attributes?: LogAttributes): void;
  warn(message: string, attributes?: LogAttributes): void;
  error(message: string, attributes?: LogAttributes): void;
}

export type MetricUnit = 'Count' | 'Milliseconds' | 'None';

export interface Metrics {
  /** record one data point; dimensions are low-cardinality (provider, code), never tenant keys */
  add(name: string, value: number, unit: MetricUnit, dimensions?: Record<string, string>): void;
  /** publish what was recorded (EMF in Lambda); called once the response is sent */
  flush(): void | Promise<void>;
}

/** Where a provider key lives: an environment variable locally, a Secrets Manager secret in AWS. */
export interface SecretRef {
  env?: string;
  secretId?: string;
}

export interface SecretSource {
  /** the secret's value, or undefined when it is not configured here; cached by the adapter */
  get(ref: SecretRef): Promise<string | undefined>;
}

export interface HttpRequest {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  /** lower-case names */
  headers: Record<string, string>;
  /** the body as it arrives; read it once, through this or text()/json() */
  body: AsyncIterable<Uint8Array>;
  text(): Promise<string>;
  /** drop the rest of the body and free the connection */
  cancel(): void;
}

/** Connect and socket failures carry a code so the core can tell them from HTTP answers. */
export class HttpConnectError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'HttpConnectError';
  }
}

export interface HttpClient {
  request(req: HttpRequest): Promise<HttpResponse>;
}

/**
 * The store refused a write as invalid (DynamoDB's ValidationException: item too large, key too long,
 * expression too large, …): nothing was applied, and the same write can never succeed, so it is not retried
 * as it is. The message is the store's, which names limits, never the item's values.
 */
export class StoreRejectedWrite extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreRejectedWrite';
  }
}

/** A stored API key: only its SHA-256 is kept. */
export interface ApiKeyRecord {
  keyHash: string;
  tenantId: string;
  keyId?: string;
  /** epoch ms after which the key no longer authenticates (rotation grace) */
  expiresAt?: number;
  revoked?: boolean;
}

export interface TenantProfile {
  id: string;
  name?: string;
  tier?: string;
  limits?: RateLimits;
  budget?: Budget;
  /** aliases and provider/model names this tenant may call; undefined: all */
  models?: string[];
  /** guardrail policy names (the config's "guardrails"), beside the tier's */
  guardrails?: string[];
  /** source addresses (IPs or CIDRs) the tenant may call from; undefined: any */
  ipAllowList?: string[];
  /** request and answer bodies to the payload bucket: off (default), redacted or full */
  payloadLogging?: 'off' | 'redacted' | 'full';
}

export interface TenantStore {
  findKey(keyHash: string): Promise<ApiKeyRecord | undefined>;
  findPrincipal(principalArn: string): Promise<{ tenantId: string } | undefined>;
  getTenant(tenantId: string): Promise<TenantProfile | undefined>;
}

export interface TokenCounts {
  /** every input token, cached and cache-written ones included */
  input: number;
  output: number;
  cachedInput: number;
  cacheWrite: number;
  /** of cacheWrite, those written for an hour (Anthropic prices them higher) */
  cacheWrite1h?: number;
}

/** One upstream call of a request, as its ledger entry lists it. */
export interface LedgerCall {
  provider: string;
  model: string;
  /** the provider's answer (200, an error status), or 0: cut off by the deadline */
  status: number;
  inputTokens: number;
  outputTokens: number;
  costNanoUsd: number;
  bearer: 'tenant' | 'operator';
  /** the provider reported no usage: the cost is the call's input bound and the text it sent */
  estimated?: boolean;
}

/** One settled request, as the ledger records it. Money is integer nano-dollars so sums are exact. */
export interface LedgerEntry {
  requestId: string;
  tenantId: string;
  at: number;
  route: 'chat' | 'embeddings' | 'messages' | 'responses';
  alias: string;
  /** the tenant's call (the served one, or the first) */
  provider: string;
  model: string;
  tokens: TokenCounts;
  /** what the tenant was charged */
  costNanoUsd: number;
  /** what the operator bore beside it */
  operatorCostNanoUsd: number;
  /** every upstream call the request made, and who bears each */
  calls: LedgerCall[];
  latencyMs: number;
  status: number;
  attempts: number;
  stream: boolean;
  cache?: { status: 'hit' | 'semantic-hit' | 'miss' | 'bypass'; savedNanoUsd?: number; similarity?: number };
  /** the x-gateway-guardrails items, e.g. "pii-mask:masked=email,payment_card"; never matched text */
  guardrails?: string[];
  /** ms from arrival to the answer's first byte */
  firstByteMs?: number;
  /** the S3 key of the logged payload (tenants with payloadLogging on) */
  payloadKey?: string;
  /** the batch whose line this request was */
  batchId?: string;
}

/** What calls add up to: cost, requests and tokens, in all and by `provider/model` and by provider. */
export interface UsageTotals {
  /** what the account was charged */
  costNanoUsd: number;
  /** what the operator bore for the account's requests beside it (retried failures, hedge losers); absent: none */
  operatorCostNanoUsd?: number;
  requests: number;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  byModel: Record<string, UsageBreakdown>;
  byProvider: Record<string, UsageBreakdown>;
  /** by the route (front door) the requests came through: chat, embeddings, messages, responses */
  byRoute?: Record<string, UsageBreakdown>;
  /** requests answered from the response cache, and what their original answers cost (what the hits saved) */
  cacheHits?: number;
  cacheSavedNanoUsd?: number;
}

/** A tenant's day or month: what settled (costNanoUsd), and what is held but not yet spent. */
export interface PeriodUsage extends UsageTotals {
  period: string;
  operatorCostNanoUsd: number;
  /** held for calls in flight and by instances' budget leases */
  reservedNanoUsd: number;
}

export interface UsageBreakdown {
  costNanoUsd: number;
  requests: number;
  inputTokens: number;
  outputTokens: number;
}

/** A tenant's day or month: the item that holds its spend, its budget leases and its alert marks. */
export interface BudgetPeriod {
  tenantId: string;
  kind: 'day' | 'month';
  /** 2026-11-22 or 2026-11 */
  name: string;
}

/**
 * A budget lease as stored on its period: `granted` was added to the period's committed total (when it was
 * opened and by each top-up), `used` is what settled under it, `seq` counts its applied settlement batches and
 * `topUps` its applied top-ups.
 */
export interface StoredLease {
  id: string;
  granted: number;
  used: number;
  seq: number;
  topUps: number;
  /** epoch ms after which the instance that opened it no longer writes to it; the sweep may release it */
  expiresAt: number;
}

/** One settlement batch under a lease: applied only if the stored lease is at `seq - 1` (exactly once). */
export interface LeaseFlush {
  leaseId: string;
  seq: number;
  /** the lease's `used` after this batch */
  usedAfter: number;
  /** added to the period's committed total: an overdraft past the grant, or (on close) the unused grant returned */
  committedDelta: number;
  /** what the batch adds to the period */
  totals: UsageTotals;
  /** first write of a lease that holds no grant (a settlement channel): creates the marker */
  open?: { granted: number; expiresAt: number };
  /** last write: removes the marker */
  close?: boolean;
}

/**
 * A period's totals in the other regions of a multi-region deployment. Every region writes only its own items
 * (global tables replicate them everywhere, last writer wins per item), and a period's total is their sum.
 */
export interface OtherRegionsPeriod {
  committedNanoUsd: number;
  costNanoUsd: number;
  /** budget alerts (percent of the limit) that some other region sent for this period */
  alerted: number[];
}

export type FlushOutcome = { applied: true; costNanoUsd: number } | { applied: false };

export interface CostLedger {
  /**
   * Open a lease of `granted` on a period: committed += granted, only if committed + granted <= limit (no limit:
   * unconditionally). The committed total after, or undefined when the budget has no room.
   */
  openLease(period: BudgetPeriod, lease: StoredLease, limitNanoUsd: number | undefined): Promise<number | undefined>;
  /**
   * Grow a lease by `delta`: committed += delta and granted += delta, only if the stored lease has had
   * `topUps - 1` top-ups and committed + delta <= limit (no limit: a negative delta giving part of the grant
   * back). The committed total after, or undefined.
   */
  growLease(period: BudgetPeriod, leaseId: string, delta: number, topUps: number, limitNanoUsd: number | undefined): Promise<number | undefined>;
  /**
   * Apply a settlement batch (one conditional UpdateItem); not applied when the stored seq is not `seq - 1`.
   * Rejects with StoreRejectedWrite when the store refuses the write as invalid.
   */
  flush(period: BudgetPeriod, flush: LeaseFlush): Promise<FlushOutcome>;
  /** the lease as stored now (strongly consistent), to learn whether an uncertain write was applied */
  readLease(period: BudgetPeriod, leaseId: string): Promise<StoredLease | undefined>;
  /** mark that a threshold alert went out for this period; false when another instance marked it first */
  markAlert(period: BudgetPeriod, percent: number): Promise<boolean>;
  /**
   * What the other regions of a multi-region deployment hold in this period: their items as this region's
   * replica has them now (a replication lag behind). undefined, with no round trip, when there is one region.
   */
  otherRegions(period: BudgetPeriod): Promise<OtherRegionsPeriod | undefined>;
  /**
   * the per-request entry, kept for the retention period; rejects with StoreRejectedWrite when the store
   * refuses it as invalid (other entries written with it are not held up)
   */
  putEntry(entry: LedgerEntry): Promise<void>;
  usage(tenantId: string, day: string, month: string): Promise<{ day: PeriodUsage; month: PeriodUsage }>;
}

/** Budget leases nobody will settle any more: the sweep's side of the ledger (not in the gateway's path). */
export interface LeaseSweepStore {
  /** leases of this tenant's recent periods that expired before `before` */
  expiredLeases(tenantId: string, before: number): Promise<Array<{ period: BudgetPeriod; lease: StoredLease }>>;
  /** remove the lease and give its unused grant back, once (conditioned on the seq and top-ups it was read at) */
  releaseLease(period: BudgetPeriod, lease: StoredLease): Promise<boolean>;
}

/** One rate-limit window's shared count, e.g. tenant acme's requests in the minute from 19:41. */
export interface CounterKey {
  /** T#<tenant>, P#<provider>, X#<tenant> (expensive calls) */
  scope: string;
  /** rpm, rph, rpd, tpm, xph */
  dimension: string;
  windowStart: number;
  windowEnd: number;
}

export interface RateCounterStore {
  /** add `units` if this region's count stays within `limit` (one conditional UpdateItem): the new count, or undefined */
  take(key: CounterKey, units: number, limit: number): Promise<number | undefined>;
  /** add `units` whatever the limit: usage found larger than its estimate after the call */
  charge(key: CounterKey, units: number): Promise<void>;
  /**
   * The other regions' counts of this window in a multi-region deployment, as this region's replica has them
   * now; undefined, with no round trip, when there is one region. (`take` and `charge` count this region's.)
   */
  otherRegions(key: CounterKey): Promise<number | undefined>;
}

/** Something an operator should hear about (breaker opened, budget threshold crossed). */
export interface Alert {
  kind: 'breaker_opened' | 'breaker_closed' | 'budget_threshold' | 'provider_unhealthy';
  subject: string;
  message: string;
  /** low-cardinality facts for filtering (provider, tenant, threshold) */
  attributes: Record<string, string>;
}

export interface AlertPublisher {
  /** best effort: a failed publish is logged by the adapter, never thrown into a request */
  publish(alert: Alert): Promise<void>;
}

/** Calls counted in one bucket of a rolling window. */
export interface WindowBucket {
  /** start of the bucket, epoch ms (a multiple of the bucket size) */
  start: number;
  total: number;
  failures: number;
}

/** A circuit breaker as instances share it. A breaker never written reads as closed at version 0. */
export interface BreakerRecord {
  state: 'closed' | 'open';
  /** one more at every transition: writes are conditioned on it, so each transition happens once */
  version: number;
  /** when this state began, epoch ms */
  since: number;
  /** open: when the cooldown ends and probes may start (half-open is derived from this, never written) */
  openUntil?: number;
  /** open: what opened it */
  reason?: string;
}

export interface SharedBreaker extends BreakerRecord {
  /** window counts written by every instance, bucket by bucket */
  buckets: WindowBucket[];
}

/** The last probe of a provider by the scheduled health check. */
export interface ProviderHealth {
  providerId: string;
  /** false: no key here; such a provider is skipped by routing and not probed */
  configured: boolean;
  healthy: boolean;
  latencyMs: number;
  checkedAt: number;
  /** status or error code of a failed probe (never a message body) */
  error?: string;
}

export interface ProviderHealthStore {
  record(region: string, results: readonly ProviderHealth[]): Promise<void>;
}

/**
 * Breaker state shared by every instance in a region: single-item conditional updates only. A breaker key
 * is a provider id, or provider-id/model for per-model breakers.
 */
export interface BreakerStore {
  /** one round trip: these breakers (absent ones are missing from the map) and these providers' last health */
  read(breakerKeys: readonly string[], providerIds: readonly string[]): Promise<{ breakers: Map<string, SharedBreaker>; health: Map<string, ProviderHealth> }>;
  /** add an instance's window counts (buckets of `bucketMs`); the breaker as stored after */
  addOutcomes(key: string, buckets: readonly WindowBucket[], bucketMs: number, now: number): Promise<SharedBreaker>;
  /** write a transition if the store still holds `fromVersion`; false when another instance moved first */
  transition(key: string, fromVersion: number, to: BreakerRecord, now: number): Promise<boolean>;
  /** take one of `maxProbes` half-open probe slots of open state `version`, held until `until`; false: all taken */
  acquireProbeLease(key: string, version: number, maxProbes: number, now: number, until: number): Promise<boolean>;
}

/** One stored Responses API turn (POST /v1/responses with `store`), kept per tenant until it expires. */
export interface StoredResponse {
  tenantId: string;
  /** the gateway's response id (`resp_…`) */
  id: string;
  /** epoch ms */
  createdAt: number;
  /** the response object as its client got it */
  response: unknown;
  /** every input item the turn's model received, the earlier turns' included, in order (instructions aside) */
  input: unknown[];
}

/**
 * The Responses API's stored turns: what `previous_response_id` and GET/DELETE /v1/responses/{id} read. Keys
 * hold the tenant, so one tenant can never read or delete another's turn, whatever id it sends.
 */
export interface ResponseStore {
  /** keep a turn for the store's retention; rejects with StoreRejectedWrite when the store refuses it as invalid */
  put(record: StoredResponse): Promise<void>;
  /** the tenant's turn, or undefined (another tenant's, expired, deleted or never stored) */
  get(tenantId: string, id: string): Promise<StoredResponse | undefined>;
  /** false when the tenant has no such turn */
  delete(tenantId: string, id: string): Promise<boolean>;
}

/**
 * An answer the response cache keeps: the core's view of it (the chat completion every door renders its own
 * format from, streamed or not), who made it, and what it cost then. Doors never store their wire form.
 */
export interface CachedAnswer {
  /** a chat answer (every door but embeddings) */
  completion?: ChatCompletion;
  /** an embeddings answer (POST /v1/embeddings) */
  embeddings?: EmbeddingsResponse;
  provider: string;
  model: string;
  /** what the original answer cost its tenant: what a hit saves */
  costNanoUsd: number;
  /** epoch ms the answer was made (the `age` header) */
  createdAt: number;
  /** epoch ms after which it is not served */
  expiresAt: number;
}

/**
 * Where a cache entry lives: `partition` is the scope and alias (`T#<tenant>#<alias>` or `S#<alias>`), so an
 * operator can find and purge a tenant's entries; `hash` is the SHA-256 of the canonical request.
 */
export interface CacheKey {
  partition: string;
  hash: string;
  /** the output guardrail policies the answer passes through: an answer kept under one set never serves another */
  outputGuard?: string;
}

/** The response cache's store (in-process LRU in front of DynamoDB in AWS and locally). */
export interface CacheStore {
  /** the entry, or undefined (never stored, expired, purged); never throws for a store failure: a miss */
  get(key: CacheKey): Promise<CachedAnswer | undefined>;
  /** keep the entry until its expiresAt; false when not kept (too large for the store) */
  put(key: CacheKey, answer: CachedAnswer): Promise<boolean>;
}

/** One stored vector of the semantic cache: the exact entry it points at. */
export interface VectorMatch {
  hash: string;
  similarity: number;
}

/**
 * The semantic cache's vectors (S3 Vectors in AWS, an in-process index locally): per partition and prefix
 * (the hash of every turn but the last user message, and the parameters), nearest neighbour by cosine.
 */
export interface VectorIndex {
  nearest(namespace: string, vector: number[], minSimilarity: number): Promise<VectorMatch | undefined>;
  put(namespace: string, hash: string, vector: number[], expiresAt: number): Promise<void>;
}

/**
 * Objects by key in a bucket (S3 in AWS, an embedded S3-compatible server locally): logged payloads, batch
 * files. The bucket's default encryption (KMS) applies to every write; callers pass no key material.
 */
export interface ObjectStore {
  /** writes (replaces) an object; body as bytes or UTF-8 text */
  put(key: string, body: Uint8Array | string, opts?: { contentType?: string }): Promise<void>;
  /** the object's bytes, or undefined when there is none */
  get(key: string): Promise<Uint8Array | undefined>;
  /** removes it; no error when absent */
  delete(key: string): Promise<void>;
}

/** GET /v1/requests: which of the tenant's ledger entries, newest first. Times are epoch ms. */
export interface HistoryQuery {
  tenantId: string;
  /** at most this many (the store reads one more to know whether there are more) */
  limit: number;
  /** the id of the last entry of the previous page: entries older than it */
  after?: string;
  /** alias or provider model */
  model?: string;
  provider?: string;
  /** an HTTP status, or every status below 400 (`ok`) or from 400 (`error`) */
  status?: number | 'ok' | 'error';
  route?: LedgerEntry['route'];
  /** entries at or after */
  since?: number;
  /** entries before */
  until?: number;
}

/** `after` named no entry of the tenant's */
export type HistoryPage = { entries: LedgerEntry[]; hasMore: boolean } | { unknownAfter: true };

/** The tenant's per-request ledger entries, read back (the ledger table; see request-history.ts). */
export interface RequestHistory {
  list(query: HistoryQuery): Promise<HistoryPage>;
  /** the tenant's newest entry with this request id; never another tenant's */
  get(tenantId: string, requestId: string): Promise<LedgerEntry | undefined>;
}
export type { BatchStore, WorkQueue } from './batches/ports';
