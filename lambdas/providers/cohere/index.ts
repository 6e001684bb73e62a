// The `cohere` provider type: Cohere's Command and Embed models through the v2 API.
import type { ProviderFactory } from '../types';
import { embeddingsList, embeddingTexts } from '../shared/embeddings';
import { malformed } from '../shared/errors';
import { epochSeconds, newId } from '../shared/ids';
import { ChunkBuilder, translateSse } from '../shared/stream';
import { keyedHttpProvider, readJson } from '../shared/transport';
import { cohereHeaders, cohereUrl } from './endpoint';
import { mapCohereError } from './errors';
import { toCohereEmbedRequest, toCohereRequest } from './request';
import { cohereStreamTranslator, fromCohereResponse, type CohereChatResponse } from './response';

interface CohereEmbedResponse {
  embeddings?: { float?: number[][] };
  meta?: { billed_units?: { input_tokens?: number } };
}

export const createCohereProvider: ProviderFactory = (config, deps) => {
  const { identity, call } = keyedHttpProvider(config, deps, (key) => cohereHeaders(config, key), mapCohereError);

  return {
    ...identity,

    async chat(req, model, opts) {
      const res = await call(cohereUrl(config, '/v2/chat'), toCohereRequest(req, model, config, false), opts);
      return fromCohereResponse(await readJson<CohereChatResponse>(res), model, epochSeconds(deps.clock.now()));
    },

    async chatStream(req, model, opts) {
      const res = await call(cohereUrl(config, '/v2/chat'), toCohereRequest(req, model, config, true), opts);
      return translateSse(res, cohereStreamTranslator(new ChunkBuilder(newId('chatcmpl-'), model, epochSeconds(deps.clock.now()))));
    },

    async embeddings(req, model, opts) {
      const texts = embeddingTexts('cohere', req);
      const answer = await readJson<CohereEmbedResponse>(await call(cohereUrl(config, '/v2/embed'), toCohereEmbedRequest(req, texts, model), opts));
      const vectors = answer.embeddings?.float;
      if (!vectors || vectors.length !== texts.length) throw malformed('the Cohere embed answer does not hold one float vector per input');
      return embeddingsList(req, model, vectors, answer.meta?.billed_units?.input_tokens);
    },

    async probe(opts) {
      (await call(cohereUrl(config, '/v1/models?page_size=1'), undefined, opts)).cancel();
    },
  };
};
