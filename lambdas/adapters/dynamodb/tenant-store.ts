// Tenants and keys in DynamoDB: a key is found by its SHA-256 hash, never stored in clear.
//   KEY#<sha256>        / KEY        → tenantId, keyId, expiresAt, revoked
//   PRINCIPAL#<iam arn> / PRINCIPAL  → tenantId
//   TENANT#<id>         / PROFILE    → name, tier, limits, budget, models, version
//   TENANT#<id>         / KEY#<key id> → keyHash, name, createdAt, expiresAtMs, revoked (for listing)
//   TENANTS             / <id>       → createdAt (every tenant created at run time)
//   AUDIT#<id>          / <iso time>#<random> → who did what, append-only (tenant-admin.ts)
import { GetItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ApiKeyRecord, TenantProfile, TenantStore } from '../../core/ports';
import { fromItem, num, str } from './marshal';

type Item = Record<string, AttributeValue>;

/** a tenant's profile item, as stored */
export type StoredProfile = Omit<TenantProfile, 'id'>;

export function profileOf(item: Item): StoredProfile {
  const p = fromItem(item) as Record<string, unknown>;
  return {
    name: p.name as string | undefined,
    tier: p.tier as string | undefined,
    limits: p.limits as TenantProfile['limits'],
    budget: p.budget as TenantProfile['budget'],
    models: p.models as string[] | undefined,
    ...(p.guardrails ? { guardrails: p.guardrails as string[] } : {}),
    ...(p.ipAllowList ? { ipAllowList: p.ipAllowList as string[] } : {}),
    payloadLogging: p.payloadLogging as TenantProfile['payloadLogging'],
  };
}

/** a key item's (the lookup's or the listing's) expiry and revocation */
export function keyValidity(item: Item): { expiresAt: number | undefined; revoked: boolean } {
  return { expiresAt: item.expiresAtMs ? num(item, 'expiresAtMs') : undefined, revoked: item.revoked?.BOOL === true };
}

export const tenantKeys = {
  apiKey: (hash: string) => ({ pk: { S: `KEY#${hash}` }, sk: { S: 'KEY' } }),
  principal: (arn: string) => ({ pk: { S: `PRINCIPAL#${arn}` }, sk: { S: 'PRINCIPAL' } }),
  profile: (tenantId: string) => ({ pk: { S: `TENANT#${tenantId}` }, sk: { S: 'PROFILE' } }),
  tenantKey: (tenantId: string, keyId: string) => ({ pk: { S: `TENANT#${tenantId}` }, sk: { S: `KEY#${keyId}` } }),
  registry: (tenantId: string) => ({ pk: { S: 'TENANTS' }, sk: { S: tenantId } }),
};

export class DynamoTenantStore implements TenantStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async findKey(keyHash: string): Promise<ApiKeyRecord | undefined> {
    const { Item } = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: tenantKeys.apiKey(keyHash) }));
    const tenantId = str(Item, 'tenantId');
    if (!Item || !tenantId) return undefined;
    return {
      keyHash,
      tenantId,
      keyId: str(Item, 'keyId'),
      ...keyValidity(Item),
    };
  }

  async findPrincipal(principalArn: string): Promise<{ tenantId: string } | undefined> {
    const { Item } = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: tenantKeys.principal(principalArn) }));
    const tenantId = str(Item, 'tenantId');
    return tenantId ? { tenantId } : undefined;
  }

  async getTenant(tenantId: string): Promise<TenantProfile | undefined> {
    const { Item } = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: tenantKeys.profile(tenantId) }));
    return Item ? { id: tenantId, ...profileOf(Item) } : undefined;
  }
}
