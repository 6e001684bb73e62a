// Operator changes to tenants and keys (the switchboard CLI): every change is a single-item write, and each
// is recorded in the tenant's append-only audit log with who, when and what. A new key is returned once and
// stored only as its SHA-256.
import { randomBytes } from 'node:crypto';
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { generateGatewayKey, hashApiKey } from '../../core/tenants/api-keys';
import { num, str, toItem, type Plain } from './marshal';
import { queryItems } from './query';
import { keyValidity, profileOf, tenantKeys, type StoredProfile } from './tenant-store';

/** `sk-sb-` and 32 random bytes, base64url */

export interface KeySummary {
  keyId: string;
  name?: string;
  createdAt: number;
  expiresAt?: number;
  revoked: boolean;
}

export interface AuditEntry {
  at: number;
  actor: string;
  action: string;
  tenantId: string;
  /** what changed, never a key */
  details: Record<string, Plain>;
}

/** an operator's request the store cannot carry out as asked (unknown tenant or key, duplicate) */
export class AdminError extends Error {
  override readonly name = 'AdminError';
}

export class DynamoTenantAdmin {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly actor: string,
    private readonly now: () => number = Date.now,
  ) {}

  async createTenant(tenantId: string, profile: StoredProfile): Promise<void> {
    try {
      await this.put({ ...tenantKeys.profile(tenantId), ...toItem({ ...profile, version: 1, createdAt: this.now() } as Record<string, Plain>) }, 'attribute_not_exists(pk)');
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) throw new AdminError(`tenant "${tenantId}" already exists`);
      throw err;
    }
    await this.put({ ...tenantKeys.registry(tenantId), ...toItem({ createdAt: this.now() }) });
    await this.audit(tenantId, 'tenant.create', { ...profile } as Record<string, Plain>);
  }

  /**
   * Remove a stored tenant: its keys stop working (revoked, within the tenant cache TTL) and its profile goes.
   * Its ledger and audit log stay: they are records of what happened.
   */
  async deleteTenant(tenantId: string): Promise<{ revokedKeys: number }> {
    const keys = (await this.listKeys(tenantId)).filter((k) => !k.revoked);
    for (const k of keys) await this.revokeKey(tenantId, k.keyId);
    await this.client.send(new DeleteItemCommand({ TableName: this.tableName, Key: tenantKeys.profile(tenantId) }));
    await this.client.send(new DeleteItemCommand({ TableName: this.tableName, Key: tenantKeys.registry(tenantId) }));
    await this.audit(tenantId, 'tenant.delete', { revokedKeys: keys.length });
    return { revokedKeys: keys.length };
  }

  async getProfile(tenantId: string): Promise<(StoredProfile & { version: number; createdAt: number }) | undefined> {
    const { Item } = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: tenantKeys.profile(tenantId), ConsistentRead: true }));
    return Item ? { ...profileOf(Item), version: num(Item, 'version'), createdAt: num(Item, 'createdAt') } : undefined;
  }

  /**
   * Set one part of a tenant's stored profile (creating the profile over a tenant that so far lived only in
   * the config file), computed from its current value. A read-modify-write conditioned on the version, so two
   * operators cannot lose each other's change; `change` may throw to change nothing.
   */
  async setProfile<K extends keyof StoredProfile>(tenantId: string, part: K, change: (current: StoredProfile[K]) => StoredProfile[K]): Promise<StoredProfile[K]> {
    const current = await this.getProfile(tenantId);
    const { version: _v, createdAt, ...profile } = current ?? { version: 0, createdAt: this.now() };
    const value = change(profile[part]);
    try {
      const next = { ...profile, [part]: value, version: (current?.version ?? 0) + 1, createdAt, updatedAt: this.now() };
      await this.put(
        { ...tenantKeys.profile(tenantId), ...toItem(next as Record<string, Plain>) },
        current ? 'version = :v' : 'attribute_not_exists(pk)',
        current ? { ':v': { N: String(current.version) } } : undefined,
      );
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) throw new AdminError(`tenant "${tenantId}" changed meanwhile; run the command again`);
      throw err;
    }
    if (!current) await this.put({ ...tenantKeys.registry(tenantId), ...toItem({ createdAt: this.now() }) });
    await this.audit(tenantId, `tenant.set-${part}`, { [part]: (value ?? null) as Plain });
    return value;
  }

  async mapPrincipal(tenantId: string, arn: string): Promise<void> {
    await this.put({ ...tenantKeys.principal(arn), ...toItem({ tenantId }) });
    await this.audit(tenantId, 'principal.map', { arn });
  }

  /** a new key for the tenant: the only time it is seen in clear */
  async createKey(tenantId: string, opts: { name?: string; expiresAt?: number } = {}): Promise<{ key: string; keyId: string }> {
    const key = generateGatewayKey();
    const keyHash = hashApiKey(key);
    const keyId = `key_${randomBytes(6).toString('hex')}`;
    await this.put({ ...tenantKeys.apiKey(keyHash), ...toItem({ tenantId, keyId, expiresAtMs: opts.expiresAt }) }, 'attribute_not_exists(pk)');
    await this.put({ ...tenantKeys.tenantKey(tenantId, keyId), ...toItem({ keyHash, name: opts.name, createdAt: this.now(), expiresAtMs: opts.expiresAt, revoked: false }) });
    await this.audit(tenantId, 'key.create', { keyId, name: opts.name ?? null, expiresAt: opts.expiresAt ? new Date(opts.expiresAt).toISOString() : null });
    return { key, keyId };
  }

  async listKeys(tenantId: string): Promise<KeySummary[]> {
    const items = await this.query(`TENANT#${tenantId}`, 'KEY#');
    return items.map((item) => ({
      keyId: str(item, 'sk')!.slice('KEY#'.length),
      name: str(item, 'name'),
      createdAt: num(item, 'createdAt'),
      ...keyValidity(item),
    }));
  }

  /** Revoked keys stop working within the gateway's tenant cache TTL. */
  async revokeKey(tenantId: string, keyId: string): Promise<void> {
    const keyHash = await this.keyHash(tenantId, keyId);
    await this.update(tenantKeys.apiKey(keyHash), 'SET revoked = :t', { ':t': { BOOL: true } });
    await this.update(tenantKeys.tenantKey(tenantId, keyId), 'SET revoked = :t, revokedAt = :now', { ':t': { BOOL: true }, ':now': { N: String(this.now()) } });
    await this.audit(tenantId, 'key.revoke', { keyId });
  }

  /** The key stops working at `at` (a rotation's grace window); an earlier expiry is kept. */
  async expireKey(tenantId: string, keyId: string, at: number): Promise<number> {
    const keyHash = await this.keyHash(tenantId, keyId);
    const current = (await this.listKeys(tenantId)).find((k) => k.keyId === keyId)?.expiresAt;
    const expiresAt = current === undefined ? at : Math.min(current, at);
    const set = { ':at': { N: String(expiresAt) } };
    await this.update(tenantKeys.apiKey(keyHash), 'SET expiresAtMs = :at', set);
    await this.update(tenantKeys.tenantKey(tenantId, keyId), 'SET expiresAtMs = :at', set);
    await this.audit(tenantId, 'key.expire', { keyId, expiresAt: new Date(expiresAt).toISOString() });
    return expiresAt;
  }

  async listAudit(tenantId: string): Promise<AuditEntry[]> {
    const items = await this.query(`AUDIT#${tenantId}`);
    return items.map((item) => ({
      at: num(item, 'at'),
      actor: str(item, 'actor') ?? '',
      action: str(item, 'action') ?? '',
      tenantId,
      details: JSON.parse(str(item, 'details') ?? '{}') as Record<string, Plain>,
    }));
  }

  /** Append-only: a put that may only create, under a time-ordered key no other entry can take. */
  private async audit(tenantId: string, action: string, details: Record<string, Plain>): Promise<void> {
    const at = this.now();
    await this.put(
      {
        pk: { S: `AUDIT#${tenantId}` },
        sk: { S: `${new Date(at).toISOString()}#${randomBytes(4).toString('hex')}` },
        ...toItem({ at, actor: this.actor, action, details: JSON.stringify(details) }),
      },
      'attribute_not_exists(pk)',
    );
  }

  private async keyHash(tenantId: string, keyId: string): Promise<string> {
    const { Item } = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: tenantKeys.tenantKey(tenantId, keyId), ConsistentRead: true }));
    const hash = str(Item, 'keyHash');
    if (!hash) throw new AdminError(`tenant "${tenantId}" has no key "${keyId}"`);
    return hash;
  }

  private put(Item: Record<string, AttributeValue>, ConditionExpression?: string, values?: Record<string, AttributeValue>) {
    return this.client.send(new PutItemCommand({ TableName: this.tableName, Item, ConditionExpression, ExpressionAttributeValues: values }));
  }

  private update(Key: Record<string, AttributeValue>, UpdateExpression: string, values: Record<string, AttributeValue>) {
    return this.client.send(
      new UpdateItemCommand({ TableName: this.tableName, Key, UpdateExpression, ExpressionAttributeValues: values, ConditionExpression: 'attribute_exists(pk)' }),
    );
  }

  private async query(pk: string, skPrefix?: string): Promise<Array<Record<string, AttributeValue>>> {
    const items: Array<Record<string, AttributeValue>> = [];
    const pages = queryItems(this.client, {
      TableName: this.tableName,
      KeyConditionExpression: skPrefix ? 'pk = :pk AND begins_with(sk, :sk)' : 'pk = :pk',
      ExpressionAttributeValues: { ':pk': { S: pk }, ...(skPrefix ? { ':sk': { S: skPrefix } } : {}) },
      ConsistentRead: true,
    });
    for await (const item of pages) items.push(item);
    return items;
  }
}
