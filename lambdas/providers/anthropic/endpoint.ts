// Anthropic Messages API: where to call and how to authenticate (x-api-key plus the pinned API version).
import type { ProviderConfig } from '../../core/config/schema';
import { joinUrl } from '../shared/transport';

/** as the Anthropic SDKs take it: the paths below carry the version */
export const ANTHROPIC_BASE_URL = 'https://api.anthropic.com';
/** the API version every request pins; an entry may override it (or add anthropic-beta) through `headers` */
export const ANTHROPIC_VERSION = '2023-06-01';

export function anthropicUrl(config: ProviderConfig, path: '/v1/messages' | '/v1/models?limit=1'): string {
  return joinUrl(config.baseUrl ?? ANTHROPIC_BASE_URL, path);
}

export function anthropicHeaders(config: ProviderConfig, apiKey: string | undefined): Record<string, string> {
  const headers: Record<string, string> = { 'anthropic-version': ANTHROPIC_VERSION, ...config.headers };
  if (apiKey) headers['x-api-key'] = apiKey;
  return headers;
}
