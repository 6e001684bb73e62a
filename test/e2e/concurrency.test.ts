// Three gateway processes sharing one dynalite, as Lambda instances share a table: limits admit exactly,
// budgets never overspend, the ledger adds up to what was charged, and a process killed mid-call leaves a
// reservation that the sweep gives back.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoCostLedger } from '../../lambdas/adapters/dynamodb/cost-ledger';
import { DynamoLeaseSweep } from '../../lambdas/adapters/dynamodb/lease-sweep';
import { sweepExpiredLeases } from '../../lambdas/core/admission/reconcile';
import { usdToNano } from '../../lambdas/core/pricing/cost';
import { openaiCompletion, sendJson, startFakeUpstream, type FakeUpstream } from '../fakes/upstream';
import { startTestDynamo, type TestDynamo } from '../helpers/dynalite';
import { MemoryLogger } from '../helpers/logs';
import { spawnGateway, type GatewayProcess } from '../helpers/processes';
import { awayFromMinuteEnd, eventually, until } from '../helpers/wait';

const KEYS = { limited: 'sk-test-limited-000001', budgeted: 'sk-test-budgeted-00001', crashy: 'sk-test-crashy-0000001' };
const UPSTREAM_KEY = 'sk-upstream-fixed-usage-42';
const REQUEST_TIMEOUT_MS = 5_000;

/** every call reports 10 output tokens at $1000 per million: exactly $0.01, and max_tokens 10 makes that the worst case too */
const USAGE = { prompt_tokens: 7, completion_tokens: 10, total_tokens: 17 };

interface Answer {
  status: number;
  headers: Headers;
  body: { error?: { code: string } };
}

describe('three gateway processes sharing one dynalite', () => {
  let db: TestDynamo;
  let upstream: FakeUpstream;
  let gateways: GatewayProcess[] = [];
  const stalled: http.ServerResponse[] = [];

  beforeAll(async () => {
    db = await startTestDynamo();
    upstream = await startFakeUpstream((req, res) => {
      // the "stall" model never answers: the caller's process is killed while it waits
      if ((req.body as { model: string }).model === 'stall') return void stalled.push(res);
      sendJson(res, 200, openaiCompletion('fixed', 'ok', USAGE));
    });
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-concurrency-'));
    const configPath = join(dir, 'gateway.config.json');
    writeFileSync(
      configPath,
      JSON.stringify({
        gateway: { requestTimeoutMs: REQUEST_TIMEOUT_MS },
        providers: [{ id: 'fixed', type: 'openai', baseUrl: `${upstream.url}/v1`, apiKeyEnv: 'FIXED_KEY' }],
        models: [
          { name: 'fixed', targets: [{ provider: 'fixed', model: 'fixed' }] },
          { name: 'stall', targets: [{ provider: 'fixed', model: 'stall' }] },
        ],
        tenants: [
          { id: 'limited', apiKeys: [KEYS.limited], limits: { requestsPerMinute: 20 } },
          { id: 'budgeted', apiKeys: [KEYS.budgeted], budget: { dailyUsd: 0.05 } },
          { id: 'crashy', apiKeys: [KEYS.crashy], budget: { dailyUsd: 1 } },
        ],
        pricing: { fixed: { inputPerMTok: 0, outputPerMTok: 1000 }, stall: { inputPerMTok: 0, outputPerMTok: 1000 } },
      }),
    );
    gateways = await Promise.all([0, 1, 2].map(() => spawnGateway({ configPath, dynamodbEndpoint: db.endpoint, env: { FIXED_KEY: UPSTREAM_KEY } })));
  }, 90_000);

  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.stop()));
    for (const res of stalled) res.destroy();
    await upstream?.close();
    await db?.stop();
  });

  async function chat(gateway: GatewayProcess, key: string, model = 'fixed', maxTokens = 10): Promise<Answer> {
    const res = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, max_tokens: maxTokens, messages: [{ role: 'user', content: 'how much is this?' }] }),
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Answer['body'] };
  }

  it('admits exactly 20 of 60 concurrent requests against 20/minute; the other 40 get rate_limit_exceeded with retry-after', async () => {
    await awayFromMinuteEnd();
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => chat(gateways[i % 3]!, KEYS.limited)));

    const admitted = answers.filter((a) => a.status === 200);
    const refused = answers.filter((a) => a.status === 429);
    expect(admitted).toHaveLength(20);
    expect(refused).toHaveLength(40);
    for (const a of refused) {
      expect(a.body.error?.code).toBe('rate_limit_exceeded');
      expect(Number(a.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(Number(a.headers.get('retry-after'))).toBeLessThanOrEqual(60);
      expect(a.headers.get('x-ratelimit-limit-requests')).toBe('20');
      expect(a.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    }
    for (const a of admitted) {
      expect(a.headers.get('x-ratelimit-limit-requests')).toBe('20');
      expect(a.headers.get('x-ratelimit-reset-requests')).toMatch(/^(1m0s|\d+s)$/);
    }
  });

  it('never spends past a $0.05 daily budget at $0.01 a call under 40 concurrent calls, and /v1/usage shows what was charged', async () => {
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => chat(gateways[i % 3]!, KEYS.budgeted)));

    const charged = answers.filter((a) => a.status === 200).map((a) => usdToNano(Number(a.headers.get('x-gateway-cost-usd'))));
    const spent = charged.reduce((a, b) => a + b, 0);
    expect(charged.every((c) => c === usdToNano(0.01))).toBe(true);
    expect(spent).toBeLessThanOrEqual(usdToNano(0.05));
    expect(spent).toBeGreaterThanOrEqual(usdToNano(0.03));
    for (const a of answers.filter((x) => x.status !== 200)) {
      expect(a.status).toBe(429);
      expect(a.body.error?.code).toBe('budget_exceeded');
      expect(a.headers.get('x-should-retry')).toBe('false');
    }
    // settlement is written after each answer's last byte: wait until every admitted call has landed
    type Usage = { day: { cost_usd: string; requests: number; reserved_usd: string; by_model: Record<string, { requests: number }> } };
    let usage: Usage | undefined;
    await eventually(async () => {
      usage = (await (await fetch(`${gateways[1]!.url}/v1/usage`, { headers: { authorization: `Bearer ${KEYS.budgeted}` } })).json()) as Usage;
      return usage.day.requests >= charged.length;
    });
    usage = usage!;
    expect(usdToNano(Number(usage.day.cost_usd))).toBe(spent);
    expect(usage.day.requests).toBe(charged.length);
    expect(usage.day.reserved_usd).toBe('0');
    expect(usage.day.by_model['fixed/fixed']?.requests).toBe(charged.length);
  });

  it('gives back the reservation of a process killed mid-call once the sweep finds it expired', async () => {
    const ledger = new DynamoCostLedger(db.client, db.tables.costLedger, 30);
    const today = new Date().toISOString().slice(0, 10);
    const victim = gateways[2]!;
    const call = chat(victim, KEYS.crashy, 'stall', 50).catch((err: Error) => err);
    await until(() => stalled.length === 1);
    await victim.kill();
    await call;

    const held = (await ledger.usage('crashy', today, today.slice(0, 7))).day;
    expect(held.reservedNanoUsd).toBe(usdToNano(0.05));
    expect(held.costNanoUsd).toBe(0);

    const soon = await sweepExpiredLeases(new DynamoLeaseSweep(db.client, db.tables.costLedger), ['crashy'], Date.now(), new MemoryLogger());
    expect(soon.released).toBe(0); // not expired yet: the process might still be settling
    const later = Date.now() + 60_000 + REQUEST_TIMEOUT_MS + 60_000 + 60_000 + 1_000;
    expect(await sweepExpiredLeases(new DynamoLeaseSweep(db.client, db.tables.costLedger), ['crashy'], later, new MemoryLogger())).toEqual({ released: 1, returnedNanoUsd: usdToNano(0.05) });
    expect((await ledger.usage('crashy', today, today.slice(0, 7))).day.reservedNanoUsd).toBe(0);

    const after = await chat(gateways[0]!, KEYS.crashy);
    expect(after.status).toBe(200);
  });

  it('writes no tenant or provider key into any log line', () => {
    // (the start banner's curl example shows the config file's first local key on purpose)
    const all = gateways.flatMap((g) => g.output.filter((line) => line.startsWith('{"level"'))).join('\n');
    expect(all).toContain('"tenant":"budgeted"');
    for (const key of [...Object.values(KEYS), UPSTREAM_KEY]) expect(all).not.toContain(key);
  });
});
