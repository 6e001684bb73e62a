import { describe, expect, it } from 'vitest';
import { gatewayConfig } from '../../../../lambdas/core/config/schema';
import { applyPreset, OPENAI_PRESET_IDS, OPENAI_PRESETS } from '../../../../lambdas/providers/openai/presets';
import { toOpenAIChatBody } from '../../../../lambdas/providers/openai/request';
import { CACHE_MARKED_MESSAGES, request, testConfig } from '../../../helpers/provider-fixtures';

describe('OpenAI-compatible presets', () => {
  it('has one entry per preset id, remote services on https with their key variable, local servers keyless', () => {
    expect(Object.keys(OPENAI_PRESETS).sort()).toEqual([...OPENAI_PRESET_IDS].sort());
    for (const [id, preset] of Object.entries(OPENAI_PRESETS)) {
      const local = id === 'ollama' || id === 'vllm';
      expect(preset.baseUrl.startsWith(local ? 'http://127.0.0.1:' : 'https://')).toBe(true);
      expect(preset.apiKeyEnv === undefined).toBe(local);
    }
  });

  it('fills in what the entry leaves out; the entry’s own values win', () => {
    expect(applyPreset(testConfig('openai', { preset: 'groq' })).config).toMatchObject({ baseUrl: 'https://api.groq.com/openai/v1', apiKeyEnv: 'GROQ_API_KEY' });
    const own = applyPreset(testConfig('openai', { preset: 'openrouter', baseUrl: 'http://proxy.local/v1', apiKeyEnv: 'MINE', headers: { 'X-Title': 'My app', 'HTTP-Referer': 'https://me.example' } })).config;
    expect(own).toMatchObject({ baseUrl: 'http://proxy.local/v1', apiKeyEnv: 'MINE', headers: { 'X-Title': 'My app', 'HTTP-Referer': 'https://me.example' } });
    // a key kept in Secrets Manager is not second-guessed by the preset's variable
    expect(applyPreset(testConfig('openai', { preset: 'groq', apiKeySecret: 'switchboard/groq' })).config.apiKeyEnv).toBeUndefined();
    expect(applyPreset(testConfig('openai')).preset).toBeUndefined();
  });

  it('renames and drops the fields its service knows differently', () => {
    const req = request([{ role: 'user', content: 'x', name: 'ada' }], { max_completion_tokens: 5, seed: 1, user: 'u', logprobs: true });
    expect(toOpenAIChatBody(req, 'mistral-small', true, OPENAI_PRESETS.mistral)).toEqual({
      model: 'mistral-small',
      messages: [{ role: 'user', content: 'x', name: 'ada' }],
      max_tokens: 5,
      random_seed: 1,
      stream: true,
    });
    expect(toOpenAIChatBody(req, 'llama', false, OPENAI_PRESETS.groq)).toEqual({ model: 'llama', messages: [{ role: 'user', content: 'x' }], max_completion_tokens: 5, seed: 1, user: 'u' });
    expect(toOpenAIChatBody(req, 'gpt', true, undefined)).toMatchObject({ stream_options: { include_usage: true }, max_completion_tokens: 5, logprobs: true });
  });

  it('passes cache_control breakpoints only to services that take them (OpenRouter), without touching the request', () => {
    const req = request(CACHE_MARKED_MESSAGES);
    const marks = (body: Record<string, unknown>) => JSON.stringify(body.messages).match(/cache_control/g)?.length ?? 0;
    expect(marks(toOpenAIChatBody(req, 'anthropic/claude-sonnet-4.5', false, OPENAI_PRESETS.openrouter))).toBe(4);
    for (const preset of [OPENAI_PRESETS.openai, OPENAI_PRESETS.groq, undefined]) {
      const body = toOpenAIChatBody(req, 'm', false, preset);
      expect(marks(body)).toBe(0);
      expect(JSON.stringify(body.messages)).toContain('The manual: …');
    }
    expect(marks({ messages: req.messages })).toBe(4); // a fallback to another provider still sees them
    const plain = request([{ role: 'user', content: [{ type: 'text', text: 'x' }] }]);
    expect(toOpenAIChatBody(plain, 'm', false).messages).toBe(plain.messages);
  });

  it('is validated by the config schema: a known id, on an openai entry', () => {
    const config = (provider: Record<string, unknown>) => gatewayConfig.safeParse({ providers: [{ id: 'p', ...provider }] });
    expect(config({ type: 'openai', preset: 'deepseek' }).success).toBe(true);
    const unknown = config({ type: 'openai', preset: 'grok' });
    expect(unknown.success).toBe(false);
    expect(unknown.error?.issues[0]?.path).toEqual(['providers', 0, 'preset']);
    const wrongType = config({ type: 'anthropic', preset: 'groq' });
    expect(wrongType.error?.issues[0]).toMatchObject({ path: ['providers', 0, 'preset'], message: expect.stringContaining('type "openai"') });
  });
});
