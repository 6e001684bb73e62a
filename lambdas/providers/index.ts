// The provider registry: one factory per provider type.
import type { ProviderConfig } from '../core/config/schema';
import { createMockProvider } from './mock';
import { createOpenAIProvider } from './openai';
import type { Provider, ProviderDeps, ProviderFactory } from './types';

const FACTORIES: Partial<Record<ProviderConfig['type'], ProviderFactory>> = {
  openai: createOpenAIProvider,
  mock: createMockProvider,
};

export function createProvider(config: ProviderConfig, deps: ProviderDeps): Provider {
  const factory = FACTORIES[config.type];
  if (!factory) throw new Error(`provider type "${config.type}" (provider "${config.id}") is not available in this build`);
  return factory(config, deps);
}

export function createProviders(configs: ProviderConfig[], deps: ProviderDeps): Map<string, Provider> {
  return new Map(configs.map((c) => [c.id, createProvider(c, deps)]));
}
