// The OpenAI Chat Completions request as Switchboard accepts it: every field it forwards is checked here, and
// a field it does not know is refused (unknownChatFields) unless the provider entry lets it through, so no
// field reaches a provider that the gateway cannot price (service_tier "priority", audio output, web search).
// zod/mini: these schemas run on every request and ship in the Lambda bundle, where size is start time.
import * as z from 'zod/mini';
import { modelNameProblem } from '../routing/model-names';

const nonEmpty = () => z.string().check(z.minLength(1));
const modelName = () =>
  z.string().check(
    z.refine((name) => modelNameProblem(name) === undefined, {
      message: 'a model name has 1-256 letters, digits and . _ - : @ + /, and no empty, "." or ".." segment between slashes',
    }),
  );
const int = (...checks: Parameters<ReturnType<typeof z.int>['check']>) => z.int().check(...checks);

/**
 * A prompt-cache breakpoint, Anthropic's form (also what OpenRouter and LiteLLM accept on OpenAI-shaped parts):
 * the prompt up to and including this part may be cached. Providers with breakpoints (Anthropic, Bedrock)
 * get it in their own form; the others cache by themselves or not at all, and never see it.
 */
const cacheControl = z.object({ type: z.literal('ephemeral'), ttl: z.optional(z.enum(['5m', '1h'])) });
export type CacheControl = z.infer<typeof cacheControl>;
const cache_control = z.optional(cacheControl);

const textPart = z.object({ type: z.literal('text'), text: z.string(), cache_control });
const imagePart = z.object({
  type: z.literal('image_url'),
  image_url: z.object({ url: nonEmpty(), detail: z.optional(z.enum(['auto', 'low', 'high'])) }),
  cache_control,
});
const audioPart = z.object({
  type: z.literal('input_audio'),
  input_audio: z.object({ data: z.string(), format: z.enum(['wav', 'mp3']) }),
  cache_control,
});
const filePart = z.object({
  type: z.literal('file'),
  file: z.looseObject({ file_data: z.optional(z.string()), file_id: z.optional(z.string()), filename: z.optional(z.string()) }),
  cache_control,
});
const refusalPart = z.object({ type: z.literal('refusal'), refusal: z.string() });

export const userContentPart = z.discriminatedUnion('type', [textPart, imagePart, audioPart, filePart]);
export type UserContentPart = z.infer<typeof userContentPart>;

const toolCall = z.object({
  id: z.string(),
  type: z.literal('function'),
  function: z.object({ name: z.string(), arguments: z.string() }),
});
export type ToolCall = z.infer<typeof toolCall>;

const name = z.optional(z.string().check(z.maxLength(256)));
const textContent = z.union([z.string(), z.array(textPart)]);

const systemMessage = z.object({ role: z.literal('system'), content: textContent, name });
const developerMessage = z.object({ role: z.literal('developer'), content: textContent, name });
const userMessage = z.object({
  role: z.literal('user'),
  content: z.union([z.string(), z.array(userContentPart).check(z.minLength(1))]),
  name,
});
const assistantMessage = z
  .looseObject({
    role: z.literal('assistant'),
    content: z.optional(z.union([z.string(), z.array(z.discriminatedUnion('type', [textPart, refusalPart])), z.null()])),
    name,
    refusal: z.nullish(z.string()),
    tool_calls: z.optional(z.array(toolCall)),
    function_call: z.nullish(z.object({ name: z.string(), arguments: z.string() })),
  })
  .check(
    z.refine((m) => m.content != null || (m.tool_calls?.length ?? 0) > 0 || m.function_call != null, {
      message: 'an assistant message needs content or tool_calls',
      path: ['content'],
    }),
  );
const toolMessage = z.object({ role: z.literal('tool'), content: textContent, tool_call_id: nonEmpty() });
const functionMessage = z.object({ role: z.literal('function'), content: z.nullable(z.string()), name: z.string() });

export const chatMessage = z.discriminatedUnion('role', [
  systemMessage,
  developerMessage,
  userMessage,
  assistantMessage,
  toolMessage,
  functionMessage,
]);
export type ChatMessage = z.infer<typeof chatMessage>;

const functionDefinition = z.object({
  name: z.string().check(z.regex(/^[a-zA-Z0-9_-]{1,64}$/, 'function names are 1-64 letters, digits, _ or -')),
  description: z.optional(z.string()),
  parameters: z.optional(z.record(z.string(), z.unknown())),
  strict: z.nullish(z.boolean()),
});
export const toolDefinition = z.object({ type: z.literal('function'), function: functionDefinition });
export type ToolDefinition = z.infer<typeof toolDefinition>;

export const toolChoice = z.union([
  z.enum(['none', 'auto', 'required']),
  z.object({ type: z.literal('function'), function: z.object({ name: z.string() }) }),
]);
export type ToolChoice = z.infer<typeof toolChoice>;

export const responseFormat = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text') }),
  z.object({ type: z.literal('json_object') }),
  z.object({
    type: z.literal('json_schema'),
    json_schema: z.object({
      name: z.string(),
      description: z.optional(z.string()),
      schema: z.optional(z.record(z.string(), z.unknown())),
      strict: z.nullish(z.boolean()),
    }),
  }),
]);

/** Gateway hints a caller may put in `metadata` (or the `x-gateway-policy` header). */
export const metadata = z
  .record(z.string(), z.string().check(z.maxLength(512)))
  .check(z.refine((m) => Object.keys(m).length <= 16, { message: 'metadata holds at most 16 keys' }));

export const chatRequest = z.looseObject({
  model: modelName(),
  messages: z.array(chatMessage).check(z.minLength(1)),
  stream: z.nullish(z.boolean()),
  stream_options: z.nullish(z.looseObject({ include_usage: z.optional(z.boolean()) })),
  max_tokens: z.nullish(int(z.positive())),
  max_completion_tokens: z.nullish(int(z.positive())),
  temperature: z.nullish(z.number().check(z.gte(0), z.lte(2))),
  top_p: z.nullish(z.number().check(z.gte(0), z.lte(1))),
  stop: z.nullish(z.union([z.string(), z.array(z.string()).check(z.maxLength(4))])),
  n: z.nullish(z.literal(1, { error: 'only n=1 is supported' })),
  tools: z.optional(z.array(toolDefinition).check(z.maxLength(128))),
  tool_choice: z.optional(toolChoice),
  parallel_tool_calls: z.optional(z.boolean()),
  response_format: z.optional(responseFormat),
  user: z.optional(z.string()),
  metadata: z.optional(metadata),
  presence_penalty: z.nullish(z.number().check(z.gte(-2), z.lte(2))),
  frequency_penalty: z.nullish(z.number().check(z.gte(-2), z.lte(2))),
  seed: z.nullish(z.int()),
  // forwarded as sent to OpenAI-compatible providers: none changes what a call can cost beyond its tokens
  logprobs: z.nullish(z.boolean()),
  top_logprobs: z.nullish(int(z.gte(0), z.lte(20))),
  logit_bias: z.nullish(z.record(z.string(), z.number())),
  top_k: z.nullish(int(z.positive())),
  store: z.nullish(z.boolean()),
  reasoning_effort: z.nullish(z.string().check(z.maxLength(32))),
  verbosity: z.nullish(z.enum(['low', 'medium', 'high'])),
  safety_identifier: z.optional(z.string().check(z.maxLength(256))),
  prompt_cache_key: z.optional(z.string().check(z.maxLength(256))),
  prompt_cache_retention: z.nullish(z.enum(['in-memory', '24h'])),
  // priority and scale tiers are billed above the model's price: refused, as is any output but text
  service_tier: z.nullish(z.enum(['auto', 'default', 'flex'], { error: 'service_tier may be auto, default or flex here (priority is billed above the model\'s price)' })),
  modalities: z.nullish(z.array(z.literal('text', { error: 'only text output is supported (audio output is priced apart)' }))),
}).check(
  z.refine((r) => r.max_tokens == null || r.max_completion_tokens == null || r.max_tokens === r.max_completion_tokens, {
    message: 'max_tokens and max_completion_tokens disagree: set one output cap, or both to the same value',
    path: ['max_completion_tokens'],
  }),
);
export type ChatRequest = z.infer<typeof chatRequest>;

/** the fields chatRequest knows; anything else is a field the gateway would forward blind */
const KNOWN_CHAT_FIELDS = new Set(Object.keys(chatRequest.def.shape));

/**
 * Fields of the request that the gateway does not know. They are refused unless every OpenAI-compatible
 * target's provider lists them in `passthroughFields` (other provider types never receive them).
 */
export function unknownChatFields(req: ChatRequest): string[] {
  return Object.keys(req).filter((k) => !KNOWN_CHAT_FIELDS.has(k));
}

export const embeddingsRequest = z.looseObject({
  model: modelName(),
  input: z.union([
    z.string(),
    z.array(z.string()).check(z.minLength(1), z.maxLength(2048)),
    z.array(z.int()).check(z.minLength(1)),
    z.array(z.array(z.int()).check(z.minLength(1))).check(z.minLength(1), z.maxLength(2048)),
  ]),
  encoding_format: z.optional(z.enum(['float', 'base64'])),
  dimensions: z.optional(int(z.positive(), z.lte(16384))),
  user: z.optional(z.string()),
});
export type EmbeddingsRequest = z.infer<typeof embeddingsRequest>;

/** The text a message carries, for estimates and for providers that take plain text. */
export function messageText(content: ChatMessage['content']): string {
  if (content == null) return '';
  if (typeof content === 'string') return content;
  let text = '';
  for (const part of content) {
    if (part.type === 'text') text += part.text;
    else if (part.type === 'refusal') text += part.refusal;
  }
  return text;
}

/** The output-token cap a caller asked for, under either of its two names. */
export function maxOutputTokens(req: ChatRequest): number | undefined {
  return req.max_completion_tokens ?? req.max_tokens ?? undefined;
}
