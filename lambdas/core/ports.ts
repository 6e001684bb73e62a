// The interfaces the core needs from the world. Adapters implement them for AWS and for local runs;
// the core imports no AWS package.
import type { Budget, RateLimits } from './config/schema';

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
}

export interface TenantStore {
  findKey(keyHash: string): Promise<ApiKeyRecord | undefined>;
  findPrincipal(principalArn: string): Promise<{ tenantId: string } | undefined>;
  getTenant(tenantId: string): Promise<TenantProfile | undefined>;
}

export interface TokenCounts {
  input: number;
  output: number;
  cachedInput: number;
  cacheWrite: number;
}

/** One settled request, as the ledger records it. Money is integer nano-dollars so sums are exact. */
export interface LedgerEntry {
  requestId: string;
  tenantId: string;
  at: number;
  route: 'chat' | 'embeddings';
  alias: string;
  provider: string;
  model: string;
  tokens: TokenCounts;
  costNanoUsd: number;
  latencyMs: number;
  status: number;
  attempts: number;
  stream: boolean;
}

export interface PeriodUsage {
  period: string;
  costNanoUsd: number;
  requests: number;
  inputTokens: number;
  outputTokens: number;
}

export interface CostLedger {
  record(entry: LedgerEntry): Promise<void>;
  usage(tenantId: string, day: string, month: string): Promise<{ day: PeriodUsage; month: PeriodUsage }>;
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
