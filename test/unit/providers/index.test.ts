import { describe, expect, it } from 'vitest';
import { PROVIDER_TYPES } from '../../../lambdas/core/config/schema';
import { createProvider } from '../../../lambdas/providers';
import { testConfig } from '../../helpers/provider-fixtures';

const deps = {
  http: { request: () => Promise.reject(new Error('no network in this test')) },
  secrets: { get: async () => undefined },
  clock: { now: () => 0 },
  logger: { debug() {}, info() {}, warn() {}, error() {} },
};

describe('provider registry', () => {
  it.each(PROVIDER_TYPES)('builds a %s provider without calling anything', (type) => {
    const provider = createProvider(testConfig(type, { id: `my-${type}` }), deps);
    expect(provider).toMatchObject({ id: `my-${type}`, type });
  });

  it('gives an openai entry its preset’s defaults', () => {
    expect(createProvider(testConfig('openai', { preset: 'cerebras' }), deps).config).toMatchObject({ baseUrl: 'https://api.cerebras.ai/v1', apiKeyEnv: 'CEREBRAS_API_KEY' });
  });
});
