// The `gemini` provider type: Google's Gemini models through the Generative Language API.
import type { ProviderFactory } from '../types';
import { embeddingsList, embeddingTexts } from '../shared/embeddings';
import { malformed } from '../shared/errors';
import { epochSeconds, newId } from '../shared/ids';
import { ChunkBuilder, translateSse } from '../shared/stream';
import { keyedHttpProvider, readJson } from '../shared/transport';
import { geminiHeaders, geminiModelsUrl, geminiUrl } from './endpoint';
import { mapGeminiError } from './errors';
import { toGeminiEmbedRequest, toGeminiRequest } from './request';
import { fromGeminiResponse, geminiStreamTranslator, type GeminiResponse } from './response';

interface GeminiEmbedResponse {
  embedding?: { values: number[] };
  embeddings?: Array<{ values: number[] }>;
}

export const createGeminiProvider: ProviderFactory = (config, deps) => {
  const { identity, call } = keyedHttpProvider(config, deps, (key) => geminiHeaders(config, key), mapGeminiError);

  return {
    ...identity,

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
