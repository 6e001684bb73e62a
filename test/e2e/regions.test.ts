// Two local gateways as two regions of one deployment (AWS_REGION us-east-1 and eu-west-1, REGIONS naming both)
// sharing one dynalite, as the regions share their tables once global-table replication has caught up. Each
// region writes only its own items; usage, budgets and rate limits count every region's. Before them, a
// single-region gateway (what ran before regions were added) leaves spend that must keep counting.
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usdToNano } from '../../lambdas/core/pricing/cost';
import { openaiCompletion, sendJson, startFakeUpstream, type FakeUpstream } from '../fakes/upstream';
import { startTestDynamo, type TestDynamo } from '../helpers/dynalite';
import { startTestGateway, type TestGateway } from '../helpers/gateway';
import { awayFromMinuteEnd, eventually } from '../helpers/wait';

const KEYS = { shared: 'sk-test-regions-shared-01', turns: 'sk-test-regions-turns-001', legacy: 'sk-test-regions-legacy-01', limited: 'sk-test-regions-limited-1' };
const REGIONS = 'us-east-1,eu-west-1';
const CALL_USD = 0.01;

/** every call reports 10 output tokens at $1000 per million: exactly $0.01, and max_tokens 10 makes that the worst case too */
const CONFIG = (upstreamUrl: string) => ({
  providers: [{ id: 'fixed', type: 'openai', baseUrl: `${upstreamUrl}/v1`, apiKeyEnv: 'FIXED_KEY' }],
  models: [{ name: 'fixed', targets: [{ provider: 'fixed', model: 'fixed' }] }],
  tenants: [
    { id: 'shared', apiKeys: [KEYS.shared] },
    { id: 'turns', apiKeys: [KEYS.turns], budget: { dailyUsd: 0.05 } },
    { id: 'legacy', apiKeys: [KEYS.legacy], budget: { dailyUsd: 0.05 } },
    { id: 'limited', apiKeys: [KEYS.limited], limits: { requestsPerMinute: 20 } },
  ],
  pricing: { fixed: { inputPerMTok: 0, outputPerMTok: 1000 } },
});

interface Usage {
  day: { cost_usd: string; reserved_usd: string; requests: number };
}

describe('two regions on one table', () => {
  let db: TestDynamo;
  let upstream: FakeUpstream;
  let east: TestGateway;
  let west: TestGateway;
  let legacySpent = 0;

  const today = () => new Date().toISOString().slice(0, 10);

  const chat = async (gw: TestGateway, key: string) => {
    const res = await gw.call('/v1/chat/completions', { body: { model: 'fixed', max_tokens: 10, messages: [{ role: 'user', content: 'how much?' }] }, headers: { authorization: `Bearer ${key}` } });
    const body = (await res.json()) as { error?: { code: string } };
    return { status: res.status, cost: usdToNano(Number(res.headers.get('x-gateway-cost-usd') ?? 0)), code: body.error?.code };
  };
  const burst = (gw: TestGateway, key: string, n: number) => Promise.all(Array.from({ length: n }, () => chat(gw, key)));
  const usage = async (gw: TestGateway, key: string) => (await (await gw.call('/v1/usage', { headers: { authorization: `Bearer ${key}` } })).json()) as Usage;
  /** settlement is written after each answer's last byte: wait until every admitted call has landed */
  const settled = async (gw: TestGateway, key: string, requests: number) => {
    let last: Usage | undefined;
    await eventually(async () => (last = await usage(gw, key)).day.requests >= requests);
    return last!;
  };
  /** the items a tenant's day has in the ledger, by sort key */
  const dayItems = async (tenant: string) => {
    const { Items = [] } = await db.client.send(
      new QueryCommand({ TableName: db.tables.costLedger, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :day)', ExpressionAttributeValues: { ':pk': { S: `T#${tenant}` }, ':day': { S: `D#${today()}` } } }),
    );
    return Object.fromEntries(Items.map((i) => [i.sk!.S!, { committed: Number(i.committedNanoUsd?.N ?? 0), cost: Number(i.costNanoUsd?.N ?? 0), requests: Number(i.requests?.N ?? 0) }]));
  };

  beforeAll(async () => {
    db = await startTestDynamo();
    upstream = await startFakeUpstream((_req, res) => sendJson(res, 200, openaiCompletion('fixed', 'ok', { prompt_tokens: 7, completion_tokens: 10, total_tokens: 17 })));
    const config = CONFIG(upstream.url);
    const env = (region: string, regions?: string) => ({ env: { FIXED_KEY: 'sk-upstream-regions', AWS_REGION: region, REGIONS: regions }, dynamodbEndpoint: db.endpoint });

    // before regions were added: one region, us-east-1, no REGIONS
    const solo = await startTestGateway(config, env('us-east-1'));
    legacySpent = (await burst(solo, KEYS.legacy, 3)).reduce((sum, a) => sum + a.cost, 0);
    await settled(solo, KEYS.legacy, 3);
    await solo.close(); // gives its budget lease back, as a replaced Lambda instance's lease is swept

    [east, west] = await Promise.all([startTestGateway(config, env('us-east-1', REGIONS)), startTestGateway(config, env('eu-west-1', REGIONS))]);
  }, 90_000);

  afterAll(async () => {
    await Promise.all([east?.close(), west?.close()]);
    await upstream?.close();
    await db?.stop();
  });

  it("writes each region's calls to its own item, and /v1/usage of either region sums both to what was charged", async () => {
    const answers = await Promise.all([burst(east, KEYS.shared, 10), burst(west, KEYS.shared, 10)]);
    const charged = answers.flat().reduce((sum, a) => sum + a.cost, 0);
    expect(answers.flat().every((a) => a.status === 200)).toBe(true);
    await settled(east, KEYS.shared, 20);
    for (const gw of [east, west]) expect(usdToNano(Number((await usage(gw, KEYS.shared)).day.cost_usd))).toBe(charged);
    const items = await dayItems('shared');
    expect(items[`D#${today()}`]).toMatchObject({ requests: 10, cost: 10 * usdToNano(CALL_USD) });
    expect(items[`D#${today()}#R#eu-west-1`]).toMatchObject({ requests: 10, cost: 10 * usdToNano(CALL_USD) });
  });

  it('admits in one region only what the other left of a daily budget, when regions take turns (a failover)', async () => {
    const first = await burst(east, KEYS.turns, 3);
    expect(first.every((a) => a.status === 200)).toBe(true);
    const heldByEast = (await dayItems('turns'))[`D#${today()}`]!.committed; // its spend and the lease it still holds

    const second = await burst(west, KEYS.turns, 10);
    const admitted = second.filter((a) => a.status === 200);
    expect(admitted).toHaveLength(Math.floor((usdToNano(0.05) - heldByEast) / usdToNano(CALL_USD)));
    for (const a of second.filter((x) => x.status !== 200)) expect(a).toMatchObject({ status: 429, code: 'budget_exceeded' });
    const { day } = await settled(west, KEYS.turns, 3 + admitted.length);
    expect(usdToNano(Number(day.cost_usd))).toBe((3 + admitted.length) * usdToNano(CALL_USD));
    expect(usdToNano(Number(day.cost_usd))).toBeLessThanOrEqual(usdToNano(0.05));
  });

  it('keeps counting what a single-region deployment spent before: it is the primary region’s', async () => {
    expect(usdToNano(Number((await usage(west, KEYS.legacy)).day.cost_usd))).toBe(legacySpent);
    const answers = await burst(west, KEYS.legacy, 5);
    expect(answers.filter((a) => a.status === 200)).toHaveLength((usdToNano(0.05) - legacySpent) / usdToNano(CALL_USD));
    expect((await chat(east, KEYS.legacy)).code).toBe('budget_exceeded');
    const { day } = await settled(east, KEYS.legacy, 5);
    expect(usdToNano(Number(day.cost_usd))).toBe(usdToNano(0.05));
    expect(Object.keys(await dayItems('legacy')).sort()).toEqual([`D#${today()}`, `D#${today()}#R#eu-west-1`]);
  });

  it('holds a rate limit over both regions: one admits what the other left of the window', async () => {
    await awayFromMinuteEnd();
    const first = await burst(east, KEYS.limited, 12);
    expect(first.every((a) => a.status === 200)).toBe(true);
    const window = new Date(Math.floor(Date.now() / 60_000) * 60_000).toISOString();
    const { Items = [] } = await db.client.send(
      new QueryCommand({ TableName: db.tables.rateCounters, KeyConditionExpression: 'pk = :pk AND sk = :sk', ExpressionAttributeValues: { ':pk': { S: 'RL#T#limited' }, ':sk': { S: `rpm#${window}` } } }),
    );
    const takenByEast = Number(Items[0]!.used!.N); // its calls and the slice it leased ahead

    const second = await burst(west, KEYS.limited, 20);
    expect(second.filter((a) => a.status === 200)).toHaveLength(20 - takenByEast);
    for (const a of second.filter((x) => x.status !== 200)) expect(a).toMatchObject({ status: 429, code: 'rate_limit_exceeded' });
  });
});
