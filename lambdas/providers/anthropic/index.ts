// The `anthropic` provider type: Claude through the Messages API, from the chat core (translated) and from the
// Anthropic door (natively, messages.ts).
import type { Provider, ProviderFactory } from '../types';
import { ProviderError } from '../types';
import { epochSeconds, newId } from '../shared/ids';
import { ChunkBuilder, translateSse } from '../shared/stream';
import { keyedHttpProvider, readJson } from '../shared/transport';
import { anthropicHeaders, anthropicUrl } from './endpoint';
import { mapAnthropicError } from './errors';
import { anthropicNativeMessages } from './messages';
import { toAnthropicRequest } from './request';
import { anthropicStreamTranslator, fromAnthropicMessage, type AnthropicMessage } from './response';
import type { NativeCallOptions, NativeMessages } from './wire';

export const createAnthropicProvider: ProviderFactory = (config, deps) => {
  const { identity, call } = keyedHttpProvider(config, deps, (key, opts) => anthropicHeaders(config, key, (opts as Partial<NativeCallOptions>).betas), mapAnthropicError);

  const provider: Provider & NativeMessages = {
    ...identity,
    ...anthropicNativeMessages(config, call),

    async chat(req, model, opts) {
      const { body, jsonTool } = toAnthropicRequest(req, model, config, false);
      const res = await call(anthropicUrl(config, '/v1/messages'), body, opts);
      return fromAnthropicMessage(await readJson<AnthropicMessage>(res), epochSeconds(deps.clock.now()), jsonTool);
    },

    async chatStream(req, model, opts) {
      const { body, jsonTool } = toAnthropicRequest(req, model, config, true);
      const res = await call(anthropicUrl(config, '/v1/messages'), body, opts);
      return translateSse(res, anthropicStreamTranslator(new ChunkBuilder(newId('msg_'), model, epochSeconds(deps.clock.now())), jsonTool));
    },

    async embeddings() {
      // 404, as for a model this provider does not serve: routing falls over to the next target
      throw new ProviderError({ status: 404, retryable: false, code: 'embeddings_not_supported', message: 'Anthropic has no embeddings API' });
    },

    async probe(opts) {
      (await call(anthropicUrl(config, '/v1/models?limit=1'), undefined, opts)).cancel();
    },
  };
  return provider;
};
