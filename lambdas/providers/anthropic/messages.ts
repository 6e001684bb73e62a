// The Messages API natively, for the Anthropic door: the request goes upstream as the caller sent it (the door
// set the model and the output cap), and the answer and its events come back as Anthropic sent them, each
// event's JSON text kept so the door forwards it byte for byte. Count tokens is Anthropic's free endpoint.
import type { HttpResponse } from '../../core/ports';
import { parseSse } from '../../core/sse';
import { malformed } from '../shared/errors';
import { streamTruncated } from '../shared/stream';
import { readJson, transportError, type ProviderCall } from '../shared/transport';
import type { ProviderConfig } from '../../core/config/schema';
import { anthropicUrl } from './endpoint';
import { anthropicStreamError } from './errors';
import type { AnthropicMessage, AnthropicStreamEvent, NativeEvent, NativeMessages } from './wire';

/** the request fields count_tokens takes (it refuses the others: max_tokens, stream, sampling, metadata) */
const COUNT_FIELDS = ['model', 'messages', 'system', 'tools', 'tool_choice', 'thinking', 'output_config', 'cache_control', 'context_management', 'mcp_servers'];

export function anthropicNativeMessages(config: ProviderConfig, call: ProviderCall): NativeMessages {
  return {
    speaksMessages: () => true,
    // Anthropic is the source of every beta: forwarded as asked, and judged there
    betasFor: (betas) => [...betas],

    async messages(body, model, opts) {
      const res = await call(anthropicUrl(config, '/v1/messages'), { ...body, model, stream: undefined }, opts);
      const message = await readJson<AnthropicMessage>(res);
      if (!Array.isArray(message?.content)) throw malformed('the Anthropic answer has no content list');
      return message;
    },

    async messagesStream(body, model, opts) {
      const res = await call(anthropicUrl(config, '/v1/messages'), { ...body, model, stream: true }, opts);
      return nativeEvents(sseTexts(res), 'anthropic', () => res.cancel());
    },

    async countTokens(body, model, opts) {
      const counted: Record<string, unknown> = { model };
      for (const field of COUNT_FIELDS) if (field !== 'model' && body[field] !== undefined) counted[field] = body[field];
      const res = await call(anthropicUrl(config, '/v1/messages/count_tokens'), counted, opts);
      const answer = await readJson<{ input_tokens?: unknown }>(res);
      if (typeof answer.input_tokens !== 'number') throw malformed('the Anthropic token count has no input_tokens');
      return answer.input_tokens;
    },
  };
}

/**
 * The events of a Messages stream as they came, from the JSON text of each (SSE data here, Bedrock's chunks).
 * An `error` event becomes a ProviderError; a stream that ends before message_stop was cut (stream_truncated);
 * the upstream is dropped (`cancel`) when the reader stops early or the stream fails.
 */
export async function* nativeEvents(texts: AsyncIterable<string>, provider: string, cancel: () => void, mapError: (err: unknown) => unknown = transportError): AsyncGenerator<NativeEvent> {
  let stopped = false;
  let complete = false;
  try {
    for await (let data of texts) {
      const event = parseEvent(data);
      if (event.type === 'error') throw anthropicStreamError(event.error);
      if (event.type === 'message_stop') {
        stopped = true;
        // Bedrock adds its invocation metrics to message_stop: not Anthropic's, so not forwarded
        if (BEDROCK_METRICS in event) {
          const { [BEDROCK_METRICS]: _metrics, ...rest } = event;
          data = JSON.stringify(rest);
        }
      }
      yield { event, data };
    }
    if (!stopped) throw streamTruncated(provider);
    complete = true;
  } catch (err) {
    throw mapError(err);
  } finally {
    if (!complete) cancel();
  }
}

const BEDROCK_METRICS = 'amazon-bedrock-invocationMetrics';

async function* sseTexts(res: HttpResponse): AsyncGenerator<string> {
  for await (const event of parseSse(res.body)) yield event.data;
}

export function parseEvent(data: string): AnthropicStreamEvent {
  let event: AnthropicStreamEvent;
  try {
    event = JSON.parse(data) as AnthropicStreamEvent;
  } catch {
    throw malformed('the provider sent a stream event that is not JSON');
  }
  if (typeof event?.type !== 'string') throw malformed('the provider sent a stream event without a type');
  return event;
}
