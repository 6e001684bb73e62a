// Shadow traffic: after the caller has the whole answer, mirror a configured share of a model's requests
// to its shadow target and record latency, cost and answer length beside the primary's. The shadow call is
// never charged to the tenant and never touches the caller's response; its failures are only logged.
import type { ChatRequest } from '../openai/chat-request';
import type { ChatCompletion, Usage } from '../openai/chat-response';
import type { ModelAlias } from '../config/schema';
import type { GatewayDeps } from '../gateway';
import { METRICS } from '../observability';
import { costNanoUsd, formatUsd, priceFor, tokenCounts } from '../pricing';
import { estimateChatUsage } from '../tokens';
import { ProviderError } from '../../providers/types';

export interface PrimaryResult {
  provider: string;
  model: string;
  /** what the caller waited for the whole answer */
  latencyMs: number;
  costNanoUsd: number;
  /** characters of answer text */
  chars: number;
}

/** whether this request is one of the shadow's sampled share */
export function sampledForShadow(alias: ModelAlias | undefined, random: () => number): boolean {
  return Boolean(alias?.shadow && alias.shadow.percent > 0 && random() * 100 < alias.shadow.percent);
}

export async function runShadow(
  body: ChatRequest,
  alias: ModelAlias,
  primary: PrimaryResult,
  requestId: string,
  deps: Pick<GatewayDeps, 'providers' | 'config' | 'clock' | 'logger' | 'metrics'>,
): Promise<void> {
  const shadow = alias.shadow!;
  const provider = deps.providers.get(shadow.provider);
  if (!provider || !(await provider.isConfigured())) {
    deps.logger.debug('shadow skipped: provider not configured here', { requestId, provider: shadow.provider });
    return;
  }
  const { stream: _stream, stream_options: _options, ...request } = body;
  const started = deps.clock.now();
  const dims = { Provider: provider.id };
  const comparison = { requestId, alias: alias.name, primary: { ...primary, costUsd: formatUsd(primary.costNanoUsd) } };
  try {
    const signal = AbortSignal.timeout(provider.config.timeoutMs ?? deps.config.gateway.requestTimeoutMs);
    const answer: ChatCompletion = await provider.chat(request, shadow.model, { signal, requestId: `${requestId}-shadow` });
    const latencyMs = deps.clock.now() - started;
    const text = answer.choices.map((c) => c.message.content ?? '').join('');
    const usage: Usage = answer.usage ?? estimateChatUsage(body, text, provider.type, shadow.model);
    const cost = costNanoUsd(tokenCounts(usage), priceFor(deps.config.pricing, provider.id, shadow.model));
    deps.logger.info('shadow compared', {
      ...comparison,
      shadow: { provider: provider.id, model: shadow.model, latencyMs, costNanoUsd: cost, costUsd: formatUsd(cost), chars: text.length },
    });
    deps.metrics.add(METRICS.shadowCalls, 1, 'Count', { ...dims, Outcome: 'ok' });
    deps.metrics.add(METRICS.shadowLatency, latencyMs, 'Milliseconds', dims);
    deps.metrics.add(METRICS.shadowCostUsd, cost / 1e9, 'None', dims);
  } catch (err) {
    const code = err instanceof ProviderError ? `${err.status} ${err.code}` : (err as Error).name;
    deps.logger.warn('shadow call failed', { ...comparison, shadow: { provider: provider.id, model: shadow.model, latencyMs: deps.clock.now() - started, error: code } });
    deps.metrics.add(METRICS.shadowCalls, 1, 'Count', { ...dims, Outcome: 'error' });
  }
}
