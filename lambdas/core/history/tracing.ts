// The OpenTelemetry GenAI attributes of a request (semantic conventions gen_ai.*), for its log line and its
// X-Ray trace: which system answered, the model asked for and the one that answered, tokens in and out, the
// operation, and the request id. Values are bounded like the rest of the log line (request-log.ts).
import type { GatewayConfig } from '../config/schema';
import type { RequestScope } from '../gateway';

/** OTel gen_ai.system values by provider type (an OpenAI-compatible preset is still "openai") */
const SYSTEMS: Record<string, string> = { openai: 'openai', anthropic: 'anthropic', gemini: 'gcp.gemini', bedrock: 'aws.bedrock', cohere: 'cohere', mock: 'mock' };
/** the log line's budget (under 1 KB, request-log.ts) leaves each model name this much; a longer one is cut */
const MODEL_CHARS = 64;

export interface GenAiAttributes {
  'gen_ai.system'?: string;
  'gen_ai.operation.name'?: 'chat' | 'embeddings';
  'gen_ai.request.model'?: string;
  'gen_ai.response.model'?: string;
  'gen_ai.usage.input_tokens'?: number;
  'gen_ai.usage.output_tokens'?: number;
  'gen_ai.request.id': string;
}

function bounded(value: string | undefined): string | undefined {
  return value === undefined || value.length <= MODEL_CHARS ? value : `${value.slice(0, MODEL_CHARS)}…`;
}

/** the attributes of a request that called a model (none for other routes) */
export function genAiAttributes(scope: RequestScope, config: Pick<GatewayConfig, 'providers'>): GenAiAttributes | undefined {
  if (!scope.model && !scope.provider) return undefined;
  const type = scope.provider ? config.providers.find((p) => p.id === scope.provider)?.type : undefined;
  const attributes: GenAiAttributes = {
    'gen_ai.system': type ? (SYSTEMS[type] ?? type) : undefined,
    'gen_ai.operation.name': scope.route === '/v1/embeddings' ? 'embeddings' : 'chat',
    'gen_ai.request.model': bounded(scope.model),
    'gen_ai.response.model': bounded(scope.providerModel),
    'gen_ai.usage.input_tokens': scope.usage?.input,
    'gen_ai.usage.output_tokens': scope.usage?.output,
    'gen_ai.request.id': scope.requestId,
  };
  for (const key of Object.keys(attributes) as Array<keyof GenAiAttributes>) if (attributes[key] === undefined) delete attributes[key];
  return attributes;
}
