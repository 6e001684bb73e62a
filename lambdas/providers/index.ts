// The provider registry: one factory per provider type.
import type { ProviderConfig } from '../core/config/schema';
import { createAnthropicProvider } from './anthropic';
import { createBedrockProvider } from './bedrock';
import { createCohereProvider } from './cohere';
import { createGeminiProvider } from './gemini';
import { createMockProvider } from './mock';
import { createOpenAIProvider } from './openai';
import type { Provider, ProviderDeps, ProviderFactory } from './types';

const FACTORIES: Record<ProviderConfig['type'], ProviderFactory> = {
  openai: createOpenAIProvider,
  anthropic: createAnthropicProvider,
  gemini: createGeminiProvider,
  bedrock: createBedrockProvider,
  cohere: createCohereProvider,
  mock: createMockProvider,
};

export function createProvider(config: ProviderConfig, deps: ProviderDeps): Provider {
  return FACTORIES[config.type](config, deps);
}

export function createProviders(configs: ProviderConfig[], deps: ProviderDeps): Map<string, Provider> {
  return new Map(configs.map((c) => [c.id, createProvider(c, deps)]));
}
