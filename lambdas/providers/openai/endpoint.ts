// OpenAI and every OpenAI-compatible API: where to call and how to authenticate.
import type { ProviderConfig } from '../../core/config/schema';
import { joinUrl } from '../shared/transport';

export const OPENAI_BASE_URL = 'https://api.openai.com/v1';

export function openaiUrl(config: ProviderConfig, path: '/chat/completions' | '/embeddings' | '/models'): string {
  return joinUrl(config.baseUrl ?? OPENAI_BASE_URL, path);
}

export function openaiHeaders(config: ProviderConfig, apiKey: string | undefined, requestId: string): Record<string, string> {
  const headers: Record<string, string> = { 'x-request-id': requestId, ...config.headers };
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;
  return headers;
}
