// Admission through the local gateway: rate-limit headers, token limits, per-request and expensive-call caps,
// provider quotas, and settlement of calls that fail or are cut short.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usdToNano } from '../../lambdas/core/pricing/cost';
import { openaiCompletion, openaiStreamFrames, sendJson, sendSse, startFakeUpstream, type FakeUpstream } from '../fakes/upstream';
import { startTestGateway, type TestGateway } from '../helpers/gateway';

const KEY = { plain: 'sk-test-admission-plain', tokens: 'sk-test-admission-tokens', capped: 'sk-test-admission-capped', failing: 'sk-test-admission-failing', streaming: 'sk-test-admission-stream' };

describe('admission through the local gateway', () => {
  let gw: TestGateway;
  let upstream: FakeUpstream;

  beforeAll(async () => {
    upstream = await startFakeUpstream(async (req, res) => {
      const model = (req.body as { model: string }).model;
      if (model === 'down') return sendJson(res, 503, { error: { message: 'overloaded', type: 'server_error' } });
      if (!(req.body as { stream?: boolean }).stream) return sendJson(res, 200, openaiCompletion(model, 'short', { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 }));
      // a long, slow stream: the client leaves after the first words
      await sendSse(res, openaiStreamFrames(model, Array.from({ length: 200 }, (_, i) => `w${i} `)), { delayMs: 10 });
    });
    gw = await startTestGateway({
      providers: [
        { id: 'mock', type: 'mock' },
        { id: 'quota', type: 'mock', limits: { requestsPerMinute: 2 } },
        { id: 'spare', type: 'mock' },
        { id: 'up', type: 'openai', baseUrl: `${upstream.url}/v1`, apiKeyEnv: 'UP_KEY' },
      ],
      models: [
        { name: 'echo', targets: [{ provider: 'mock', model: 'echo' }] },
        { name: 'pricey', targets: [{ provider: 'mock', model: 'pricey' }] },
        { name: 'quota-only', targets: [{ provider: 'quota', model: 'echo' }] },
        { name: 'quota-then-spare', targets: [{ provider: 'quota', model: 'echo' }, { provider: 'spare', model: 'echo' }] },
        { name: 'down', targets: [{ provider: 'up', model: 'down' }] },
        { name: 'slow-stream', targets: [{ provider: 'up', model: 'slow' }] },
      ],
      tenants: [
        { id: 'plain', apiKeys: [KEY.plain], limits: { requestsPerMinute: 100, requestsPerDay: 5000 } },
        { id: 'tokens', apiKeys: [KEY.tokens], limits: { tokensPerMinute: 60 } },
        { id: 'capped', apiKeys: [KEY.capped], budget: { perRequestUsd: 0.001, expensiveCallsPerHour: 2, expensiveInputPerMTok: 5 } },
        { id: 'failing', apiKeys: [KEY.failing], budget: { dailyUsd: 0.003 } },
        { id: 'streaming', apiKeys: [KEY.streaming], budget: { dailyUsd: 0.6 } },
      ],
      pricing: {
        echo: { inputPerMTok: 1, outputPerMTok: 2 },
        pricey: { inputPerMTok: 10, outputPerMTok: 10 },
        down: { inputPerMTok: 0, outputPerMTok: 1000 },
        slow: { inputPerMTok: 0, outputPerMTok: 1000 },
      },
    }, { env: { UP_KEY: 'sk-upstream-admission' } });
  });

  afterAll(async () => {
    await gw?.close();
    await upstream?.close();
  });

  const chat = (key: string, model: string, extra: Record<string, unknown> = {}) =>
    gw.call('/v1/chat/completions', { body: { model, messages: [{ role: 'user', content: 'hello there' }], ...extra }, headers: { authorization: `Bearer ${key}` } });

  const usage = async (key: string) =>
    (await (await gw.call('/v1/usage', { headers: { authorization: `Bearer ${key}` } })).json()) as { day: { cost_usd: string; reserved_usd: string; requests: number } };

  it("sends OpenAI's x-ratelimit headers for the limit that binds most", async () => {
    const res = await chat(KEY.plain, 'echo');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-ratelimit-limit-requests')).toBe('100');
    expect(Number(res.headers.get('x-ratelimit-remaining-requests'))).toBeLessThan(100);
    expect(res.headers.get('x-ratelimit-reset-requests')).toMatch(/^(1m0s|\d+s)$/);
  });

  it('counts tokens per minute from the input estimate, corrected by the real usage, and refuses past the limit', async () => {
    const first = await chat(KEY.tokens, 'echo');
    expect(first.status).toBe(200);
    expect(first.headers.get('x-ratelimit-limit-tokens')).toBe('60');
    const big = await chat(KEY.tokens, 'echo', { messages: [{ role: 'user', content: 'x'.repeat(400) }] });
    expect(big.status).toBe(429);
    expect(((await big.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: 'rate_limit_exceeded', message: expect.stringContaining('tokens per minute') });
    expect(big.headers.get('x-ratelimit-remaining-tokens')).toBe('0');
    expect(Number(big.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });

  it('refuses a call whose worst case passes the per-request budget, naming max_tokens, and changes nothing', async () => {
    const before = await usage(KEY.capped);
    const res = await chat(KEY.capped, 'echo', { max_tokens: 100_000 });
    expect(res.status).toBe(429);
    expect(res.headers.get('x-should-retry')).toBe('false');
    expect(((await res.json()) as { error: { code: string; param: string } }).error).toMatchObject({ code: 'budget_exceeded', param: 'max_tokens' });
    expect(await usage(KEY.capped)).toEqual(before);
    expect((await chat(KEY.capped, 'echo', { max_tokens: 100 })).status).toBe(200);
  });

  it('caps calls per hour to models priced over the threshold, and only those', async () => {
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await chat(KEY.capped, 'pricey', { max_tokens: 10 })).status);
    expect(statuses).toEqual([200, 200, 429]);
    const refused = await chat(KEY.capped, 'pricey', { max_tokens: 10 });
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain('expensive models');
    expect((await chat(KEY.capped, 'echo', { max_tokens: 10 })).status).toBe(200);
  });

  it("skips a provider whose own quota is spent, falling over to the next target, and says when there is none", async () => {
    // the quota is 2 a minute in a window of the clock's minute: four calls that straddle its turn would find a
    // fresh quota, so start them clear of it
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 50_000) await new Promise((r) => setTimeout(r, 60_000 - intoMinute + 100));
    expect((await chat(KEY.plain, 'quota-only')).status).toBe(200);
    expect((await chat(KEY.plain, 'quota-only')).status).toBe(200);
    const over = await chat(KEY.plain, 'quota-then-spare');
    expect(over.status).toBe(200);
    expect(over.headers.get('x-gateway-provider')).toBe('spare');
    const none = await chat(KEY.plain, 'quota-only');
    expect(none.status).toBe(503);
    expect(Number(none.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const body = (await none.json()) as { error: { code: string; attempts: Array<{ message: string }> } };
    expect(body.error.code).toBe('all_providers_unavailable');
    expect(body.error.attempts[0]!.message).toBe('provider quota reached here');
  });

  it('gives the reservation of a failed call back: failures never use up the budget', async () => {
    // each call may cost up to $0.001 (1 output token at $1000/M); the budget holds three at once
    for (let i = 0; i < 6; i++) expect((await chat(KEY.failing, 'down', { max_tokens: 1 })).status).toBe(502);
    let after = await usage(KEY.failing);
    for (let i = 0; i < 100 && after.day.requests < 6; i++) {
      await new Promise((r) => setTimeout(r, 20));
      after = await usage(KEY.failing);
    }
    // each failed request is in the ledger (its call was made), at the nothing an error answer costs
    expect(after.day.cost_usd).toBe('0');
    expect(after.day.requests).toBe(6);
    const refusedAtOnce = await Promise.all(Array.from({ length: 3 }, () => chat(KEY.failing, 'down', { max_tokens: 1 })));
    expect(refusedAtOnce.map((r) => r.status)).toEqual([502, 502, 502]);
  });

  it('reads a stream the client left to its end, charges what its provider reports, and releases the rest of its reservation', async () => {
    const controller = new AbortController();
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY.streaming}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'slow-stream', stream: true, max_tokens: 500, messages: [{ role: 'user', content: 'talk' }] }),
      signal: controller.signal,
    });
    const reader = res.body!.getReader();
    await reader.read();
    controller.abort();
    await reader.read().catch(() => undefined);

    let day = (await usage(KEY.streaming)).day;
    for (let i = 0; i < 100 && day.requests === 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
      day = (await usage(KEY.streaming)).day;
    }
    expect(day.requests).toBe(1);
    // the provider went on to its 200 words (it bills them whoever reads them): 200 output tokens at $1000/M
    expect(usdToNano(Number(day.cost_usd))).toBe(usdToNano(0.2));
    expect(upstream.received.at(-1)!.answeredAt! - upstream.received.at(-1)!.at).toBeGreaterThan(1_000);
    // the rest of its $0.50 reservation is free again: $0.40 of the $0.60 is left for the next call
    expect((await chat(KEY.streaming, 'slow-stream', { max_tokens: 400 })).status).toBe(200);
    expect((await chat(KEY.streaming, 'slow-stream', { max_tokens: 400 })).status).toBe(429);
  });
});
