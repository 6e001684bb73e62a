import { describe, expect, it } from 'vitest';
import { validateGatewayConfig } from '../../../lambdas/core/config/load';
import { PriceBook } from '../../../lambdas/core/pricing/price-book';
import { resolveModel } from '../../../lambdas/core/routing/resolve';
import type { Tenant } from '../../../lambdas/core/tenants/directory';

const mini = { inputPerMTok: 0.15, outputPerMTok: 0.6 };
const config = validateGatewayConfig({
  providers: [
    { id: 'openai', type: 'openai' },
    { id: 'openrouter', type: 'openai', baseUrl: 'https://openrouter.ai/api/v1', models: ['listed/unpriced'] },
    { id: 'gem', type: 'gemini' },
    { id: 'ollama', type: 'openai', preset: 'ollama', free: true },
  ],
  models: [
    { name: 'fast', targets: [{ provider: 'openai', model: 'gpt-4o-mini' }] },
    { name: 'half', targets: [{ provider: 'openai', model: 'unpriced-model' }, { provider: 'openai', model: 'gpt-4o-mini' }] },
    { name: 'none', targets: [{ provider: 'openai', model: 'unpriced-model' }] },
  ],
  pricing: {
    'gpt-4o-mini': mini,
    'openrouter/meta-llama/llama-3-70b': { inputPerMTok: 0.5, outputPerMTok: 0.5 },
    'gem/gemini-2.5-pro': { inputPerMTok: 1.25, outputPerMTok: 10 },
  },
});
const prices = new PriceBook(config);
const anyone: Tenant = { id: 't', limits: {}, budget: {} };
const resolve = (model: string, tenant = anyone, cfg = config) => resolveModel(model, cfg, tenant, new PriceBook(cfg));

describe('resolveModel', () => {
  it('resolves an alias to its targets, each with its price', () => {
    expect(resolve('fast').targets).toEqual([{ provider: 'openai', model: 'gpt-4o-mini', price: mini }]);
  });

  it('addresses one target directly as provider-id/model, keeping slashes in the model name', () => {
    expect(resolve('openrouter/meta-llama/llama-3-70b')).toMatchObject({ direct: true, targets: [{ provider: 'openrouter', model: 'meta-llama/llama-3-70b' }] });
  });

  it.each(['gpt-4o', 'nobody/model', 'openai/', '/x'])('answers 404 model_not_found for %s', (model) => {
    expect(() => resolve(model)).toThrow(expect.objectContaining({ status: 404, code: 'model_not_found' }));
  });

  it('refuses direct addressing when the config turns it off', () => {
    const strict = { ...config, gateway: { ...config.gateway, allowDirectModels: false } };
    expect(() => resolve('openai/gpt-4o-mini', anyone, strict)).toThrow(expect.objectContaining({ status: 404 }));
  });

  it('keeps a tenant to its allow-list, with provider/* wildcards', () => {
    const limited: Tenant = { ...anyone, models: ['fast', 'openrouter/*'] };
    expect(resolve('fast', limited).targets).toHaveLength(1);
    expect(resolve('openrouter/meta-llama/llama-3-70b', limited).targets).toHaveLength(1);
    expect(() => resolve('openai/gpt-4o-mini', limited)).toThrow(expect.objectContaining({ status: 403, code: 'model_not_allowed' }));
  });

  it('refuses with 403 model_not_priced a direct model nothing prices, listed or not', () => {
    for (const model of ['openai/gpt-4o-2099-01-01', 'openrouter/listed/unpriced', 'openrouter/any/thing']) {
      expect(() => resolve(model)).toThrow(expect.objectContaining({ status: 403, code: 'model_not_priced' }));
    }
  });

  it('reaches any model of a provider marked free, at no cost', () => {
    expect(resolve('ollama/llama3.2:3b').targets[0]!.price).toEqual({ inputPerMTok: 0, outputPerMTok: 0 });
  });

  it('leaves out alias targets nothing prices, and refuses an alias with none priced', () => {
    const half = resolve('half');
    expect(half.targets.map((t) => t.model)).toEqual(['gpt-4o-mini']);
    expect(half.unpriced).toEqual([{ provider: 'openai', model: 'unpriced-model' }]);
    expect(() => resolve('none')).toThrow(expect.objectContaining({ status: 403, code: 'model_not_priced' }));
  });

  it('prices and calls one spelling of a Gemini model: models/ is dropped', () => {
    const target = resolve('gem/models/gemini-2.5-pro').targets[0]!;
    expect(target).toEqual({ provider: 'gem', model: 'gemini-2.5-pro', price: prices.priceOf('gem', 'gemini-2.5-pro')!.price });
  });
});
