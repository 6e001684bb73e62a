// Amazon Bedrock Guardrails as a policy's check, through the local gateway with ApplyGuardrail mocked
// (aws-sdk-client-mock): intervened → refused (or, for a mask policy whose guardrail only anonymized, the
// anonymized text is what leaves), passed → served as sent, service error → the policy's onError.
import { ApplyGuardrailCommand, BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openaiCompletion, openaiStreamFrames, sendJson, sendSse, startFakeUpstream, type FakeUpstream } from '../fakes/upstream';
import { baseConfig, startTestGateway, type TestGateway } from '../helpers/gateway';

const bedrock = mockClient(BedrockRuntimeClient);
const KEYS = { block: 'sk-test-bedrock-block-1', mask: 'sk-test-bedrock-mask-01', open: 'sk-test-bedrock-open-01', out: 'sk-test-bedrock-out-001' };
const usage = { topicPolicyUnits: 1, contentPolicyUnits: 1, wordPolicyUnits: 0, sensitiveInformationPolicyUnits: 1, sensitiveInformationPolicyFreeUnits: 0, contextualGroundingPolicyUnits: 0 };
const intervenedBlocked = { action: 'GUARDRAIL_INTERVENED' as const, usage, outputs: [{ text: 'Sorry.' }], assessments: [{ contentPolicy: { filters: [{ type: 'VIOLENCE' as const, confidence: 'HIGH' as const, action: 'BLOCKED' as const, detected: true }] } }] };
const passed = { action: 'NONE' as const, usage, outputs: [], assessments: [] };

describe('Bedrock Guardrails', () => {
  let fake: FakeUpstream;
  let gw: TestGateway;
  let answerText = 'fine';

  beforeAll(async () => {
    fake = await startFakeUpstream((req, res) => {
      const body = req.body as { model: string; stream?: boolean };
      if (body.stream) return sendSse(res, openaiStreamFrames(body.model, [answerText]));
      sendJson(res, 200, openaiCompletion(body.model, answerText));
    });
    gw = await startTestGateway(
      baseConfig({
        providers: [{ id: 'oai', type: 'openai', baseUrl: `${fake.url}/v1`, apiKeyEnv: 'BR_KEY' }],
        models: [{ name: 'gpt', targets: [{ provider: 'oai', model: 'gpt-4o-mini' }] }],
        guardrails: {
          'br-block': { mode: 'block', apply: 'input', bedrock: { guardrailId: 'gr-abc123', version: '1', onError: 'closed' } },
          'br-mask': { mode: 'mask', apply: 'input', bedrock: { guardrailId: 'gr-abc123', version: '2' } },
          'br-open': { mode: 'block', apply: 'input', bedrock: { guardrailId: 'gr-abc123', version: 'DRAFT', onError: 'open' } },
          'br-out': { mode: 'block', apply: 'output', bedrock: { guardrailId: 'gr-out', version: '1', onError: 'closed' } },
        },
        tenants: [
          { id: 'block', apiKeys: [KEYS.block], guardrails: ['br-block'] },
          { id: 'mask', apiKeys: [KEYS.mask], guardrails: ['br-mask'] },
          { id: 'open', apiKeys: [KEYS.open], guardrails: ['br-open'] },
          { id: 'out', apiKeys: [KEYS.out], guardrails: ['br-out'] },
        ],
        pricing: { 'gpt-4o-mini': { inputPerMTok: 0.15, outputPerMTok: 0.6 } },
      }),
      { env: { BR_KEY: 'sk-upstream-br-000001' } },
    );
  });
  afterAll(async () => {
    await gw?.close();
    await fake?.close();
    bedrock.restore();
  });
  beforeEach(() => {
    bedrock.reset();
    answerText = 'fine';
  });

  const chat = (key: string, content: string, stream = false) => gw.call('/v1/chat/completions', { body: { model: 'gpt', stream, messages: [{ role: 'user', content }] }, headers: { authorization: `Bearer ${key}` } });

  it('intervened: refused with content_policy_violation before any call; the guardrail got the user text as INPUT', async () => {
    bedrock.on(ApplyGuardrailCommand).resolves(intervenedBlocked);
    const before = fake.received.length;
    const res = await chat(KEYS.block, 'something violent');
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('content_policy_violation');
    expect(body.error.message).toContain("'br-block' (check: bedrock)");
    expect(fake.received.length).toBe(before);
    const input = bedrock.commandCalls(ApplyGuardrailCommand)[0]!.args[0].input;
    expect(input).toMatchObject({ guardrailIdentifier: 'gr-abc123', guardrailVersion: '1', source: 'INPUT', content: [{ text: { text: 'something violent' } }] });
  });

  it('passed: served, the text as sent', async () => {
    bedrock.on(ApplyGuardrailCommand).resolves(passed);
    const res = await chat(KEYS.block, 'hello there');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-gateway-guardrails')).toBeNull();
    expect(JSON.stringify(fake.received.at(-1)!.body)).toContain('hello there');
  });

  it('anonymized under a mask policy: the anonymized text is what leaves', async () => {
    bedrock.on(ApplyGuardrailCommand).resolves({
      action: 'GUARDRAIL_INTERVENED',
      usage,
      outputs: [{ text: 'my name is {NAME}' }],
      assessments: [{ sensitiveInformationPolicy: { piiEntities: [{ match: 'Jane', type: 'NAME', action: 'ANONYMIZED', detected: true }], regexes: [] } }],
    });
    const res = await chat(KEYS.mask, 'my name is Jane');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-gateway-guardrails')).toBe('br-mask:masked=bedrock');
    const sent = JSON.stringify(fake.received.at(-1)!.body);
    expect(sent).toContain('my name is {NAME}');
    expect(sent).not.toContain('Jane');
  });

  it('a blocking intervention under a mask policy is still a refusal', async () => {
    bedrock.on(ApplyGuardrailCommand).resolves(intervenedBlocked);
    expect((await chat(KEYS.mask, 'violent')).status).toBe(400);
  });

  it('service error: onError closed refuses (503), onError open serves and flags', async () => {
    bedrock.on(ApplyGuardrailCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const closed = await chat(KEYS.block, 'hello');
    expect(closed.status).toBe(503);
    expect(((await closed.json()) as { error: { code: string } }).error.code).toBe('guardrail_unavailable');
    const open = await chat(KEYS.open, 'hello');
    expect(open.status).toBe(200);
    expect(open.headers.get('x-gateway-guardrails')).toBe('br-open:flagged=bedrock_error');
  });

  it('output: a whole answer the guardrail stops is refused; on a stream it ends with the error event', async () => {
    bedrock.on(ApplyGuardrailCommand).resolves(intervenedBlocked);
    answerText = 'violent answer';
    const res = await chat(KEYS.out, 'hi');
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).not.toContain('violent answer');
    expect(bedrock.commandCalls(ApplyGuardrailCommand)[0]!.args[0].input).toMatchObject({ source: 'OUTPUT', guardrailIdentifier: 'gr-out' });
    const stream = await (await chat(KEYS.out, 'hi', true)).text();
    expect(stream).toContain('content_policy_violation');
    expect(stream).not.toContain('[DONE]');
  });
});
