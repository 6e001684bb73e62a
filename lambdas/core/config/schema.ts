// The gateway config file (gateway.config.json): the single source of truth for its shape and defaults.
import * as z from 'zod';
import { OPENAI_PRESET_IDS } from '../../providers/openai/presets';

import { PROVIDER_TYPES, STRATEGIES } from './constants';
import { modelNameProblem } from '../routing/model-names';
import { guardrailNames, guardrailPolicies, guardrailProblems } from '../guardrails/config';
import { providerUrlProblem } from '../guardrails/provider-urls';
import { parseCidr } from '../guardrails/ip';
import { batchSettings } from '../batches/settings';

export { PROVIDER_TYPES, STRATEGIES };

const id = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'use 1-63 lower-case letters, digits, ".", "_" or "-", starting with a letter or digit');
const positiveInt = z.number().int().positive();
const modelName = z.string().superRefine((name, ctx) => {
  const problem = modelNameProblem(name);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});
const usd = z.number().nonnegative();

export const breakerSettings = z.strictObject({
  /** open when this share of calls in the window failed… */
  failureRateThreshold: z.number().gt(0).max(1).default(0.5),
  /** …and the window holds at least this many calls */
  minimumRequests: positiveInt.default(5),
  windowMs: positiveInt.default(30_000),
  /** or open after this many failures in a row */
  consecutiveFailures: positiveInt.default(5),
  cooldownMs: positiveInt.default(15_000),
  halfOpenProbes: positiveInt.default(1),
  /** keep a breaker per provider+model instead of per provider */
  perModel: z.boolean().default(false),
});

export const retrySettings = z.strictObject({
  maxAttempts: z.number().int().min(1).max(10).default(2),
  baseDelayMs: positiveInt.default(100),
  maxDelayMs: positiveInt.default(2_000),
  /** retries allowed as a share of this provider's recent calls */
  budgetRatio: z.number().min(0).max(1).default(0.2),
});

/** Attempt timeouts adapt to the provider's recent p95 × 1.5 within [minMs, maxMs]. */
export const timeoutSettings = z.strictObject({
  /** default: 1000, or timeoutMs when that is smaller */
  minMs: positiveInt.optional(),
  /** default: the provider's timeoutMs, else the gateway's requestTimeoutMs */
  maxMs: positiveInt.optional(),
  /** streams: a fixed time to the first chunk instead of the adaptive one */
  firstByteMs: positiveInt.optional(),
  /** streams: the longest silence between chunks (default: maxMs) */
  idleMs: positiveInt.optional(),
});

export const rateLimits = z.strictObject({
  requestsPerMinute: positiveInt.optional(),
  requestsPerHour: positiveInt.optional(),
  requestsPerDay: positiveInt.optional(),
  tokensPerMinute: positiveInt.optional(),
});

export const budget = z.strictObject({
  perRequestUsd: usd.optional(),
  dailyUsd: usd.optional(),
  monthlyUsd: usd.optional(),
  /** a cap on calls per hour to models whose input price is at or above expensiveInputPerMTok */
  expensiveCallsPerHour: positiveInt.optional(),
  expensiveInputPerMTok: usd.optional(),
});

export const providerConfig = z.strictObject({
  id,
  type: z.enum(PROVIDER_TYPES),
  /** a named OpenAI-compatible service whose base URL and key variable are filled in */
  preset: z.enum(OPENAI_PRESET_IDS).optional(),
  baseUrl: z.url({ protocol: /^https?$/ }).optional(),
  apiKeyEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name').optional(),
  apiKeySecret: z.string().min(1).optional(),
  /** AWS region for bedrock */
  region: z.string().optional(),
  /** extra static headers sent upstream, e.g. OpenRouter's HTTP-Referer */
  headers: z.record(z.string(), z.string()).optional(),
  timeoutMs: positiveInt.optional(),
  /** output cap sent when a request sets none (anthropic needs one; it has per-model defaults otherwise) */
  defaultMaxTokens: positiveInt.optional(),
  timeouts: timeoutSettings.optional(),
  /** every field defaults, so a parsed config carries complete settings and nothing re-parses at run time */
  breaker: breakerSettings.prefault({}),
  retry: retrySettings.prefault({}),
  limits: rateLimits.optional(),
  /** data sent here stays in our network: requests marked sensitivity=high may use it */
  private: z.boolean().optional(),
  /**
   * models callers may address as provider-id/model (and GET /v1/models lists), each priced by the catalogue or
   * `pricing`; "*" adds every model the price catalogue prices for this provider
   */
  models: z.array(z.union([z.literal('*'), modelName])).optional(),
  /** self-hosted (Ollama, vLLM): every model of this provider costs nothing, by the operator's explicit word */
  free: z.boolean().optional(),
  /**
   * the price catalogue's provider id to price this provider's models by (e.g. "openai" for a proxy in front
   * of OpenAI); by default it follows from the type, the preset or the base URL
   */
  priceCatalog: z.string().min(1).optional(),
  /**
   * openai type: the request field that carries the output cap upstream; by default the preset's (OpenAI:
   * max_completion_tokens; Mistral, DeepSeek, Ollama: max_tokens) or, for other compatible servers, both
   */
  maxTokensField: z.enum(['max_tokens', 'max_completion_tokens', 'both']).optional(),
  /** openai type: request fields beyond the gateway's own list that this provider may receive as sent */
  passthroughFields: z.array(z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'a request field name')).optional(),
});

export const modelTarget = z.strictObject({
  provider: id,
  model: modelName,
  weight: z.number().positive().optional(),
  /** tasks this target suits: it comes first for requests whose policy names one of them */
  tasks: z.array(z.string().min(1)).optional(),
});

export const aliasCache = z.strictObject({
  /** how long an answer is served; a request's x-gateway-cache-ttl may ask for less */
  ttlSeconds: positiveInt.max(30 * 24 * 3600),
  /** "tenant": each tenant sees only its own answers; "shared": every tenant of the alias shares them */
  scope: z.enum(['tenant', 'shared']).default('tenant'),
  /** the share of the original answer's cost a hit is charged (0: hits are free) */
  chargeShare: z.number().min(0).max(1).default(0),
  /** also serve answers to paraphrases of the last user message (same earlier turns, same parameters) */
  semantic: z
    .strictObject({
      embedding: z.string().min(1),
      threshold: z.number().min(0).max(1).default(0.95),
      /** the embedding's length: the S3 Vectors index a deployment creates for it (needed to deploy) */
      dimensions: positiveInt.max(4096).optional(),
    })
    .optional(),
});

export const modelAlias = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9._:-]{1,64}$/, 'an alias has no "/" (that form addresses a provider directly)'),
  description: z.string().optional(),
  strategy: z.enum(STRATEGIES).default('fallback'),
  targets: z.array(modelTarget).min(1),
  /** start the next target when the first has sent nothing by its p95 */
  hedge: z.boolean().optional(),
  /** mirror a share of requests to a target after answering, for comparison */
  shadow: z.strictObject({ provider: id, model: modelName, percent: z.number().min(0).max(100) }).optional(),
  /** answer repeated requests from the response cache (lambdas/core/cache, docs/cache.md); absent: never cached */
  cache: aliasCache.optional(),
  /** guardrail policies (top-level "guardrails") applied to requests for this alias */
  guardrails: guardrailNames.optional(),
});

export const tier = z.strictObject({ limits: rateLimits.optional(), budget: budget.optional(), guardrails: guardrailNames.optional() });

export const tenantConfig = z.strictObject({
  id,
  name: z.string().optional(),
  /** plain keys: local runs only; a deploy drops them (create keys with the CLI instead) */
  apiKeys: z.array(z.string().min(8, 'an API key has at least 8 characters')).optional(),
  /** SHA-256 (hex) of keys, safe to deploy */
  apiKeyHashes: z.array(z.string().regex(/^[0-9a-f]{64}$/, 'a lower-case hex SHA-256')).optional(),
  /** IAM principal ARNs that act as this tenant on the SigV4 path */
  iamPrincipals: z.array(z.string().startsWith('arn:')).optional(),
  tier: z.string().optional(),
  limits: rateLimits.optional(),
  budget: budget.optional(),
  /** request and answer bodies written to the payload bucket after each response: off (default), redacted (secrets removed, after guardrail masking) or full */
  payloadLogging: z.enum(['off', 'redacted', 'full']).optional(),
  /** aliases and provider-id/model names this tenant may call; "*" or absent: all */
  models: z.array(z.string().min(1)).optional(),
  /** guardrail policies (top-level "guardrails") applied to this tenant's requests, beside its tier's */
  guardrails: guardrailNames.optional(),
  /** source addresses this tenant may call from (IPv4/IPv6 addresses or CIDRs); absent: any */
  ipAllowList: z.array(z.string().refine((c) => parseCidr(c) !== undefined, 'an IP address or CIDR range such as 203.0.113.0/24')).optional(),
});

const optionalRates = {
  /** cache reads; defaults to inputPerMTok */
  cachedInputPerMTok: usd.optional(),
  /** cache writes (Anthropic, 5-minute entries); defaults to inputPerMTok */
  cacheWritePerMTok: usd.optional(),
  /** one-hour cache writes (Anthropic); defaults to cacheWritePerMTok */
  cacheWrite1hPerMTok: usd.optional(),
};

export const modelPrice = z.strictObject({
  inputPerMTok: usd,
  outputPerMTok: usd,
  ...optionalRates,
  /** input of a call that sends audio, all of it (usage does not always split audio out); defaults to inputPerMTok */
  audioInputPerMTok: usd.optional(),
  /** long-context prices: once a call's input passes aboveInputTokens, all its tokens cost the tier's rates */
  tiers: z
    .array(z.strictObject({ aboveInputTokens: positiveInt, inputPerMTok: usd.optional(), outputPerMTok: usd.optional(), ...optionalRates }))
    .optional(),
});

/** genai-prices' model match logic, kept as data so a function can price without the catalogue package */
export type CatalogMatch =
  | { equals: string }
  | { starts_with: string }
  | { ends_with: string }
  | { contains: string }
  | { regex: string }
  | { or: CatalogMatch[] }
  | { and: CatalogMatch[] };
const catalogMatch: z.ZodType<CatalogMatch> = z.lazy(() =>
  z.union([
    z.strictObject({ equals: z.string() }),
    z.strictObject({ starts_with: z.string() }),
    z.strictObject({ ends_with: z.string() }),
    z.strictObject({ contains: z.string() }),
    z.strictObject({ regex: z.string() }),
    z.strictObject({ or: z.array(catalogMatch) }),
    z.strictObject({ and: z.array(catalogMatch) }),
  ]),
);

/** One provider's models as the price catalogue has them, resolved when the gateway starts or is synthesized. */
export const catalogPrices = z.strictObject({
  /** the catalogue and its provider id, e.g. "genai-prices 0.1.8: openai" */
  source: z.string(),
  models: z.array(z.strictObject({ id: z.string(), match: catalogMatch, price: modelPrice })),
});

export const gatewaySettings = z.strictObject({
  requestTimeoutMs: positiveInt.default(120_000),
  maxRequestBytes: positiveInt.default(4 * 1024 * 1024),
  ledgerRetentionDays: positiveInt.default(90),
  /** how long stored Responses API turns (store, previous_response_id) are kept */
  responseRetentionDays: positiveInt.default(30),
  tenantCacheTtlMs: z.number().int().nonnegative().default(30_000),
  /** allow provider-id/model addressing in addition to aliases */
  allowDirectModels: z.boolean().default(true),
  /**
   * How long a call the request no longer uses (past its timeout and overtaken, a hedge's loser) is still read
   * for its usage before it is cut off and charged as estimated
   */
  abandonedCallMs: positiveInt.default(10_000),
  /** the output cap of a request that sets none: reserved by budgets and sent to the provider */
  defaultMaxOutputTokens: positiveInt.default(4096),
  /**
   * What the operator bears (retried provider failures, hedge losers, shadow calls) may not pass these; when it
   * would, the gateway stops making such extra calls (see docs/money.md)
   */
  operatorBudget: z.strictObject({ dailyUsd: usd.optional(), monthlyUsd: usd.optional() }).optional(),
  /**
   * local server: take the caller's address from X-Forwarded-For (its last hop) instead of the socket, for
   * tenants' IP allow-lists behind a proxy you run. In AWS, API Gateway's own sourceIp is used.
   */
  trustForwardedFor: z.boolean().default(false),
});

export const gatewayConfig = z
  .strictObject({
    $schema: z.string().optional(),
    gateway: gatewaySettings.prefault({}),
    providers: z.array(providerConfig).min(1),
    models: z.array(modelAlias).default([]),
    tenants: z.array(tenantConfig).default([]),
    tiers: z.record(z.string(), tier).default({}),
    pricing: z.record(z.string(), modelPrice).default({}),
    /** guardrail policies by name, attached to tiers, tenants and model aliases (docs/guardrails.md) */
    guardrails: guardrailPolicies.default({}),
    /** the Files and Batches APIs (lambdas/core/batches) */
    batches: batchSettings.prefault({}),
    /** filled in by the gateway from its price catalogue at start and at synth: not written by hand */
    catalogPrices: z.record(z.string(), catalogPrices).optional(),
  })
  .superRefine((cfg, ctx) => {
    const providerIds = new Set<string>();
    cfg.providers.forEach((p, i) => {
      if (providerIds.has(p.id)) ctx.addIssue({ code: 'custom', path: ['providers', i, 'id'], message: `duplicate provider id "${p.id}"` });
      providerIds.add(p.id);
      if (p.type === 'bedrock' && (p.apiKeyEnv || p.apiKeySecret))
        ctx.addIssue({ code: 'custom', path: ['providers', i], message: 'bedrock uses IAM; it takes no API key' });
      if ((p.maxTokensField || p.passthroughFields) && p.type !== 'openai')
        ctx.addIssue({ code: 'custom', path: ['providers', i], message: 'maxTokensField and passthroughFields apply to the openai type only' });
      const urlProblem = p.baseUrl ? providerUrlProblem(p.baseUrl) : undefined;
      if (urlProblem) ctx.addIssue({ code: 'custom', path: ['providers', i, 'baseUrl'], message: `"${p.id}": ${urlProblem}` });
      if (p.preset && p.type !== 'openai')
        ctx.addIssue({ code: 'custom', path: ['providers', i, 'preset'], message: 'presets name OpenAI-compatible services: use them with type "openai"' });
    });
    const aliases = new Set<string>();
    cfg.models.forEach((m, i) => {
      if (aliases.has(m.name)) ctx.addIssue({ code: 'custom', path: ['models', i, 'name'], message: `duplicate model alias "${m.name}"` });
      aliases.add(m.name);
      m.targets.forEach((t, j) => {
        if (!providerIds.has(t.provider))
          ctx.addIssue({ code: 'custom', path: ['models', i, 'targets', j, 'provider'], message: `unknown provider "${t.provider}"` });
      });
      if (m.shadow && !providerIds.has(m.shadow.provider))
        ctx.addIssue({ code: 'custom', path: ['models', i, 'shadow', 'provider'], message: `unknown provider "${m.shadow.provider}"` });
    });
    cfg.models.forEach((m, i) => {
      const embedding = m.cache?.semantic?.embedding;
      if (embedding && !aliases.has(embedding))
        ctx.addIssue({ code: 'custom', path: ['models', i, 'cache', 'semantic', 'embedding'], message: `the semantic cache's embedding names no model alias ("${embedding}")` });
    });
    const tenantIds = new Set<string>();
    const keys = new Set<string>();
    cfg.tenants.forEach((t, i) => {
      if (tenantIds.has(t.id)) ctx.addIssue({ code: 'custom', path: ['tenants', i, 'id'], message: `duplicate tenant id "${t.id}"` });
      tenantIds.add(t.id);
      if (t.tier && !(t.tier in cfg.tiers))
        ctx.addIssue({ code: 'custom', path: ['tenants', i, 'tier'], message: `unknown tier "${t.tier}"` });
      t.apiKeys?.forEach((k, j) => {
        if (keys.has(k)) ctx.addIssue({ code: 'custom', path: ['tenants', i, 'apiKeys', j], message: 'this key is already used by another tenant' });
        keys.add(k);
      });
    });
    for (const problem of guardrailProblems(cfg)) ctx.addIssue({ code: 'custom', ...problem });
  });

export type GatewayConfig = z.infer<typeof gatewayConfig>;
export type ProviderConfig = z.infer<typeof providerConfig>;
export type ModelAlias = z.infer<typeof modelAlias>;
export type AliasCache = z.infer<typeof aliasCache>;
export type ModelTarget = z.infer<typeof modelTarget>;
export type TenantConfig = z.infer<typeof tenantConfig>;
export type RateLimits = z.infer<typeof rateLimits>;
export type Budget = z.infer<typeof budget>;
export type ModelPrice = z.infer<typeof modelPrice>;
export type CatalogPrices = z.infer<typeof catalogPrices>;
export type GatewaySettings = z.infer<typeof gatewaySettings>;
export type BreakerSettings = z.infer<typeof breakerSettings>;
export type RetrySettings = z.infer<typeof retrySettings>;
