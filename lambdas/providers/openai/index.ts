// The `openai` provider type: OpenAI and every OpenAI-compatible API (Groq, Mistral, OpenRouter, Together,
// Cerebras, DeepSeek, Ollama, vLLM), selected by baseUrl or by a preset that fills it in.
import type { ChatCompletion, EmbeddingsResponse } from '../../core/openai/chat-response';
import type { CallOptions, ProviderFactory } from '../types';
import { keyedHttpProvider, readJson } from '../shared/transport';
import { openaiHeaders, openaiUrl, speaksResponses } from './endpoint';
import { mapOpenAIError } from './errors';
import { applyPreset, maxTokensFieldOf } from './presets';
import { toOpenAIChatBody, toOpenAIEmbeddingsBody } from './request';
import { normalizeCompletion, readOpenAIStream } from './response';
import { readResponse, readResponsesStream } from './responses';

export const createOpenAIProvider: ProviderFactory = (entry, deps) => {
  const { config, preset } = applyPreset(entry);
  const capField = maxTokensFieldOf(config, preset);
  const { identity, call } = keyedHttpProvider(config, deps, (key, opts) => openaiHeaders(config, key, opts.requestId), mapOpenAIError);
  // OpenAI's own API serves the Responses API; a compatible server is called through chat completions
  const responses = speaksResponses(config)
    ? {
        async responses(body: Record<string, unknown>, opts: CallOptions) {
          return readResponse(await call(openaiUrl(config, '/responses'), { ...body, stream: false }, opts));
        },
        async responsesStream(body: Record<string, unknown>, opts: CallOptions) {
          return readResponsesStream(await call(openaiUrl(config, '/responses'), { ...body, stream: true }, opts));
        },
      }
    : {};

  return {
    ...identity,
    ...responses,

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
