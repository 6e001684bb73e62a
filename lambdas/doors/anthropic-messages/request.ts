// The Anthropic Messages request as the door takes it: checked by its schema (every object kept whole, so an
// Anthropic target gets it as it came), fields the gateway cannot price refused, the betas read from their
// header, and the chat view the core routes, prices and bounds by (chat-view.ts).
import * as z from 'zod/mini';
import { parseBody } from '../../core/pipeline/body';
import { errors } from '../../core/errors';
import type { GatewayRequest } from '../../core/http';
import type { DoorRequest } from '../../core/pipeline/serve';
import { modelNameProblem } from '../../core/routing/model-names';
import type { MessagesRequest } from '../../providers/anthropic/wire';
import { chatViewOf } from './chat-view';

const int = (...checks: Parameters<ReturnType<typeof z.int>['check']>) => z.int().check(...checks);
const modelName = z.string().check(z.refine((name) => modelNameProblem(name) === undefined, { message: 'a model name has 1-256 letters, digits and . _ - : @ + /' }));
const cacheControl = z.looseObject({ type: z.literal('ephemeral'), ttl: z.optional(z.enum(['5m', '1h'])) });

/** a content block: its type checked here, its fields by the provider that reads it (and by chat-view.ts) */
const block = z.looseObject({ type: z.string().check(z.minLength(1)), cache_control: z.nullish(cacheControl) });
const textBlock = z.looseObject({ type: z.literal('text'), text: z.string(), cache_control: z.nullish(cacheControl) });

const message = z.looseObject({
  role: z.enum(['user', 'assistant', 'system']),
  content: z.union([z.string(), z.array(block)]),
});

const tool = z.looseObject({
  name: z.string().check(z.minLength(1), z.maxLength(256)),
  type: z.nullish(z.string()),
  description: z.optional(z.string()),
  input_schema: z.optional(z.record(z.string(), z.unknown())),
  cache_control: z.nullish(cacheControl),
});

const toolChoice = z.looseObject({
  type: z.enum(['auto', 'any', 'tool', 'none']),
  name: z.optional(z.string()),
  disable_parallel_tool_use: z.optional(z.boolean()),
});

const jsonSchemaFormat = z.looseObject({ type: z.literal('json_schema'), schema: z.record(z.string(), z.unknown()) });

export const messagesRequest = z.looseObject({
  model: modelName,
  max_tokens: int(z.positive()),
  messages: z.array(message).check(z.minLength(1)),
  system: z.optional(z.union([z.string(), z.array(textBlock)])),
  metadata: z.optional(z.looseObject({ user_id: z.nullish(z.string().check(z.maxLength(512))) })),
  stop_sequences: z.optional(z.array(z.string())),
  stream: z.optional(z.boolean()),
  temperature: z.optional(z.number().check(z.gte(0), z.lte(1))),
  top_p: z.optional(z.number().check(z.gte(0), z.lte(1))),
  top_k: z.optional(int(z.gte(0))),
  tools: z.optional(z.array(tool)),
  tool_choice: z.optional(toolChoice),
  thinking: z.optional(z.looseObject({ type: z.enum(['enabled', 'disabled', 'adaptive']), budget_tokens: z.optional(int(z.positive())) })),
  output_config: z.optional(z.looseObject({ effort: z.nullish(z.string()), format: z.nullish(jsonSchemaFormat) })),
  output_format: z.nullish(jsonSchemaFormat),
  cache_control: z.nullish(cacheControl),
  context_management: z.nullish(z.looseObject({})),
  service_tier: z.optional(z.enum(['auto', 'standard_only'])),
  // fast mode is billed at a multiple of the model's price, which the gateway does not know
  speed: z.nullish(z.literal('standard', { error: "speed may be 'standard' here (fast mode is billed above the model's price)" })),
});

/** count_tokens takes the same request without an output cap */
export const countTokensRequest = z.looseObject({ ...messagesRequest.def.shape, max_tokens: z.optional(int(z.positive())) });

/** the fields the door knows; any other would reach Anthropic unpriced, and is refused */
const KNOWN_FIELDS = new Set(Object.keys(messagesRequest.def.shape));

/** Tools Anthropic runs itself and bills per use beyond tokens (searches, container hours): not priced here. */
const BILLED_SERVER_TOOLS = [/^web_search_/, /^code_execution_/];

/** `anthropic-beta` values: names such as interleaved-thinking-2025-05-14 */
const BETA_NAME = /^[a-z0-9][a-z0-9.-]{0,79}$/;
const MAX_BETAS = 32;

export interface MessagesDoorRequest extends DoorRequest {
  /** the request as it came (a native target gets it with the model and output cap set) */
  native: MessagesRequest;
  /** the `anthropic-beta` values, in order */
  betas: string[];
  /** why a target served through the chat core cannot take this request (the first thing it cannot express) */
  untranslatable?: string;
}

export function parseMessagesRequest(body: string | undefined, { req }: { req: Pick<GatewayRequest, 'headers'> }): MessagesDoorRequest {
  const native = parseBody(body, messagesRequest) as MessagesRequest;
  return describe(native, req);
}

/** count_tokens: the same checks; the view's output cap is irrelevant there */
export function parseCountTokensRequest(body: string | undefined, req: Pick<GatewayRequest, 'headers'>): MessagesDoorRequest {
  const native = parseBody(body, countTokensRequest) as MessagesRequest;
  return describe({ ...native, max_tokens: native.max_tokens ?? 1 }, req);
}

function describe(native: MessagesRequest, req: Pick<GatewayRequest, 'headers'>): MessagesDoorRequest {
  refuseUnpriced(native);
  const { chat, untranslatable } = chatViewOf(native);
  return { chat, stream: native.stream === true, native, betas: betasOf(req.headers), ...(untranslatable ? { untranslatable } : {}) };
}

function refuseUnpriced(native: MessagesRequest): void {
  const unknown = Object.keys(native).filter((k) => !KNOWN_FIELDS.has(k));
  if (unknown.length) {
    throw errors.invalidRequest(
      `Unsupported parameter${unknown.length > 1 ? 's' : ''} ${unknown.map((f) => `'${f}'`).join(', ')}: the gateway does not forward fields it cannot price.`,
      unknown[0],
    );
  }
  for (const [i, t] of ((native.tools as Array<{ type?: string | null }> | undefined) ?? []).entries()) {
    if (t.type && BILLED_SERVER_TOOLS.some((p) => p.test(t.type!))) {
      throw errors.invalidRequest(`The server tool '${t.type}' is billed per use beyond tokens, which the gateway cannot price: it is not served here.`, `tools[${i}].type`);
    }
  }
}

/** the betas a caller asked for: one header, comma-separated (as the SDKs send them) */
export function betasOf(headers: Record<string, string | undefined>): string[] {
  const header = headers['anthropic-beta'];
  if (!header) return [];
  const betas = [...new Set(header.split(',').map((b) => b.trim()).filter(Boolean))];
  if (betas.length > MAX_BETAS) throw errors.invalidRequest(`anthropic-beta names more than ${MAX_BETAS} betas.`, 'anthropic-beta');
  const bad = betas.find((b) => !BETA_NAME.test(b));
  if (bad !== undefined) throw errors.invalidRequest(`anthropic-beta: '${bad.slice(0, 80)}' is not a beta name.`, 'anthropic-beta');
  return betas;
}
