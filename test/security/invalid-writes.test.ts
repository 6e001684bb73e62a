// Hostile tenant: a model name of hundreds of KB, which becomes DynamoDB attribute names (the period item's
// breakdown by model) and values (the ledger entry). On 6f4b92c the oversized settlement was refused by the
// store, kept, and resent ahead of every later batch forever: the tenant's later calls were served and never
// recorded, and the entries that shared its BatchWriteItem with other calls were lost with it. Now every call
// served is recorded (or the name is refused up front), and nothing else is held up.
import http from 'node:http';
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoClient } from '../../lambdas/adapters/dynamodb/client';
import { LOCAL_TABLE_NAMES } from '../../lambdas/adapters/dynamodb/tables';
import { usdToNano } from '../../lambdas/core/pricing/cost';
import { baseConfig, startTestGateway, TEST_KEY, type TestGateway } from '../helpers/gateway';
import { healthy } from '../fakes/faults';
import { startFakeUpstream, type FakeUpstream } from '../fakes/upstream';

/** POST with node:http and room for large response headers (6f4b92c echoed the model in x-gateway-model) */
function post(url: string, body: unknown): Promise<{ status: number; cost: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', maxHeaderSize: 4 * 1024 * 1024, headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, cost: res.headers['x-gateway-cost-usd'] as string | undefined }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

interface Usage {
  day: { cost_usd: string; requests: number };
}

describe('a model name too large for the ledger', () => {
  let gw: TestGateway;
  let upstream: FakeUpstream;

  beforeAll(async () => {
    upstream = await startFakeUpstream(healthy());
    gw = await startTestGateway(
      baseConfig({
        providers: [{ id: 'oai', type: 'openai', baseUrl: `${upstream.url}/v1`, apiKeyEnv: 'INVALID_WRITES_KEY' }],
        models: [{ name: 'fast', targets: [{ provider: 'oai', model: 'gpt-4o-mini' }] }],
        tenants: [{ id: 'test', apiKeys: [TEST_KEY], budget: { dailyUsd: 5 } }],
        pricing: { 'gpt-4o-mini': { inputPerMTok: 150, outputPerMTok: 600 } },
      }),
      { env: { INVALID_WRITES_KEY: 'sk-fake-invalid-writes' } },
    );
  });

  afterAll(async () => {
    await gw?.close();
    await upstream?.close();
  });

  it("never stops the tenant's ledger: every call served is recorded, to the nano-dollar, entries included", async () => {
    const chat = (model: string, i: number) => post(`${gw.url}/v1/chat/completions`, { model, messages: [{ role: 'user', content: `call ${i}` }], max_tokens: 8 });
    // the oversized call goes together with ordinary ones, so their settlements and entries share its writes
    const huge = `oai/${'m'.repeat(210_000)}`;
    const answers = await Promise.all([chat(huge, 0), ...[1, 2, 3, 4].map((i) => chat('fast', i))]);
    // and more ordinary calls after it
    for (let i = 5; i < 8; i++) answers.push(await chat('fast', i));
    const served = answers.filter((a) => a.status === 200);
    expect(served.length).toBeGreaterThanOrEqual(7);
    const charged = served.reduce((sum, a) => sum + usdToNano(Number(a.cost ?? '0')), 0);

    let usage: Usage | undefined;
    for (let i = 0; i < 200; i++) {
      usage = (await (await gw.call('/v1/usage')).json()) as Usage;
      if (usage.day.requests >= served.length) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(usage!.day.requests).toBe(served.length);
    expect(usdToNano(Number(usage!.day.cost_usd))).toBe(charged);

    const client = createDynamoClient({ endpoint: gw.dynamodbEndpoint });
    const { Count } = await client.send(
      new QueryCommand({
        TableName: LOCAL_TABLE_NAMES.costLedger,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: `T#test#D#${new Date().toISOString().slice(0, 10)}` } },
      }),
    );
    client.destroy();
    expect(Count).toBe(served.length);
  });
});
