// The OpenAI Chat Completions request as Switchboard accepts it: known fields are checked, unknown
// ones (seed, top_p, logprobs, reasoning_effort, …) pass through to OpenAI-compatible upstreams.
import * as z from 'zod';

const textPart = z.object({ type: z.literal('text'), text: z.string() });
const imagePart = z.object({
  type: z.literal('image_url'),
  image_url: z.object({ url: z.string().min(1), detail: z.enum(['auto', 'low', 'high']).optional() }),
});
const audioPart = z.object({
  type: z.literal('input_audio'),
  input_audio: z.object({ data: z.string(), format: z.enum(['wav', 'mp3']) }),
});
const filePart = z.object({
  type: z.literal('file'),
  file: z.looseObject({ file_data: z.string().optional(), file_id: z.string().optional(), filename: z.string().optional() }),
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

const name = z.string().max(256).optional();

const systemMessage = z.object({
  role: z.literal('system'),
  content: z.union([z.string(), z.array(textPart)]),
  name,
});
const developerMessage = z.object({
  role: z.literal('developer'),
  content: z.union([z.string(), z.array(textPart)]),
  name,
});
const userMessage = z.object({
  role: z.literal('user'),
  content: z.union([z.string(), z.array(userContentPart).min(1)]),
  name,
});
const assistantMessage = z
  .looseObject({
    role: z.literal('assistant'),
    content: z.union([z.string(), z.array(z.discriminatedUnion('type', [textPart, refusalPart])), z.null()]).optional(),
    name,
    refusal: z.string().nullish(),
    tool_calls: z.array(toolCall).optional(),
    function_call: z.object({ name: z.string(), arguments: z.string() }).nullish(),
  })
  .refine((m) => m.content != null || (m.tool_calls?.length ?? 0) > 0 || m.function_call != null, {
    message: 'an assistant message needs content or tool_calls',
    path: ['content'],
  });
const toolMessage = z.object({
  role: z.literal('tool'),
  content: z.union([z.string(), z.array(textPart)]),
  tool_call_id: z.string().min(1),
});
const functionMessage = z.object({ role: z.literal('function'), content: z.string().nullable(), name: z.string() });

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
  name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'function names are 1-64 letters, digits, _ or -'),
  description: z.string().optional(),
  parameters: z.record(z.string(), z.unknown()).optional(),
  strict: z.boolean().nullish(),
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
      description: z.string().optional(),
      schema: z.record(z.string(), z.unknown()).optional(),
      strict: z.boolean().nullish(),
    }),
  }),
]);

/** Gateway hints a caller may put in `metadata` (or the `x-gateway-policy` header). */
export const metadata = z.record(z.string(), z.string().max(512)).refine((m) => Object.keys(m).length <= 16, {
  message: 'metadata holds at most 16 keys',
});

export const chatRequest = z.looseObject({
  model: z.string().min(1),
  messages: z.array(chatMessage).min(1),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullish(),
  max_tokens: z.number().int().positive().nullish(),
  max_completion_tokens: z.number().int().positive().nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  stop: z.union([z.string(), z.array(z.string()).max(4)]).nullish(),
  n: z.literal(1, { error: 'only n=1 is supported' }).nullish(),
  tools: z.array(toolDefinition).max(128).optional(),
  tool_choice: toolChoice.optional(),
  parallel_tool_calls: z.boolean().optional(),
  response_format: responseFormat.optional(),
  user: z.string().optional(),
  metadata: metadata.optional(),
  presence_penalty: z.number().min(-2).max(2).nullish(),
  frequency_penalty: z.number().min(-2).max(2).nullish(),
  seed: z.number().int().nullish(),
});
export type ChatRequest = z.infer<typeof chatRequest>;

export const embeddingsRequest = z.looseObject({
  model: z.string().min(1),
  input: z.union([
    z.string(),
    z.array(z.string()).min(1).max(2048),
    z.array(z.number().int()).min(1),
    z.array(z.array(z.number().int()).min(1)).min(1).max(2048),
  ]),
  encoding_format: z.enum(['float', 'base64']).optional(),
  dimensions: z.number().int().positive().max(16384).optional(),
  user: z.string().optional(),
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
