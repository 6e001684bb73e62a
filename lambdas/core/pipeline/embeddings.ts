// POST /v1/embeddings: the same who → what → call → settle path as chat, without streaming.
import { embeddingsRequest } from '../openai/chat-request';
import { Deadline } from '../deadline';
import { jsonResponse, type GatewayRequest, type GatewayResponse } from '../http';
import { executeWithFallback } from '../routing/execute';
import { readPolicy } from '../routing/policy';
import { resolveModel } from '../routing/resolve';
import { estimateEmbeddingsInputTokens } from '../tokens';
import type { GatewayDeps, RequestScope } from '../gateway';
import { parseBody } from './body';
import { gatewayHeaders, settle } from './settle';

export async function handleEmbeddings(req: GatewayRequest, scope: RequestScope, deps: GatewayDeps): Promise<GatewayResponse> {
  const tenant = await deps.tenants.identify(req);
  scope.tenant = tenant.id;
  const body = parseBody(req.body, embeddingsRequest);
  scope.model = body.model;
  const route = resolveModel(body.model, deps.config, tenant);
  const policy = readPolicy(req.headers, undefined);
  const estimate = { inputTokens: estimateEmbeddingsInputTokens(body), outputTokens: 0 };
  const admission = await deps.admission.admit({ tenant, route, inputTokens: estimate.inputTokens, maxOutputTokens: 0, receivedAt: req.receivedAt });
  const deadline = new Deadline(deps.config.gateway.requestTimeoutMs, deps.clock.now(), req.signal);
  const execDeps = { ...deps, defaultTimeoutMs: deps.config.gateway.requestTimeoutMs, providerQuota: admission.providerQuota };
  try {
    const run = await executeWithFallback(route, deadline, execDeps, req.requestId, (provider, target, attempt) =>
      provider.embeddings(body, target.model, { signal: attempt.signal, requestId: req.requestId }),
    { kind: 'embeddings', policy, estimate });
    const prompt = run.value.usage?.prompt_tokens ?? estimate.inputTokens;
    const settled = settle(scope, run, { prompt_tokens: prompt, completion_tokens: 0, total_tokens: prompt }, deps, {
      route: 'embeddings',
      stream: false,
      status: 200,
    }, admission);
    return { ...jsonResponse(200, run.value, { ...admission.headers, ...gatewayHeaders(run, settled.costNanoUsd) }), after: settled.record };
  } catch (err) {
    await admission.release();
    throw err;
  } finally {
    deadline.clear();
  }
}
