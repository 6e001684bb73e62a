// Request history and payload logging end to end, against the local gateway (embedded dynalite and S3) with
// the mock provider: GET /v1/requests pages through 250 calls of one tenant (the official OpenAI client's
// cursor pagination) and never shows another's; with payload logging on, the bodies are in the embedded S3
// and shown by id; with it off, nothing is written.
import { CursorPage } from 'openai/pagination';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_BUCKET_NAMES } from '../../lambdas/adapters/s3/buckets';
import { createS3Client } from '../../lambdas/adapters/s3/client';
import { decodePayload } from '../../lambdas/core/history/payloads';
import { baseConfig, startTestGateway, TEST_KEY, type TestGateway } from '../helpers/gateway';
import { listKeys } from '../helpers/s3';

const OTHER_KEY = 'sk-other-tenant-key-0002';
const FULL_KEY = 'sk-full-logging-key-0003';
const REDACTED_KEY = 'sk-redacted-logs-key-0004';
const GUARDED_KEY = 'sk-guarded-logs-key-0005';

let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway(
    baseConfig({
      tenants: [
        { id: 'test', apiKeys: [TEST_KEY] },
        { id: 'other', apiKeys: [OTHER_KEY] },
        { id: 'full', apiKeys: [FULL_KEY], payloadLogging: 'full' },
        { id: 'masked', apiKeys: [REDACTED_KEY], payloadLogging: 'redacted' },
        { id: 'guarded', apiKeys: [GUARDED_KEY], payloadLogging: 'redacted', guardrails: ['mask-output'] },
      ],
      guardrails: { 'mask-output': { mode: 'mask', checks: ['email'], apply: 'output' } },
    }),
  );
});
afterAll(async () => {
  await gw?.close();
});

async function chat(key: string, content: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<string> {
  const res = await gw.call('/v1/chat/completions', { body: { model: 'echo', messages: [{ role: 'user', content }], ...extra }, headers: { authorization: `Bearer ${key}`, ...headers } });
  await res.text();
  expect(res.status).toBe(200);
  return res.headers.get('x-request-id')!;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function history(key: string, query = ''): Promise<{ status: number; body: any }> {
  const res = await gw.call(`/v1/requests${query}`, { headers: { authorization: `Bearer ${key}` } });
  return { status: res.status, body: await res.json() };
}

/** entries are written after the response (group commit): wait until the tenant has `n` */
async function waitForEntries(key: string, n: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const { body } = await history(key, `?limit=100`);
    if (body.data.length >= Math.min(n, 100)) {
      if (n <= 100) return;
    }
    // count through the pages only when the first is full
    let count = 0;
    let after: string | undefined;
    for (;;) {
      const page = await history(key, `?limit=100${after ? `&after=${after}` : ''}`);
      count += page.body.data.length;
      if (!page.body.has_more) break;
      after = page.body.last_id;
    }
    if (count >= n) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the tenant never had ${n} entries`);
}

describe('GET /v1/requests', () => {
  it("pages through 250 calls of one tenant, newest first, and shows none of another's", async () => {
    const mine: string[] = [];
    const theirs: string[] = [];
    for (let i = 0; i < 250; i += 25) {
      const batch = await Promise.all(Array.from({ length: 25 }, (_, j) => chat(TEST_KEY, `call ${i + j}`)));
      mine.push(...batch);
      theirs.push(await chat(OTHER_KEY, `other ${i}`));
    }
    await waitForEntries(TEST_KEY, 250);

    // the official OpenAI client's cursor pagination (after = the last id of each page)
    const client = gw.client();
    const seen: Array<{ id: string; created_at: string; route: string; model: string; provider: string; status: number; object: string }> = [];
    let pages = 0;
    const first = await client.getAPIList('/requests', CursorPage<(typeof seen)[number]>, { query: { limit: 100 } });
    for await (const page of first.iterPages()) {
      pages++;
      seen.push(...page.data);
    }
    expect(pages).toBe(3);
    expect(seen).toHaveLength(250);
    expect(new Set(seen.map((r) => r.id))).toEqual(new Set(mine));
    expect(seen.some((r) => theirs.includes(r.id))).toBe(false);
    // newest first
    const times = seen.map((r) => r.created_at);
    expect([...times].sort().reverse()).toEqual(times);
    expect(seen[0]).toMatchObject({ object: 'gateway.request', route: 'chat', model: 'echo', provider: 'mock', status: 200 });

    // the other tenant sees its own 10 only
    const other = await history(OTHER_KEY, '?limit=100');
    expect(other.body.data.map((r: { id: string }) => r.id).sort()).toEqual([...theirs].sort());
    expect(other.body).toMatchObject({ object: 'list', has_more: false, first_id: other.body.data[0].id, last_id: other.body.data.at(-1).id });
  }, 120_000);

  it("refuses another tenant's id as a cursor, and answers another tenant's id with the same 404 as an unknown one", async () => {
    const theirs = await chat(OTHER_KEY, 'private');
    await waitForEntries(OTHER_KEY, 1);
    const cursor = await history(TEST_KEY, `?after=${theirs}`);
    expect(cursor.status).toBe(400);
    expect(cursor.body.error).toMatchObject({ type: 'invalid_request_error', param: 'after' });

    const stolen = await gw.call(`/v1/requests/${theirs}`);
    const unknown = await gw.call('/v1/requests/req_never_was');
    expect(stolen.status).toBe(404);
    expect(unknown.status).toBe(404);
    expect(((await stolen.json()) as any).error.code).toBe(((await unknown.json()) as any).error.code);
  });

  it('filters by model, provider, status, route, since and until, and refuses bad values in OpenAI shape', async () => {
    const { body: all } = await history(TEST_KEY, '?limit=5');
    expect(all.data).toHaveLength(5);
    expect(all.has_more).toBe(true);
    const newest = all.data[0];

    expect((await history(TEST_KEY, '?limit=3&model=echo&provider=mock&status=200&route=chat')).body.data).toHaveLength(3);
    expect((await history(TEST_KEY, '?model=nothing-like-this')).body).toMatchObject({ data: [], has_more: false, first_id: null, last_id: null });
    expect((await history(TEST_KEY, '?status=error')).body.data).toEqual([]);
    expect((await history(TEST_KEY, '?route=embeddings')).body.data).toEqual([]);
    // until is exclusive, since inclusive: the newest entry alone
    const at = Date.parse(newest.created_at);
    const window = (await history(TEST_KEY, `?since=${new Date(at).toISOString()}&until=${new Date(at + 1).toISOString()}`)).body.data;
    expect(window.map((r: { id: string }) => r.id)).toContain(newest.id);
    expect(window.every((r: { created_at: string }) => r.created_at === newest.created_at)).toBe(true);
    expect((await history(TEST_KEY, `?since=${Math.floor(Date.now() / 1000) + 3600}`)).body.data).toEqual([]);

    for (const [query, param] of [
      ['?limit=0', 'limit'],
      ['?limit=101', 'limit'],
      ['?limit=abc', 'limit'],
      ['?status=teapot', 'status'],
      ['?route=images', 'route'],
      ['?since=yesterday', 'since'],
      ['?since=2026-12-02T10:00:00Z&until=2026-12-01T00:00:00Z', 'since'],
      ['?after=bad%20id', 'after'],
      ['?color=blue', 'color'],
    ] as const) {
      const { status, body } = await history(TEST_KEY, query);
      expect(status, query).toBe(400);
      expect(body.error, query).toMatchObject({ type: 'invalid_request_error', code: 'invalid_request', param });
    }
  });

  it('needs an API key', async () => {
    const res = await fetch(`${gw.url}/v1/requests`);
    expect(res.status).toBe(401);
  });
});

describe('GET /v1/requests/{id} and payload logging', () => {
  it('shows the entry of a call with its route, calls, tokens, cost, latency and time to first byte', async () => {
    const id = await chat(TEST_KEY, 'show me', {}, { 'x-request-id': 'my-own-id-123' });
    expect(id).toBe('my-own-id-123');
    let res = await gw.call(`/v1/requests/${id}`);
    for (let i = 0; i < 100 && res.status === 404; i++) {
      await new Promise((r) => setTimeout(r, 20));
      res = await gw.call(`/v1/requests/${id}`);
    }
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, any>;
    expect(body).toMatchObject({ id, object: 'gateway.request', route: 'chat', model: 'echo', provider: 'mock', provider_model: 'echo', status: 200, stream: false, attempts: 1, payload_logged: false });
    expect(body.calls).toEqual([expect.objectContaining({ provider: 'mock', model: 'echo', status: 200, outcome: 'ok', bearer: 'tenant' })]);
    expect(body.usage.input_tokens).toBeGreaterThan(0);
    expect(body.latency_ms).toBeGreaterThanOrEqual(body.first_byte_ms);
    expect(body.first_byte_ms).toBeGreaterThanOrEqual(0);
    expect(body).not.toHaveProperty('payload');
  });

  it('with logging full: the request as received and the answer are in the embedded S3, and shown by id', async () => {
    const secret = 'sk-live-Abcdefghijklmnop1234567890';
    const id = await chat(FULL_KEY, `remember ${secret} please`);
    const body = await byId(FULL_KEY, id);
    expect(body.payload_logged).toBe(true);
    expect(body.payload).toMatchObject({ request_id: id, tenant: 'full', mode: 'full', route: 'chat', status: 200, stream: false });
    expect(body.payload.request).toEqual({ model: 'echo', messages: [{ role: 'user', content: `remember ${secret} please` }] });
    expect(body.payload.response.choices[0].message.content).toContain(secret);

    const day = new Date(Date.parse(body.created_at)).toISOString().slice(0, 10).replaceAll('-', '/');
    const key = `payloads/full/${day}/${id}.json.gz`;
    const s3 = await createS3Client({ endpoint: await gw.s3Endpoint() });
    try {
      expect(await listKeys(s3, LOCAL_BUCKET_NAMES.payloadLogs, 'payloads/full/')).toContain(key);
      const stored = decodePayload((await gw.runtime.objectStore('payloadLogs').get(key))!);
      expect(stored).toEqual(body.payload);
    } finally {
      s3.destroy();
    }
  });

  it('logs a stream as its assembled text', async () => {
    const res = await gw.call('/v1/chat/completions', { body: { model: 'echo', stream: true, messages: [{ role: 'user', content: 'one two three' }] }, headers: { authorization: `Bearer ${FULL_KEY}` } });
    const sse = await res.text();
    const id = res.headers.get('x-request-id')!;
    const body = await byId(FULL_KEY, id);
    expect(body.stream).toBe(true);
    expect(body.payload.stream).toBe(true);
    expect(body.payload.text).toBeTruthy();
    const streamed = sse
      .split('\n')
      .filter((l) => l.startsWith('data: {'))
      .map((l) => JSON.parse(l.slice(6)).choices?.[0]?.delta?.content ?? '')
      .join('');
    expect(body.payload.text).toBe(streamed);
  });

  it('with logging redacted: secrets are removed from what is logged', async () => {
    const secret = 'sk-live-Abcdefghijklmnop1234567890';
    const id = await chat(REDACTED_KEY, `my key is ${secret}`);
    const body = await byId(REDACTED_KEY, id);
    expect(body.payload.mode).toBe('redacted');
    expect(JSON.stringify(body.payload)).not.toContain(secret);
    expect(body.payload.request.messages[0].content).toBe('my key is [redacted]');
    expect(body.payload.response.choices[0].message.content).toContain('[redacted]');
  });

  it('with logging redacted under an output mask policy: the stream is logged as the client got it, masked', async () => {
    const email = 'jane.doe@example.com';
    const res = await gw.call('/v1/chat/completions', { body: { model: 'echo', stream: true, messages: [{ role: 'user', content: `write to ${email} today` }] }, headers: { authorization: `Bearer ${GUARDED_KEY}` } });
    const sse = await res.text();
    expect(res.status).toBe(200);
    const body = await byId(GUARDED_KEY, res.headers.get('x-request-id')!);
    // the mock echoes the prompt, which went upstream as it was (the policy checks output only)
    expect(body.payload.request.messages[0].content).toBe(`write to ${email} today`);
    const streamed = sse
      .split('\n')
      .filter((l) => l.startsWith('data: {'))
      .map((l) => JSON.parse(l.slice(6)).choices?.[0]?.delta?.content ?? '')
      .join('');
    expect(streamed).toContain('[EMAIL_1]');
    expect(streamed).not.toContain(email);
    expect(body.payload.text).toBe(streamed);
  });

  it('with logging off (the default), writes nothing: the bucket holds only the logging tenants\' objects', async () => {
    const off = [await chat(TEST_KEY, 'nothing logged'), await chat(OTHER_KEY, 'nothing logged either')];
    const logged = await chat(FULL_KEY, 'logged');
    await byId(FULL_KEY, logged);
    const entry = await byId(TEST_KEY, off[0]!);
    expect(entry.payload_logged).toBe(false);
    expect(entry).not.toHaveProperty('payload');
    const s3 = await createS3Client({ endpoint: await gw.s3Endpoint() });
    try {
      const keys = await listKeys(s3, LOCAL_BUCKET_NAMES.payloadLogs);
      expect(keys.length).toBeGreaterThan(0);
      expect(keys.every((k) => k.startsWith('payloads/full/') || k.startsWith('payloads/masked/') || k.startsWith('payloads/guarded/'))).toBe(true);
      expect(keys.some((k) => off.some((id) => k.includes(id)))).toBe(false);
    } finally {
      s3.destroy();
    }
  });
});

describe('payload logging that fails', () => {
  it('never fails the request: the write error is logged and counted', async () => {
    const counted: string[] = [];
    const broken = await startTestGateway(baseConfig({ tenants: [{ id: 'full', apiKeys: [FULL_KEY], payloadLogging: 'full' }] }), {
      env: { PAYLOAD_BUCKET: 'no-such-bucket' },
      metrics: { add: (name) => void counted.push(name), flush: () => {} },
    });
    try {
      const res = await broken.call('/v1/chat/completions', { body: { model: 'echo', messages: [{ role: 'user', content: 'hi' }] }, headers: { authorization: `Bearer ${FULL_KEY}` } });
      expect(res.status).toBe(200);
      expect(((await res.json()) as any).choices[0].message.content).toBeTruthy();
      for (let i = 0; i < 200 && !counted.includes('PayloadWriteFailures'); i++) await new Promise((r) => setTimeout(r, 20));
      expect(counted).toContain('PayloadWriteFailures');
      expect(broken.logger.find('payload log write failed; the request was served')).toHaveLength(1);
    } finally {
      await broken.close();
    }
  });
});

/** GET /v1/requests/{id}, waiting for the entry (written after the response) */
async function byId(key: string, id: string): Promise<any> {
  for (let i = 0; i < 200; i++) {
    const res = await gw.call(`/v1/requests/${id}`, { headers: { authorization: `Bearer ${key}` } });
    if (res.status === 200) return res.json();
    expect(res.status).toBe(404);
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no entry for ${id}`);
}
