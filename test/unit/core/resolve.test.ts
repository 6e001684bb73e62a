import { describe, expect, it } from 'vitest';
import { validateGatewayConfig } from '../../../lambdas/core/config/load';
import { resolveModel } from '../../../lambdas/core/routing/resolve';
import type { Tenant } from '../../../lambdas/core/tenants/directory';

const config = validateGatewayConfig({
  providers: [
    { id: 'openai', type: 'openai' },
    { id: 'openrouter', type: 'openai', baseUrl: 'https://openrouter.ai/api/v1' },
  ],
  models: [{ name: 'fast', targets: [{ provider: 'openai', model: 'gpt-4o-mini' }] }],
});
const anyone: Tenant = { id: 't', limits: {}, budget: {} };

describe('resolveModel', () => {
  it('resolves an alias to its targets', () => {
    expect(resolveModel('fast', config, anyone).targets).toEqual([{ provider: 'openai', model: 'gpt-4o-mini' }]);
  });

  it('addresses one target directly as provider-id/model, keeping slashes in the model name', () => {
    expect(resolveModel('openrouter/meta-llama/llama-3-70b', config, anyone).targets).toEqual([
      { provider: 'openrouter', model: 'meta-llama/llama-3-70b' },
    ]);
  });

  it.each(['gpt-4o', 'nobody/model', 'openai/', '/x'])('answers 404 model_not_found for %s', (model) => {
    expect(() => resolveModel(model, config, anyone)).toThrow(expect.objectContaining({ status: 404, code: 'model_not_found' }));
  });

  it('refuses direct addressing when the config turns it off', () => {
    const strict = { ...config, gateway: { ...config.gateway, allowDirectModels: false } };
    expect(() => resolveModel('openai/gpt-4o', strict, anyone)).toThrow(expect.objectContaining({ status: 404 }));
  });

  it('keeps a tenant to its allow-list, with provider/* wildcards', () => {
    const limited: Tenant = { ...anyone, models: ['fast', 'openrouter/*'] };
    expect(resolveModel('fast', config, limited).targets).toHaveLength(1);
    expect(resolveModel('openrouter/any/model', config, limited).targets).toHaveLength(1);
    expect(() => resolveModel('openai/gpt-4o', config, limited)).toThrow(expect.objectContaining({ status: 403, code: 'model_not_allowed' }));
  });
});
