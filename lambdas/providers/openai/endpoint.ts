// OpenAI and every OpenAI-compatible API: where to call and how to authenticate.
import type { ProviderConfig } from '../../core/config/schema';
import { joinUrl } from '../shared/transport';

export const OPENAI_BASE_URL = 'https://api.openai.com/v1';

export function openaiUrl(config: ProviderConfig, path: '/chat/completions' | '/embeddings' | '/models' | '/responses'): string {
  return joinUrl(config.baseUrl ?? OPENAI_BASE_URL, path);
}

export function openaiHeaders(config: ProviderConfig, apiKey: string | undefined, requestId: string): Record<string, string> {
  const headers: Record<string, string> = { 'x-request-id': requestId, ...config.headers };
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;
  return headers;
}

/**
 * OpenAI's own API, which serves the Responses API (the openai preset, or OpenAI's host): such a target gets the
 * Responses door's requests natively. Other OpenAI-compatible servers get chat completions.
 */
export function speaksResponses(config: ProviderConfig): boolean {
  if (config.type !== 'openai') return false;
  if (config.preset) return config.preset === 'openai';
  return new URL(config.baseUrl ?? OPENAI_BASE_URL).hostname === 'api.openai.com';
}
