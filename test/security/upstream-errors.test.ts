// Hostile tenant: provoke providers into errors that quote the operator's secrets, and read them back. Each fake
// answers the way its provider does when it echoes a key ("Incorrect API key provided: sk-…"), an AWS account
// id and role ARN (Bedrock's AccessDenied), a key in a URL (Google), a bearer token (a proxy), before the answer
// and mid-stream. The tenant gets the provider's type and code and the words around them, never the secrets:
// not in the error body, not in attempts[].message, not in an SSE error event, and no log line carries them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseConfig, startTestGateway, type TestGateway } from '../helpers/gateway';
import type { FakeProvider } from '../fakes/anthropic';
import { anthropicTextEvents, sendAnthropicError, sseEvent, startFakeAnthropic } from '../fakes/anthropic';
import { eventFrame, exceptionFrame, sendBedrockError, sendEventStream, startFakeBedrock } from '../fakes/bedrock';
import { sendCohereError, startFakeCohere } from '../fakes/cohere';
import { sendGeminiError, startFakeGemini } from '../fakes/gemini';
import { openaiStreamFrames, sendJson, sendSse, startFakeUpstream, type FakeUpstream } from '../fakes/upstream';

const OPENAI_KEY = 'sk-proj-Zx8kP2mQ7vR4tY1uW9eA3sD6fG0hJ5kL8zX2cV7bN4mQ1wE6rT9yU3iO5pA8sD2f';
const ANTHROPIC_KEY = 'sk-ant-api03-Qw3rTy7uIo9pAs1dFg5hJk2lZx8cVb4nMq6wEr0tYu-AbCdEfGh12';
const GEMINI_KEY = 'AIzaSyD4x9Kq2mP7vR1tY8uW3eA6sF0gH5jL2cN';
const COHERE_KEY = 'Rk7pQ2mZ9xW4vT1yU8eA3sD6fG0hJ5kL2cN7bV4m';
const ACCOUNT = '123456789012';
const ROLE = 'SwitchboardGatewayRole-1A2B3C4D';
const ROLE_ARN = `arn:aws:sts::${ACCOUNT}:assumed-role/${ROLE}/switchboard-gateway`;
const ACCESS_KEY_ID = 'AKIAIOSFODNN7EXAMPLE';
const REGION = 'eu-west-1';
const SECRETS = [OPENAI_KEY, 'sk-live-****WXYZ', ANTHROPIC_KEY, GEMINI_KEY, COHERE_KEY, ACCOUNT, ROLE, ACCESS_KEY_ID];

/** the JSON events of an SSE answer, and the text its chunks carried */
async function readEvents(res: Response): Promise<{ text: string; events: unknown[] }> {
  const raw = await res.text();
  const events = raw
    .split('\n')
    .filter((line) => line.startsWith('data: ') && line !== 'data: [DONE]')
    .map((line) => JSON.parse(line.slice('data: '.length)) as { choices?: Array<{ delta?: { content?: string } }> });
  return { text: events.map((e) => e.choices?.[0]?.delta?.content ?? '').join(''), events };
}

function expectNoSecret(text: string, where: string): void {
  for (const secret of SECRETS) expect(text, `${where} holds ${secret}`).not.toContain(secret);
}

describe('upstream error text never carries secrets to the tenant or the log', () => {
  let gw: TestGateway;
  let openai: FakeUpstream;
  let anthropic: FakeProvider;
  let gemini: FakeProvider;
  let cohere: FakeProvider;
  let bedrock: FakeProvider;
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: 'fake-secret-upstream-errors', AWS_EC2_METADATA_DISABLED: 'true' });
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;
    [openai, anthropic, gemini, cohere, bedrock] = await Promise.all([
      startFakeUpstream((req, res) => {
        const model = (req.body as { model?: string } | undefined)?.model;
        if (model === 'mid-stream') {
          const [role, first] = openaiStreamFrames('mid-stream', ['partial ']);
          return sendSse(res, [role!, first!, `data: ${JSON.stringify({ error: { message: `upstream proxy rejected Authorization: Bearer ${OPENAI_KEY}`, type: 'server_error', code: 'proxy_error' } })}\n\n`]);
        }
        sendJson(res, 401, { error: { message: 'Incorrect API key provided: sk-live-****WXYZ. You can find your API key at https://platform.openai.com/account/api-keys.', type: 'invalid_request_error', code: 'invalid_api_key' } });
      }),
      startFakeAnthropic(ANTHROPIC_KEY),
      startFakeGemini(GEMINI_KEY),
      startFakeCohere(COHERE_KEY),
      startFakeBedrock({ accessKeyId: ACCESS_KEY_ID, region: REGION }),
    ]);
    anthropic.reply(async (req, res) => {
      if ((req.body as { stream?: boolean }).stream) {
        const events = anthropicTextEvents('claude-x', ['partial '], { input_tokens: 10, output_tokens: 2 }).slice(0, 4);
        return sendSse(res, [...events, sseEvent('error', { type: 'error', error: { type: 'overloaded_error', message: `overloaded; request signed with x-api-key: ${ANTHROPIC_KEY}` } })]);
      }
      sendAnthropicError(res, 403, 'permission_error', `The API key ${ANTHROPIC_KEY} does not have permission to use the specified resource.`);
    });
    gemini.reply((_req, res) =>
      sendGeminiError(res, 403, 'PERMISSION_DENIED', `Method doesn't allow unregistered callers. Request URL: https://generativelanguage.googleapis.com/v1beta/models/x:generateContent?key=${GEMINI_KEY}`),
    );
    cohere.reply((_req, res) => sendCohereError(res, 429, `trial key ${COHERE_KEY} is limited to 10 calls / minute`));
    bedrock.reply(async (req, res) => {
      if (req.path.endsWith('/converse-stream')) {
        return sendEventStream(res, [
          eventFrame('messageStart', { role: 'assistant' }),
          eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'partial ' } }),
          exceptionFrame('modelStreamErrorException', `Model stream failed for ${ROLE_ARN} in account ${ACCOUNT}`),
        ]);
      }
      sendBedrockError(res, 403, 'AccessDeniedException', `User: ${ROLE_ARN} is not authorized to perform: bedrock:InvokeModel on resource: arn:aws:bedrock:${REGION}::foundation-model/x because no identity-based policy allows the bedrock:InvokeModel action`);
    });
    const price = { inputPerMTok: 1, outputPerMTok: 2 };
    gw = await startTestGateway(
      baseConfig({
        providers: [
          { id: 'oai', type: 'openai', baseUrl: `${openai.url}/v1`, apiKeyEnv: 'UE_OPENAI_KEY', retry: { maxAttempts: 1 } },
          { id: 'claude', type: 'anthropic', baseUrl: anthropic.url, apiKeyEnv: 'UE_ANTHROPIC_KEY', retry: { maxAttempts: 1 } },
          { id: 'gem', type: 'gemini', baseUrl: gemini.url, apiKeyEnv: 'UE_GEMINI_KEY', retry: { maxAttempts: 1 } },
          { id: 'co', type: 'cohere', baseUrl: cohere.url, apiKeyEnv: 'UE_COHERE_KEY', retry: { maxAttempts: 1 } },
          { id: 'aws', type: 'bedrock', region: REGION, baseUrl: bedrock.url, retry: { maxAttempts: 1 } },
        ],
        models: [
          { name: 'openai', targets: [{ provider: 'oai', model: 'gpt-4o-mini' }] },
          { name: 'openai-stream', targets: [{ provider: 'oai', model: 'mid-stream' }] },
          { name: 'claude', targets: [{ provider: 'claude', model: 'claude-x' }] },
          { name: 'gemini', targets: [{ provider: 'gem', model: 'gemini-2.5-flash' }] },
          { name: 'cohere', targets: [{ provider: 'co', model: 'command-r' }] },
          { name: 'bedrock', targets: [{ provider: 'aws', model: 'anthropic.claude-x' }] },
          // every provider failing in turn: one error body that lists them all
          { name: 'all', targets: ['oai', 'claude', 'gem', 'co', 'aws'].map((provider) => ({ provider, model: provider === 'aws' ? 'anthropic.claude-x' : 'x' })) },
        ],
        pricing: { 'gpt-4o-mini': price, 'mid-stream': price, 'claude-x': price, 'gemini-2.5-flash': price, 'command-r': price, 'anthropic.claude-x': price, x: price },
      }),
      { env: { UE_OPENAI_KEY: OPENAI_KEY, UE_ANTHROPIC_KEY: ANTHROPIC_KEY, UE_GEMINI_KEY: GEMINI_KEY, UE_COHERE_KEY: COHERE_KEY } },
    );
  });

  afterAll(async () => {
    await gw?.close();
    await Promise.all([openai, anthropic, gemini, cohere, bedrock].map((f) => f?.close()));
    process.env = savedEnv;
  });

  const chat = (model: string, stream = false) => gw.call('/v1/chat/completions', { body: { model, stream, messages: [{ role: 'user', content: 'hello' }], max_tokens: 16 } });

  it.each([
    ['openai', 'invalid_api_key', /Incorrect API key provided: \[redacted\]\. You can find your API key/],
    ['claude', 'permission_error', /does not have permission to use the specified resource/],
    ['gemini', 'PERMISSION_DENIED', /Method doesn't allow unregistered callers/],
    ['cohere', 'http_429', /is limited to 10 calls \/ minute/],
    ['bedrock', 'AccessDeniedException', /is not authorized to perform: bedrock:InvokeModel/],
  ])('%s: the error body and its attempts keep the code and the words, not the secrets', async (alias, code, words) => {
    const res = await chat(alias);
    expect(res.ok).toBe(false);
    const text = await res.text();
    expectNoSecret(text, `${alias} error body`);
    const { error } = JSON.parse(text) as { error: { message: string; attempts: Array<{ code: string; message: string }> } };
    expect(error.attempts[0]).toMatchObject({ code, message: expect.stringMatching(words) });
  });

  it('an answer listing every provider’s failure, and no log line of it (the log held none on 6f4b92c either)', async () => {
    const res = await chat('all');
    const text = await res.text();
    expect(JSON.parse(text).error.attempts).toHaveLength(5);
    expectNoSecret(text, 'error body');
    expect(gw.logger.lines.length).toBeGreaterThan(5);
    for (const line of gw.logger.lines) expectNoSecret(line, 'log line');
  });

  it.each([['openai-stream'], ['claude'], ['bedrock']])('%s: a mid-stream error event', async (alias) => {
    const res = await chat(alias, true);
    expect(res.status).toBe(200);
    const { text, events } = await readEvents(res);
    expect(text).toBe('partial ');
    const failure = events.find((e) => (e as { error?: unknown }).error) as { error: { message: string } } | undefined;
    expect(failure?.error.message).toMatch(/failed mid-stream/);
    expectNoSecret(JSON.stringify(events), `${alias} stream`);
    for (const line of gw.logger.lines) expectNoSecret(line, 'log line');
  });
});
