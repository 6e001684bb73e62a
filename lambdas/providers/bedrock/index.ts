// The `bedrock` provider type: models on Amazon Bedrock through Converse / ConverseStream (chat), InvokeModel
// (Titan and Cohere embeddings; Claude natively for the Anthropic door, messages.ts), authenticated by IAM, in
// the entry's region.
import type { CallOptions, Provider, ProviderFactory } from '../types';
import type { NativeMessages } from '../anthropic/wire';
import { embeddingsList, embeddingTexts } from '../shared/embeddings';
import { malformed, unsupported } from '../shared/errors';
import { encodedBySdk } from '../shared/paths';
import { epochSeconds, newId } from '../shared/ids';
import { ChunkBuilder, pumpStream } from '../shared/stream';
import { bedrockRuntime, type BedrockRuntime } from './endpoint';
import { mapBedrockError } from './errors';
import { bedrockNativeMessages } from './messages';
import { cohereEmbedBody } from '../cohere/request';
import { embeddingFamily, titanEmbedBody, toConverseInput } from './request';
import { bedrockStreamTranslator, fromConverseOutput } from './response';

export const createBedrockProvider: ProviderFactory = (config, deps) => {
  /** SDK calls on this entry's client, their failures normalized */
  async function withBedrock<T>(use: (runtime: BedrockRuntime) => Promise<T>): Promise<T> {
    try {
      return await use(await bedrockRuntime(config));
    } catch (err) {
      throw mapBedrockError(err);
    }
  }

  async function invokeJson<T>(model: string, body: unknown, opts: CallOptions): Promise<T> {
    const out = await withBedrock(({ sdk, client }) =>
      client.send(new sdk.InvokeModelCommand({ modelId: encodedBySdk('bedrock', model), contentType: 'application/json', accept: 'application/json', body: JSON.stringify(body) }), { abortSignal: opts.signal }),
    );
    try {
      return JSON.parse(new TextDecoder().decode(out.body)) as T;
    } catch {
      throw malformed('the Bedrock model answered with a body that is not JSON');
    }
  }

  const provider: Provider & NativeMessages = {
    id: config.id,
    type: config.type,
    config,
    ...bedrockNativeMessages(withBedrock),
    // IAM: whether this role may call the model shows only when it does
    isConfigured: async () => true,

    async chat(req, model, opts) {
      const { input, jsonTool } = toConverseInput(req, model, config);
      const out = await withBedrock(({ sdk, client }) => client.send(new sdk.ConverseCommand(input), { abortSignal: opts.signal }));
      return fromConverseOutput(out, model, epochSeconds(deps.clock.now()), jsonTool);
    },

    async chatStream(req, model, opts) {
      const { input, jsonTool } = toConverseInput(req, model, config);
      // stopping the read early must also stop the SDK's connection
      const reader = new AbortController();
      const signal = AbortSignal.any([opts.signal, reader.signal]);
      const out = await withBedrock(({ sdk, client }) => client.send(new sdk.ConverseStreamCommand(input), { abortSignal: signal }));
      if (!out.stream) throw malformed('the Bedrock stream answer has no event stream');
      const chunks = new ChunkBuilder(out.$metadata.requestId ? `chatcmpl-${out.$metadata.requestId}` : newId('chatcmpl-'), model, epochSeconds(deps.clock.now()));
      return pumpStream(out.stream, bedrockStreamTranslator(chunks, jsonTool), { cancel: () => reader.abort(), mapError: mapBedrockError });
    },

    async embeddings(req, model, opts) {
      const texts = embeddingTexts('bedrock', req);
      const family = embeddingFamily(model);
      if (family === 'cohere') {
        const answer = await invokeJson<{ embeddings?: number[][] | { float?: number[][] } }>(model, cohereEmbedBody(req, texts), opts);
        const vectors = Array.isArray(answer.embeddings) ? answer.embeddings : answer.embeddings?.float;
        if (!vectors || vectors.length !== texts.length) throw malformed('the Bedrock Cohere embed answer does not hold one vector per input');
        // Cohere on Bedrock reports no token count in the body: estimated
        return embeddingsList(req, model, vectors);
      }
      if (family === 'titan') {
        const answers = await Promise.all(
          texts.map((text) => invokeJson<{ embedding?: number[]; inputTextTokenCount?: number }>(model, titanEmbedBody(text, model, req.dimensions), opts)),
        );
        if (answers.some((a) => !a.embedding)) throw malformed('the Bedrock Titan answer has no embedding');
        return embeddingsList(req, model, answers.map((a) => a.embedding!), answers.reduce((sum, a) => sum + (a.inputTextTokenCount ?? 0), 0));
      }
      throw unsupported('bedrock', `embeddings from ${model} (Titan and Cohere embedding models only)`);
    },

    async probe() {
      // Bedrock runtime has no free read call: resolving the role's credentials is the cheapest proof
      await withBedrock(({ client }) => client.config.credentials());
    },
  };
  return provider;
};
