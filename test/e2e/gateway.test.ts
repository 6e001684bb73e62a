// The local gateway end to end, called with the official OpenAI client: the API surface of DESIGN.md.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseConfig, startTestGateway, TEST_KEY, type TestGateway } from '../helpers/gateway';
import { sendJson, startFakeUpstream, type FakeUpstream } from '../fakes/upstream';
import { startTestDynamo } from '../helpers/dynalite';
import { DynamoCostLedger, ledgerKeys } from '../../lambdas/adapters/dynamodb/cost-ledger';
import { QueryCommand } from '@aws-sdk/client-dynamodb';

const UPSTREAM_KEY = 'sk-upstream-secret-9f8e7d6c5b4a';

describe('local gateway, called with the OpenAI SDK', () => {
  let gw: TestGateway;
  let upstream: FakeUpstream;

  beforeAll(async () => {
    upstream = await startFakeUpstream((_req, res) => sendJson(res, 503, { error: { message: 'overloaded', type: 'server_error' } }));
    gw = await startTestGateway(
      baseConfig({
        gateway: { maxRequestBytes: 64 * 1024 },
        providers: [
          { id: 'mock', type: 'mock', models: ['echo', 'embed'] },
          { id: 'flaky', type: 'openai', baseUrl: `${upstream.url}/v1`, apiKeyEnv: 'FLAKY_KEY' },
          { id: 'unkeyed', type: 'openai', baseUrl: `${upstream.url}/v1`, apiKeyEnv: 'NOT_SET_ANYWHERE' },
        ],
        models: [
          { name: 'echo', targets: [{ provider: 'mock', model: 'echo' }] },
          { name: 'resilient', targets: [{ provider: 'unkeyed', model: 'm' }, { provider: 'flaky', model: 'gpt-x' }, { provider: 'mock', model: 'echo' }] },
          { name: 'embed', targets: [{ provider: 'mock', model: 'embed' }] },
          { name: 'restricted', targets: [{ provider: 'mock', model: 'echo' }] },
        ],
        tenants: [
          { id: 'test', apiKeys: [TEST_KEY], models: ['echo', 'resilient', 'embed', 'mock/*'] },
        ],
        pricing: { echo: { inputPerMTok: 1, outputPerMTok: 2 }, embed: { inputPerMTok: 0.02, outputPerMTok: 0 }, m: { inputPerMTok: 1, outputPerMTok: 1 }, 'gpt-x': { inputPerMTok: 1, outputPerMTok: 1 } },
      }),
      { env: { FLAKY_KEY: UPSTREAM_KEY } },
    );
  });

  afterAll(async () => {
    await gw?.close();
    await upstream?.close();
  });

  it('answers a chat completion with the gateway headers', async () => {
    const { data, response } = await gw.client().chat.completions
      .create({ model: 'echo', messages: [{ role: 'user', content: 'Hello, Switchboard!' }] })
      .withResponse();
    expect(data.choices[0]!.message.content).toBe('Hello, Switchboard!');
    expect(data.usage?.total_tokens).toBeGreaterThan(0);
    expect(response.headers.get('x-gateway-provider')).toBe('mock');
    expect(response.headers.get('x-gateway-model')).toBe('echo');
    expect(response.headers.get('x-gateway-attempts')).toBe('1');
    expect(Number(response.headers.get('x-gateway-cost-usd'))).toBeGreaterThan(0);
    expect(response.headers.get('x-request-id')).toMatch(/^req_/);
  });

  it('echoes an incoming x-request-id', async () => {
    const res = await gw.call('/v1/chat/completions', {
      body: { model: 'echo', messages: [{ role: 'user', content: 'hi' }] },
      headers: { 'x-request-id': 'my-trace-123' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe('my-trace-123');
  });

  it('streams word by word and ends with usage when include_usage is set', async () => {
    const stream = await gw.client().chat.completions.create({
      model: 'echo',
      messages: [{ role: 'user', content: 'one two three' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const deltas: string[] = [];
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const chunk of stream) {
      const d = chunk.choices[0]?.delta?.content;
      if (d) deltas.push(d);
      if (chunk.usage) usage = chunk.usage;
    }
    expect(deltas.join('')).toBe('one two three');
    expect(deltas.length).toBe(3);
    expect(usage?.completion_tokens).toBe(3);
  });

  it('does not send the usage chunk to a caller who did not ask for it', async () => {
    const res = await gw.call('/v1/chat/completions', { body: { model: 'echo', stream: true, messages: [{ role: 'user', content: 'a b' }] } });
    const text = await res.text();
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    expect(text).not.toContain('"usage"');
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
  });

  it('falls over from an unkeyed and a failing provider to the next target, and says so', async () => {
    const before = upstream.received.length;
    const { data, response } = await gw.client().chat.completions
      .create({ model: 'resilient', messages: [{ role: 'user', content: 'still here?' }] })
      .withResponse();
    expect(data.choices[0]!.message.content).toBe('still here?');
    expect(response.headers.get('x-gateway-provider')).toBe('mock');
    expect(response.headers.get('x-gateway-attempts')).toBe('2'); // the unkeyed target is skipped, not attempted
    const sent = upstream.received.slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
    expect((sent[0]!.body as { model: string }).model).toBe('gpt-x');
  });

  it('lists the models this tenant may use', async () => {
    const ids = (await gw.client().models.list()).data.map((m) => m.id);
    expect(ids).toEqual(expect.arrayContaining(['echo', 'resilient', 'embed', 'mock/echo', 'mock/embed']));
    expect(ids).not.toContain('restricted');
    expect(ids).not.toContain('flaky/gpt-x');
  });

  it('answers embeddings in float and in base64 (the SDK default)', async () => {
    const floats = await gw.client().embeddings.create({ model: 'embed', input: ['alpha', 'beta'], encoding_format: 'float', dimensions: 8 });
    expect(floats.data).toHaveLength(2);
    expect(floats.data[0]!.embedding).toHaveLength(8);
    const viaDefault = await gw.client().embeddings.create({ model: 'embed', input: 'alpha', dimensions: 8 });
    expect(viaDefault.data[0]!.embedding).toHaveLength(8);
    viaDefault.data[0]!.embedding.forEach((v, i) => expect(v).toBeCloseTo(floats.data[0]!.embedding[i]!, 5));
  });

  it('refuses a missing or wrong key with 401 invalid_api_key', async () => {
    await expect(gw.client({ apiKey: 'sk-wrong-key-123456' }).models.list()).rejects.toMatchObject({ status: 401, code: 'invalid_api_key' });
    const res = await gw.call('/v1/models', { headers: { authorization: '' } });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('invalid_api_key');
  });

  it('answers an unknown model with 404 model_not_found', async () => {
    await expect(gw.client().chat.completions.create({ model: 'gpt-17', messages: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({
      status: 404,
      code: 'model_not_found',
      param: 'model',
    });
  });

  it('answers a model the tenant may not use with 403 model_not_allowed', async () => {
    await expect(gw.client().chat.completions.create({ model: 'restricted', messages: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({
      status: 403,
      code: 'model_not_allowed',
    });
  });

  it('answers a body that is not JSON with 400 invalid_request', async () => {
    const res = await gw.call('/v1/chat/completions', { body: '{"model": "echo", "messages": [' });
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: { code: string; message: string; type: string } };
    expect(error).toMatchObject({ code: 'invalid_request', type: 'invalid_request_error' });
    expect(error.message).toMatch(/not valid JSON/);
  });

  it('names the field of a schema violation', async () => {
    await expect(
      gw.client().chat.completions.create({ model: 'echo', messages: [{ role: 'user', content: 'x' }], temperature: 7 }),
    ).rejects.toMatchObject({ status: 400, code: 'invalid_request', param: 'temperature' });
    const res = await gw.call('/v1/chat/completions', { body: { model: 'echo', messages: [{ role: 'wizard', content: 'x' }] } });
    const { error } = (await res.json()) as { error: { param: string; message: string } };
    expect(res.status).toBe(400);
    expect(error.param).toBe('messages[0].role');
    expect(error.message).toContain('messages[0].role');
  });

  it('refuses a body over the size limit with 413 request_too_large', async () => {
    const res = await gw.call('/v1/chat/completions', { body: { model: 'echo', messages: [{ role: 'user', content: 'x'.repeat(100 * 1024) }] } });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('request_too_large');
  });

  it('answers health without a key', async () => {
    const res = await fetch(`${gw.url}/health`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; providers: Record<string, { breaker: string }> };
    expect(body.status).toBe('ok');
    expect(Object.keys(body.providers).sort()).toEqual(['flaky', 'mock', 'unkeyed']);
  });

  it('reports the tenant spend in /v1/usage as the sum of the charged costs', async () => {
    const fresh = await startTestGateway(baseConfig());
    try {
      let charged = 0;
      for (let i = 0; i < 3; i++) {
        const { response } = await fresh.client().chat.completions.create({ model: 'echo', messages: [{ role: 'user', content: `call number ${i}` }] }).withResponse();
        charged += Number(response.headers.get('x-gateway-cost-usd'));
      }
      // settlement is written once the client has its last byte: wait (bounded) until all three have landed
      type Usage = { tenant: string; day: { cost_usd: string; requests: number } };
      let usage = (await (await fresh.call('/v1/usage')).json()) as Usage;
      for (let i = 0; i < 200 && usage.day.requests < 3; i++) {
        await new Promise((r) => setTimeout(r, 25));
        usage = (await (await fresh.call('/v1/usage')).json()) as Usage;
      }
      expect(usage.tenant).toBe('test');
      expect(usage.day.requests).toBe(3);
      expect(Number(usage.day.cost_usd)).toBeCloseTo(charged, 9);
    } finally {
      await fresh.close();
    }
  });

  it('writes no tenant or provider key into any log line', () => {
    expect(gw.logger.lines.length).toBeGreaterThan(5);
    for (const line of gw.logger.lines) {
      expect(line).not.toContain(TEST_KEY);
      expect(line).not.toContain(UPSTREAM_KEY);
    }
  });
});

describe('local gateway shutdown', () => {
  it('writes what answered requests owe (ledger entry, settlement) before close() returns, group commit or not', async () => {
    const db = await startTestDynamo();
    try {
      // the writes are still waiting for company when close() is called: it must wait for them, not drop them
      const gw = await startTestGateway(baseConfig(), { dynamodbEndpoint: db.endpoint, groupCommitMs: 1_000 });
      const answered = await gw.client().chat.completions.create({ model: 'echo', messages: [{ role: 'user', content: 'count me' }] });
      expect(answered.choices[0]?.message.content).toBe('count me');
      await gw.close();
      const today = new Date().toISOString().slice(0, 10);
      const { day } = await new DynamoCostLedger(db.client, db.tables.costLedger, 30).usage('test', today, today.slice(0, 7));
      expect(day).toMatchObject({ requests: 1, reservedNanoUsd: 0 });
      const { Count } = await db.client.send(
        new QueryCommand({ TableName: db.tables.costLedger, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: ledgerKeys.entries('test', today) } } }),
      );
      expect(Count).toBe(1);
    } finally {
      await db.stop();
    }
  });
});
