// Hostile tenant, item 3: calls that ended early were free on 6f4b92c. A client that left before the first byte
// (after the provider had the prompt), attempts that timed out, retried 5xx answers and hedge losers left no
// ledger entry, and a stream cut mid-way was billed from its visible text only. Now every upstream call is in
// its request's ledger entry with who bears it, and a call once started runs to its end, so its cost is what
// the provider billed: the tenant pays for its call, the operator for the extra ones, within its own budget.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DynamoCostLedger } from '../../lambdas/adapters/dynamodb/cost-ledger';
import { dayOf } from '../../lambdas/core/periods';
import type { LedgerEntry } from '../../lambdas/core/ports';
import { costNanoUsd } from '../../lambdas/core/pricing/cost';
import { startMeteredUpstream, type MeteredCall, type MeteredUpstream } from '../fakes/metered';
import { baseConfig, startTestGateway, TEST_KEY, type TestGateway } from '../helpers/gateway';
import { eventually } from '../helpers/wait';

const PRICE = { inputPerMTok: 2, outputPerMTok: 8 };
const STINGY_KEY = 'sk-test-stingy-operator-01';

describe('every upstream call is accounted', () => {
  let gw: TestGateway;
  let stingy: TestGateway;
  let upstream: MeteredUpstream;

  beforeAll(async () => {
    upstream = await startMeteredUpstream();
    const provider = (id: string, extra: Record<string, unknown> = {}) => ({ id, type: 'openai', baseUrl: `${upstream.url}/v1`, apiKeyEnv: 'ATTEMPTS_KEY', retry: { maxAttempts: 1 }, ...extra });
    const config = (operatorBudget?: object) =>
      baseConfig({
        gateway: { abandonedCallMs: 5_000, ...(operatorBudget ? { operatorBudget } : {}) },
        providers: [provider('up'), provider('slow-up', { timeoutMs: 100 })],
        models: [
          { name: 'timeout-then-fallback', targets: [{ provider: 'slow-up', model: 'slow' }, { provider: 'up', model: 'quick' }] },
          { name: 'fails-then-fallback', targets: [{ provider: 'up', model: 'broken' }, { provider: 'up', model: 'quick' }] },
          { name: 'hedged', hedge: true, targets: [{ provider: 'up', model: 'h1' }, { provider: 'up', model: 'h2' }] },
        ],
        tenants: [{ id: 'test', apiKeys: [TEST_KEY], budget: { dailyUsd: 10 } }, { id: 'stingy', apiKeys: [STINGY_KEY] }],
        pricing: Object.fromEntries(['slow', 'quick', 'broken', 'h1', 'h2', 'wait'].map((m) => [m, PRICE])),
      });
    upstream.behave('slow', { delayMs: 400 });
    upstream.behave('wait', { delayMs: 400 });
    upstream.behave('broken', { status: 503 });
    gw = await startTestGateway(config(), { env: { ATTEMPTS_KEY: 'sk-upstream-attempts' } });
    // an operator that will bear nothing: no call runs beside another
    stingy = await startTestGateway(config({ dailyUsd: 0 }), { env: { ATTEMPTS_KEY: 'sk-upstream-attempts' } });
  });

  afterAll(async () => {
    await gw?.close();
    await stingy?.close();
    await upstream?.close();
  });

  let seq = 0;
  const send = (model: string, extra: Record<string, unknown> = {}, init: { signal?: AbortSignal; key?: string; on?: TestGateway } = {}) => {
    const requestId = `attempts-${++seq}`;
    const response = fetch(`${(init.on ?? gw).url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${init.key ?? TEST_KEY}`, 'content-type': 'application/json', 'x-request-id': requestId },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: `request ${requestId}` }], max_tokens: 30, ...extra }),
      signal: init.signal,
    });
    return { requestId, response };
  };

  /** the request's ledger entry, once it is written */
  async function entryOf(requestId: string, tenant = 'test', on = gw): Promise<LedgerEntry> {
    const ledger = on.runtime.deps.ledger as DynamoCostLedger;
    let found: LedgerEntry | undefined;
    await eventually(async () => {
      for await (const e of ledger.entries(tenant, dayOf(Date.now()))) if (e.requestId === requestId) found = e;
      return found !== undefined;
    });
    return found!;
  }

  const priced = (call: MeteredCall) => costNanoUsd({ input: call.input, output: call.output, cachedInput: 0, cacheWrite: 0 }, PRICE);
  /** what the fake billed for the request's calls to a model */
  const billedFor = (requestId: string, model: string) => upstream.bill.filter((c) => c.model === model && c.prompt.includes(requestId));

  it('charges a client that left before the first byte for the whole answer its provider went on to bill', async () => {
    const controller = new AbortController();
    const { requestId, response } = send('up/wait', {}, { signal: controller.signal });
    // the client leaves once the provider has its prompt, before the answer starts
    await eventually(async () => upstream.received.some((r) => JSON.stringify(r.body).includes(requestId)));
    controller.abort();
    await expect(response).rejects.toThrow();
    const entry = await entryOf(requestId);
    const [billed] = billedFor(requestId, 'wait');
    expect(billed).toBeDefined();
    expect(entry.calls).toEqual([expect.objectContaining({ model: 'wait', bearer: 'tenant', status: 200, costNanoUsd: priced(billed!) })]);
    expect(entry.costNanoUsd).toBe(priced(billed!));
  });

  it('reads a stream the client cut to its end, and charges every token its provider billed', async () => {
    const controller = new AbortController();
    const { requestId, response } = send('up/quick', { stream: true, max_tokens: 300 }, { signal: controller.signal });
    upstream.behave('quick', { wordMs: 5 });
    const reader = (await response).body!.getReader();
    await reader.read();
    controller.abort();
    const entry = await entryOf(requestId);
    upstream.behave('quick', {});
    const [billed] = billedFor(requestId, 'quick');
    expect(billed!.output).toBe(300);
    expect(entry.costNanoUsd).toBe(priced(billed!));
    expect(entry.calls[0]).toMatchObject({ bearer: 'tenant', outputTokens: 300 });
  });

  it('keeps a timed-out call running beside the fallback, and records it as the operator’s at what it billed', async () => {
    const { requestId, response } = send('timeout-then-fallback');
    const res = await response;
    expect(res.status).toBe(200);
    expect(res.headers.get('x-gateway-provider')).toBe('up');
    const entry = await entryOf(requestId);
    const [slow] = billedFor(requestId, 'slow');
    const [quick] = billedFor(requestId, 'quick');
    expect(entry.calls).toEqual([
      expect.objectContaining({ provider: 'slow-up', model: 'slow', bearer: 'operator', costNanoUsd: priced(slow!) }),
      expect.objectContaining({ provider: 'up', model: 'quick', bearer: 'tenant', costNanoUsd: priced(quick!) }),
    ]);
    expect(entry.costNanoUsd).toBe(priced(quick!));
    expect(entry.operatorCostNanoUsd).toBe(priced(slow!));
  });

  it('records a retried 5xx as the operator’s call, at the nothing an error answer costs', async () => {
    const { requestId, response } = send('fails-then-fallback');
    expect((await response).status).toBe(200);
    const entry = await entryOf(requestId);
    expect(entry.calls).toEqual([expect.objectContaining({ model: 'broken', status: 503, bearer: 'operator', costNanoUsd: 0 }), expect.objectContaining({ model: 'quick', bearer: 'tenant' })]);
  });

  it('records a hedge’s loser, read to its end, as the operator’s', async () => {
    for (let i = 0; i < 6; i++) expect((await send('hedged').response).status).toBe(200);
    upstream.behave('h1', { delayMs: 300 });
    const { requestId, response } = send('hedged');
    const res = await response;
    upstream.behave('h1', {});
    expect(res.headers.get('x-gateway-model')).toBe('h2');
    const entry = await entryOf(requestId);
    const [loser] = billedFor(requestId, 'h1');
    expect(entry.calls).toEqual(expect.arrayContaining([expect.objectContaining({ model: 'h1', bearer: 'operator', costNanoUsd: priced(loser!) }), expect.objectContaining({ model: 'h2', bearer: 'tenant' })]));
    expect(entry.operatorCostNanoUsd).toBe(priced(loser!));
    const usage = (await (await gw.call('/v1/usage')).json()) as { day: { operator_cost_usd: string } };
    expect(Number(usage.day.operator_cost_usd)).toBeGreaterThan(0);
  });

  it('starts no second call beside a running one when the operator budget has no room: the slow call serves', async () => {
    const { requestId, response } = send('timeout-then-fallback', {}, { key: STINGY_KEY, on: stingy });
    const res = await response;
    expect(res.status).toBe(200);
    expect(res.headers.get('x-gateway-model')).toBe('slow');
    expect(billedFor(requestId, 'quick')).toHaveLength(0);
    const entry = await entryOf(requestId, 'stingy', stingy);
    expect(entry.calls).toEqual([expect.objectContaining({ model: 'slow', bearer: 'tenant' })]);
    expect(entry.operatorCostNanoUsd).toBe(0);
  });
});
