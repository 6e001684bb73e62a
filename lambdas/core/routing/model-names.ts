// What a model name may be, and the one spelling of it that is priced, called, counted and recorded. A model
// name travels into upstream URLs (Gemini, Bedrock), DynamoDB attribute names and log lines, so it is short
// and of a safe set; and two spellings of one upstream model must not be two prices.
import type { ProviderConfig } from '../config/schema';

export const MAX_MODEL_NAME = 256;
/** in a provider's `models`: every model the price catalogue prices for it may be addressed directly */
export const EVERY_MODEL = '*';
/** letters, digits and . _ - : @ + / (provider ids, OpenRouter's org/model, Bedrock's v1:0, Ollama's tags) */
const MODEL_CHARS = /^[A-Za-z0-9._:@+/-]+$/;

/** Why `name` is not a model name, or undefined when it is one. */
export function modelNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'a model name is not empty';
  if (name.length > MAX_MODEL_NAME) return `a model name has at most ${MAX_MODEL_NAME} characters`;
  if (!MODEL_CHARS.test(name)) return 'a model name has only letters, digits and . _ - : @ + /';
  if (name.split('/').some((segment) => segment === '' || segment === '.' || segment === '..')) {
    return 'a model name has no empty, "." or ".." segment between slashes';
  }
  return undefined;
}

/**
 * The canonical name of `model` at a provider of this type: Gemini's resource prefix `models/` is dropped
 * (Google's API takes both), so `gem/models/gemini-2.5-pro` is the priced `gem/gemini-2.5-pro`. Dated
 * snapshots keep their date: the price catalogue knows which snapshot costs what, and one it does not know
 * is not priced as its family (a snapshot's price may differ).
 */
export function canonicalModel(type: ProviderConfig['type'], model: string): string {
  if (type === 'gemini' && model.startsWith('models/')) return model.slice('models/'.length);
  return model;
}
