// What a Switchboard-managed secret holds, and how its rotation checks a new value. Shared by the CDK
// construct that creates the secrets and the rotation function that rotates them.
import type { ProviderConfig } from '../../core/config/schema';

/**
 * The value a provider-key secret is created with. It holds no key: the secret source reads an empty
 * `apiKey` as "no key here" (routing skips the provider), and rotation refuses to promote it.
 */
export const UNSET_KEY_VALUE = JSON.stringify({ apiKey: '', note: 'put the provider key here: see docs/deploy.md' });

/**
 * `provider-key`: issued by the provider; the operator stages a new one (AWSPENDING) and rotation promotes
 * it once the provider accepts it. `gateway-key`: issued by Switchboard; rotation generates a new one.
 */
export type KeyKind = 'provider-key' | 'gateway-key';

/** How rotation tests a staged provider key: one authenticated GET of the provider's model list. */
export interface ProviderKeyCheck {
  kind: 'provider-key';
  providerId: string;
  providerType: ProviderConfig['type'];
  /** GET this URL with the key; undefined when the provider's base URL is not known at synth */
  modelsUrl?: string;
  /** static headers from the provider config (e.g. OpenRouter's HTTP-Referer) */
  headers?: Record<string, string>;
}

export interface GatewayKeyCheck {
  kind: 'gateway-key';
}

export type RotationTarget = ProviderKeyCheck | GatewayKeyCheck;

/** secret name → what it holds; the rotation function receives this map as ROTATION_TARGETS */
export type RotationTargets = Record<string, RotationTarget>;

const DEFAULT_BASE_URLS: Partial<Record<ProviderConfig['type'], string>> = {
  openai: 'https://api.openai.com/v1',
  anthropic: 'https://api.anthropic.com/v1',
  gemini: 'https://generativelanguage.googleapis.com/v1beta',
  cohere: 'https://api.cohere.com/v1',
};

/** The model-list URL of a provider; a preset without an explicit baseUrl is resolved by the gateway only. */
export function modelsUrlOf(provider: Pick<ProviderConfig, 'type' | 'baseUrl' | 'preset'>): string | undefined {
  const base = provider.baseUrl ?? (provider.preset ? undefined : DEFAULT_BASE_URLS[provider.type]);
  return base ? `${base.replace(/\/+$/, '')}/models` : undefined;
}

/** The headers that carry a key to each provider type's API. */
export function authHeaders(providerType: ProviderConfig['type'], key: string): Record<string, string> {
  switch (providerType) {
    case 'anthropic':
      return { 'x-api-key': key, 'anthropic-version': '2023-06-01' };
    case 'gemini':
      return { 'x-goog-api-key': key };
    default:
      return { authorization: `Bearer ${key}` };
  }
}
