// The response cache end to end: the official openai client against the local gateway, a fake OpenAI upstream
// that counts its calls. A repeated request is answered without a call, streamed or not, in either order; other
// tenants, Cache-Control and TTLs behave as docs/cache.md says; failed or cut answers are never kept; a hit
// costs $0 and /v1/usage shows what it saved.
import http from 'node:http';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readChatStream } from '../helpers/chat-stream';
import { baseConfig, startTestGateway, TEST_KEY, type TestGateway } from '../helpers/gateway';
import { openaiCompletion, openaiStreamFrames, sendJson, sendSse, startFakeUpstream, type FakeUpstream } from '../fakes/upstream';

const OTHER_KEY = 'sk-test-other-tenant-0002';
const GUARDED_KEY = 'sk-test-guarded-tenant-0003';
const UPSTREAM_KEY = 'sk-upstream-0001';

type Body = { model: string; stream?: boolean; messages: Array<{ role: string; content: string }> };

/** answers "answer to <last message>"; FAIL → 500; CUT → a stream that breaks off; FILTER → content_filter */
function upstreamAnswer(req: { path: string; body: unknown }, res: http.ServerResponse): void | Promise<void> {
  if (req.path === '/v1/embeddings') {
    const input = (req.body as { input: string }).input;
    return sendJson(res, 200, { object: 'list', model: 'text-embedding-3-small', data: [{ object: 'embedding', index: 0, embedding: [input.length / 100, 0.25, -0.5] }], usage: { prompt_tokens: 4, total_tokens: 4 } });
  }
  const body = req.body as Body;
  const last = body.messages.at(-1)!.content;
  if (last.includes('FAIL')) return sendJson(res, 400, { error: { message: 'refused', type: 'invalid_request_error' } });
  const words = ['answer ', 'to ', last];
  if (body.stream) {
    if (last.includes('CUT')) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(openaiStreamFrames(body.model, words)[1]!);
      setTimeout(() => res.destroy(), 20);
      return;
    }
    return sendSse(res, openaiStreamFrames(body.model, words));
  }
  const completion = openaiCompletion(body.model, words.join(''), { prompt_tokens: 1000, completion_tokens: 500, total_tokens: 1500 });
  if (last.includes('FILTER')) completion.choices[0]!.finish_reason = 'content_filter';
  return sendJson(res, 200, completion);
}

describe('response cache', () => {
  let upstream: FakeUpstream;
  let gw: TestGateway;
  let client: OpenAI;
  const calls = () => upstream.received.filter((r) => r.path === '/v1/chat/completions').length;

  beforeAll(async () => {
    upstream = await startFakeUpstream(upstreamAnswer);
    gw = await startTestGateway(
      baseConfig({
        providers: [{ id: 'up', type: 'openai', baseUrl: `${upstream.url}/v1`, apiKeyEnv: 'UP_KEY' }],
        models: [
          { name: 'cached', targets: [{ provider: 'up', model: 'gpt-4o-mini' }], cache: { ttlSeconds: 3600 } },
          { name: 'shared', targets: [{ provider: 'up', model: 'gpt-4o-mini' }], cache: { ttlSeconds: 3600, scope: 'shared' } },
          { name: 'plain', targets: [{ provider: 'up', model: 'gpt-4o-mini' }] },
          { name: 'embed', targets: [{ provider: 'up', model: 'text-embedding-3-small' }], cache: { ttlSeconds: 3600 } },
        ],
        tenants: [
          { id: 'test', apiKeys: [TEST_KEY], budget: { dailyUsd: 100 } },
          { id: 'other', apiKeys: [OTHER_KEY] },
          { id: 'guarded', apiKeys: [GUARDED_KEY], guardrails: ['mask-output'] },
        ],
        guardrails: { 'mask-output': { mode: 'mask', checks: ['email'], apply: 'output' } },
        pricing: { 'gpt-4o-mini': { inputPerMTok: 1, outputPerMTok: 2 }, 'text-embedding-3-small': { inputPerMTok: 0.02, outputPerMTok: 0 } },
      }),
      { env: { UP_KEY: UPSTREAM_KEY } },
    );
    client = gw.client();
  });

  afterAll(async () => {
    await gw?.close();
    await upstream?.close();
  });

  const ask = (content: string, model = 'cached') => ({ model, messages: [{ role: 'user' as const, content }] });

  it('never serves an answer kept without output guardrails to a request under them, and keeps no answer an output check changed', async () => {
    const guarded = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: GUARDED_KEY, maxRetries: 0 });
    const question = ask('mail bob@example.com', 'shared');
    const before = calls();
    const plain = await client.chat.completions.create(question);
    expect(plain.choices[0]!.message.content).toContain('bob@example.com');
    await settled(gw);
    // a shared alias: the same question from a tenant under an output mask policy is not the kept answer
    const first = await guarded.chat.completions.create(question).withResponse();
    expect(first.response.headers.get('x-gateway-cache')).toBe('miss');
    expect(first.data.choices[0]!.message.content).toBe('answer to mail [EMAIL_1]');
    expect(first.response.headers.get('x-gateway-guardrails')).toContain('mask-output:output-masked=email');
    await settled(gw);
    // its masked answer was not kept: asked again, the provider answers again
    const second = await guarded.chat.completions.create(question).withResponse();
    expect(second.response.headers.get('x-gateway-cache')).toBe('miss');
    expect(second.data.choices[0]!.message.content).not.toContain('bob@example.com');
    await settled(gw);
    expect(calls()).toBe(before + 3);
    // the unguarded tenant's answer is still kept for it
    const again = await client.chat.completions.create(question).withResponse();
    expect(again.response.headers.get('x-gateway-cache')).toBe('hit');
    expect(calls()).toBe(before + 3);
  });

  it('answers a repeated request from the cache, identical in content, with no upstream call', async () => {
    const before = calls();
    const first = await client.chat.completions.create(ask('what is 2+2?')).withResponse();
    expect(first.response.headers.get('x-gateway-cache')).toBe('miss');
    await settled(gw);
    const second = await client.chat.completions.create(ask('what is 2+2?')).withResponse();
    expect(calls()).toBe(before + 1);
    expect(second.response.headers.get('x-gateway-cache')).toBe('hit');
    expect(second.data.choices[0]!.message.content).toBe(first.data.choices[0]!.message.content);
    expect(second.data.choices[0]!.finish_reason).toBe('stop');
    expect(second.data.id).not.toBe(first.data.id);
    expect(second.response.headers.get('x-gateway-provider')).toBe('up');
    expect(second.response.headers.get('x-gateway-model')).toBe('gpt-4o-mini');
    expect(Number(second.response.headers.get('age'))).toBeGreaterThanOrEqual(0);
    expect(second.response.headers.get('x-gateway-cost-usd')).toBe('0');
  });

  it('keys on the request, not on the order of JSON keys, user, metadata or stream', async () => {
    const before = calls();
    await client.chat.completions.create({ ...ask('key order'), temperature: 0.5, user: 'a' });
    await settled(gw);
    const reordered = await gw.call('/v1/chat/completions', { body: JSON.stringify({ temperature: 0.5, user: 'b', messages: [{ content: 'key order', role: 'user' }], model: 'cached' }) });
    expect(reordered.headers.get('x-gateway-cache')).toBe('hit');
    const otherTemperature = await client.chat.completions.create({ ...ask('key order'), temperature: 0.7 }).withResponse();
    expect(otherTemperature.response.headers.get('x-gateway-cache')).toBe('miss');
    expect(calls()).toBe(before + 2);
  });

  it('serves a non-streamed answer to a streamed request, as a valid stream with usage and [DONE]', async () => {
    await client.chat.completions.create(ask('whole first'));
    await settled(gw);
    const before = calls();
    const { data, response } = await client.chat.completions.create({ ...ask('whole first'), stream: true, stream_options: { include_usage: true } }).withResponse();
    expect(response.headers.get('x-gateway-cache')).toBe('hit');
    const read = await readChatStream(data);
    expect(read.text).toBe('answer to whole first');
    expect(read.finish).toBe('stop');
    expect(read.usage?.completion_tokens).toBe(500);
    expect(calls()).toBe(before);
    const raw = await (await gw.call('/v1/chat/completions', { body: { ...ask('whole first'), stream: true } })).text();
    expect(raw.trimEnd().endsWith('data: [DONE]')).toBe(true);
  });

  it('serves a streamed answer to a later non-streamed request and to a later streamed one', async () => {
    const first = await readChatStream(await client.chat.completions.create({ ...ask('stream first'), stream: true }));
    expect(first.text).toBe('answer to stream first');
    await settled(gw);
    const before = calls();
    const whole = await client.chat.completions.create(ask('stream first')).withResponse();
    expect(whole.response.headers.get('x-gateway-cache')).toBe('hit');
    expect(whole.data.choices[0]!.message.content).toBe('answer to stream first');
    const again = await readChatStream(await client.chat.completions.create({ ...ask('stream first'), stream: true }));
    expect(again.text).toBe(first.text);
    expect(calls()).toBe(before);
  });

  it("never serves one tenant another's answer, unless the alias shares its cache", async () => {
    await client.chat.completions.create(ask('tenant scoped'));
    await client.chat.completions.create(ask('shared scope', 'shared'));
    await settled(gw);
    const before = calls();
    const other = gw.client({ apiKey: OTHER_KEY });
    const scoped = await other.chat.completions.create(ask('tenant scoped')).withResponse();
    expect(scoped.response.headers.get('x-gateway-cache')).toBe('miss');
    const shared = await other.chat.completions.create(ask('shared scope', 'shared')).withResponse();
    expect(shared.response.headers.get('x-gateway-cache')).toBe('hit');
    expect(calls()).toBe(before + 1);
  });

  it('does not read with Cache-Control no-cache, and does not write with no-store', async () => {
    await client.chat.completions.create(ask('controls'));
    await settled(gw);
    const before = calls();
    const noCache = await client.chat.completions.create(ask('controls'), { headers: { 'cache-control': 'no-cache' } }).withResponse();
    expect(noCache.response.headers.get('x-gateway-cache')).toBe('bypass');
    expect(calls()).toBe(before + 1);

    const noStore = await client.chat.completions.create(ask('not kept'), { headers: { 'cache-control': 'no-store' } }).withResponse();
    expect(noStore.response.headers.get('x-gateway-cache')).toBe('miss');
    await settled(gw);
    const after = await client.chat.completions.create(ask('not kept')).withResponse();
    expect(after.response.headers.get('x-gateway-cache')).toBe('miss');
    expect(calls()).toBe(before + 3);
  });

  it('expires an entry after its ttl (x-gateway-cache-ttl, bounded by the alias ttl) and refuses a malformed one', async () => {
    await client.chat.completions.create(ask('short lived'), { headers: { 'x-gateway-cache-ttl': '1' } });
    await settled(gw);
    const hit = await client.chat.completions.create(ask('short lived')).withResponse();
    expect(hit.response.headers.get('x-gateway-cache')).toBe('hit');
    await new Promise((r) => setTimeout(r, 1100));
    const before = calls();
    const expired = await client.chat.completions.create(ask('short lived')).withResponse();
    expect(expired.response.headers.get('x-gateway-cache')).toBe('miss');
    expect(calls()).toBe(before + 1);

    const bad = await gw.call('/v1/chat/completions', { body: ask('bad ttl'), headers: { 'x-gateway-cache-ttl': 'soon' } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { param: string } }).error.param).toBe('x-gateway-cache-ttl');
  });

  it('never keeps a failed, filtered or cut answer', async () => {
    for (const content of ['FAIL now', 'FILTER this']) {
      await client.chat.completions.create(ask(content)).catch(() => undefined);
      await settled(gw);
      const before = calls();
      const again = await gw.call('/v1/chat/completions', { body: ask(content) });
      // a failed call answers with its error (no cache header); a filtered one is a miss again
      expect(again.headers.get('x-gateway-cache')).not.toBe('hit');
      expect(calls()).toBe(before + 1);
    }
    await readChatStream(await client.chat.completions.create({ ...ask('CUT short'), stream: true })).catch(() => undefined);
    await settled(gw);
    const before = calls();
    const again = await gw.call('/v1/chat/completions', { body: ask('CUT short') });
    expect(again.headers.get('x-gateway-cache')).toBe('miss');
    expect(calls()).toBe(before + 1);
  });

  it('caches embeddings too: a repeated input is a hit in whichever encoding the client asks', async () => {
    const embeddings = () => upstream.received.filter((r) => r.path === '/v1/embeddings').length;
    const first = await client.embeddings.create({ model: 'embed', input: 'vector me', encoding_format: 'float' }).withResponse();
    expect(first.response.headers.get('x-gateway-cache')).toBe('miss');
    await settled(gw);
    const before = embeddings();
    // the SDK asks for base64 by default and decodes it
    const second = await client.embeddings.create({ model: 'embed', input: 'vector me' }).withResponse();
    expect(second.response.headers.get('x-gateway-cache')).toBe('hit');
    // base64 carries float32: the same vector at that precision
    expect(second.data.data[0]!.embedding).toEqual(first.data.data[0]!.embedding.map(Math.fround));
    expect(embeddings()).toBe(before);
    const other = await client.embeddings.create({ model: 'embed', input: 'another text' }).withResponse();
    expect(other.response.headers.get('x-gateway-cache')).toBe('miss');
  });

  it('does no cache work for an alias without a cache', async () => {
    const res = await client.chat.completions.create(ask('uncached', 'plain')).withResponse();
    expect(res.response.headers.get('x-gateway-cache')).toBeNull();
  });

  it('charges a hit $0, records it in the ledger with its saving, and /v1/usage shows hits and savings', async () => {
    const other = gw.client({ apiKey: OTHER_KEY });
    await other.chat.completions.create(ask('priced'));
    await settled(gw);
    await other.chat.completions.create(ask('priced'));
    await other.chat.completions.create(ask('priced'));
    type Period = { requests: number; cost_usd: string; cache_hits: number; cache_saved_usd: string };
    let usage: { day: Period } | undefined;
    for (let i = 0; i < 100; i++) {
      const res = await fetch(`${gw.url}/v1/usage`, { headers: { authorization: `Bearer ${OTHER_KEY}` } });
      usage = (await res.json()) as { day: Period };
      if (usage.day.cache_hits >= 2 && usage.day.requests >= 5) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    // one miss: 1000 input at $1/M + 500 output at $2/M = $0.002; two hits saved as much each, charged nothing.
    // (the other tenant's earlier requests in this file: scoped miss $0.002 and a shared hit)
    expect(usage!.day.cache_hits).toBe(3);
    expect(usage!.day.cache_saved_usd).toBe('0.006');
    expect(usage!.day.cost_usd).toBe('0.004');
    const health = (await (await gw.call('/health')).json()) as { cache: { hits: number; misses: number; hitRate: number } };
    expect(health.cache.hits).toBeGreaterThan(0);
    expect(health.cache.hitRate).toBeGreaterThan(0);
    expect(health.cache.hitRate).toBeLessThan(1);
  });
});

/** ledger settlement and the cache write happen after the response: give them a moment */
async function settled(gw: TestGateway): Promise<void> {
  await new Promise((r) => setTimeout(r, 250));
  void gw;
}
