// The Anthropic Messages API on the wire, written once for the `anthropic` provider (which speaks it upstream)
// and the Anthropic Messages door (which serves it): answers, stream events, usage, errors. Requests are
// typed loosely here: the door checks them (doors/anthropic-messages/request.ts) and the provider builds its
// own from OpenAI's shape (request.ts).

export interface AnthropicUsage {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  /** the cache writes split by lifetime (one-hour entries cost more) */
  cache_creation?: { ephemeral_5m_input_tokens?: number | null; ephemeral_1h_input_tokens?: number | null } | null;
  [k: string]: unknown;
}

export type ResponseBlock =
  | { type: 'text'; text: string; citations?: unknown[] | null }
  | { type: 'tool_use'; id: string; name: string; input: unknown }
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'redacted_thinking'; data: string }
  /** server tool blocks and blocks newer than this code */
  | { type: string; [k: string]: unknown };

export interface AnthropicMessage {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: ResponseBlock[];
  stop_reason: string | null;
  stop_sequence?: string | null;
  usage: AnthropicUsage;
  [k: string]: unknown;
}

export type ContentDelta =
  | { type: 'text_delta'; text: string }
  | { type: 'input_json_delta'; partial_json: string }
  | { type: 'thinking_delta'; thinking: string }
  | { type: 'signature_delta'; signature: string }
  | { type: 'citations_delta'; citation: unknown };

export type AnthropicStreamEvent =
  | { type: 'message_start'; message: AnthropicMessage }
  | { type: 'content_block_start'; index: number; content_block: ResponseBlock }
  | { type: 'content_block_delta'; index: number; delta: ContentDelta }
  | { type: 'content_block_stop'; index: number }
  | { type: 'message_delta'; delta: { stop_reason?: string | null; stop_sequence?: string | null; [k: string]: unknown }; usage?: AnthropicUsage }
  | { type: 'message_stop'; [k: string]: unknown }
  | { type: 'ping' }
  | { type: 'error'; error: { type: string; message: string } };

/** An event as it came, with its JSON text: a native stream is forwarded byte for byte. */
export interface NativeEvent {
  event: AnthropicStreamEvent;
  data: string;
}

/** `{"type":"error","error":{"type","message"}}`: every Anthropic error answer and the stream's error event */
export interface AnthropicErrorBody {
  type: 'error';
  error: { type: string; message: string };
  /** the request's id (null when there is none) */
  request_id?: string | null;
}

/** The HTTP status each error type is sent with; stream error events carry only the type. */
export const ANTHROPIC_ERROR_STATUS: Readonly<Record<string, number>> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

/** An Anthropic Messages request, as a door forwards it and a provider sends it natively. */
export interface MessagesRequest {
  model: string;
  max_tokens: number;
  messages: Array<{ role: 'user' | 'assistant' | 'system'; content: string | Array<Record<string, unknown> & { type: string }> }>;
  system?: string | Array<Record<string, unknown> & { type: string }>;
  stream?: boolean;
  [field: string]: unknown;
}

/** What a native call needs beside the body: the betas to send (already filtered for the target). */
export interface NativeCallOptions {
  signal: AbortSignal;
  requestId: string;
  betas: readonly string[];
}

/**
 * A provider that takes the Messages API natively for some of its models (`anthropic` for all, `bedrock` for
 * Claude): the Anthropic door sends such a target the request as it came.
 */
export interface NativeMessages {
  /** whether `model` is called natively (else through the chat core) */
  speaksMessages(model: string): boolean;
  /** the betas this provider forwards, of those asked (the rest are dropped) */
  betasFor(betas: readonly string[]): string[];
  messages(body: MessagesRequest, model: string, opts: NativeCallOptions): Promise<AnthropicMessage>;
  /** resolves once the call was accepted; the events end with message_stop, or the iteration throws */
  messagesStream(body: MessagesRequest, model: string, opts: NativeCallOptions): Promise<AsyncIterable<NativeEvent>>;
  /** the input tokens of the request, as the provider counts them (free of charge) */
  countTokens(body: MessagesRequest, model: string, opts: NativeCallOptions): Promise<number>;
}

/** the native Messages API of a provider for this model, if it has one */
export function nativeMessagesOf(provider: object, model: string): NativeMessages | undefined {
  const native = provider as Partial<NativeMessages>;
  return typeof native.speaksMessages === 'function' && native.speaksMessages(model) ? (native as NativeMessages) : undefined;
}
