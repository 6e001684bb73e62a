// The `gemini` provider type: Google's Gemini models through the Generative Language API.
import type { ProviderFactory } from '../types';
import { embeddingsList, embeddingTexts } from '../shared/embeddings';
import { malformed } from '../shared/errors';
import { epochSeconds, newId } from '../shared/ids';
import { keyResolver } from '../shared/keys';
import { ChunkBuilder, translateSse } from '../shared/stream';
import { providerCall, readJson } from '../shared/transport';
import { geminiHeaders, geminiModelsUrl, geminiUrl } from './endpoint';
import { mapGeminiError } from './errors';
import { toGeminiEmbedRequest, toGeminiRequest } from './request';
import { fromGeminiResponse, geminiStreamTranslator, type GeminiResponse } from './response';

interface GeminiEmbedResponse {
  embedding?: { values: number[] };
  embeddings?: Array<{ values: number[] }>;
}

export const createGeminiProvider: ProviderFactory = (config, deps) => {
  const apiKey = keyResolver(config, deps.secrets);
  const call = providerCall(deps.http, apiKey, (key) => geminiHeaders(config, key), mapGeminiError);

  return {
    id: config.id,
    type: config.type,
    config,
    isConfigured: apiKey.isConfigured,

    async chat(req, model, opts) {
      const res = await call(geminiUrl(config, model, 'generateContent'), toGeminiRequest(req, config), opts);
      return fromGeminiResponse(await readJson<GeminiResponse>(res), model, epochSeconds(deps.clock.now()));
    },

    async chatStream(req, model, opts) {
      const res = await call(geminiUrl(config, model, 'streamGenerateContent'), toGeminiRequest(req, config), opts);
      return translateSse(res, geminiStreamTranslator(new ChunkBuilder(newId('chatcmpl-'), model, epochSeconds(deps.clock.now()))));
    },

    async embeddings(req, model, opts) {
      const texts = embeddingTexts('gemini', req);
      const { method, body } = toGeminiEmbedRequest(texts, model, req.dimensions);
      const answer = await readJson<GeminiEmbedResponse>(await call(geminiUrl(config, model, method), body, opts));
      const vectors = answer.embeddings?.map((e) => e.values) ?? (answer.embedding ? [answer.embedding.values] : undefined);
      if (!vectors || vectors.length !== texts.length) throw malformed('the Gemini embeddings answer does not hold one vector per input');
      // Gemini reports no token counts for embeddings: they are estimated
      return embeddingsList(req, model, vectors);
    },

    async probe(opts) {
      (await call(geminiModelsUrl(config), undefined, opts)).cancel();
    },
  };
};
