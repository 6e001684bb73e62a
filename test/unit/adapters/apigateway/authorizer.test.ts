import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import { authorize, keyRoutesOf, UNAUTHORIZED, type AuthorizerDeps } from '../../../../lambdas/adapters/apigateway/authorizer';
import { gatewayConfig } from '../../../../lambdas/core/config/schema';
import type { ApiKeyRecord, Logger, TenantProfile, TenantStore } from '../../../../lambdas/core/ports';
import { hashApiKey } from '../../../../lambdas/core/tenants/api-keys';
import { TenantDirectory } from '../../../../lambdas/core/tenants/directory';

const METHOD_ARN = 'arn:aws:execute-api:us-east-1:111122223333:abc123/prod/POST/v1/chat/completions';
const PLAN_KEYS = { default: 'sb-plan-default-0123456789abcdef', tiers: { pro: 'sb-plan-pro-0123456789abcdef' } };

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
  deps = { tenants: new TenantDirectory(config, store, { now: () => now }), usagePlanKeys: PLAN_KEYS, logger: silent };
});

describe('authorizer: who is calling', () => {
  it('accepts Authorization: Bearer, returns the tenant as context and its tier usage-plan key', async () => {
    const result = await authorize(event({ Authorization: 'Bearer sk-stored-pro-key' }), deps);
    expect(result).toEqual({
      principalId: 'acme',
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: 'arn:aws:execute-api:us-east-1:111122223333:abc123/prod/*/v1/*' }],
      },
      context: { tenantId: 'acme', tier: 'pro' },
      usageIdentifierKey: PLAN_KEYS.tiers.pro,
    });
  });

  it('accepts x-api-key (any header case) and a key listed by hash in the config; no tier means the default plan', async () => {
    const result = await authorize(event({ 'X-Api-Key': 'sk-from-config-hash' }), deps);
    expect(result.context).toEqual({ tenantId: 'cfg' });
    expect(result.usageIdentifierKey).toBe(PLAN_KEYS.default);
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

describe('keyRoutesOf', () => {
  it('widens a method ARN to every key-authorized route of the stage', () => {
    expect(keyRoutesOf('arn:aws:execute-api:eu-west-1:111122223333:xyz/prod/GET/v1/models')).toBe('arn:aws:execute-api:eu-west-1:111122223333:xyz/prod/*/v1/*');
  });

  it('refuses something that is not a method ARN', () => {
    expect(() => keyRoutesOf('nonsense')).toThrow(/unexpected methodArn/);
  });
});
