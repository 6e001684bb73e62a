// Hostile tenant: five calls to `bedrock/<a model the role may not use>` opened the bedrock breaker for every
// tenant on 6f4b92c (403s counted as provider failures, and the breaker is per provider), and with every
// breaker open /health says 503 and Route 53 fails the region over. Answers about the request never count
// against a shared breaker now, and a model the tenant addressed directly has a breaker of its own; a revoked
// operator key still shows, through the health check.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseConfig, startTestGateway, type TestGateway } from '../helpers/gateway';
import type { FakeProvider } from '../fakes/anthropic';
import { bedrockRoute, converseAnswer, sendBedrockError, sendConverse, startFakeBedrock } from '../fakes/bedrock';
import { sendJson, startFakeUpstream, type FakeUpstream } from '../fakes/upstream';

const REGION = 'eu-west-1';
const ACCESS_KEY_ID = 'AKIDFAKEBREAKERS001';
const MODEL = 'anthropic.claude-3-5-haiku-20241022-v1:0';
const FORBIDDEN = 'anthropic.claude-opus-4-20250514-v1:0';
const CRASHY = 'meta.llama3-70b-instruct-v1:0';

interface Health {
  status: string;
  providers: Record<string, { breaker: string; healthy: boolean; models?: Record<string, string> }>;
}

describe('breaker isolation between tenants', () => {
  let gw: TestGateway;
  let bedrock: FakeProvider;
  let revoked: FakeUpstream;
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: 'fake-secret-breakers', AWS_EC2_METADATA_DISABLED: 'true' });
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;
    bedrock = await startFakeBedrock({ accessKeyId: ACCESS_KEY_ID, region: REGION });
    bedrock.reply((req, res) => {
      const { modelId } = bedrockRoute(req.path)!;
      if (modelId === FORBIDDEN) {
        return sendBedrockError(res, 403, 'AccessDeniedException', `User: arn:aws:sts::123456789012:assumed-role/Gateway/x is not authorized to perform: bedrock:InvokeModel on resource: arn:aws:bedrock:${REGION}::foundation-model/${FORBIDDEN}`);
      }
      if (modelId === CRASHY) return sendBedrockError(res, 500, 'InternalServerException', 'The model failed on this input');
      sendConverse(res, converseAnswer([{ text: 'hi' }], 'end_turn', { inputTokens: 10, outputTokens: 2, totalTokens: 12 } as never));
    });
    // an OpenAI-compatible provider whose operator key was revoked: it refuses everything with 401
    revoked = await startFakeUpstream((_req, res) => sendJson(res, 401, { error: { message: 'Incorrect API key provided: sk-live-****WXYZ', type: 'invalid_request_error', code: 'invalid_api_key' } }));
    const price = { inputPerMTok: 1, outputPerMTok: 2 };
    gw = await startTestGateway(
      baseConfig({
        providers: [
          { id: 'aws', type: 'bedrock', region: REGION, baseUrl: bedrock.url, models: [MODEL, FORBIDDEN, CRASHY] },
          { id: 'oai', type: 'openai', baseUrl: `${revoked.url}/v1`, apiKeyEnv: 'BREAKERS_OPENAI_KEY', models: ['gpt-4o-mini'] },
          { id: 'mock', type: 'mock' },
        ],
        models: [
          { name: 'haiku-or-mock', targets: [{ provider: 'aws', model: MODEL }, { provider: 'mock', model: 'echo' }] },
          { name: 'gpt-or-mock', targets: [{ provider: 'oai', model: 'gpt-4o-mini' }, { provider: 'mock', model: 'echo' }] },
        ],
        pricing: { [`aws/${MODEL}`]: price, [`aws/${FORBIDDEN}`]: price, [`aws/${CRASHY}`]: price, 'oai/gpt-4o-mini': price, echo: price },
      }),
      { env: { BREAKERS_OPENAI_KEY: 'sk-live-revoked-key-WXYZ' } },
    );
  });

  afterAll(async () => {
    await gw?.close();
    await bedrock?.close();
    await revoked?.close();
    process.env = savedEnv;
  });

  const chat = (model: string) => gw.call('/v1/chat/completions', { body: { model, messages: [{ role: 'user', content: 'hello' }], max_tokens: 16 } });
  const health = async () => {
    const res = await fetch(`${gw.url}/health`);
    return { status: res.status, body: (await res.json()) as Health };
  };

  it('a tenant calling a model the role may not use gets its 403, and the provider stays open to everyone', async () => {
    const refusals: Array<{ attempts?: Array<{ status: number | null; message: string | null }> }> = [];
    for (let i = 0; i < 8; i++) {
      const res = await chat(`aws/${FORBIDDEN}`);
      expect(res.ok).toBe(false);
      refusals.push(((await res.json()) as { error: (typeof refusals)[number] }).error);
    }
    const { status, body } = await health();
    expect(body.providers.aws!.breaker).toBe('closed');
    expect(status).toBe(200);
    for (const error of refusals) {
      expect(error.attempts?.[0]?.status).toBe(403);
      // the AccessDenied text reaches the tenant without the operator's account id and role
      expect(error.attempts?.[0]?.message).toMatch(/is not authorized to perform: bedrock:InvokeModel/);
      expect(JSON.stringify(error)).not.toMatch(/123456789012|arn:aws|Gateway\/x/);
    }
    // another tenant's alias still goes to bedrock first
    const served = await chat('haiku-or-mock');
    expect(served.status).toBe(200);
    expect(served.headers.get('x-gateway-provider')).toBe('aws');
    expect(served.headers.get('x-gateway-attempts')).toBe('1');
  });

  it('a model the tenant addressed directly that fails on its requests opens only that model’s breaker', async () => {
    for (let i = 0; i < 8; i++) expect((await chat(`aws/${CRASHY}`)).status).toBeGreaterThanOrEqual(500);
    const { status, body } = await health();
    expect(status).toBe(200);
    expect(body.providers.aws!.breaker).toBe('closed');
    expect(JSON.stringify(body)).not.toContain(CRASHY);
    const served = await chat('haiku-or-mock');
    expect(served.headers.get('x-gateway-provider')).toBe('aws');
    expect(served.headers.get('x-gateway-attempts')).toBe('1');
  });

  it('a revoked operator key opens no breaker either, and shows up in the health check', async () => {
    for (let i = 0; i < 8; i++) {
      const res = await chat('gpt-or-mock');
      expect(res.status).toBe(200);
      expect(res.headers.get('x-gateway-provider')).toBe('mock');
    }
    await gw.checkHealth();
    const { body } = await health();
    expect(body.providers.oai).toMatchObject({ breaker: 'closed', healthy: false });
  });
});
