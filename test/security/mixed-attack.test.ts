// Forty concurrent calls from one tenant with a $0.05 daily budget, mixing every trick of the hostile-tenant
// suite: clients that leave before the first byte and mid-stream, conflicting and missing output caps, fields
// nothing prices, unpriced models, calls that time out beside a fallback, retried 5xx answers, hedges, and
// prompts of CJK text. The tenant spends at most its budget, and the provider's own bill for everything it was
// sent, priced, equals the ledger (the tenant's lines plus the operator's) to the nano-dollar.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoCostLedger } from '../../lambdas/adapters/dynamodb/cost-ledger';
import { dayOf, monthOf } from '../../lambdas/core/periods';
import { costNanoUsd, usdToNano } from '../../lambdas/core/pricing/cost';
import { startMeteredUpstream, type MeteredUpstream } from '../fakes/metered';
import { startTestDynamo, type TestDynamo } from '../helpers/dynalite';
import { baseConfig, startTestGateway, type TestGateway } from '../helpers/gateway';

const PRICE = { inputPerMTok: 5, outputPerMTok: 100 };
const HOSTILE = 'sk-test-hostile-tenant-01';
const WARM = 'sk-test-warm-up-tenant-01';
const MARK = 'hostile-call';

describe('forty concurrent calls mixing every trick against a $0.05/day tenant', () => {
  let db: TestDynamo;
  let gw: TestGateway;
  let upstream: MeteredUpstream;
  const statuses: Array<number | 'aborted'> = [];

  beforeAll(async () => {
    db = await startTestDynamo();
    upstream = await startMeteredUpstream();
    const provider = (id: string, extra: Record<string, unknown> = {}) => ({ id, type: 'openai', baseUrl: `${upstream.url}/v1`, apiKeyEnv: 'MIXED_KEY', retry: { maxAttempts: 1 }, ...extra });
    gw = await startTestGateway(
      baseConfig({
        gateway: { defaultMaxOutputTokens: 40, abandonedCallMs: 10_000, operatorBudget: { dailyUsd: 0.02 } },
        providers: [provider('up'), provider('slow-up', { timeoutMs: 80 })],
        models: [
          { name: 'timeout-then-fallback', targets: [{ provider: 'slow-up', model: 'slow' }, { provider: 'up', model: 'quick' }] },
          { name: 'fails-then-fallback', targets: [{ provider: 'up', model: 'broken' }, { provider: 'up', model: 'quick' }] },
          { name: 'hedged', hedge: true, targets: [{ provider: 'up', model: 'h1' }, { provider: 'up', model: 'h2' }] },
        ],
        tenants: [
          { id: 'hostile', apiKeys: [HOSTILE], budget: { dailyUsd: 0.05 } },
          { id: 'warm', apiKeys: [WARM] },
        ],
        pricing: Object.fromEntries(['quick', 'slow', 'broken', 'h1', 'h2', 'wait'].map((m) => [m, PRICE])),
      }),
      { env: { MIXED_KEY: 'sk-upstream-mixed' }, dynamodbEndpoint: db.endpoint },
    );
    upstream.behave('slow', { delayMs: 250 });
    upstream.behave('wait', { delayMs: 200 });
    upstream.behave('broken', { status: 503 });
    upstream.behave('quick', { wordMs: 2 });
    // the hedge learns h1's p95 from another tenant's calls first
    for (let i = 0; i < 6; i++) await call(WARM, { model: 'hedged', stream: false }, -1);
    upstream.behave('h1', { delayMs: 150 });
  });

  afterAll(async () => {
    await gw?.close();
    await upstream?.close();
    await db?.stop();
  });

  async function call(key: string, body: Record<string, unknown>, i: number, leaveAfterMs?: number, leaveAfterFirstChunk = false): Promise<number | 'aborted'> {
    const controller = new AbortController();
    if (leaveAfterMs !== undefined) setTimeout(() => controller.abort(), leaveAfterMs);
    try {
      const res = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ messages: [{ role: 'user', content: `${i < 0 ? 'warm-up' : MARK} ${i}: 你好，世界。請寫很多字。` }], ...body }),
        signal: controller.signal,
      });
      if (leaveAfterFirstChunk) {
        await res.body!.getReader().read();
        controller.abort();
        return 'aborted';
      }
      await res.arrayBuffer();
      return res.status;
    } catch {
      return 'aborted';
    }
  }

  const tricks: Array<(i: number) => Promise<number | 'aborted'>> = [
    (i) => call(HOSTILE, { model: 'up/quick', max_tokens: 40 }, i),
    (i) => call(HOSTILE, { model: 'up/quick', stream: true, max_tokens: 40 }, i, undefined, true),
    (i) => call(HOSTILE, { model: 'up/wait', max_tokens: 40 }, i, 50),
    (i) => call(HOSTILE, { model: 'up/quick', max_completion_tokens: 1, max_tokens: 100_000 }, i),
    (i) => call(HOSTILE, { model: 'up/quick' }, i),
    (i) => call(HOSTILE, { model: 'up/quick', max_tokens: 10, service_tier: 'priority' }, i),
    (i) => call(HOSTILE, { model: 'up/not-priced', max_tokens: 10 }, i),
    (i) => call(HOSTILE, { model: 'timeout-then-fallback', max_tokens: 40 }, i),
    (i) => call(HOSTILE, { model: 'fails-then-fallback', max_tokens: 40 }, i),
    (i) => call(HOSTILE, { model: 'hedged', max_tokens: 40 }, i),
  ];

  it('spends at most the budget, and the ledger equals what the provider billed, to the nano-dollar', async () => {
    statuses.push(...(await Promise.all(Array.from({ length: 40 }, (_, i) => tricks[i % tricks.length]!(i)))));
    // some were refused for the budget, the bad ones with 4xx, and some served
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(0);
    expect(statuses.filter((s) => s === 400).length).toBe(8);
    expect(statuses.filter((s) => s === 403).length).toBe(4);

    // every call runs to its end and settles before the gateway stops
    await gw.close();
    const ledger = new DynamoCostLedger(db.client, db.tables.costLedger, 30);
    const { day } = await ledger.usage('hostile', dayOf(Date.now()), monthOf(Date.now()));
    const billed = upstream.bill.filter((c) => c.prompt.includes(MARK));
    const providerBill = billed.reduce((sum, c) => sum + costNanoUsd({ input: c.input, output: c.output, cachedInput: 0, cacheWrite: 0 }, PRICE), 0);

    expect(day.costNanoUsd).toBeLessThanOrEqual(usdToNano(0.05));
    expect(day.costNanoUsd).toBeGreaterThan(0);
    expect(day.operatorCostNanoUsd).toBeGreaterThan(0);
    expect(day.costNanoUsd + day.operatorCostNanoUsd).toBe(providerBill);
    // what the operator bore stays within its own budget
    expect(day.operatorCostNanoUsd).toBeLessThanOrEqual(usdToNano(0.02));
    // and no call is left holding budget
    expect(day.reservedNanoUsd).toBe(0);
    // the requests' entries, call by call, add up to the same
    let entries = 0;
    for await (const e of ledger.entries('hostile', dayOf(Date.now()))) entries += e.calls.reduce((sum, c) => sum + c.costNanoUsd, 0);
    expect(entries).toBe(providerBill);
  });
});
