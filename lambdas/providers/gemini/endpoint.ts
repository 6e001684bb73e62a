// Gemini (Generative Language API): where to call and how to authenticate (the key in x-goog-api-key, never
// in the URL, so it stays out of access logs).
import type { ProviderConfig } from '../../core/config/schema';
import { invalidModelName, pathSegment } from '../shared/paths';
import { joinUrl } from '../shared/transport';

/** as Google's SDKs take it: the API version is part of each path */
export const GEMINI_BASE_URL = 'https://generativelanguage.googleapis.com';
export const GEMINI_API_VERSION = 'v1beta';

export type GeminiMethod = 'generateContent' | 'streamGenerateContent' | 'embedContent' | 'batchEmbedContents';

/** the resource collections a model name may be given in */
const COLLECTIONS = new Set(['models', 'tunedModels']);

/**
 * "gemini-2.5-flash" → "models/gemini-2.5-flash"; "models/…" and "tunedModels/…" stay as given. The name is
 * pasted into the path, so anything else (another collection, "..", "?", "#", ":" …) is refused (paths.ts).
 */
export function geminiResource(model: string): string {
  const slash = model.indexOf('/');
  const collection = slash < 0 ? 'models' : model.slice(0, slash);
  if (!COLLECTIONS.has(collection)) throw invalidModelName('gemini', model, 'a model name is "<id>", "models/<id>" or "tunedModels/<id>"');
  return `${collection}/${pathSegment('gemini', slash < 0 ? model : model.slice(slash + 1), model)}`;
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
