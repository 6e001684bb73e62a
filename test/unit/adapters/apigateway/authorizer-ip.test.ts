// The authorizer and a tenant's IP allow-list (stored on its profile by the CLI, or in the config): a caller
// from elsewhere is denied (API Gateway's 403), one inside is allowed; with answers cached by key the
// authorizer leaves the check to the gateway function, which makes it on every request.
import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { authorize } from '../../../../lambdas/adapters/apigateway/authorizer';
import { gatewayConfig } from '../../../../lambdas/core/config/schema';
import type { Logger, TenantStore } from '../../../../lambdas/core/ports';
import { hashApiKey } from '../../../../lambdas/core/tenants/api-keys';
import { TenantDirectory } from '../../../../lambdas/core/tenants/directory';

const METHOD_ARN = 'arn:aws:execute-api:us-east-1:111122223333:abc123/prod/POST/v1/chat/completions';
const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const store: TenantStore = {
  findKey: async (hash) => (hash === hashApiKey('sk-stored-fenced-1') ? { keyHash: hash, tenantId: 'stored' } : undefined),
  findPrincipal: async () => undefined,
  getTenant: async (id) => (id === 'stored' ? { id, ipAllowList: ['2001:db8::/32'] } : undefined),
};
const config = gatewayConfig.parse({ providers: [{ id: 'mock', type: 'mock' }], tenants: [{ id: 'cfg', apiKeyHashes: [hashApiKey('sk-config-fenced-1')], ipAllowList: ['203.0.113.0/24'] }] });
const tenants = new TenantDirectory(config, store, { now: () => 0 });

function event(key: string, sourceIp: string): APIGatewayRequestAuthorizerEvent {
  return { type: 'REQUEST', methodArn: METHOD_ARN, headers: { authorization: `Bearer ${key}` }, path: '/v1/chat/completions', requestContext: { identity: { sourceIp } } } as unknown as APIGatewayRequestAuthorizerEvent;
}
const effect = async (key: string, ip: string, credentialHeader?: 'authorization') =>
  (await authorize(event(key, ip), { tenants, usageKeyOf: (t) => t, logger: silent, credentialHeader })).policyDocument.Statement.map((s) => (s as { Effect: string }).Effect);

describe('authorizer IP allow-lists', () => {
  it('denies a caller outside the allow-list, allows one inside (config and stored tenants, IPv4 and IPv6)', async () => {
    expect(await effect('sk-config-fenced-1', '198.51.100.4')).toEqual(['Deny']);
    expect(await effect('sk-config-fenced-1', '203.0.113.4')).toEqual(['Allow']);
    expect(await effect('sk-stored-fenced-1', '2001:db8:0:1::9')).toEqual(['Allow']);
    expect(await effect('sk-stored-fenced-1', '203.0.113.4')).toEqual(['Deny']);
  });

  it('with answers cached by key, it allows and the gateway function checks the address per request', async () => {
    expect(await effect('sk-config-fenced-1', '198.51.100.4', 'authorization')).toEqual(['Allow']);
    const req = { identity: { tenantId: 'cfg' }, headers: {}, sourceIp: '198.51.100.4' } as never;
    await expect(tenants.identify(req)).rejects.toMatchObject({ status: 403, code: 'ip_not_allowed' });
    await expect(tenants.identify({ identity: { tenantId: 'cfg' }, headers: {}, sourceIp: '203.0.113.200' } as never)).resolves.toMatchObject({ id: 'cfg' });
  });
});
