// The OpenAI Responses API wire format, written once for the door that takes it (lambdas/doors/openai-responses)
// and the provider that speaks it natively (lambdas/providers/openai/responses.ts): the request as the gateway
// accepts it, its input items, and the response object and stream events it answers with.
// zod/mini, as the chat schema: these run on every request and ship in the Lambda bundle.
import * as z from 'zod/mini';
import { metadata } from './chat-request';
import { modelNameProblem } from '../routing/model-names';

const int = (...checks: Parameters<ReturnType<typeof z.int>['check']>) => z.int().check(...checks);
const modelName = () =>
  z.string().check(
    z.refine((name) => modelNameProblem(name) === undefined, {
      message: 'a model name has 1-256 letters, digits and . _ - : @ + /, and no empty, "." or ".." segment between slashes',
    }),
  );

// ---- content parts ----

export const inputTextPart = z.looseObject({ type: z.literal('input_text'), text: z.string() });
export const inputImagePart = z.looseObject({
  type: z.literal('input_image'),
  image_url: z.nullish(z.string()),
  file_id: z.nullish(z.string()),
  detail: z.optional(z.enum(['auto', 'low', 'high', 'original'])),
});
export const inputFilePart = z.looseObject({
  type: z.literal('input_file'),
  file_data: z.nullish(z.string()),
  file_id: z.nullish(z.string()),
  file_url: z.nullish(z.string()),
  filename: z.nullish(z.string()),
});
export const outputTextPart = z.looseObject({ type: z.literal('output_text'), text: z.string() });
export const refusalPart = z.looseObject({ type: z.literal('refusal'), refusal: z.string() });

const contentPart = z.discriminatedUnion('type', [inputTextPart, inputImagePart, inputFilePart, outputTextPart, refusalPart]);
export type ContentPart = z.infer<typeof contentPart>;

// ---- input items ----

export const messageItem = z.looseObject({
  type: z.literal('message'),
  id: z.nullish(z.string()),
  role: z.enum(['user', 'assistant', 'system', 'developer']),
  content: z.union([z.string(), z.array(contentPart)]),
  status: z.nullish(z.string()),
});
export type MessageItem = z.infer<typeof messageItem>;

export const functionCallItem = z.looseObject({
  type: z.literal('function_call'),
  id: z.nullish(z.string()),
  call_id: z.string().check(z.minLength(1)),
  name: z.string().check(z.minLength(1)),
  namespace: z.nullish(z.string()),
  arguments: z.string(),
  status: z.nullish(z.string()),
});
export type FunctionCallItem = z.infer<typeof functionCallItem>;

const toolOutputPart = z.discriminatedUnion('type', [inputTextPart, inputImagePart, inputFilePart]);
export const functionCallOutputItem = z.looseObject({
  type: z.literal('function_call_output'),
  id: z.nullish(z.string()),
  call_id: z.string().check(z.minLength(1)),
  output: z.union([z.string(), z.array(toolOutputPart)]),
  status: z.nullish(z.string()),
});
export type FunctionCallOutputItem = z.infer<typeof functionCallOutputItem>;

export const customToolCallItem = z.looseObject({
  type: z.literal('custom_tool_call'),
  id: z.nullish(z.string()),
  call_id: z.string().check(z.minLength(1)),
  name: z.string().check(z.minLength(1)),
  input: z.string(),
});
export const customToolCallOutputItem = z.looseObject({
  type: z.literal('custom_tool_call_output'),
  id: z.nullish(z.string()),
  call_id: z.string().check(z.minLength(1)),
  output: z.union([z.string(), z.array(toolOutputPart)]),
});
export type CustomToolCallItem = z.infer<typeof customToolCallItem>;
export type CustomToolCallOutputItem = z.infer<typeof customToolCallOutputItem>;

export const reasoningItem = z.looseObject({
  type: z.literal('reasoning'),
  id: z.nullish(z.string()),
  summary: z.array(z.looseObject({ type: z.string(), text: z.string() })),
  encrypted_content: z.nullish(z.string()),
});
export type ReasoningItem = z.infer<typeof reasoningItem>;

/** the item types the gateway understands; any other is kept for OpenAI targets and dropped for the rest */
export const KNOWN_ITEMS = {
  message: messageItem,
  function_call: functionCallItem,
  function_call_output: functionCallOutputItem,
  custom_tool_call: customToolCallItem,
  custom_tool_call_output: customToolCallOutputItem,
  reasoning: reasoningItem,
} as const;

export type KnownItem = MessageItem | FunctionCallItem | FunctionCallOutputItem | CustomToolCallItem | CustomToolCallOutputItem | ReasoningItem;
/** an input item as the gateway keeps it: a known item, or another type carried as it came */
export type InputItem = KnownItem | (Record<string, unknown> & { type: string; id?: string | null });

// ---- tools ----

export const functionTool = z.looseObject({
  type: z.literal('function'),
  name: z.string().check(z.regex(/^[a-zA-Z0-9_-]{1,128}$/, 'function names are 1-128 letters, digits, _ or -')),
  description: z.nullish(z.string()),
  parameters: z.nullish(z.record(z.string(), z.unknown())),
  strict: z.nullish(z.boolean()),
});
export type FunctionTool = z.infer<typeof functionTool>;

export const customTool = z.looseObject({
  type: z.literal('custom'),
  name: z.string().check(z.regex(/^[a-zA-Z0-9_-]{1,128}$/, 'tool names are 1-128 letters, digits, _ or -')),
  description: z.nullish(z.string()),
  format: z.optional(z.unknown()),
});
export type CustomTool = z.infer<typeof customTool>;

export const namespaceTool = z.looseObject({
  type: z.literal('namespace'),
  name: z.string().check(z.regex(/^[a-zA-Z0-9_-]{1,64}$/, 'namespace names are 1-64 letters, digits, _ or -')),
  description: z.nullish(z.string()),
  tools: z.array(z.discriminatedUnion('type', [functionTool, customTool])).check(z.minLength(1)),
});
export type NamespaceTool = z.infer<typeof namespaceTool>;

/** a tool the gateway does not translate (hosted tools: web_search, file_search, …): see lambdas/doors/openai-responses/tools.ts */
export const otherTool = z.looseObject({ type: z.string() });
export type Tool = FunctionTool | CustomTool | NamespaceTool | z.infer<typeof otherTool>;

export const toolChoice = z.union([
  z.enum(['none', 'auto', 'required']),
  z.looseObject({ type: z.string(), name: z.optional(z.string()), mode: z.optional(z.string()), tools: z.optional(z.array(z.unknown())) }),
]);
export type ResponsesToolChoice = z.infer<typeof toolChoice>;

export const textFormat = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('text') }),
  z.looseObject({ type: z.literal('json_object') }),
  z.looseObject({
    type: z.literal('json_schema'),
    name: z.string().check(z.regex(/^[a-zA-Z0-9_-]{1,64}$/, 'a schema name is 1-64 letters, digits, _ or -')),
    description: z.nullish(z.string()),
    schema: z.record(z.string(), z.unknown()),
    strict: z.nullish(z.boolean()),
  }),
]);

/**
 * POST /v1/responses as the gateway accepts it: every field of the OpenAI document it serves. A field it does
 * not know is refused (unknownResponsesFields), as on the chat door, so nothing reaches a provider unpriced.
 */
export const responsesRequest = z.looseObject({
  model: modelName(),
  input: z.optional(z.union([z.string(), z.array(z.looseObject({ type: z.optional(z.string()) }))])),
  instructions: z.nullish(z.string()),
  previous_response_id: z.nullish(z.string().check(z.minLength(1), z.maxLength(256))),
  stream: z.nullish(z.boolean()),
  stream_options: z.nullish(z.looseObject({ include_obfuscation: z.optional(z.boolean()) })),
  store: z.nullish(z.boolean()),
  background: z.nullish(z.boolean()),
  include: z.nullish(z.array(z.string())),
  tools: z.optional(z.array(otherTool).check(z.maxLength(512))),
  tool_choice: z.optional(toolChoice),
  parallel_tool_calls: z.nullish(z.boolean()),
  max_tool_calls: z.nullish(int(z.positive())),
  text: z.nullish(z.looseObject({ format: z.optional(textFormat), verbosity: z.nullish(z.enum(['low', 'medium', 'high'])) })),
  reasoning: z.nullish(
    z.looseObject({
      effort: z.nullish(z.enum(['none', 'minimal', 'low', 'medium', 'high', 'xhigh'])),
      summary: z.nullish(z.enum(['auto', 'concise', 'detailed'])),
      generate_summary: z.nullish(z.enum(['auto', 'concise', 'detailed'])),
    }),
  ),
  max_output_tokens: z.nullish(int(z.positive())),
  metadata: z.nullish(metadata),
  truncation: z.nullish(z.enum(['auto', 'disabled'])),
  temperature: z.nullish(z.number().check(z.gte(0), z.lte(2))),
  top_p: z.nullish(z.number().check(z.gte(0), z.lte(1))),
  top_logprobs: z.nullish(int(z.gte(0), z.lte(20))),
  user: z.nullish(z.string()),
  safety_identifier: z.nullish(z.string().check(z.maxLength(256))),
  prompt_cache_key: z.nullish(z.string().check(z.maxLength(256))),
  prompt_cache_retention: z.nullish(z.enum(['in-memory', '24h'])),
  // priority is billed above the model's price: refused, as on the chat door
  service_tier: z.nullish(z.enum(['auto', 'default', 'flex'], { error: "service_tier may be auto, default or flex here (priority is billed above the model's price)" })),
  // Codex CLI's own turn metadata: forwarded to OpenAI, which takes it from Codex directly
  client_metadata: z.nullish(z.record(z.string(), z.unknown())),
});
export type ResponsesRequest = z.infer<typeof responsesRequest>;

const KNOWN_FIELDS = new Set(Object.keys(responsesRequest.def.shape));

export function unknownResponsesFields(req: ResponsesRequest): string[] {
  return Object.keys(req).filter((k) => !KNOWN_FIELDS.has(k));
}

// ---- the answer ----

export interface OutputText {
  type: 'output_text';
  text: string;
  annotations: unknown[];
  logprobs: unknown[];
}

export interface OutputMessage {
  type: 'message';
  id: string;
  role: 'assistant';
  status: 'in_progress' | 'completed' | 'incomplete';
  content: Array<OutputText | { type: 'refusal'; refusal: string }>;
}

export interface OutputFunctionCall {
  type: 'function_call';
  id: string;
  call_id: string;
  name: string;
  namespace?: string;
  arguments: string;
  status: 'in_progress' | 'completed' | 'incomplete';
}

export interface OutputCustomToolCall {
  type: 'custom_tool_call';
  id: string;
  call_id: string;
  name: string;
  input: string;
  status?: 'in_progress' | 'completed' | 'incomplete';
}

export type OutputItem = OutputMessage | OutputFunctionCall | OutputCustomToolCall | (Record<string, unknown> & { type: string; id?: string });

export interface ResponsesUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number; cache_write_tokens?: number; [k: string]: unknown };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number; [k: string]: unknown };
  total_tokens: number;
}

export type ResponseStatus = 'completed' | 'failed' | 'in_progress' | 'cancelled' | 'queued' | 'incomplete';

/** The response object (POST /v1/responses, GET /v1/responses/{id}, and inside stream events). */
export interface ResponseObject {
  id: string;
  object: 'response';
  created_at: number;
  status: ResponseStatus;
  completed_at?: number | null;
  error: { code: string; message: string } | null;
  incomplete_details: { reason: 'max_output_tokens' | 'content_filter' } | null;
  instructions: string | null;
  max_output_tokens: number | null;
  model: string;
  output: OutputItem[];
  parallel_tool_calls: boolean;
  previous_response_id: string | null;
  reasoning: { effort: string | null; summary: string | null } | null;
  store: boolean;
  temperature: number | null;
  text: { format: Record<string, unknown>; verbosity?: string | null };
  tool_choice: unknown;
  tools: unknown[];
  top_p: number | null;
  truncation: 'auto' | 'disabled';
  /** absent until the answer is whole (the document has no null here) */
  usage?: ResponsesUsage;
  metadata: Record<string, string>;
  user?: string;
  [k: string]: unknown;
}

/** One server-sent event of a streamed response (`type` and `sequence_number` on each). */
export interface ResponsesEvent {
  type: string;
  sequence_number: number;
  response?: ResponseObject;
  item?: OutputItem;
  [k: string]: unknown;
}
