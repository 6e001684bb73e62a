// Cohere v2 (chat, embed): where to call and how to authenticate (a bearer key).
import type { ProviderConfig } from '../../core/config/schema';
import { joinUrl } from '../shared/transport';

/** as Cohere's SDKs take it: the API version is part of each path */
export const COHERE_BASE_URL = 'https://api.cohere.com';

export function cohereUrl(config: ProviderConfig, path: '/v2/chat' | '/v2/embed' | '/v1/models?page_size=1'): string {
  return joinUrl(config.baseUrl ?? COHERE_BASE_URL, path);
}

export function cohereHeaders(config: ProviderConfig, apiKey: string | undefined): Record<string, string> {
  const headers: Record<string, string> = { ...config.headers };
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;
  return headers;
}
