// The operator CLI against dynalite, with a gateway on the same tables: what the CLI does takes effect.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeTableCommand, QueryCommand, ScanCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoClient } from '../../../lambdas/adapters/dynamodb/client';
import { DynamoCostLedger } from '../../../lambdas/adapters/dynamodb/cost-ledger';
import { DynamoTenantStore } from '../../../lambdas/adapters/dynamodb/tenant-store';
import { runCli } from '../../../scripts/switchboard/commands';
import { startTestDynamo, type TestDynamo } from '../../helpers/dynalite';
import { baseConfig, startTestGateway, type TestGateway } from '../../helpers/gateway';

let db: TestDynamo;
let gw: TestGateway;

let configPath: string;

beforeAll(async () => {
  db = await startTestDynamo();
  // no tenant cache: what the CLI changes is seen by the next request
  const config = baseConfig({ gateway: { tenantCacheTtlMs: 0 }, tiers: { low: { limits: { requestsPerMinute: 1 } } }, guardrails: { 'pii-mask': { mode: 'mask', checks: ['email'] } } });
  configPath = join(mkdtempSync(join(tmpdir(), 'switchboard-cli-')), 'gateway.config.json');
  writeFileSync(configPath, JSON.stringify(config));
  gw = await startTestGateway(config, { dynamodbEndpoint: db.endpoint });
});
afterAll(async () => {
  await gw?.close();
  await db?.stop();
});

interface Run {
  code: number;
  out: string;
  err: string;
}

async function cli(...argv: string[]): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(
    ['--endpoint', db.endpoint, '--config', configPath, ...argv],
    { out: (l) => out.push(l), err: (l) => err.push(l) },
    { dynamo: (o) => createDynamoClient(o), env: {}, now: () => Date.now() },
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}

function keyFrom(run: Run): string {
  const key = /sk-sb-[A-Za-z0-9_-]{43}/.exec(run.out)?.[0];
  expect(key).toBeDefined();
  return key!;
}

function keyIdFrom(run: Run): string {
  return /key_[0-9a-f]{12}/.exec(run.out)![0];
}

async function chatWith(key: string): Promise<number> {
  const res = await gw.call('/v1/chat/completions', { body: { model: 'echo', messages: [{ role: 'user', content: 'hi' }] }, headers: { authorization: `Bearer ${key}` } });
  await res.text();
  return res.status;
}

describe('switchboard CLI', () => {
  it('creates a tenant and a key that the gateway accepts, printed once and stored only as its hash', async () => {
    expect((await cli('tenants', 'create', '--id', 'cli-acme', '--name', 'Acme', '--actor', 'alice')).code).toBe(0);
    const created = await cli('keys', 'create', '--tenant', 'cli-acme', '--name', 'ci', '--actor', 'alice');
    expect(created.code).toBe(0);
    const key = keyFrom(created);
    expect(await chatWith(key)).toBe(200);

    const { Items } = await db.client.send(new ScanCommand({ TableName: db.tables.tenants }));
    expect(JSON.stringify(Items)).not.toContain(key);
    const listed = await cli('keys', 'list', '--tenant', 'cli-acme');
    expect(listed.out).toContain(keyIdFrom(created));
    expect(listed.out).toMatch(/ci\s+\S+\s+never\s+active/);
    expect(listed.out).not.toContain(key);
  });

  it('rotates a key with a grace window: both work until it ends, then only the new one', async () => {
    await cli('tenants', 'create', '--id', 'cli-rotate');
    const old = await cli('keys', 'create', '--tenant', 'cli-rotate');
    const rotated = await cli('keys', 'rotate', '--tenant', 'cli-rotate', '--key-id', keyIdFrom(old), '--grace', '1s');
    expect(rotated.code).toBe(0);
    expect(rotated.out).toContain(`the old key ${keyIdFrom(old)} keeps working until`);
    expect(await chatWith(keyFrom(old))).toBe(200);
    expect(await chatWith(keyFrom(rotated))).toBe(200);
    await new Promise((r) => setTimeout(r, 1_100));
    expect(await chatWith(keyFrom(old))).toBe(401);
    expect(await chatWith(keyFrom(rotated))).toBe(200);
  });

  it('revokes a key, and a key created to expire stops working when it does', async () => {
    await cli('tenants', 'create', '--id', 'cli-revoke');
    const created = await cli('keys', 'create', '--tenant', 'cli-revoke');
    const brief = await cli('keys', 'create', '--tenant', 'cli-revoke', '--expires-in', '1s');
    expect(await chatWith(keyFrom(created))).toBe(200);
    expect((await cli('keys', 'revoke', '--tenant', 'cli-revoke', '--key-id', keyIdFrom(created))).code).toBe(0);
    expect(await chatWith(keyFrom(created))).toBe(401);
    await new Promise((r) => setTimeout(r, 1_100));
    expect(await chatWith(keyFrom(brief))).toBe(401);
    expect((await cli('keys', 'list', '--tenant', 'cli-revoke')).out).toMatch(/revoked[\s\S]*expired|expired[\s\S]*revoked/);
  });

  it('sets limits that the gateway enforces, and records who changed what in the audit log', async () => {
    await cli('tenants', 'create', '--id', 'cli-limits', '--actor', 'bob');
    const key = keyFrom(await cli('keys', 'create', '--tenant', 'cli-limits', '--actor', 'bob'));
    const set = await cli('tenants', 'set-limits', '--id', 'cli-limits', '--rpm', '2', '--actor', 'bob');
    expect(set.out).toContain('requestsPerMinute=2');
    const statuses = [await chatWith(key), await chatWith(key), await chatWith(key)];
    expect(statuses).toEqual([200, 200, 429]);

    const audit = await cli('audit', '--tenant', 'cli-limits');
    expect(audit.out).toMatch(/bob\s+tenant\.create/);
    expect(audit.out).toMatch(/bob\s+key\.create/);
    expect(audit.out).toMatch(/bob\s+tenant\.set-limits\s+\{"limits":\{"requestsPerMinute":2\}\}/);
    expect(audit.out).not.toContain(key);
  });

  it('loses no change when operators change one tenant at the same time: each either lands or says to retry', async () => {
    await cli('tenants', 'create', '--id', 'cli-race');
    const [limits, budget] = await Promise.all([
      cli('tenants', 'set-limits', '--id', 'cli-race', '--rpm', '7'),
      cli('tenants', 'set-budget', '--id', 'cli-race', '--daily', '3'),
    ]);
    const stored = JSON.parse((await cli('tenants', 'show', '--id', 'cli-race')).out) as { stored: { limits?: object; budget?: object; createdAt: number } };
    expect(stored.stored.limits).toEqual(limits.code === 0 ? { requestsPerMinute: 7 } : undefined);
    expect(stored.stored.budget).toEqual(budget.code === 0 ? { dailyUsd: 3 } : undefined);
    for (const run of [limits, budget]) if (run.code !== 0) expect(run.err).toContain('changed meanwhile');
    expect(stored.stored.createdAt).toBeGreaterThan(0);
  });

  it('refuses bad input with exit code 2 and changes nothing', async () => {
    await cli('tenants', 'create', '--id', 'cli-bad');
    const before = await cli('audit', '--tenant', 'cli-bad');
    const runs = await Promise.all([
      cli('tenants', 'set-budget', '--id', 'cli-bad', '--daily', 'lots'),
      cli('tenants', 'set-budget', '--id', 'cli-bad', '--daily=-5'),
      cli('tenants', 'set-limits', '--id', 'cli-bad', '--rpm', '2.5'),
      cli('keys', 'create', '--tenant', 'cli-bad', '--expires-in', 'soon'),
      cli('keys', 'create', '--tenant', 'nobody-here'),
      cli('keys', 'revoke', '--tenant', 'cli-bad'),
      cli('tenants', 'create', '--id', 'Not Valid'),
      cli('tenants', 'frobnicate'),
      cli('keys', 'create', '--tenant', 'cli-bad', '--bogus-flag', 'x'),
    ]);
    expect(runs.map((r) => r.code)).toEqual([2, 2, 2, 2, 2, 2, 2, 2, 2]);
    expect(runs[0]!.err).toContain('--daily');
    expect(runs[1]!.err).toContain('budget.dailyUsd');
    expect(runs[4]!.err).toContain('unknown tenant "nobody-here"');
    expect((await cli('audit', '--tenant', 'cli-bad')).out).toBe(before.out);
    expect((await cli('keys', 'list', '--tenant', 'cli-bad')).out).toContain('(none)');
    expect((await cli('tenants', 'create', '--id', 'cli-bad')).code).toBe(1);
  });

  it('asks for a store to work on rather than guessing one', async () => {
    const err: string[] = [];
    const code = await runCli(['tenants', 'list'], { out: () => {}, err: (l) => err.push(l) }, { dynamo: (o) => createDynamoClient(o), env: {}, now: () => Date.now() });
    expect(code).toBe(2);
    expect(err.join('\n')).toContain('--endpoint URL');
  });

  it('maps an IAM role to a tenant', async () => {
    await cli('tenants', 'create', '--id', 'cli-iam');
    expect((await cli('tenants', 'map-principal', '--id', 'cli-iam', '--arn', 'arn:aws:iam::123456789012:role/App')).code).toBe(0);
    expect(await new DynamoTenantStore(db.client, db.tables.tenants).findPrincipal('arn:aws:iam::123456789012:role/App')).toEqual({ tenantId: 'cli-iam' });
    expect((await cli('tenants', 'map-principal', '--id', 'cli-iam', '--arn', 'role/App')).code).toBe(2);
  });

  it('prints usage tables and exports the requests as CSV', async () => {
    await cli('tenants', 'create', '--id', 'cli-usage');
    const key = keyFrom(await cli('keys', 'create', '--tenant', 'cli-usage'));
    for (let i = 0; i < 3; i++) expect(await chatWith(key)).toBe(200);

    // settlement is written after each answer's last byte, the day's and the month's apart: wait until the
    // three calls have landed in both
    const landed = (out: string) => /^\d{4}-\d{2}-\d{2}: .* 3 requests/m.test(out) && /^\d{4}-\d{2}: .* 3 requests/m.test(out);
    let usage = await cli('usage', '--tenant', 'cli-usage');
    for (let i = 0; i < 200 && !landed(usage.out); i++) {
      await new Promise((r) => setTimeout(r, 25));
      usage = await cli('usage', '--tenant', 'cli-usage');
    }
    expect(usage.out).toMatch(/\d{4}-\d{2}-\d{2}: \$0\.\d+ spent, \$0 reserved, 3 requests/);
    expect(usage.out).toMatch(/model\s+mock\/echo\s+3/);
    expect(usage.out).toMatch(/provider\s+mock\s+3/);
    const csv = (await cli('usage', '--tenant', 'cli-usage', '--csv', '-')).out.split('\n');
    expect(csv[0]).toBe('at,requestId,tenantId,route,alias,provider,model,inputTokens,cachedInputTokens,outputTokens,costUsd,operatorCostUsd,calls,latencyMs,status,attempts,stream,region,cache,cacheSavedUsd');
    expect(csv).toHaveLength(4);
    // each request's calls: provider/model:status:bearer:cost
    expect(csv[1]).toMatch(/,cli-usage,chat,echo,mock,echo,\d+,0,\d+,(0\.\d+),0,mock\/echo:200:tenant:\1,\d+,200,1,false,local,,$/);
  });

  it('turns a stored tenant\'s payload logging on and off, and refuses an unknown mode', async () => {
    await cli('tenants', 'create', '--id', 'cli-payloads');
    expect((await cli('tenants', 'set-payload-logging', '--id', 'cli-payloads', '--mode', 'everything')).code).toBe(2);
    expect((await cli('tenants', 'set-payload-logging', '--id', 'cli-payloads', '--mode', 'redacted')).code).toBe(0);
    expect(JSON.parse((await cli('tenants', 'show', '--id', 'cli-payloads')).out).stored.payloadLogging).toBe('redacted');
    expect((await cli('tenants', 'set-payload-logging', '--id', 'cli-payloads', '--mode', 'off')).code).toBe(0);
    expect(JSON.parse((await cli('tenants', 'show', '--id', 'cli-payloads')).out).stored.payloadLogging).toBe('off');
  });

  it('puts a tenant on a tier of the config, whose limits then apply', async () => {
    await cli('tenants', 'create', '--id', 'cli-tier');
    const key = keyFrom(await cli('keys', 'create', '--tenant', 'cli-tier'));
    expect((await cli('tenants', 'set-tier', '--id', 'cli-tier', '--tier', 'gold')).code).toBe(2);
    expect((await cli('tenants', 'set-tier', '--id', 'cli-tier', '--tier', 'low')).code).toBe(0);
    expect([await chatWith(key), await chatWith(key)]).toEqual([200, 429]);
  });

  it('sets a stored tenant\'s guardrails and IP allow-list, which the gateway then applies', async () => {
    await cli('tenants', 'create', '--id', 'cli-guard');
    const key = keyFrom(await cli('keys', 'create', '--tenant', 'cli-guard'));
    const echo = async () => {
      const res = await gw.call('/v1/chat/completions', { body: { model: 'echo', messages: [{ role: 'user', content: 'mail a@example.com' }] }, headers: { authorization: `Bearer ${key}` } });
      return { status: res.status, text: await res.text() };
    };
    expect((await echo()).text).toContain('a@example.com');
    expect((await cli('tenants', 'set-guardrails', '--id', 'cli-guard', '--guardrails', 'nope')).code).toBe(2);
    expect((await cli('tenants', 'set-guardrails', '--id', 'cli-guard', '--guardrails', 'pii-mask')).code).toBe(0);
    // the mock echoes what it was sent: the masked prompt
    const masked = await echo();
    expect(masked.text).toContain('[EMAIL_1]');
    expect(masked.text).not.toContain('a@example.com');
    expect((await cli('tenants', 'set-ip-allow', '--id', 'cli-guard', '--cidrs', '10.0.0.0/33')).code).toBe(2);
    expect((await cli('tenants', 'set-ip-allow', '--id', 'cli-guard', '--cidrs', '203.0.113.0/24,2001:db8::/32')).code).toBe(0);
    expect((await echo()).status).toBe(403);
    expect((await cli('tenants', 'set-ip-allow', '--id', 'cli-guard', '--cidrs', 'none')).code).toBe(0);
    expect((await cli('tenants', 'set-guardrails', '--id', 'cli-guard', '--guardrails', 'none')).code).toBe(0);
    const plain = await echo();
    expect(plain.status).toBe(200);
    expect(plain.text).toContain('a@example.com');
  });

  it("sums every region's items in usage, and sweeps only the expired leases of the region it is told", async () => {
    await cli('tenants', 'create', '--id', 'cli-regions');
    const period = { tenantId: 'cli-regions', kind: 'day' as const, name: new Date().toISOString().slice(0, 10) };
    const all = ['us-east-1', 'eu-west-1'];
    for (const [own, cost] of [['us-east-1', 7_000_000], ['eu-west-1', 3_000_000]] as const) {
      const ledger = new DynamoCostLedger(db.client, db.tables.costLedger, 30, { own, all });
      const totals = { costNanoUsd: cost, requests: 1, inputTokens: 10, outputTokens: 5, cachedInputTokens: 0, byModel: { 'mock/echo': { costNanoUsd: cost, requests: 1, inputTokens: 10, outputTokens: 5 } }, byProvider: {} };
      await ledger.flush(period, { leaseId: `paid-${own}`, seq: 1, usedAfter: cost, committedDelta: cost, totals, open: { granted: 0, expiresAt: Date.now() + 60_000 } });
      await ledger.openLease(period, { id: `dead-${own}`, granted: 5_000_000, used: 0, seq: 0, topUps: 0, expiresAt: Date.now() - 300_000 }, undefined);
    }
    expect((await cli('usage', '--tenant', 'cli-regions')).out).toMatch(/: \$0\.01 spent, \$0\.01 reserved, 2 requests[\s\S]*model\s+mock\/echo\s+2/);

    const regions = ['--regions', all.join(',')];
    expect((await cli('reservations', 'sweep', '--region', 'eu-west-1', ...regions)).out).toContain('released 1 expired budget lease(s), $0.005 back');
    expect((await cli('usage', '--tenant', 'cli-regions')).out).toContain('$0.01 spent, $0.005 reserved');
    expect((await cli('reservations', 'sweep', '--region', 'us-east-1', ...regions)).out).toContain('released 1 expired budget lease(s), $0.005 back');
    expect((await cli('usage', '--tenant', 'cli-regions')).out).toContain('$0.01 spent, $0 reserved');
    const stray = await cli('reservations', 'sweep', '--region', 'ap-south-1', ...regions);
    expect(stray.code).toBe(2);
    expect(stray.err).toContain('does not include this region, ap-south-1');
  });

  it('will not sweep a global table without being told its regions', async () => {
    const client = createDynamoClient({ endpoint: db.endpoint });
    const replicated = mockClient(client);
    replicated.on(DescribeTableCommand).resolves({ Table: { TableName: 'switchboard-cost-ledger', Replicas: [{ RegionName: 'us-east-1' }, { RegionName: 'eu-west-1' }] } });
    const err: string[] = [];
    const code = await runCli(['--region', 'eu-west-1', 'reservations', 'sweep'], { out: () => {}, err: (l) => err.push(l) }, { dynamo: () => client, env: {}, now: () => Date.now() });
    expect(code).toBe(2);
    expect(err.join('\n')).toContain('is a global table (us-east-1, eu-west-1): name the deployment\'s regions with --regions');
    expect(replicated.commandCalls(UpdateItemCommand)).toHaveLength(0);
    expect(replicated.commandCalls(QueryCommand)).toHaveLength(0);
  });

  it('lists tenants from the config and the store, and sweeps with nothing to release', async () => {
    const list = await cli('tenants', 'list');
    expect(list.out).toMatch(/cli-acme\s+store\s+Acme/);
    expect(list.out).toMatch(/test\s+config/);
    expect((await cli('reservations', 'sweep')).out).toContain('released 0 expired budget lease(s)');
  });
});
