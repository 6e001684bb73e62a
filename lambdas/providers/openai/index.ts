// The `openai` provider type: OpenAI and every OpenAI-compatible API (Groq, Mistral, OpenRouter, Together,
// Cerebras, DeepSeek, Ollama, vLLM), selected by baseUrl or by a preset that fills it in.
import type { ChatCompletion, EmbeddingsResponse } from '../../core/openai/chat-response';
import type { CallOptions, ProviderFactory } from '../types';
import { readJson, send } from '../shared/transport';
import { keyResolver } from '../shared/keys';
import { openaiHeaders, openaiUrl } from './endpoint';
import { mapOpenAIError } from './errors';
import { applyPreset } from './presets';
import { toOpenAIChatBody, toOpenAIEmbeddingsBody } from './request';
import { normalizeCompletion, readOpenAIStream } from './response';

export const createOpenAIProvider: ProviderFactory = (entry, deps) => {
  const { config, preset } = applyPreset(entry);
  const apiKey = keyResolver(config, deps.secrets);

  async function call(path: Parameters<typeof openaiUrl>[1], body: unknown, opts: CallOptions) {
    return send(
      deps.http,
      { url: openaiUrl(config, path), method: body === undefined ? 'GET' : 'POST', headers: openaiHeaders(config, await apiKey.get(), opts.requestId), body, signal: opts.signal },
      mapOpenAIError,
    );
  }

  return {
    id: config.id,
    type: config.type,
    config,
    isConfigured: apiKey.isConfigured,

    async chat(req, model, opts) {
      const res = await call('/chat/completions', toOpenAIChatBody(req, model, false, preset), opts);
      return normalizeCompletion(await readJson<ChatCompletion>(res));
    },

    async chatStream(req, model, opts) {
      return readOpenAIStream(await call('/chat/completions', toOpenAIChatBody(req, model, true, preset), opts));
    },

    async embeddings(req, model, opts) {
      return readJson<EmbeddingsResponse>(await call('/embeddings', toOpenAIEmbeddingsBody(req, model), opts));
    },

    async probe(opts) {
      (await call('/models', undefined, opts)).cancel();
    },
  };
};
