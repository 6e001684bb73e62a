// The `anthropic` provider type: Claude through the Messages API.
import type { CallOptions, ProviderFactory } from '../types';
import { ProviderError } from '../types';
import { keyResolver } from '../shared/keys';
import { epochSeconds, newId } from '../shared/ids';
import { ChunkBuilder, pumpStream, sseJson } from '../shared/stream';
import { readJson, send } from '../shared/transport';
import { anthropicHeaders, anthropicUrl } from './endpoint';
import { mapAnthropicError } from './errors';
import { toAnthropicRequest } from './request';
import { anthropicStreamTranslator, fromAnthropicMessage, type AnthropicMessage, type AnthropicStreamEvent } from './response';

export const createAnthropicProvider: ProviderFactory = (config, deps) => {
  const apiKey = keyResolver(config, deps.secrets);

  async function call(path: Parameters<typeof anthropicUrl>[1], body: unknown, opts: CallOptions) {
    return send(
      deps.http,
      { url: anthropicUrl(config, path), method: body === undefined ? 'GET' : 'POST', headers: anthropicHeaders(config, await apiKey.get()), body, signal: opts.signal },
      mapAnthropicError,
    );
  }

  return {
    id: config.id,
    type: config.type,
    config,
    isConfigured: apiKey.isConfigured,

    async chat(req, model, opts) {
      const { body, jsonTool } = toAnthropicRequest(req, model, config, false);
      const res = await call('/v1/messages', body, opts);
      return fromAnthropicMessage(await readJson<AnthropicMessage>(res), epochSeconds(deps.clock.now()), jsonTool);
    },

    async chatStream(req, model, opts) {
      const { body, jsonTool } = toAnthropicRequest(req, model, config, true);
      const res = await call('/v1/messages', body, opts);
      const chunks = new ChunkBuilder(newId('msg_'), model, epochSeconds(deps.clock.now()));
      return pumpStream(sseJson<AnthropicStreamEvent>(res), anthropicStreamTranslator(chunks, jsonTool), { cancel: () => res.cancel() });
    },

    async embeddings() {
      // 404, as for a model this provider does not serve: routing falls over to the next target
      throw new ProviderError({ status: 404, retryable: false, code: 'embeddings_not_supported', message: 'Anthropic has no embeddings API' });
    },

    async probe(opts) {
      (await call('/v1/models?limit=1', undefined, opts)).cancel();
    },
  };
};
