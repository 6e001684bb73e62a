// Claude on Bedrock natively, for the Anthropic door: InvokeModel and InvokeModelWithResponseStream take the
// Messages API body itself (Bedrock's version tag instead of `model`, betas in the body), and the stream's
// chunks are Anthropic's own events, so the door forwards them as they came. CountTokens counts the same body.
// Bedrock refuses a field or beta it does not know ("extraneous key"), so only those it takes are sent.
import { malformed } from '../shared/errors';
import { encodedBySdk } from '../shared/paths';
import { nativeEvents } from '../anthropic/messages';
import type { AnthropicMessage, MessagesRequest, NativeCallOptions, NativeMessages } from '../anthropic/wire';
import type { BedrockRuntime } from './endpoint';
import { mapBedrockError } from './errors';

export const BEDROCK_ANTHROPIC_VERSION = 'bedrock-2023-05-31';

/** the request fields Bedrock's Claude takes beside its version and betas (no model, stream, metadata, service tier) */
const BEDROCK_FIELDS = ['max_tokens', 'messages', 'system', 'stop_sequences', 'temperature', 'top_p', 'top_k', 'tools', 'tool_choice', 'thinking', 'output_config', 'context_management'];

/** The betas Bedrock's Claude accepts (an unknown one fails the call); the others are dropped for Bedrock. */
export const BEDROCK_BETAS: ReadonlySet<string> = new Set([
  'computer-use-2024-10-22',
  'computer-use-2025-01-24',
  'computer-use-2025-11-24',
  'token-efficient-tools-2025-02-19',
  'interleaved-thinking-2025-05-14',
  'output-128k-2025-02-19',
  'dev-full-thinking-2025-05-14',
  'context-1m-2025-08-07',
  'context-management-2025-06-27',
  'effort-2025-11-24',
  'tool-search-tool-2025-10-19',
  'tool-examples-2025-10-29',
]);

/** Claude models on Bedrock, by foundation-model id or inference profile ("us.anthropic.claude-…", "global.…") */
export function isBedrockClaude(model: string): boolean {
  return /(^|[.:/])anthropic\.claude-/.test(model);
}

/** The Messages body as Bedrock's InvokeModel takes it for Claude. */
export function bedrockMessagesBody(body: MessagesRequest, betas: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = { anthropic_version: BEDROCK_ANTHROPIC_VERSION };
  if (betas.length) out.anthropic_beta = [...betas];
  for (const field of BEDROCK_FIELDS) if (body[field] !== undefined) out[field] = body[field];
  return withSystemTurnsInSystem(out);
}

type Block = Record<string, unknown> & { type: string };

/**
 * Mid-conversation `role: "system"` turns (Anthropic's beta mid-conversation-system) are not a Bedrock beta:
 * their text joins the system prompt, in order, and the turns leave the conversation.
 */
function withSystemTurnsInSystem(body: Record<string, unknown>): Record<string, unknown> {
  const messages = body.messages as MessagesRequest['messages'];
  if (!messages.some((m) => m.role === 'system')) return body;
  const system: Block[] = typeof body.system === 'string' ? [{ type: 'text', text: body.system }] : [...((body.system as Block[] | undefined) ?? [])];
  for (const m of messages) {
    if (m.role !== 'system') continue;
    if (typeof m.content === 'string') system.push({ type: 'text', text: m.content });
    else system.push(...m.content);
  }
  return { ...body, system, messages: messages.filter((m) => m.role !== 'system') };
}

/** `withBedrock`: SDK calls on the entry's client, their failures normalized (the adapter's own) */
export function bedrockNativeMessages(withBedrock: <T>(use: (r: BedrockRuntime) => Promise<T>) => Promise<T>): NativeMessages {  const betasFor = (betas: readonly string[]) => betas.filter((b) => BEDROCK_BETAS.has(b));
  const bodyBytes = (body: MessagesRequest, opts: NativeCallOptions) => new TextEncoder().encode(JSON.stringify(bedrockMessagesBody(body, betasFor(opts.betas))));

  return {
    speaksMessages: isBedrockClaude,
    betasFor,

    async messages(body, model, opts) {
      const out = await withBedrock(({ sdk, client }) =>
        client.send(new sdk.InvokeModelCommand({ modelId: encodedBySdk('bedrock', model), contentType: 'application/json', accept: 'application/json', body: bodyBytes(body, opts) }), { abortSignal: opts.signal }),
      );
      let message: AnthropicMessage;
      try {
        message = JSON.parse(new TextDecoder().decode(out.body)) as AnthropicMessage;
      } catch {
        throw malformed('the Bedrock model answered with a body that is not JSON');
      }
      if (!Array.isArray(message?.content)) throw malformed('the Bedrock Claude answer has no content list');
      return message;
    },

    async messagesStream(body, model, opts) {
      // stopping the read early must also stop the SDK's connection
      const reader = new AbortController();
      const signal = AbortSignal.any([opts.signal, reader.signal]);
      const out = await withBedrock(({ sdk, client }) =>
        client.send(new sdk.InvokeModelWithResponseStreamCommand({ modelId: encodedBySdk('bedrock', model), contentType: 'application/json', accept: 'application/json', body: bodyBytes(body, opts) }), { abortSignal: signal }),
      );
      if (!out.body) throw malformed('the Bedrock stream answer has no event stream');
      return nativeEvents(chunkTexts(out.body), 'bedrock', () => reader.abort(), mapBedrockError);
    },

    async countTokens(body, model, opts) {
      const out = await withBedrock(({ sdk, client }) =>
        client.send(new sdk.CountTokensCommand({ modelId: encodedBySdk('bedrock', model), input: { invokeModel: { body: bodyBytes(body, opts) } } }), { abortSignal: opts.signal }),
      );
      if (typeof out.inputTokens !== 'number') throw malformed('the Bedrock token count has no inputTokens');
      return out.inputTokens;
    },
  };
}

async function* chunkTexts(stream: AsyncIterable<{ chunk?: { bytes?: Uint8Array } }>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  for await (const part of stream) if (part.chunk?.bytes) yield decoder.decode(part.chunk.bytes);
}
