// The `cohere` provider type: Cohere's Command and Embed models through the v2 API.
import type { CallOptions, ProviderFactory } from '../types';
import { embeddingsList, embeddingTexts } from '../shared/embeddings';
import { malformed } from '../shared/errors';
import { epochSeconds, newId } from '../shared/ids';
import { keyResolver } from '../shared/keys';
import { ChunkBuilder, pumpStream, sseJson } from '../shared/stream';
import { readJson, send } from '../shared/transport';
import { cohereHeaders, cohereUrl } from './endpoint';
import { mapCohereError } from './errors';
import { toCohereEmbedRequest, toCohereRequest } from './request';
import { cohereStreamTranslator, fromCohereResponse, type CohereChatResponse, type CohereStreamEvent } from './response';

interface CohereEmbedResponse {
  embeddings?: { float?: number[][] };
  meta?: { billed_units?: { input_tokens?: number } };
}

export const createCohereProvider: ProviderFactory = (config, deps) => {
  const apiKey = keyResolver(config, deps.secrets);

  async function call(path: Parameters<typeof cohereUrl>[1], body: unknown, opts: CallOptions) {
    return send(
      deps.http,
      { url: cohereUrl(config, path), method: body === undefined ? 'GET' : 'POST', headers: cohereHeaders(config, await apiKey.get()), body, signal: opts.signal },
      mapCohereError,
    );
  }

  return {
    id: config.id,
    type: config.type,
    config,
    isConfigured: apiKey.isConfigured,

    async chat(req, model, opts) {
      const res = await call('/v2/chat', toCohereRequest(req, model, config, false), opts);
      return fromCohereResponse(await readJson<CohereChatResponse>(res), model, epochSeconds(deps.clock.now()));
    },

    async chatStream(req, model, opts) {
      const res = await call('/v2/chat', toCohereRequest(req, model, config, true), opts);
      const chunks = new ChunkBuilder(newId('chatcmpl-'), model, epochSeconds(deps.clock.now()));
      return pumpStream(sseJson<CohereStreamEvent>(res), cohereStreamTranslator(chunks), { cancel: () => res.cancel() });
    },

    async embeddings(req, model, opts) {
      const texts = embeddingTexts('cohere', req);
      const answer = await readJson<CohereEmbedResponse>(await call('/v2/embed', toCohereEmbedRequest(req, texts, model), opts));
      const vectors = answer.embeddings?.float;
      if (!vectors || vectors.length !== texts.length) throw malformed('the Cohere embed answer does not hold one float vector per input');
      return embeddingsList(req, model, vectors, answer.meta?.billed_units?.input_tokens);
    },

    async probe(opts) {
      (await call('/v1/models?page_size=1', undefined, opts)).cancel();
    },
  };
};
