// A provider's API key, read through the secret-source port (env locally, Secrets Manager in AWS).
import type { ProviderConfig } from '../../core/config/schema';
import type { SecretSource } from '../../core/ports';

export interface KeyResolver {
  /** the key, or undefined for providers that need none (a local Ollama) */
  get(): Promise<string | undefined>;
  /** a provider that names a key is usable only when that key resolves here */
  isConfigured(): Promise<boolean>;
}

export function keyResolver(config: ProviderConfig, secrets: SecretSource): KeyResolver {
  const ref = { env: config.apiKeyEnv, secretId: config.apiKeySecret };
  const needsKey = Boolean(ref.env || ref.secretId);
  return {
    get: () => (needsKey ? secrets.get(ref) : Promise.resolve(undefined)),
    async isConfigured() {
      return !needsKey || (await secrets.get(ref)) !== undefined;
    },
  };
}
