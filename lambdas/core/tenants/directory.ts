// Who is calling: API key, authorizer context or IAM principal → the tenant and its effective limits.
// Lookups (keys, IAM principals, tenants) are cached in process (revocation takes effect within the TTL);
// keys from the config file are kept only as hashes, like stored ones.
import type { Budget, GatewayConfig, RateLimits, TenantConfig } from '../config/schema';
import { errors } from '../errors';
import type { GatewayRequest } from '../http';
import type { ApiKeyRecord, Clock, TenantProfile, TenantStore } from '../ports';
import { extractApiKey, hashApiKey } from './api-keys';
import { IpAllowList } from '../guardrails/ip';

export interface Tenant {
  id: string;
  name?: string;
  tier?: string;
  limits: RateLimits;
  budget: Budget;
  /** undefined: every model */
  models?: string[];
  /** guardrail policy names of the tenant itself (its tier's are added where they apply) */
  guardrails?: string[];
  /** the addresses it may call from; undefined: any */
  ipAllowList?: IpAllowList;
  /** request and answer bodies to the payload bucket (core/history/payloads.ts); undefined: off */
  payloadLogging?: 'off' | 'redacted' | 'full';
}

/** a key or principal that is not found is remembered briefly, so a misconfigured client cannot hammer the store */
const NEGATIVE_TTL_MS = 1_000;

interface CacheEntry<T> {
  value: Promise<T>;
  expiresAt: number;
}

export class TenantDirectory {
  private readonly configKeyHashes = new Map<string, string>();
  private readonly configTenants = new Map<string, TenantConfig>();
  private readonly principals = new Map<string, string>();
  private readonly keyCache = new Map<string, CacheEntry<ApiKeyRecord | undefined>>();
  private readonly principalCache = new Map<string, CacheEntry<{ tenantId: string } | undefined>>();
  private readonly tenantCache = new Map<string, CacheEntry<Tenant | undefined>>();

  constructor(
    private readonly config: GatewayConfig,
    private readonly store: TenantStore,
    private readonly clock: Clock,
  ) {
    for (const t of config.tenants) {
      this.configTenants.set(t.id, t);
      for (const key of t.apiKeys ?? []) this.configKeyHashes.set(hashApiKey(key), t.id);
      for (const hash of t.apiKeyHashes ?? []) this.configKeyHashes.set(hash, t.id);
      for (const arn of t.iamPrincipals ?? []) this.principals.set(arn, t.id);
    }
  }

  /** The calling tenant, or a 401 that has touched nothing. */
  async identify(req: GatewayRequest): Promise<Tenant> {
    const tenant = await this.identified(req);
    // checked here too when the authorizer checked it: its answers may be cached by key, not by address
    if (tenant.ipAllowList && !tenant.ipAllowList.allows(req.sourceIp)) throw errors.ipNotAllowed();
    return tenant;
  }

  private async identified(req: GatewayRequest): Promise<Tenant> {
    if (req.identity.tenantId) return this.requireTenant(req.identity.tenantId);
    if (req.identity.iamPrincipalArn) return this.byPrincipal(req.identity.iamPrincipalArn);
    const key = extractApiKey(req.headers);
    if (!key) throw errors.invalidApiKey('No API key provided. Send it as "Authorization: Bearer <key>" or "x-api-key: <key>".');
    return this.byKey(key);
  }

  async byKey(key: string): Promise<Tenant> {
    const hash = hashApiKey(key);
    const configTenant = this.configKeyHashes.get(hash);
    const record = configTenant ? { keyHash: hash, tenantId: configTenant } : await this.cached(this.keyCache, hash, () => this.store.findKey(hash));
    if (!record || record.revoked || (record.expiresAt !== undefined && record.expiresAt <= this.clock.now())) {
      throw errors.invalidApiKey('Incorrect API key provided.');
    }
    return this.requireTenant(record.tenantId);
  }

  private async byPrincipal(arn: string): Promise<Tenant> {
    const principal = normalizePrincipal(arn);
    const tenantId = this.principals.get(principal) ?? (await this.cached(this.principalCache, principal, () => this.store.findPrincipal(principal)))?.tenantId;
    if (!tenantId) throw errors.invalidApiKey(`The IAM principal is not mapped to a tenant.`);
    return this.requireTenant(tenantId);
  }

  private async requireTenant(id: string): Promise<Tenant> {
    const tenant = await this.cached(this.tenantCache, id, async () => this.merge(this.configTenants.get(id), await this.store.getTenant(id)));
    if (!tenant) throw errors.invalidApiKey('The API key belongs to no known tenant.');
    return tenant;
  }

  /** Tier defaults, then the config file's tenant, then what operators stored at run time. */
  private merge(fromConfig: TenantConfig | undefined, stored: TenantProfile | undefined): Tenant | undefined {
    if (!fromConfig && !stored) return undefined;
    const id = (stored?.id ?? fromConfig?.id)!;
    const tierName = stored?.tier ?? fromConfig?.tier;
    const tier = tierName ? this.config.tiers[tierName] : undefined;
    const models = stored?.models ?? fromConfig?.models;
    const guardrails = stored?.guardrails ?? fromConfig?.guardrails;
    const ipAllowList = stored?.ipAllowList ?? fromConfig?.ipAllowList;
    return {
      ...(guardrails?.length ? { guardrails } : {}),
      ...(ipAllowList ? { ipAllowList: new IpAllowList(ipAllowList) } : {}),
      id,
      name: stored?.name ?? fromConfig?.name,
      tier: tierName,
      limits: { ...tier?.limits, ...fromConfig?.limits, ...stored?.limits },
      budget: { ...tier?.budget, ...fromConfig?.budget, ...stored?.budget },
      models: models && !models.includes('*') ? models : undefined,
      payloadLogging: stored?.payloadLogging ?? fromConfig?.payloadLogging,
    };
  }

  private cached<T>(cache: Map<string, CacheEntry<T>>, key: string, load: () => Promise<T>): Promise<T> {
    const now = this.clock.now();
    const hit = cache.get(key);
    if (hit && hit.expiresAt > now) return hit.value;
    const ttl = this.config.gateway.tenantCacheTtlMs;
    const value = load();
    const entry = { value, expiresAt: now + ttl };
    cache.set(key, entry);
    value.then(
      (v) => {
        if (v === undefined) entry.expiresAt = Math.min(entry.expiresAt, now + NEGATIVE_TTL_MS);
      },
      () => cache.delete(key), // a failed lookup is not remembered
    );
    if (cache.size > 10_000) cache.delete(cache.keys().next().value!);
    return value;
  }
}

/**
 * SigV4 callers with an assumed role arrive as arn:aws:sts::123:assumed-role/Role/session; tenants map
 * the role (arn:aws:iam::123:role/Role), so the session name does not matter.
 */
export function normalizePrincipal(arn: string): string {
  const assumed = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(arn);
  return assumed ? `arn:${assumed[1]}:iam::${assumed[2]}:role/${assumed[3]}` : arn;
}
