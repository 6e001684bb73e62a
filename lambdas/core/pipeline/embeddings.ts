// POST /v1/embeddings: the same who → what → call → settle path as chat, without streaming.
import { Bill } from '../admission/bill';
import { embeddingsRequest } from '../openai/chat-request';
import type { EmbeddingsResponse } from '../openai/chat-response';
import { Deadline } from '../deadline';
import { GatewayError } from '../errors';
import { jsonResponse, type GatewayRequest, type GatewayResponse } from '../http';
import { executeWithFallback, type Executed } from '../routing/execute';
import { readPolicy } from '../routing/policy';
import { resolveModel } from '../routing/resolve';
import { estimateEmbeddingsInputTokens } from '../tokens';
import type { GatewayDeps, RequestScope } from '../gateway';
import { parseBody } from './body';
import { attemptCount, gatewayHeaders, rateTokensOf, settleRequest, type RequestEnd, type RequestMoney } from './settle';

export async function handleEmbeddings(req: GatewayRequest, scope: RequestScope, deps: GatewayDeps): Promise<GatewayResponse> {
  const tenant = await deps.tenants.identify(req);
  scope.tenant = tenant.id;
  const body = parseBody(req.body, embeddingsRequest);
  scope.model = body.model;
  const route = resolveModel(body.model, deps.config, tenant, deps.prices);
  const policy = readPolicy(req.headers, undefined);
  const inputTokens = estimateEmbeddingsInputTokens(body);
  const admission = await deps.admission.admit({ tenant, route, bounds: () => ({ inputTokens, outputCap: 0 }), rateTokens: rateTokensOf(req), receivedAt: req.receivedAt });
  const deadline = new Deadline(deps.config.gateway.requestTimeoutMs, deps.clock.now(), req.signal);
  const usageOf = (tokens: number) => ({ prompt_tokens: tokens, completion_tokens: 0, total_tokens: tokens });
  const bill = new Bill(admission.worstCase, deps.admission.operator(req.receivedAt), () => usageOf(inputTokens));
  const money: RequestMoney = { bill, admission, deadline, route: 'embeddings', stream: false };
  const end: RequestEnd = { status: 0 };
  scope.settle = async () => {
    await settleRequest(scope, money, end, deps);
  };
  const execDeps = { ...deps, defaultTimeoutMs: deps.config.gateway.requestTimeoutMs, providerQuota: admission.providerQuota, abandonedCallMs: deps.config.gateway.abandonedCallMs };
  let run: Executed<EmbeddingsResponse>;
  try {
    run = await executeWithFallback(route, deadline, execDeps, req.requestId, (provider, target, attempt) =>
      provider.embeddings(body, target.model, { signal: attempt.signal, requestId: req.requestId }),
    { kind: 'embeddings', policy, estimate: { inputTokens, outputTokens: 0 }, bill, drain: async (answer) => answer.usage && usageOf(answer.usage.prompt_tokens) });
  } catch (err) {
    end.status = err instanceof GatewayError ? err.status : 500;
    throw err;
  }
  run.call.finish({ usage: usageOf(run.value.usage?.prompt_tokens ?? inputTokens) }, 200);
  end.served = run.call;
  end.status = 200;
  scope.provider = run.provider.id;
  scope.providerModel = run.target.model;
  scope.attempts = attemptCount(run);
  return jsonResponse(200, inEncoding(run.value, body.encoding_format ?? 'float'), { ...admission.headers, ...gatewayHeaders(run, run.call.costNanoUsd) });
}

/**
 * Vectors in the encoding the caller asked for (the OpenAI SDKs ask for base64 and decode it), whatever an
 * OpenAI-compatible upstream sent: some ignore `encoding_format` and answer floats. base64 is the little-endian
 * float32 bytes, as OpenAI sends them.
 */
export function inEncoding(answer: EmbeddingsResponse, encoding: 'float' | 'base64'): EmbeddingsResponse {
  for (const item of answer.data) {
    const e = item.embedding;
    if (encoding === 'base64' && Array.isArray(e)) item.embedding = Buffer.from(new Float32Array(e).buffer).toString('base64');
    else if (encoding === 'float' && typeof e === 'string') {
      // copied out of Buffer's pool, whose offsets need not be float-aligned
      item.embedding = [...new Float32Array(new Uint8Array(Buffer.from(e, 'base64')).buffer)];
    }
  }
  return answer;
}
