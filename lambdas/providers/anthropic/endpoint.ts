// Anthropic Messages API: where to call and how to authenticate (x-api-key plus the pinned API version).
import type { ProviderConfig } from '../../core/config/schema';
import { joinUrl } from '../shared/transport';

/** as the Anthropic SDKs take it: the paths below carry the version */
export const ANTHROPIC_BASE_URL = 'https://api.anthropic.com';
/** the API version every request pins; an entry may override it (or add anthropic-beta) through `headers` */
export const ANTHROPIC_VERSION = '2023-06-01';

export function anthropicUrl(config: ProviderConfig, path: '/v1/messages' | '/v1/messages/count_tokens' | '/v1/models?limit=1'): string {
  return joinUrl(config.baseUrl ?? ANTHROPIC_BASE_URL, path);
}

/** `betas`: what a caller of the Messages door asked for, added to any the entry's headers set */
export function anthropicHeaders(config: ProviderConfig, apiKey: string | undefined, betas: readonly string[] = []): Record<string, string> {
  const headers: Record<string, string> = { 'anthropic-version': ANTHROPIC_VERSION, ...config.headers };
  if (betas.length) {
    const configured = headers['anthropic-beta']?.split(',').map((b) => b.trim()).filter(Boolean) ?? [];
    headers['anthropic-beta'] = [...new Set([...configured, ...betas])].join(',');
  }
  if (apiKey) headers['x-api-key'] = apiKey;
  return headers;
}
