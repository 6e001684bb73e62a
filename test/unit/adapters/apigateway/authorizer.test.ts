import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import { authorize, keyRoutesOf, UNAUTHORIZED, type AuthorizerDeps } from '../../../../lambdas/adapters/apigateway/authorizer';
import { tenantUsageKeyValue } from '../../../../lambdas/adapters/apigateway/usage-keys';
import { gatewayConfig } from '../../../../lambdas/core/config/schema';
import type { ApiKeyRecord, Logger, TenantProfile, TenantStore } from '../../../../lambdas/core/ports';
import { hashApiKey } from '../../../../lambdas/core/tenants/api-keys';
import { TenantDirectory } from '../../../../lambdas/core/tenants/directory';

const METHOD_ARN = 'arn:aws:execute-api:us-east-1:111122223333:abc123/prod/POST/v1/chat/completions';
const usageKeyOf = (tenantId: string) => tenantUsageKeyValue('switchboard', tenantId);

/** The tenants table as the DynamoDB store would answer: key hashes and profiles. */
class FakeTenantStore implements TenantStore {
  keys = new Map<string, ApiKeyRecord>();
  profiles = new Map<string, TenantProfile>();
  failing = false;
  async findKey(hash: string) {
    if (this.failing) throw new Error('DynamoDB is unreachable');
    return this.keys.get(hash);
  }
  async findPrincipal() {
    return undefined;
  }
  async getTenant(id: string) {
    return this.profiles.get(id);
  }
}

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };
let store: FakeTenantStore;
let deps: AuthorizerDeps;
let now = 1_700_000_000_000;

function event(headers: Record<string, string>): APIGatewayRequestAuthorizerEvent {
  return { type: 'REQUEST', methodArn: METHOD_ARN, headers, path: '/v1/chat/completions' } as unknown as APIGatewayRequestAuthorizerEvent;
}

beforeEach(() => {
  store = new FakeTenantStore();
  store.keys.set(hashApiKey('sk-stored-pro-key'), { keyHash: hashApiKey('sk-stored-pro-key'), tenantId: 'acme' });
  store.keys.set(hashApiKey('sk-revoked-key-1'), { keyHash: hashApiKey('sk-revoked-key-1'), tenantId: 'acme', revoked: true });
  store.keys.set(hashApiKey('sk-expired-key-1'), { keyHash: hashApiKey('sk-expired-key-1'), tenantId: 'acme', expiresAt: now - 1 });
  store.profiles.set('acme', { id: 'acme', tier: 'pro' });
  const config = gatewayConfig.parse({
    providers: [{ id: 'mock', type: 'mock' }],
    tiers: { pro: {} },
    tenants: [{ id: 'cfg', apiKeyHashes: [hashApiKey('sk-from-config-hash')] }],
  });
  deps = { tenants: new TenantDirectory(config, store, { now: () => now }), usageKeyOf, logger: silent };
});

describe('authorizer: who is calling', () => {
  it("accepts Authorization: Bearer, returns the tenant as context and the tenant's own usage-plan key", async () => {
    const result = await authorize(event({ Authorization: 'Bearer sk-stored-pro-key' }), deps);
    expect(result).toEqual({
      principalId: 'acme',
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: 'arn:aws:execute-api:us-east-1:111122223333:abc123/prod/*/v1/*' }],
      },
      context: { tenantId: 'acme', tier: 'pro' },
      usageIdentifierKey: tenantUsageKeyValue('switchboard', 'acme'),
    });
  });

  it('accepts x-api-key (any header case) and a key listed by hash in the config', async () => {
    const result = await authorize(event({ 'X-Api-Key': 'sk-from-config-hash' }), deps);
    expect(result.context).toEqual({ tenantId: 'cfg' });
    expect(result.usageIdentifierKey).toBe(tenantUsageKeyValue('switchboard', 'cfg'));
  });

  it('gives every tenant a key of its own, so one tenant cannot spend the throttle of another of its tier', async () => {
    store.keys.set(hashApiKey('sk-stored-pro-key-2'), { keyHash: hashApiKey('sk-stored-pro-key-2'), tenantId: 'globex' });
    store.profiles.set('globex', { id: 'globex', tier: 'pro' });
    const acme = await authorize(event({ authorization: 'Bearer sk-stored-pro-key' }), deps);
    const globex = await authorize(event({ authorization: 'Bearer sk-stored-pro-key-2' }), deps);
    expect(acme.usageIdentifierKey).not.toBe(globex.usageIdentifierKey);
    expect(tenantUsageKeyValue('staging', 'acme')).not.toBe(acme.usageIdentifierKey);
  });

  it.each([
    ['no key at all', {}],
    ['a Basic authorization', { authorization: 'Basic dXNlcjpwYXNz' }],
    ['an unknown key', { authorization: 'Bearer sk-nobody-knows-this' }],
    ['a revoked key', { authorization: 'Bearer sk-revoked-key-1' }],
    ['an expired key', { 'x-api-key': 'sk-expired-key-1' }],
  ])('answers %s with Unauthorized (API Gateway: 401)', async (_case, headers) => {
    await expect(authorize(event(headers), deps)).rejects.toThrow(new RegExp(`^${UNAUTHORIZED}$`));
  });

  it('lets a store failure through as an error (API Gateway: 5xx, nothing cached), not as a 401', async () => {
    store.failing = true;
    const err = (await authorize(event({ authorization: 'Bearer sk-stored-pro-key' }), deps).catch((e: unknown) => e)) as Error;
    expect(err.message).toBe('DynamoDB is unreachable');
  });
});

describe('authorizer behind an API Gateway cache keyed by one header', () => {
  it('reads the key from the cached header only: a key in another header is not the cache key, so it is refused', async () => {
    const cached = { ...deps, credentialHeader: 'authorization' as const };
    // API Gateway would cache this answer under "Basic junk" and hand it to every request with that header
    await expect(authorize(event({ authorization: 'Basic junk', 'x-api-key': 'sk-stored-pro-key' }), cached)).rejects.toThrow(/^Unauthorized$/);
    expect((await authorize(event({ authorization: 'Bearer sk-stored-pro-key' }), cached)).principalId).toBe('acme');
  });

  it('with x-api-key as the cache header, reads that one and ignores Authorization', async () => {
    const cached = { ...deps, credentialHeader: 'x-api-key' as const };
    await expect(authorize(event({ authorization: 'Bearer sk-stored-pro-key' }), cached)).rejects.toThrow(/^Unauthorized$/);
    expect((await authorize(event({ 'x-api-key': 'sk-stored-pro-key', authorization: 'Bearer nope' }), cached)).principalId).toBe('acme');
  });
});

describe('keyRoutesOf', () => {
  it('widens a method ARN to every key-authorized route of the stage', () => {
    expect(keyRoutesOf('arn:aws:execute-api:eu-west-1:111122223333:xyz/prod/GET/v1/models')).toBe('arn:aws:execute-api:eu-west-1:111122223333:xyz/prod/*/v1/*');
  });

  it('refuses something that is not a method ARN', () => {
    expect(() => keyRoutesOf('nonsense')).toThrow(/unexpected methodArn/);
  });
});
