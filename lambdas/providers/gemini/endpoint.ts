// Gemini (Generative Language API): where to call and how to authenticate (the key in x-goog-api-key, never
// in the URL, so it stays out of access logs).
import type { ProviderConfig } from '../../core/config/schema';
import { joinUrl } from '../shared/transport';

/** as Google's SDKs take it: the API version is part of each path */
export const GEMINI_BASE_URL = 'https://generativelanguage.googleapis.com';
export const GEMINI_API_VERSION = 'v1beta';

export type GeminiMethod = 'generateContent' | 'streamGenerateContent' | 'embedContent' | 'batchEmbedContents';

/** "gemini-2.5-flash" → "models/gemini-2.5-flash"; "models/…" and "tunedModels/…" stay as given */
export function geminiResource(model: string): string {
  return model.includes('/') ? model : `models/${model}`;
}

export function geminiUrl(config: ProviderConfig, model: string, method: GeminiMethod): string {
  const url = joinUrl(config.baseUrl ?? GEMINI_BASE_URL, `/${GEMINI_API_VERSION}/${geminiResource(model)}:${method}`);
  return method === 'streamGenerateContent' ? `${url}?alt=sse` : url;
}

export function geminiModelsUrl(config: ProviderConfig): string {
  return joinUrl(config.baseUrl ?? GEMINI_BASE_URL, `/${GEMINI_API_VERSION}/models?pageSize=1`);
}

export function geminiHeaders(config: ProviderConfig, apiKey: string | undefined): Record<string, string> {
  const headers: Record<string, string> = { ...config.headers };
  if (apiKey) headers['x-goog-api-key'] = apiKey;
  return headers;
}
