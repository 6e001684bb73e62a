import { describe, expect, it } from 'vitest';
import { validateGatewayConfig } from '../../../lambdas/core/config/load';
import type { GatewayRequest } from '../../../lambdas/core/http';
import type { ApiKeyRecord, TenantProfile, TenantStore } from '../../../lambdas/core/ports';
import { extractApiKey, hashApiKey } from '../../../lambdas/core/tenants/api-keys';
import { normalizePrincipal, TenantDirectory } from '../../../lambdas/core/tenants/directory';

class FakeStore implements TenantStore {
  keys = new Map<string, ApiKeyRecord>();
  profiles = new Map<string, TenantProfile>();
  principals = new Map<string, string>();
  lookups = 0;
  async findKey(hash: string) {
    this.lookups++;
    return this.keys.get(hash);
  }
  principalLookups = 0;
  async findPrincipal(arn: string) {
    this.principalLookups++;
    const tenantId = this.principals.get(arn);
    return tenantId ? { tenantId } : undefined;
  }
  async getTenant(id: string) {
    return this.profiles.get(id);
  }
}

function request(headers: Record<string, string>, identity: GatewayRequest['identity'] = {}): GatewayRequest {
  return { method: 'GET', path: '/v1/models', headers, query: {}, body: undefined, bodyBytes: 0, requestId: 'r', receivedAt: 0, identity };
}

const config = validateGatewayConfig({
  providers: [{ id: 'mock', type: 'mock' }],
  tiers: { standard: { limits: { requestsPerMinute: 60 }, budget: { dailyUsd: 5 } } },
  tenants: [
    { id: 'acme', apiKeys: ['sk-config-key-1'], tier: 'standard', limits: { requestsPerMinute: 100 } },
    { id: 'ops', iamPrincipals: ['arn:aws:iam::123456789012:role/Ops'] },
  ],
});

describe('TenantDirectory', () => {
  it('finds a config tenant by its key, with tier defaults under its own limits', async () => {
    const dir = new TenantDirectory(config, new FakeStore(), { now: () => 0 });
    const tenant = await dir.identify(request({ authorization: 'Bearer sk-config-key-1' }));
    expect(tenant).toMatchObject({ id: 'acme', tier: 'standard', limits: { requestsPerMinute: 100 }, budget: { dailyUsd: 5 } });
  });

  it('finds a stored key by its hash, and caches the lookup', async () => {
    const store = new FakeStore();
    store.keys.set(hashApiKey('sk-stored-1234'), { keyHash: hashApiKey('sk-stored-1234'), tenantId: 'beta' });
    store.profiles.set('beta', { id: 'beta', budget: { dailyUsd: 1 } });
    const dir = new TenantDirectory(config, store, { now: () => 0 });
    for (let i = 0; i < 3; i++) expect((await dir.identify(request({ 'x-api-key': 'sk-stored-1234' }))).id).toBe('beta');
    expect(store.lookups).toBe(1);
  });

  it('refuses missing, unknown, revoked and expired keys with 401', async () => {
    let now = 1_000;
    const store = new FakeStore();
    store.profiles.set('beta', { id: 'beta' });
    store.keys.set(hashApiKey('sk-revoked-1'), { keyHash: '', tenantId: 'beta', revoked: true });
    store.keys.set(hashApiKey('sk-expiring-1'), { keyHash: '', tenantId: 'beta', expiresAt: 2_000 });
    const dir = new TenantDirectory(config, store, { now: () => now });
    await expect(dir.identify(request({}))).rejects.toMatchObject({ status: 401, code: 'invalid_api_key' });
    await expect(dir.identify(request({ authorization: 'Bearer sk-unknown-1' }))).rejects.toMatchObject({ status: 401 });
    await expect(dir.identify(request({ authorization: 'Bearer sk-revoked-1' }))).rejects.toMatchObject({ status: 401 });
    expect((await dir.identify(request({ authorization: 'Bearer sk-expiring-1' }))).id).toBe('beta');
    now = 2_000; // the grace window is over, even though the lookup is still cached
    await expect(dir.identify(request({ authorization: 'Bearer sk-expiring-1' }))).rejects.toMatchObject({ status: 401 });
  });

  it('trusts the authorizer context and maps IAM roles, whatever the session name', async () => {
    const dir = new TenantDirectory(config, new FakeStore(), { now: () => 0 });
    expect((await dir.identify(request({}, { tenantId: 'acme' }))).id).toBe('acme');
    const ops = await dir.identify(request({}, { iamPrincipalArn: 'arn:aws:sts::123456789012:assumed-role/Ops/alice' }));
    expect(ops.id).toBe('ops');
    await expect(dir.identify(request({}, { iamPrincipalArn: 'arn:aws:iam::123456789012:user/mallory' }))).rejects.toMatchObject({ status: 401 });
  });

  it('reads a stored IAM principal once per cache TTL, for every session of the role', async () => {
    // Prepare
    let now = 0;
    const store = new FakeStore();
    store.principals.set('arn:aws:iam::123456789012:role/Batch', 'beta');
    store.profiles.set('beta', { id: 'beta' });
    const dir = new TenantDirectory(config, store, { now: () => now });
    const asSession = (session: string) => dir.identify(request({}, { iamPrincipalArn: `arn:aws:sts::123456789012:assumed-role/Batch/${session}` }));

    // Act + Assess: three calls from two sessions inside the TTL read the store once
    for (const session of ['job-1', 'job-1', 'job-2']) expect((await asSession(session)).id).toBe('beta');
    expect(store.principalLookups).toBe(1);
    now = config.gateway.tenantCacheTtlMs; // the cached mapping has expired: an unmapped role stops working
    store.principals.delete('arn:aws:iam::123456789012:role/Batch');
    await expect(asSession('job-3')).rejects.toMatchObject({ status: 401 });
    expect(store.principalLookups).toBe(2);
  });

  it('remembers an unmapped principal for a second only, so a mapping made since is found soon after', async () => {
    // Prepare
    let now = 0;
    const store = new FakeStore();
    store.profiles.set('beta', { id: 'beta' });
    const dir = new TenantDirectory(config, store, { now: () => now });
    const call = () => dir.identify(request({}, { iamPrincipalArn: 'arn:aws:iam::123456789012:role/Late' }));

    // Act + Assess
    for (let i = 0; i < 3; i++) await expect(call()).rejects.toMatchObject({ status: 401 });
    expect(store.principalLookups).toBe(1);
    store.principals.set('arn:aws:iam::123456789012:role/Late', 'beta'); // the operator maps it now
    now = 1_000;
    expect((await call()).id).toBe('beta');
    expect(store.principalLookups).toBe(2);
  });

  it('lets a stored profile override the config file', async () => {
    const store = new FakeStore();
    store.profiles.set('acme', { id: 'acme', limits: { requestsPerMinute: 5 } });
    const dir = new TenantDirectory(config, store, { now: () => 0 });
    expect((await dir.identify(request({ authorization: 'Bearer sk-config-key-1' }))).limits.requestsPerMinute).toBe(5);
  });
});

describe('API keys', () => {
  it('reads Bearer and x-api-key, Bearer first', () => {
    expect(extractApiKey({ authorization: 'Bearer abc' })).toBe('abc');
    expect(extractApiKey({ authorization: 'bearer  abc ' })).toBe('abc');
    expect(extractApiKey({ 'x-api-key': 'xyz' })).toBe('xyz');
    expect(extractApiKey({ authorization: 'Basic Zm9v', 'x-api-key': 'xyz' })).toBe('xyz');
    expect(extractApiKey({})).toBeUndefined();
  });

  it('normalizes assumed-role sessions to their role ARN', () => {
    expect(normalizePrincipal('arn:aws:sts::123456789012:assumed-role/App/i-0abc')).toBe('arn:aws:iam::123456789012:role/App');
    expect(normalizePrincipal('arn:aws:iam::123456789012:user/bob')).toBe('arn:aws:iam::123456789012:user/bob');
  });
});
