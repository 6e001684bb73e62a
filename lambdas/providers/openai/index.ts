// The `openai` provider type: OpenAI and every OpenAI-compatible API (Groq, Mistral, OpenRouter, Together,
// Cerebras, DeepSeek, Ollama, vLLM), selected by baseUrl or by a preset that fills it in.
import type { ChatCompletion, EmbeddingsResponse } from '../../core/openai/chat-response';
import type { ProviderFactory } from '../types';
import { keyedHttpProvider, readJson } from '../shared/transport';
import { openaiHeaders, openaiUrl } from './endpoint';
import { mapOpenAIError } from './errors';
import { applyPreset, maxTokensFieldOf } from './presets';
import { toOpenAIChatBody, toOpenAIEmbeddingsBody } from './request';
import { normalizeCompletion, readOpenAIStream } from './response';

export const createOpenAIProvider: ProviderFactory = (entry, deps) => {
  const { config, preset } = applyPreset(entry);
  const capField = maxTokensFieldOf(config, preset);
  const { identity, call } = keyedHttpProvider(config, deps, (key, opts) => openaiHeaders(config, key, opts.requestId), mapOpenAIError);

  return {
    ...identity,

    async chat(req, model, opts) {
      const res = await call(openaiUrl(config, '/chat/completions'), toOpenAIChatBody(req, model, false, preset, capField), opts);
      return normalizeCompletion(await readJson<ChatCompletion>(res));
    },

    async chatStream(req, model, opts) {
      const res = await call(openaiUrl(config, '/chat/completions'), toOpenAIChatBody(req, model, true, preset, capField), opts);
      return readOpenAIStream(res);
    },

    async embeddings(req, model, opts) {
      return readJson<EmbeddingsResponse>(await call(openaiUrl(config, '/embeddings'), toOpenAIEmbeddingsBody(req, model), opts));
    },

    async probe(opts) {
      (await call(openaiUrl(config, '/models'), undefined, opts)).cancel();
    },
  };
};
