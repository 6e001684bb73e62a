// `npm start`'s default config with no provider key set, called the way applications call it: the Vercel
// AI SDK (chat, streaming with usage, embeddings) and the OpenAI SDK against the shipped gateway.config.json.
import { readFileSync } from 'node:fs';
import { createOpenAI } from '@ai-sdk/openai';
import { embed, generateText, streamText } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseGatewayConfig } from '../../lambdas/core/config/load';
import { startLocalGateway, type LocalGateway } from '../../lambdas/local/server';
import OpenAI from 'openai';
import { MemoryLogger } from '../helpers/logs';

const DEFAULT_KEY = 'sk-local-acme-1';

describe('the default config, with no provider keys', () => {
  let gw: LocalGateway;

  beforeAll(async () => {
    gw = await startLocalGateway({
      config: parseGatewayConfig(readFileSync('gateway.config.json', 'utf8')),
      port: 0,
      // no OPENAI_API_KEY; Ollama's port is closed here, so "fast" falls through to the mock
      env: {},
      logger: new MemoryLogger(),
      metrics: { add: () => {}, flush: () => {} },
    });
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('answers the Vercel AI SDK: text, stream with usage, and embeddings', async () => {
    const provider = createOpenAI({ baseURL: `${gw.url}/v1`, apiKey: DEFAULT_KEY });

    const text = await generateText({ model: provider.chat('fast'), prompt: 'Hello from the AI SDK' });
    expect(text.text).toBe('Hello from the AI SDK');
    expect(text.usage.inputTokens).toBeGreaterThan(0);

    const stream = streamText({ model: provider.chat('fast'), prompt: 'stream these words please' });
    let streamed = '';
    for await (const delta of stream.textStream) streamed += delta;
    expect(streamed).toBe('stream these words please');
    expect((await stream.usage).outputTokens).toBe(4);

    const vector = await embed({ model: provider.embedding('embed'), value: 'a sentence' });
    expect(vector.embedding.length).toBeGreaterThan(0);
  });

  it('answers the OpenAI SDK with every alias the default config ships', async () => {
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: DEFAULT_KEY, maxRetries: 0 });
    for (const model of ['fast', 'smart', 'echo']) {
      const res = await client.chat.completions.create({ model, messages: [{ role: 'user', content: `hi ${model}` }] });
      expect(res.choices[0]!.message.content).toBe(`hi ${model}`);
    }
    const models = (await client.models.list()).data.map((m) => m.id);
    expect(models).toEqual(expect.arrayContaining(['fast', 'smart', 'echo', 'embed']));
  });
});
