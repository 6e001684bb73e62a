// The CLI against a deployment: each stored tenant gets its own API Gateway usage-plan key in its tier's plan,
// in every region, created, moved and removed with the tenant (so one tenant cannot spend the throttle of
// the others of its tier); and map-principal refuses session ARNs and silent moves between tenants. The
// tenants table is dynalite; API Gateway is aws-sdk-client-mock over a small in-memory model per region.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  APIGatewayClient,
  ConflictException,
  CreateApiKeyCommand,
  CreateUsagePlanKeyCommand,
  DeleteApiKeyCommand,
  DeleteUsagePlanKeyCommand,
  GetApiKeysCommand,
  GetUsagePlanKeysCommand,
  GetUsagePlansCommand,
} from '@aws-sdk/client-api-gateway';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { tenantUsageKeyValue } from '../../../lambdas/adapters/apigateway/usage-keys';
import { createDynamoClient } from '../../../lambdas/adapters/dynamodb/client';
import { DynamoTenantStore } from '../../../lambdas/adapters/dynamodb/tenant-store';
import { runCli } from '../../../scripts/switchboard/commands';
import { startTestDynamo, type TestDynamo } from '../../helpers/dynalite';

/** one region's API: the deployment's usage plans and the account's API keys */
class RegionApi {
  plans = new Map<string, { name: string; keys: Set<string> }>();
  keys = new Map<string, { name: string; value: string }>();
  private next = 0;

  constructor(planNames: string[]) {
    for (const name of planNames) this.plans.set(this.id('plan'), { name, keys: new Set() });
  }

  id(kind: string): string {
    return `${kind}${++this.next}`;
  }

  planNamed(name: string): Set<string> {
    return [...this.plans.values()].find((p) => p.name === name)!.keys;
  }

  keyOf(name: string): string | undefined {
    return [...this.keys].find(([, k]) => k.name === name)?.[0];
  }
}

const apigw = mockClient(APIGatewayClient);
const regionOf = new WeakMap<object, string>();
let apis: Record<string, RegionApi>;
const api = (getClient: () => unknown) => apis[regionOf.get(getClient() as object)!]!;

let db: TestDynamo;
let configPath: string;

beforeAll(async () => {
  db = await startTestDynamo();
  configPath = join(mkdtempSync(join(tmpdir(), 'switchboard-keys-')), 'gateway.config.json');
  writeFileSync(
    configPath,
    JSON.stringify({
      providers: [{ id: 'openai', type: 'openai', apiKeyEnv: 'OPENAI_API_KEY' }],
      tiers: { low: {}, standard: {} },
      tenants: [{ id: 'cfg-tenant', tier: 'low', iamPrincipals: ['arn:aws:iam::123456789012:role/ConfigRole'] }],
    }),
  );
});
afterAll(() => db?.stop());

beforeEach(() => {
  apigw.reset();
  const planNames = ['switchboard-default', 'switchboard-low', 'switchboard-standard', 'other-default'];
  apis = { 'us-east-1': new RegionApi(planNames), 'eu-west-1': new RegionApi(planNames) };
  apigw.on(GetUsagePlansCommand).callsFake((_input, getClient) => ({ items: [...api(getClient).plans].map(([id, p]) => ({ id, name: p.name })) }));
  apigw.on(GetApiKeysCommand).callsFake((input, getClient) => ({
    items: [...api(getClient).keys].filter(([, k]) => k.name.startsWith(input.nameQuery ?? '')).map(([id, k]) => ({ id, name: k.name })),
  }));
  apigw.on(CreateApiKeyCommand).callsFake((input, getClient) => {
    const a = api(getClient);
    if ([...a.keys.values()].some((k) => k.value === input.value)) throw new ConflictException({ message: 'API key value already exists', $metadata: {} });
    const id = a.id('key');
    a.keys.set(id, { name: input.name, value: input.value });
    return { id, name: input.name };
  });
  apigw.on(GetUsagePlanKeysCommand).callsFake((input, getClient) => ({ items: [...api(getClient).plans.get(input.usagePlanId)!.keys].map((id) => ({ id })) }));
  apigw.on(CreateUsagePlanKeyCommand).callsFake((input, getClient) => {
    const a = api(getClient);
    // API Gateway: a key may not sit in two plans of one stage
    if ([...a.plans.values()].some((p) => p.keys.has(input.keyId))) throw new ConflictException({ message: 'key is already in a plan of this stage', $metadata: {} });
    a.plans.get(input.usagePlanId)!.keys.add(input.keyId);
    return { id: input.keyId };
  });
  apigw.on(DeleteUsagePlanKeyCommand).callsFake((input, getClient) => void api(getClient).plans.get(input.usagePlanId)!.keys.delete(input.keyId));
  apigw.on(DeleteApiKeyCommand).callsFake((input, getClient) => {
    const a = api(getClient);
    a.keys.delete(input.apiKey);
    for (const p of a.plans.values()) p.keys.delete(input.apiKey);
    return {};
  });
});

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(
    ['--region', 'us-east-1', '--regions', 'us-east-1,eu-west-1', '--config', configPath, ...argv],
    { out: (l) => out.push(l), err: (l) => err.push(l) },
    {
      // the deployment's tables, played by dynalite whatever the region
      dynamo: () => createDynamoClient({ endpoint: db.endpoint }),
      apiGateway: (region) => {
        const client = new APIGatewayClient({ region });
        regionOf.set(client, region);
        return client;
      },
      env: {},
      now: () => Date.now(),
    },
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const keyName = (tenant: string) => `switchboard-tenant-${tenant}`;

describe('usage-plan keys of stored tenants', () => {
  it("creates the tenant's own key, with the value the authorizer derives, in its tier's plan in every region", async () => {
    const run = await cli('tenants', 'create', '--id', 'k-acme', '--tier', 'low');
    expect(run.code).toBe(0);
    for (const a of Object.values(apis)) {
      const id = a.keyOf(keyName('k-acme'))!;
      expect(a.keys.get(id)!.value).toBe(tenantUsageKeyValue('switchboard', 'k-acme'));
      expect([...a.planNamed('switchboard-low')]).toEqual([id]);
    }
    expect(await new DynamoTenantStore(db.client, db.tables.tenants).getTenant('k-acme')).toMatchObject({ tier: 'low' });
  });

  it('gives two tenants of one tier two keys, so each has the plan throttle to itself', async () => {
    await cli('tenants', 'create', '--id', 'k-one', '--tier', 'standard');
    await cli('tenants', 'create', '--id', 'k-two', '--tier', 'standard');
    const plan = apis['us-east-1']!.planNamed('switchboard-standard');
    expect(plan.size).toBe(2);
    expect(apis['us-east-1']!.keyOf(keyName('k-one'))).not.toBe(apis['us-east-1']!.keyOf(keyName('k-two')));
  });

  it('moves the key to the new tier\'s plan, out of the old one, on set-tier', async () => {
    await cli('tenants', 'create', '--id', 'k-mover', '--tier', 'low');
    expect((await cli('tenants', 'set-tier', '--id', 'k-mover', '--tier', 'standard')).code).toBe(0);
    for (const a of Object.values(apis)) {
      const id = a.keyOf(keyName('k-mover'))!;
      expect(a.planNamed('switchboard-low').has(id)).toBe(false);
      expect(a.planNamed('switchboard-standard').has(id)).toBe(true);
    }
  });

  it('removes the key with the tenant, and revokes its gateway keys', async () => {
    await cli('tenants', 'create', '--id', 'k-gone');
    expect(apis['us-east-1']!.planNamed('switchboard-default').size).toBe(1);
    await cli('keys', 'create', '--tenant', 'k-gone');
    const run = await cli('tenants', 'delete', '--id', 'k-gone');
    expect(run.code).toBe(0);
    expect(run.out).toContain('revoked 1 key(s)');
    for (const a of Object.values(apis)) expect(a.keyOf(keyName('k-gone'))).toBeUndefined();
    expect(await new DynamoTenantStore(db.client, db.tables.tenants).getTenant('k-gone')).toBeUndefined();
    expect((await cli('tenants', 'delete', '--id', 'cfg-tenant')).err).toContain('defined in the config file');
  });

  it('stores no tenant when its key cannot be placed (the deployment is not in that region)', async () => {
    apis['eu-west-1']!.plans.clear();
    const run = await cli('tenants', 'create', '--id', 'k-nowhere');
    expect(run.code).toBe(1);
    expect(run.err).toContain('eu-west-1 has no usage plan "switchboard-default"');
    expect(await new DynamoTenantStore(db.client, db.tables.tenants).getTenant('k-nowhere')).toBeUndefined();
  });

  it('gives stored tenants without a key theirs with sync-keys, and leaves config tenants to the stack', async () => {
    // a tenant stored before keys existed: no key anywhere
    await cli('tenants', 'create', '--id', 'k-legacy', '--tier', 'standard');
    for (const a of Object.values(apis)) {
      a.keys.clear();
      a.plans.forEach((p) => p.keys.clear());
    }
    expect((await cli('tenants', 'sync-keys')).code).toBe(0);
    for (const a of Object.values(apis)) {
      expect(a.planNamed('switchboard-standard').has(a.keyOf(keyName('k-legacy'))!)).toBe(true);
      expect(a.keyOf(keyName('cfg-tenant'))).toBeUndefined();
    }
  });
});

describe('map-principal', () => {
  it('refuses an assumed-role session ARN, naming the role ARN to map instead', async () => {
    await cli('tenants', 'create', '--id', 'p-one');
    const run = await cli('tenants', 'map-principal', '--id', 'p-one', '--arn', 'arn:aws:sts::123456789012:assumed-role/App/alice@example.com');
    expect(run.code).toBe(2);
    expect(run.err).toContain('--arn arn:aws:iam::123456789012:role/App');
    expect(await new DynamoTenantStore(db.client, db.tables.tenants).findPrincipal('arn:aws:sts::123456789012:assumed-role/App/alice@example.com')).toBeUndefined();
  });

  it('refuses a role ARN with a path, which callers never present, naming the one they do', async () => {
    await cli('tenants', 'create', '--id', 'p-path');
    const run = await cli('tenants', 'map-principal', '--id', 'p-path', '--arn', 'arn:aws:iam::123456789012:role/team/App');
    expect(run.code).toBe(2);
    expect(run.err).toContain('--arn arn:aws:iam::123456789012:role/App');
  });

  it('refuses to move a principal from another tenant without --force, and moves it with it', async () => {
    await cli('tenants', 'create', '--id', 'p-first');
    await cli('tenants', 'create', '--id', 'p-second');
    const arn = 'arn:aws:iam::123456789012:role/Shared';
    expect((await cli('tenants', 'map-principal', '--id', 'p-first', '--arn', arn)).code).toBe(0);
    const refused = await cli('tenants', 'map-principal', '--id', 'p-second', '--arn', arn);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('acts as tenant "p-first"');
    const store = new DynamoTenantStore(db.client, db.tables.tenants);
    expect(await store.findPrincipal(arn)).toEqual({ tenantId: 'p-first' });
    const forced = await cli('tenants', 'map-principal', '--id', 'p-second', '--arn', arn, '--force');
    expect(forced.code).toBe(0);
    expect(forced.out).toContain('moved from p-first');
    expect(await store.findPrincipal(arn)).toEqual({ tenantId: 'p-second' });
    // mapping it again to the tenant it already has needs no --force
    expect((await cli('tenants', 'map-principal', '--id', 'p-second', '--arn', arn)).code).toBe(0);
  });

  it('refuses to map a principal the config file maps to another tenant', async () => {
    await cli('tenants', 'create', '--id', 'p-config');
    const run = await cli('tenants', 'map-principal', '--id', 'p-config', '--arn', 'arn:aws:iam::123456789012:role/ConfigRole', '--force');
    expect(run.code).toBe(2);
    expect(run.err).toContain('by the config file');
  });
});
