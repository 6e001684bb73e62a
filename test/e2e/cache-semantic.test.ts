// The semantic cache end to end: a fake upstream answers chat and embeddings, its embeddings controlled per
// text. A paraphrase whose vector is above the threshold is a semantic hit; one below it misses; the same last
// message after a different earlier turn always misses (the earlier turns are matched exactly). The embedding
// is the operator's cost.
import http from 'node:http';
import type OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATOR_ACCOUNT } from '../../lambdas/core/admission/admit';
import { dayOf, monthOf } from '../../lambdas/core/periods';
import { estimateEmbeddingsInputTokens } from '../../lambdas/core/tokens';
import { baseConfig, startTestGateway, type TestGateway } from '../helpers/gateway';
import { openaiCompletion, sendJson, startFakeUpstream, type FakeUpstream } from '../fakes/upstream';

/** the vectors the fake embedding model gives: cos(France, paraphrase) ≈ 0.995, cos(France, Spain) = 0.8 */
const VECTORS: Record<string, number[]> = {
  'What is the capital of France?': [1, 0, 0],
  "Tell me France's capital": [0.99, 0.1, 0],
  'What is the capital of Spain?': [0.8, 0.6, 0],
};

function answer(req: { path: string; body: unknown }, res: http.ServerResponse): void {
  if (req.path === '/v1/embeddings') {
    const { input } = req.body as { input: string };
    // NO USAGE: an upstream that reports none
    const usage = input.startsWith('NO USAGE') ? {} : { usage: { prompt_tokens: 8, total_tokens: 8 } };
    return sendJson(res, 200, { object: 'list', model: 'text-embedding-3-small', data: [{ object: 'embedding', index: 0, embedding: VECTORS[input] ?? [0, 0, 1] }], ...usage });
  }
  const body = req.body as { model: string; messages: Array<{ content: string }> };
  return sendJson(res, 200, openaiCompletion(body.model, `answer to ${body.messages.at(-1)!.content}`));
}

describe('semantic cache', () => {
  let upstream: FakeUpstream;
  let gw: TestGateway;
  let client: OpenAI;
  const chatCalls = () => upstream.received.filter((r) => r.path === '/v1/chat/completions').length;
  const embeddingCalls = () => upstream.received.filter((r) => r.path === '/v1/embeddings').length;
  const settle = () => new Promise((r) => setTimeout(r, 250));

  beforeAll(async () => {
    upstream = await startFakeUpstream(answer);
    gw = await startTestGateway(
      baseConfig({
        providers: [{ id: 'up', type: 'openai', baseUrl: `${upstream.url}/v1`, apiKeyEnv: 'UP_KEY' }],
        models: [
          { name: 'embed', targets: [{ provider: 'up', model: 'text-embedding-3-small' }] },
          { name: 'smart', targets: [{ provider: 'up', model: 'gpt-4o-mini' }], cache: { ttlSeconds: 600, semantic: { embedding: 'embed', threshold: 0.95 } } },
        ],
        pricing: { 'gpt-4o-mini': { inputPerMTok: 1, outputPerMTok: 2 }, 'text-embedding-3-small': { inputPerMTok: 0.02, outputPerMTok: 0 } },
      }),
      { env: { UP_KEY: 'sk-upstream' } },
    );
    client = gw.client();
  });

  afterAll(async () => {
    await gw?.close();
    await upstream?.close();
  });

  const ask = (content: string, earlier: Array<{ role: 'user' | 'assistant'; content: string }> = []) => ({ model: 'smart', messages: [...earlier, { role: 'user' as const, content }] });

  it('serves a paraphrase above the threshold, misses one below it, and never after a different earlier turn', async () => {
    const first = await client.chat.completions.create(ask('What is the capital of France?'));
    await settle();
    const before = chatCalls();

    const paraphrase = await client.chat.completions.create(ask("Tell me France's capital")).withResponse();
    expect(paraphrase.response.headers.get('x-gateway-cache')).toBe('semantic-hit');
    expect(Number(paraphrase.response.headers.get('x-gateway-cache-similarity'))).toBeCloseTo(0.995, 2);
    expect(paraphrase.data.choices[0]!.message.content).toBe(first.choices[0]!.message.content);
    expect(chatCalls()).toBe(before);

    const unlike = await client.chat.completions.create(ask('What is the capital of Spain?')).withResponse();
    expect(unlike.response.headers.get('x-gateway-cache')).toBe('miss');
    expect(unlike.data.choices[0]!.message.content).toBe('answer to What is the capital of Spain?');
    expect(chatCalls()).toBe(before + 1);

    const otherConversation = await client.chat.completions.create(ask("Tell me France's capital", [{ role: 'user', content: 'We talk about Texas.' }, { role: 'assistant', content: 'Sure.' }])).withResponse();
    expect(otherConversation.response.headers.get('x-gateway-cache')).toBe('miss');
    expect(chatCalls()).toBe(before + 2);
  });

  it('embeds on the operator account and charges the tenant nothing for a semantic hit', async () => {
    await settle();
    const embeddings = embeddingCalls();
    expect(embeddings).toBeGreaterThanOrEqual(4);
    const now = Date.now();
    let operator = await gw.runtime.deps.ledger.usage(OPERATOR_ACCOUNT, dayOf(now), monthOf(now));
    for (let i = 0; i < 50 && !operator.day.byModel['up/text-embedding-3-small']; i++) {
      await new Promise((r) => setTimeout(r, 20));
      operator = await gw.runtime.deps.ledger.usage(OPERATOR_ACCOUNT, dayOf(now), monthOf(now));
    }
    expect(operator.day.byModel['up/text-embedding-3-small']?.inputTokens).toBe(8 * embeddings);
    const usage = (await (await gw.call('/v1/usage')).json()) as { day: { cache_hits: number; cache_saved_usd: string } };
    expect(usage.day.cache_hits).toBe(1);
    expect(Number(usage.day.cache_saved_usd)).toBeGreaterThan(0);
  });

  it('charges the operator the input bound for an embedding whose upstream reports no usage', async () => {
    const question = 'NO USAGE: ¿cuál es la capital de Francia? 東京 or Paris';
    const now = Date.now();
    const tokens = async () => (await gw.runtime.deps.ledger.usage(OPERATOR_ACCOUNT, dayOf(now), monthOf(now))).day.byModel['up/text-embedding-3-small']?.inputTokens ?? 0;
    const before = await tokens();
    await client.chat.completions.create(ask(question));
    let after = before;
    for (let i = 0; i < 50 && after === before; i++) {
      await new Promise((r) => setTimeout(r, 20));
      after = await tokens();
    }
    // at least the UTF-8 bytes of the text (core/tokens' bound), not a guess of a quarter of its characters
    expect(after - before).toBe(estimateEmbeddingsInputTokens({ model: 'text-embedding-3-small', input: question }));
    expect(after - before).toBeGreaterThanOrEqual(Buffer.byteLength(question));
  });
});
