// The `openai` provider type: OpenAI and every OpenAI-compatible API (Groq, Mistral, OpenRouter, Together,
// Cerebras, DeepSeek, Ollama, vLLM), selected by baseUrl.
import type { ChatCompletion, EmbeddingsResponse } from '../../core/openai/chat-response';
import type { ProviderFactory } from '../types';
import { readJson, send } from '../shared/transport';
import { keyResolver } from '../shared/keys';
import { openaiHeaders, openaiUrl } from './endpoint';
import { mapOpenAIError } from './errors';
import { toOpenAIChatBody, toOpenAIEmbeddingsBody } from './request';
import { readOpenAIStream } from './response';

export const createOpenAIProvider: ProviderFactory = (config, deps) => {
  const apiKey = keyResolver(config, deps.secrets);
  return {
    id: config.id,
    type: config.type,
    config,
    isConfigured: apiKey.isConfigured,

    async chat(req, model, opts) {
      const res = await send(
        deps.http,
        { url: openaiUrl(config, '/chat/completions'), headers: openaiHeaders(config, await apiKey.get(), opts.requestId), body: toOpenAIChatBody(req, model, false), signal: opts.signal },
        mapOpenAIError,
      );
      return readJson<ChatCompletion>(res);
    },

    async chatStream(req, model, opts) {
      const res = await send(
        deps.http,
        { url: openaiUrl(config, '/chat/completions'), headers: openaiHeaders(config, await apiKey.get(), opts.requestId), body: toOpenAIChatBody(req, model, true), signal: opts.signal },
        mapOpenAIError,
      );
      return readOpenAIStream(res);
    },

    async embeddings(req, model, opts) {
      const res = await send(
        deps.http,
        { url: openaiUrl(config, '/embeddings'), headers: openaiHeaders(config, await apiKey.get(), opts.requestId), body: toOpenAIEmbeddingsBody(req, model), signal: opts.signal },
        mapOpenAIError,
      );
      return readJson<EmbeddingsResponse>(res);
    },

    async probe(opts) {
      const res = await send(
        deps.http,
        { url: openaiUrl(config, '/models'), method: 'GET', headers: openaiHeaders(config, await apiKey.get(), opts.requestId), signal: opts.signal },
        mapOpenAIError,
      );
      res.cancel();
    },
  };
};
